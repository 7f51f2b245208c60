"""Shared fixtures: the shipped configuration, a settable clock and compiled catalogs."""

from __future__ import annotations

import asyncio
import signal
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from bot.config import SendLimits, Settings, load_settings
from bot.domain.model import Partnership
from bot.i18n import Catalogs, default_locales_dir

ROOT = Path(__file__).resolve().parent.parent


def pytest_timeout_set_timer(item: pytest.Item, settings: Any) -> bool:
    """Fail a test that hangs, showing where each of its asyncio tasks waits.

    pytest-timeout's own handler shows the threads' stacks, and a hung async test's main
    thread only shows the event loop's select; the tasks tell what never finished.
    """

    def fail(signum: int, frame: FrameType | None) -> None:
        __tracebackhide__ = True
        try:
            tasks = asyncio.all_tasks()
        except RuntimeError:  # no loop running: a synchronous test
            tasks = set()
        for task in tasks:
            print(f"--- {task.get_name()} {task.get_coro()!r}", file=sys.stderr)
            task.print_stack(file=sys.stderr)
        pytest.fail(f"Timeout: more than {settings.timeout} s ({len(tasks)} tasks shown above)")

    def cancel() -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)

    item.cancel_timeout = cancel  # type: ignore[attr-defined]  # pytest-timeout calls it
    signal.signal(signal.SIGALRM, fail)
    signal.setitimer(signal.ITIMER_REAL, settings.timeout)
    return True


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.moment = now

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture(scope="session")
def shipped_settings() -> Settings:
    # Read once (checking the districts' aliases takes about 30 ms); frozen all the way
    # down, so no test can change what another one reads.
    return load_settings({})


@pytest.fixture
def settings(shipped_settings: Settings, tmp_path: Path) -> Settings:
    # Tests send as fast as they can; the pacing itself is tested on its own.
    return replace(
        shipped_settings, db_path=tmp_path / "jourbot.db", send_limits=SendLimits(0.0, 0.0, 0.0)
    )


@pytest.fixture
def partnership(settings: Settings) -> Partnership:
    return settings.partnership


@pytest.fixture
def clock() -> FakeClock:
    # A Tuesday afternoon in Stockholm (CET, UTC+1).
    return FakeClock(datetime(2026, 11, 24, 13, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    return Catalogs(default_locales_dir(), "Europe/Stockholm")
