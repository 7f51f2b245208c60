"""The benchmarks still run end to end, at tiny sizes (the figures themselves are not checked)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


# About 35 s on two cores; its own limit (300 s) says more than pytest-timeout's would.
@pytest.mark.timeout(330)
def test_every_benchmark_runs_and_writes_its_table(tmp_path: Path) -> None:
    """`python -m bench --quick` measures each path and writes results.json and RESULTS.md."""
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert report["rounds"] >= 3
    results = report["results"]
    telegram, delivery, sms, history = (
        results[k] for k in ("telegram", "delivery", "sms", "history")
    )
    updates = telegram["intakes_per_round"] * telegram["updates_per_intake"]
    for side in ("jourbot", "bare_ack", "bare_echo"):
        runs = telegram["rounds"][side]
        assert len(runs) == report["rounds"]
        assert all(run["updates"] == updates and run["updates_per_second"] > 0 for run in runs)
    # Every intake made its case: the whole intake ran, buttons included.
    assert all(run["cases_stored"] == run["intakes"] for run in telegram["rounds"]["jourbot"])
    for row in (delivery["instant"], delivery["round_trip_50ms"]):
        assert row["jourbot"]["messages_per_second"]["min"] > 0
        assert row["bare_send_loop"]["messages_per_second"]["min"] > 0
    webhook, e2e = sms["webhook"], sms["end_to_end"]
    for side in ("jourbot", "bare_endpoint"):
        assert all(run["requests"] == webhook["requests"] for run in webhook["rounds"][side])
    for side in ("jourbot", "bare_end_to_end"):
        for run in e2e["rounds"][side]:
            # Every text was answered by a text that reached the fake Twilio.
            assert run["turns"] == e2e["senders"] * e2e["turns_each"] == run["texts_sent_back"]
    for size in history["sizes"]:
        figures = history["by_size"][str(size)]
        assert len(figures["rounds"]) == report["rounds"]
        assert figures["startup_to_healthy_s"] > 0 and figures["rss_peak_mb"] > 0
    assert set(history["largest_to_smallest"]) >= {"intake_turn", "erasure", "sweep", "report"}
    webchat = results["webchat"]
    for side in ("jourbot", "bare"):
        runs = webchat["rounds"][side]
        assert len(runs) == report["rounds"]
        for run in runs:
            # Every chat opened and got its greeting; every post got both its events.
            posts = sum(stage["posts"] for stage in run["stages"].values())
            assert run["events"] == webchat["chats"] + 2 * posts
            assert run["rss_open_mb"] > 0
    table = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    for heading in ("## Targets", "**Missed:**", "## Telegram: whole intakes",
                    "## Telegram delivery", "## SMS", "## Seeded history",
                    "## Units of work", "## Web chat"):  # fmt: skip
        assert heading in table
