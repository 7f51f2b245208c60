"""Run the benchmarks against the frameworks' own floor; write bench/results.json and RESULTS.md.

.venv/bin/python -m bench            # the full run (about a minute on 2 cores)
.venv/bin/python -m bench --quick    # tiny sizes: checks that every benchmark still runs
.venv/bin/python -m bench --only telegram,sms,sweep,trips
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import reminder_sweep, service_paths, telegram_pipeline, transactions

HERE = Path(__file__).parent
FULL: dict[str, dict[str, Any]] = {
    "telegram": {"updates": 20_000, "seekers": 2_000},
    "sms": {"requests": 5_000, "seekers": 1_000, "stored": 100_000},
    "sweep": {"sizes": (10_000, 1_000_000), "runs": 20},
}
QUICK: dict[str, dict[str, Any]] = {
    "telegram": {"updates": 200, "seekers": 20},
    "sms": {"requests": 100, "seekers": 20, "stored": 1_000, "concurrency": 8},
    "sweep": {"sizes": (500, 2_000), "runs": 2, "open_cases": 100},
}


def machine() -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} cores {model}, {platform.system()} {platform.machine()}, "
        f"{platform.python_implementation()} {platform.python_version()}"
    )


async def measure(sizes: dict[str, dict[str, Any]], only: set[str]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    if "telegram" in only:
        results["telegram"] = await telegram_pipeline.run(**sizes["telegram"])
    if "sms" in only:
        results["sms"] = await service_paths.run(**sizes["sms"])
    if "sweep" in only:
        results["sweep"] = await reminder_sweep.run(**sizes["sweep"])
    if "trips" in only:
        results["trips"] = await transactions.count()
    return results


def rows(results: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(what, jourbot, bare framework, target, met) for the Markdown table."""
    table = []
    telegram = results.get("telegram")
    if telegram:
        for name, label in (("instant", "instant Bot API"), ("round_trip_50ms", "50 ms Bot API")):
            run = telegram[name]
            ours, bare = run["jourbot"], run["bare_echo"]
            table.append((
                f"Telegram, {label}: updates/s",
                str(ours["updates_per_second"]), str(bare["updates_per_second"]),
                ">= 0.5 x bare", _met(run["throughput_ratio"] >= 0.5, run["throughput_ratio"]),
            ))  # fmt: skip
            p99_target = ours["p99_ms"] < 20 if name == "instant" else ours["each_chat_in_order"]
            table.append((
                f"Telegram, {label}: p50 / p99 ms",
                f"{ours['p50_ms']} / {ours['p99_ms']}", f"{bare['p50_ms']} / {bare['p99_ms']}",
                "p99 < 20 ms" if name == "instant" else "each chat in order",
                _met(p99_target),
            ))  # fmt: skip
    sms = results.get("sms")
    if sms:
        ours, bare = sms["jourbot"], sms["bare_endpoint"]
        table += [
            ("SMS webhook: requests/s", str(ours["requests_per_second"]),
             str(bare["requests_per_second"]), ">= 0.5 x bare",
             _met(sms["throughput_ratio"] >= 0.5, sms["throughput_ratio"])),
            ("SMS webhook: p50 / p99 ms", f"{ours['p50_ms']} / {ours['p99_ms']}",
             f"{bare['p50_ms']} / {bare['p99_ms']}", "p99 <= 2 x bare",
             _met(sms["p99_ratio"] <= 2, sms["p99_ratio"])),
            ("SMS: every turn done after the burst (s)", str(ours["turns_done_after_burst_s"]),
             "-", "-", "-"),
            (f"Peak RSS with {sms['stored_cases']:,} cases (MB)", str(sms["peak_rss_mb"]), "-",
             "< 110", _met(sms["peak_rss_mb"] < 110)),
            ("Start-up to healthy (s)", str(sms["startup_to_healthy_s"]), "-", "< 2",
             _met(sms["startup_to_healthy_s"] < 2)),
        ]  # fmt: skip
    sweep = results.get("sweep")
    if sweep:
        small, large = sweep["results"]
        table.append((
            f"Reminder sweep, {small['open_cases']:,} open: ms at {small['stored_cases']:,} / "
            f"{large['stored_cases']:,} stored",
            f"{small['sweep_median_ms']} / {large['sweep_median_ms']}", "-",
            "ratio < 1.5 and < 50 ms",
            _met(sweep["targets_met"], sweep["ratio_large_to_small"]),
        ))  # fmt: skip
    trips = results.get("trips")
    if trips:
        for kind, label, target, before in (
            ("sms", "an SMS and its reply", 4, "11-12"),
            ("telegram", "a Telegram update and its reply", 3, "6"),
        ):
            counted = [
                run.get("run", 0) + run.get("transaction", 0)
                for name, run in trips.items()
                if name.startswith(kind)
            ]
            table.append((
                f"Units of work for {label} (before the outbox went into the turn: {before})",
                " / ".join(map(str, counted)), "-", f"<= {target}",
                _met(max(counted) <= target),
            ))  # fmt: skip
    return table


def _met(ok: bool, ratio: float | None = None) -> str:
    mark = "yes" if ok else "**no**"
    return f"{mark} ({ratio})" if ratio is not None else mark


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Run {report['date']} on {report['machine']}, with `.venv/bin/python -m bench`.",
        "Each row runs our full path and the bare framework in the same run; ratios in brackets.",
        "",
        "| measure | jourbot | bare framework | target | met |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {' | '.join(row)} |" for row in rows(report["results"])]
    return "\n".join(lines) + "\n"


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check it runs")
    parser.add_argument("--only", default="telegram,sms,sweep,trips")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    report = {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": machine(),
        "quick": args.quick,
        "results": await measure(QUICK if args.quick else FULL, set(args.only.split(","))),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    text = markdown(report)
    (args.out / "RESULTS.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    asyncio.run(main())
