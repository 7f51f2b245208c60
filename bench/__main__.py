"""Run the benchmarks; write bench/results.json and bench/RESULTS.md and print the tables.

.venv/bin/python -m bench                          # everything (about 30 minutes on 2 cores)
.venv/bin/python -m bench --quick                  # tiny sizes: checks that everything runs
.venv/bin/python -m bench --only telegram,delivery,sms,history,trips
.venv/bin/python -m bench --only history --sizes 10000,100000
.venv/bin/python -m bench --only desk --out /tmp/desk   # the staff desk, 10,000 open cases
.venv/bin/python -m bench --only webchat --out /tmp/webchat   # 2,000 open web chats
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import delivery, desk, history, service_paths, telegram_pipeline, transactions, webchat
from bench.report import mark, markdown, targets

HERE = Path(__file__).parent
PARTS = ("telegram", "delivery", "sms", "history", "trips", "desk", "webchat")
FULL: dict[str, dict[str, Any]] = {
    "telegram": {"intakes_per_round": 300},
    "delivery": {"seekers": 1_000, "waiting_messages": 400},
    "sms": {"requests": 5_000, "seekers": 1_000, "senders": 32, "turns": 10},
    "history": {},
    "desk": {},
    "webchat": {},  # 2,000 chats; 2,000 posts at 50 a second, then 2,000 at 100
}
QUICK: dict[str, dict[str, Any]] = {
    "telegram": {"intakes_per_round": 6},
    "delivery": {"seekers": 10, "waiting_messages": 12},
    "sms": {"requests": 60, "seekers": 12, "concurrency": 4, "senders": 3, "turns": 3},
    "history": {
        "sizes": (600, 1_200),
        "reps": 2,
        "sweeps": 1,
        "reports": 1,
        "open_cases": 50,
        "sms_senders": 30,
    },
    "desk": {"open_cases": 400, "closed_cases": 1_000, "mine": 40, "requests": 10},
    "webchat": {
        "chats": 20,
        "stages": ((100.0, 20), (200.0, 20)),
        "waiting_seconds": 0.2,
        "settle_seconds": 0.05,
    },
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


def with_desk(text: str, results: dict[str, Any]) -> str:
    """The desk's targets added to the table of targets (and to what is missed), and its
    section after the others."""
    if "desk" not in results:
        return text
    found = desk.targets(results)
    missed = [t for t in [*targets(results), *found] if not t.met]
    lines = text.rstrip("\n").split("\n")
    at = next(n for n, line in enumerate(lines) if line.startswith("**Missed:**"))
    lines[at - 1 : at + 1] = [
        *(f"| {t.part} | {t.what} | {t.judged} | {mark(t.met)} |" for t in found),
        "",
        "**Missed:** "
        + ("; ".join(f"{t.what} ({t.judged})" for t in missed) + "." if missed else "none."),
    ]
    return "\n".join([*lines, "", *desk.table(results["desk"])]) + "\n"


async def measure(
    sizes: dict[str, dict[str, Any]], only: set[str], rounds: int, history_sizes: tuple[int, ...]
) -> dict[str, Any]:
    """Run the chosen parts in order; each part's figures and how long it took."""
    results: dict[str, Any] = {}
    took: dict[str, float] = {}
    for part in PARTS:
        if part not in only:
            continue
        started = time.perf_counter()
        if part == "telegram":
            results[part] = await telegram_pipeline.run(**sizes[part], rounds=rounds)
        elif part == "delivery":
            results[part] = await delivery.run(**sizes[part], rounds=rounds)
        elif part == "sms":
            results[part] = await service_paths.run(**sizes[part], rounds=rounds)
        elif part == "history":
            plan = history.Plan(**sizes[part], rounds=rounds)
            if history_sizes:
                plan = dataclasses.replace(plan, sizes=history_sizes)
            results[part] = await history.run(plan)
        elif part == "desk":
            results[part] = await desk.run(desk.Plan(**sizes[part], rounds=rounds))
        elif part == "webchat":
            results[part] = await webchat.run(webchat.Plan(**sizes[part], rounds=rounds))
        else:
            results[part] = await transactions.count()
        took[part] = round(time.perf_counter() - started, 1)
    results["seconds"] = took
    return results


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check it runs")
    parser.add_argument("--only", default=",".join(PARTS), help="parts, comma-separated")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every comparison")
    parser.add_argument(
        "--sizes", default="", help="stored cases of the seeded history, e.g. 10000,100000"
    )
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    # Errors only: a burst of intakes fills a coordinator's queue of notices past its cap
    # (the outbox drops the rest and warns once a message), which would drown the tables.
    logging.basicConfig(level=logging.ERROR)
    only = set(args.only.split(","))
    unknown = only - set(PARTS)
    if unknown:
        parser.error(f"--only: unknown part(s) {', '.join(sorted(unknown))}")
    sizes = tuple(int(s) for s in args.sizes.split(",") if s.strip())
    started = time.perf_counter()
    results = await measure(QUICK if args.quick else FULL, only, args.rounds, sizes)
    report = {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": machine(),
        "quick": args.quick,
        "command": " ".join(["python -m bench", *(sys.argv[1:] if argv is None else argv)]),
        "rounds": args.rounds,
        "total_seconds": round(time.perf_counter() - started, 1),
        "results": results,
        "targets": [
            dataclasses.asdict(target) for target in [*targets(results), *desk.targets(results)]
        ],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    text = with_desk(markdown(report), results)
    (args.out / "RESULTS.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    asyncio.run(main())
