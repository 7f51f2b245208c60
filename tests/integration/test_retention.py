"""Retention and erasure over real SQLite: nothing erased stays in the files or the logs.

What goes and when, and what stays, is specified on the in-memory units, through the ports,
in tests/services/test_retention.py; here the database files themselves are read.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest

from bot.app import Jourbot, build
from bot.config import Settings
from bot.domain.cases import CloseReason, StaffRole
from bot.domain.dialogue import Command, CommandName, Text
from bot.domain.model import Channel
from bot.logs import configure_logging
from bot.storage.units import Units
from tests.conftest import FakeClock
from tests.integration.test_staff_access import seeker_intake

CHAT_ID = "987650123"
MESSAGE = "Min granne Zacharias hotade mig igen i trapphuset"


@pytest.fixture
async def jourbot(settings: Settings, clock: FakeClock) -> AsyncIterator[Jourbot]:
    app = await build(settings, clock=clock, run_scheduler=False)
    try:
        yield app
    finally:
        await app.close()


async def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    async with aiosqlite.connect(path) as db, db.execute(sql) as cursor:
        return [tuple(r) for r in await cursor.fetchall()]


def raw(path: Path) -> bytes:
    wal = Path(f"{path}-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def case_with_conversation(jourbot: Jourbot, clock: FakeClock) -> tuple[str, int]:
    """A seeker's case with a phone number, a relayed message each way, and a volunteer."""
    reference = await seeker_intake(jourbot, CHAT_ID)
    async with Units(jourbot.database).begin() as unit:
        volunteer = await unit.staff.add(
            org_id="vasterort", role=StaffRole.COORDINATOR, name="C", telegram_id=5,
            locale="en", now=clock.now(),
        )  # fmt: skip
        actor = await unit.staff.by_id(volunteer)
    await jourbot.intake.handle(Channel.TELEGRAM, CHAT_ID, Text(MESSAGE))
    await jourbot.staff.relay(actor, reference, "Jag ringer dig i kväll om Zacharias")
    async with Units(jourbot.database).begin() as unit:
        case = await unit.cases.by_reference(reference)
    assert case is not None
    return reference, case.id


async def test_erasure_leaves_no_trace_in_the_files_or_logs(
    jourbot: Jourbot, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """After /delete, the phone number, chat id and messages are in neither file nor log."""
    configure_logging(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    path = jourbot.settings.db_path
    await case_with_conversation(jourbot, clock)
    assert b"Zacharias" in raw(path)
    await jourbot.intake.handle(Channel.TELEGRAM, CHAT_ID, Command(CommandName.ERASE))
    data = raw(path)
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    for secret in ("+46701234567", "0701234567", CHAT_ID, "Zacharias", "trapphuset"):
        assert secret.encode() not in data, secret
        assert secret not in logged, secret


async def test_purge_leaves_no_trace_in_the_files(jourbot: Jourbot, clock: FakeClock) -> None:
    """A closed case past its time is stripped from the file and its WAL, not only hidden."""
    path = jourbot.settings.db_path
    _, case_id = await case_with_conversation(jourbot, clock)
    async with Units(jourbot.database).begin() as unit:
        await unit.cases.close(case_id, CloseReason.SUPPORTED, clock.now())
    assert b"Zacharias" in raw(path) and b"+46701234567" in raw(path)
    clock.advance(days=jourbot.settings.retention.closed_case_days, seconds=1)
    assert (await jourbot.retention.purge()).closed_cases == 1
    data = raw(path)
    assert b"Zacharias" not in data and b"+46701234567" not in data


async def test_erase_on_request_leaves_no_trace_in_the_files(
    jourbot: Jourbot, clock: FakeClock
) -> None:
    """`jourbot purge --case REF`: the case's data is gone from the file and its WAL."""
    path = jourbot.settings.db_path
    reference, _ = await case_with_conversation(jourbot, clock)
    assert b"Zacharias" in raw(path) and b"+46701234567" in raw(path)
    assert await jourbot.retention.erase_case(reference)
    data = raw(path)
    assert b"Zacharias" not in data and b"+46701234567" not in data


async def test_backup_is_a_consistent_copy(
    jourbot: Jourbot, clock: FakeClock, tmp_path: Path
) -> None:
    """The online backup opens as a database with the same cases."""
    await case_with_conversation(jourbot, clock)
    copy = tmp_path / "copy.db"
    await jourbot.database.backup(copy)
    assert await rows(copy, "SELECT COUNT(*) FROM cases") == [(1,)]
    assert await rows(copy, "PRAGMA integrity_check") == [("ok",)]


def test_retention_days_are_configuration(tmp_path: Path) -> None:
    """The periods come from the configuration file, with the agreed defaults."""
    from bot.config import load_settings

    defaults = load_settings({}).retention
    assert (defaults.closed_case_days, defaults.abandoned_intake_days) == (183, 7)
    text = (Path(__file__).parents[2] / "bot" / "default_config.toml").read_text(encoding="utf-8")
    custom = tmp_path / "jourbot.toml"
    custom.write_text(text.replace("closed_case_days = 183", "closed_case_days = 90"), "utf-8")
    assert load_settings({"JOURBOT_CONFIG": str(custom)}).retention.closed_case_days == 90
