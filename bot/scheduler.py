"""APScheduler wiring only: one periodic sweep, run at once on start to catch up."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

SWEEP_JOB = "reminder-sweep"


def build_scheduler(
    sweep: Callable[[], Awaitable[Any]], timezone: str, *, minutes: float = 5
) -> AsyncIOScheduler:
    """Run *sweep* now and then every *minutes*; never two at once, missed runs folded."""
    zone = ZoneInfo(timezone)
    scheduler = AsyncIOScheduler(timezone=zone)
    scheduler.add_job(
        sweep,
        "interval",
        id=SWEEP_JOB,
        seconds=minutes * 60,
        next_run_time=datetime.now(zone),  # the start-up sweep catches up after downtime
        coalesce=True,
        max_instances=1,
        # Due-ness lives in our tables, so a late sweep is as good as a punctual one.
        misfire_grace_time=3600,
    )
    return scheduler
