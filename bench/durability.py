"""What durable commits cost: SMS-like intake turns per second with synchronous=FULL (the
default) against NORMAL, on the production path (IntakeService over SQLite), alternating.

Each round runs the same turns (many seekers at once, so group commit shares the fsyncs as
it does under load) on a fresh database of each kind; min / median / max over the rounds.

.venv/bin/python -m bench.durability [--turns N] [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.app import open_core
from bot.config import load_settings
from bot.domain.dialogue import Command, CommandName, Pick
from bot.domain.model import Channel
from bot.domain.questions import Step


async def turns_per_second(folder: Path, synchronous: str, seekers: int) -> float:
    """Start, pick a language, consent: three turns for each of *seekers*, all at once."""
    settings = replace(
        load_settings({"JOURBOT_DB": str(folder / f"{synchronous}.db")}), synchronous=synchronous
    )
    core = await open_core(settings)
    try:

        async def seeker(n: int) -> None:
            address = f"+4670{n:07d}"
            for inbound in (
                Command(CommandName.START),
                Pick(Step.LANGUAGE, "sv"),
                Pick(Step.CONSENT, "yes"),
            ):
                await core.intake.handle(Channel.CONSOLE, address, inbound)

        started = time.perf_counter()
        await asyncio.gather(*(seeker(n) for n in range(seekers)))
        return 3 * seekers / (time.perf_counter() - started)
    finally:
        await core.close()


async def measure(seekers: int = 500, rounds: int = 3) -> dict[str, Any]:
    """Alternate NORMAL and FULL for *rounds*; return turns/s as min / median / max each."""
    runs: dict[str, list[float]] = {"normal": [], "full": []}
    with tempfile.TemporaryDirectory() as tmp:
        await turns_per_second(Path(tmp), "normal", seekers // 5 or 1)  # warm up, not counted
        for number in range(rounds):
            # Each goes first in turn: the machine's own drift falls on both alike.
            order = ("normal", "full") if number % 2 == 0 else ("full", "normal")
            for kind in order:
                folder = Path(tmp) / f"{kind}{number}"
                folder.mkdir()
                runs[kind].append(await turns_per_second(folder, kind, seekers))
    summary: dict[str, Any] = {
        kind: {"min": min(v), "median": statistics.median(v), "max": max(v)}
        for kind, v in runs.items()
    }
    summary["ratio_median"] = summary["full"]["median"] / summary["normal"]["median"]
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seekers", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    result = asyncio.run(measure(args.seekers, args.rounds))
    for kind in ("normal", "full"):
        r = result[kind]
        print(f"{kind:>6}: {r['min']:.0f} / {r['median']:.0f} / {r['max']:.0f} turns/s")
    print(f"full / normal (medians): {result['ratio_median']:.2f}")


if __name__ == "__main__":
    main()
