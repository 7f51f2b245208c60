"""The intake service over real SQLite: what is about the database itself.

A conversation outlives a restart, erased data is gone from the file's bytes, the schema
migrates, and a failed unit of work leaves nothing. What a turn stores, queues and tells is
specified on the in-memory units, through the ports, in tests/services/test_intake.py.
"""

from __future__ import annotations

from pathlib import Path

import aiosqlite
import pytest

from bot.config import Settings
from bot.domain.conversation import Language
from bot.domain.dialogue import Command, CommandName, Text
from bot.domain.model import Channel
from bot.domain.questions import Step
from bot.services.intake import IntakeService
from bot.storage.database import Database
from bot.storage.migrations import MIGRATIONS
from bot.storage.units import Units
from tests.conftest import FakeClock
from tests.intake_script import NOTE, WHOLE_INTAKE, as_inbound, through_service

LANGUAGES = (Language("sv", "Svenska"), Language("en", "English"))
ADDRESS = "4242"
UNTIL_CONTACT = 8  # answers given before the contact question


def make_service(database: Database, settings: Settings, clock: FakeClock) -> IntakeService:
    return IntakeService(
        Units(database), clock, settings.partnership, LANGUAGES, settings.default_locale
    )


async def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    async with aiosqlite.connect(path) as db, db.execute(sql) as cursor:
        return [tuple(r) for r in await cursor.fetchall()]


def raw(path: Path) -> bytes:
    """The database file and its write-ahead log, as bytes."""
    wal = Path(f"{path}-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def test_conversation_survives_a_restart(settings: Settings, clock: FakeClock) -> None:
    """Closing the database mid-intake and opening it again continues at the same step."""
    database = await Database.open(settings.db_path)
    service = make_service(database, settings, clock)
    await through_service(service, Channel.TELEGRAM, ADDRESS, WHOLE_INTAKE[:UNTIL_CONTACT])
    await database.close()

    reopened = await Database.open(settings.db_path)
    try:
        service = make_service(reopened, settings, clock)
        answer = await service.handle(Channel.TELEGRAM, ADDRESS, Text("nonsense"))
        assert answer.locale == "sv"
        assert answer.replies[-1].step == Step.CONTACT
        for step, value in WHOLE_INTAKE[UNTIL_CONTACT:]:
            await service.handle(Channel.TELEGRAM, ADDRESS, as_inbound(step, value))
        async with Units(reopened).begin() as unit:
            _, state = await unit.intake.seeker_and_state(Channel.TELEGRAM, ADDRESS)
            assert state is not None and state.reference is not None
            assert await unit.cases.by_reference(state.reference) is not None
    finally:
        await reopened.close()


async def test_erasure_leaves_nothing_in_the_file(settings: Settings, clock: FakeClock) -> None:
    """After /delete the phone number and notes are in neither the file nor its WAL."""
    told = (b"+46701234567", NOTE.encode())
    database = await Database.open(settings.db_path)
    try:
        service = make_service(database, settings, clock)
        await through_service(service, Channel.TELEGRAM, ADDRESS)
        assert all(secret in raw(settings.db_path) for secret in told)
        await service.handle(Channel.TELEGRAM, ADDRESS, Command(CommandName.ERASE))
    finally:
        await database.close()
    data = raw(settings.db_path)
    for secret in told:
        assert secret not in data, secret


async def test_migrations_set_the_schema_version(settings: Settings) -> None:
    """A new database is at the latest version, and migrating again changes nothing."""
    database = await Database.open(settings.db_path)
    assert await database.schema_version() == len(MIGRATIONS)
    assert await database.migrate() == len(MIGRATIONS)
    await database.close()


async def test_failed_transaction_rolls_back(settings: Settings) -> None:
    """An error inside a unit of work leaves nothing behind."""
    database = await Database.open(settings.db_path)
    with pytest.raises(RuntimeError):
        async with database.transaction() as db:
            await db.execute(
                "INSERT INTO seekers (channel, address, created_at) VALUES ('sms', 'x', 'now')"
            )
            raise RuntimeError("boom")
    await database.close()
    assert await rows(settings.db_path, "SELECT * FROM seekers") == []
