"""Rounds that alternate the sides of a comparison, and the min / median / max of each figure.

The machine is shared and noisy: a figure taken once says little. Every comparison runs its
sides one after the other, in a different order each round (A B, B A, A B, ...), so a slow
spell of the machine falls on both sides alike; each figure is then reported as the min,
median and max over the rounds, and each ratio is taken within a round (the two sides ran
seconds apart) before its spread is taken.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

Side = Callable[[int], Awaitable[dict[str, Any]]]  # given the round's number


def spread(values: Sequence[float], places: int = 2) -> dict[str, float]:
    """The min, median and max of *values*."""
    return {
        "min": round(min(values), places),
        "median": round(statistics.median(values), places),
        "max": round(max(values), places),
    }


def percentile(values: Sequence[float], share: float) -> float:
    """The value below which *share* of *values* lie (nearest rank, as the old rows had it)."""
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))]


async def alternate(sides: Mapping[str, Side], rounds: int) -> dict[str, list[dict[str, Any]]]:
    """Run every side once a round, the order reversed every other round; each side's runs."""
    names = list(sides)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for number in range(rounds):
        for name in names if number % 2 == 0 else reversed(names):
            runs[name].append(await sides[name](number))
    return runs


def summary(runs: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> dict[str, Any]:
    """The spread of each numeric figure *keys* over the rounds."""
    return {key: spread([float(run[key]) for run in runs]) for key in keys}


def ratios(
    ours: Sequence[Mapping[str, Any]], theirs: Sequence[Mapping[str, Any]], key: str
) -> dict[str, float]:
    """ours / theirs of one figure, round by round (the pairs ran side by side), spread."""
    return spread([float(a[key]) / float(b[key]) for a, b in zip(ours, theirs, strict=True)], 3)


class CpuClock:
    """CPU time of this process (every thread, the database's included) and wall time."""

    def __init__(self) -> None:
        self.cpu = time.process_time()
        self.wall = time.perf_counter()

    def elapsed(self) -> tuple[float, float]:
        """(CPU seconds, wall seconds) since the clock was made."""
        return time.process_time() - self.cpu, time.perf_counter() - self.wall


def child_cpu_seconds(pid: int) -> float:
    """CPU seconds (user and system) a child process has used so far, from /proc."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks
