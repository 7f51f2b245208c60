"""APScheduler wiring only: one periodic sweep, run at once on start to catch up."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

SWEEP_JOB = "reminder-sweep"
PURGE_JOB = "retention-purge"


def build_scheduler(
    timezone: str,
    *,
    sweep: Callable[[], Awaitable[Any]] | None = None,
    minutes: float = 5,
    purge: Callable[[], Awaitable[Any]] | None = None,
) -> AsyncIOScheduler:
    """Run *sweep* now and then every *minutes*, and *purge* every night at 03:30 local.

    Never two runs of a job at once; missed runs are folded into one.
    """
    zone = ZoneInfo(timezone)
    scheduler = AsyncIOScheduler(timezone=zone)
    if sweep is not None:
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
    if purge is not None:
        scheduler.add_job(
            purge,
            "cron",
            id=PURGE_JOB,
            hour=3,
            minute=30,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=6 * 3600,
        )
    return scheduler
