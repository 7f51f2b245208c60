"""The benchmarks still run end to end, at tiny sizes (the figures themselves are not checked)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_every_benchmark_runs_and_writes_its_table(tmp_path: Path) -> None:
    """`python -m bench --quick` measures each path and writes results.json and RESULTS.md."""
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    telegram, sms, sweep = (report["results"][k] for k in ("telegram", "sms", "sweep"))
    for run in (telegram["instant"], telegram["round_trip_50ms"]):
        for bot in (run["jourbot"], run["bare_echo"]):
            assert bot["updates"] == 200
            assert bot["updates_per_second"] > 0
        assert run["jourbot"]["each_chat_in_order"]
    assert sms["jourbot"]["requests"] == sms["bare_endpoint"]["requests"] == 100
    assert sms["peak_rss_mb"] > 0 and sms["startup_to_healthy_s"] > 0
    assert len(sweep["results"]) == 2
    table = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    for row in ("Telegram, instant Bot API: updates/s", "SMS webhook: requests/s",
                "Peak RSS", "Start-up to healthy", "Reminder sweep"):  # fmt: skip
        assert f"| {row}" in table
