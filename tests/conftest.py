"""Shared fixtures: the shipped configuration, a settable clock and compiled catalogs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import SendLimits, Settings, load_settings
from bot.domain.model import Partnership
from bot.i18n import Catalogs, default_locales_dir

ROOT = Path(__file__).resolve().parent.parent


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
