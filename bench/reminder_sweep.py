"""Time one reminder sweep with 2,000 open cases among 10,000 and among 1,000,000 stored.

The sweep must cost what the open cases cost, not what the whole history costs: the
candidate query reads a partial index of the cases still waiting for first contact.

    .venv/bin/python bench/reminder_sweep.py [--runs 20] [--out PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.config import load_settings
from bot.services.reminders import ReminderService
from bot.storage.database import Database
from bot.storage.units import Units

OPEN = 2_000
NOW = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)


class Clock:
    def now(self) -> datetime:
        return NOW


def seed(path: Path, stored: int, open_cases: int = OPEN) -> None:
    """Write *stored* cases, *open_cases* of them waiting for first contact, with attempts."""
    rng = random.Random(stored)
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO staff (id, org_id, role, name, telegram_id, telegram_chat, locale, "
            "trained_on, created_at) VALUES (1, 'vasterort', 'coordinator', 'C', 1, '1', 'sv', "
            "NULL, '2026')"
        )
        db.executemany(
            "INSERT INTO staff (id, org_id, role, name, telegram_id, telegram_chat, locale, "
            "trained_on, created_at) "
            "VALUES (?, 'vasterort', 'volunteer', 'V', ?, ?, 'sv', '2026-01-01', '2026')",
            [(i, i, str(i)) for i in range(2, 52)],
        )
        open_ids = set(rng.sample(range(1, stored + 1), open_cases))
        rows = []
        for i in range(1, stored + 1):
            is_open = i in open_ids
            hours = rng.randint(1, 120) if is_open else rng.randint(200, 20000)
            received = NOW - timedelta(hours=hours)
            rows.append(
                (
                    i, f"R{i:07d}", "vasterort", received.isoformat(timespec="seconds"),
                    ("assigned" if i % 3 else "new") if is_open else "closed",
                    (2 + i % 50) if (is_open and i % 3) or not is_open else None,
                )
            )  # fmt: skip
            if len(rows) == 50_000:
                _insert_cases(db, rows)
                rows = []
        _insert_cases(db, rows)
        db.executemany(
            "INSERT INTO attempts (case_id, staff_id, at, channel, outcome, recorded_at) "
            "VALUES (?, 2, ?, 'phone', 'no_answer', ?)",
            [
                (i, (NOW - timedelta(hours=30)).isoformat(), NOW.isoformat())
                for i in sorted(open_ids)[: open_cases // 2]
            ],
        )
        db.commit()


def _insert_cases(db: sqlite3.Connection, rows: Sequence[tuple[object, ...]]) -> None:
    db.executemany(
        "INSERT INTO cases (id, reference, source, channel, org_id, locale, received_at, status, "
        "contact, volunteer_id) VALUES (?, ?, 'bot', 'telegram', ?, 'sv', ?, ?, 'call', ?)",
        [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows],
    )


async def measure(
    stored: int, runs: int, workdir: Path, open_cases: int = OPEN
) -> dict[str, float]:
    path = workdir / f"bench-{stored}.db"
    database = await Database.open(path)
    await database.close()
    started = time.perf_counter()
    seed(path, stored, open_cases)
    seeded = time.perf_counter() - started
    settings = load_settings({"JOURBOT_DB": str(path)})
    database = await Database.open(path)
    service = ReminderService(Units(database), Clock(), settings.partnership, lambda: None)
    first = time.perf_counter()
    sent = len(await service.sweep(NOW))  # sends what is due, as after a restart
    first = time.perf_counter() - first
    timings = []
    for _ in range(runs):  # the steady state: every five minutes, nothing new
        started = time.perf_counter()
        await service.sweep(NOW)
        timings.append((time.perf_counter() - started) * 1000)
    await database.close()
    return {
        "stored_cases": stored,
        "open_cases": open_cases,
        "seed_seconds": round(seeded, 1),
        "first_sweep_ms": round(first * 1000, 1),
        "reminders_sent_first_sweep": sent,
        "sweep_median_ms": round(statistics.median(timings), 2),
        "sweep_p95_ms": round(sorted(timings)[int(0.95 * (len(timings) - 1))], 2),
    }


async def run(
    sizes: tuple[int, int] = (10_000, 1_000_000), runs: int = 20, open_cases: int = OPEN
) -> dict[str, object]:
    """Sweep with the same open cases among a small and a large history; compare."""
    with tempfile.TemporaryDirectory() as tmp:
        small = await measure(sizes[0], runs, Path(tmp), open_cases)
        large = await measure(sizes[1], runs, Path(tmp), open_cases)
    ratio = large["sweep_median_ms"] / small["sweep_median_ms"]
    return {
        "results": [small, large],
        "ratio_large_to_small": round(ratio, 2),
        "targets": {"ratio_below": 1.5, "median_ms_at_large_below": 50},
        "targets_met": ratio < 1.5 and large["sweep_median_ms"] < 50,
    }


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--out", type=Path, help="also write the figures here as JSON")
    args = parser.parse_args(argv)
    result = {
        "benchmark": "reminder sweep",
        "date": datetime.now(UTC).date().isoformat(),
        "machine": f"{platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.system()}",
        **(await run(runs=args.runs)),
    }
    if args.out is not None:
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
