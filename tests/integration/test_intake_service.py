"""The intake service over real SQLite: cases, anonymous outcomes, erasure, restarts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiosqlite
import pytest

from bot.config import Settings
from bot.domain.conversation import Language
from bot.domain.dialogue import Command, CommandName, Pick, Text
from bot.domain.model import Channel
from bot.domain.questions import Step
from bot.services.intake import IntakeService, new_reference
from bot.storage.database import Database
from bot.storage.migrations import MIGRATIONS
from bot.storage.units import Units
from tests.conftest import FakeClock

LANGUAGES = (Language("sv", "Svenska"), Language("en", "English"))
ADDRESS = "4242"


def make_service(database: Database, settings: Settings, clock: FakeClock) -> IntakeService:
    return IntakeService(
        Units(database), clock, settings.partnership, LANGUAGES, settings.default_locale
    )


async def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    async with aiosqlite.connect(path) as db, db.execute(sql) as cursor:
        return [tuple(r) for r in await cursor.fetchall()]


async def pick(service: IntakeService, step: Step, value: str) -> None:
    await service.handle(Channel.TELEGRAM, ADDRESS, Pick(step, value))


async def intake_until_contact(service: IntakeService) -> None:
    await service.handle(Channel.TELEGRAM, ADDRESS, Command(CommandName.START))
    for step, value in [
        (Step.LANGUAGE, "en"),
        (Step.CONSENT, "yes"),
        (Step.ROLE, "victim"),
        (Step.AGE, "21_plus"),
        (Step.AREA, "bromma"),
        (Step.CRIME, "assault"),
        (Step.CIRCUMSTANCES, "skip"),
        (Step.NEEDS, "meeting"),
        (Step.NEEDS, "done"),
    ]:
        await pick(service, step, value)


async def finish_with_phone(service: IntakeService) -> list[str]:
    await pick(service, Step.CONTACT, "call")
    await service.handle(Channel.TELEGRAM, ADDRESS, Text("070-123 45 67"))
    for step, value in [
        (Step.CALL_TIME, "evening"),
        (Step.VOICEMAIL, "no"),
        (Step.SMS_OK, "no"),
        (Step.TALK_LANGUAGE, "en"),
        (Step.GENDER, "man"),
    ]:
        await pick(service, step, value)
    answer = await service.handle(Channel.TELEGRAM, ADDRESS, Text("Only after six"))
    return [r.text for r in answer.replies]


async def test_completed_intake_stores_a_case(settings: Settings, clock: FakeClock) -> None:
    """A finished intake leaves a case with a reference, its answers, and the contact data."""
    database = await Database.open(settings.db_path)
    service = make_service(database, settings, clock)
    await intake_until_contact(service)
    texts = await finish_with_phone(service)
    await database.close()

    (case,) = await rows(
        settings.db_path,
        "SELECT reference, source, channel, org_id, locale, received_at, status, role, "
        "age_group, area_kind, district_id, crime, contact, talk_language, gender FROM cases",
    )
    reference = str(case[0])
    assert case[1:] == (
        "bot", "telegram", "vasterort", "en", "2026-11-24T13:00:00+00:00", "new", "victim",
        "21_plus", "district", "bromma", "assault", "call", "en", "man",
    )  # fmt: skip
    assert await rows(settings.db_path, "SELECT need FROM case_needs") == [("meeting",)]
    assert await rows(
        settings.db_path,
        "SELECT phone, call_time, voicemail_ok, sms_ok, notes FROM case_contacts",
    ) == [("+46701234567", "evening", 0, 0, "Only after six")]
    assert texts[0] == "Thank you. Your case number is {reference}."
    ((state,),) = await rows(settings.db_path, "SELECT state FROM conversations")
    assert "+46701234567" not in str(state)
    assert "Only after six" not in str(state)
    assert reference in str(state)
    assert len(reference) == 7 and reference[3] == "-"


async def test_conversation_survives_a_restart(settings: Settings, clock: FakeClock) -> None:
    """Closing the database mid-intake and opening it again continues at the same step."""
    database = await Database.open(settings.db_path)
    await intake_until_contact(make_service(database, settings, clock))
    await database.close()

    reopened = await Database.open(settings.db_path)
    service = make_service(reopened, settings, clock)
    answer = await service.handle(Channel.TELEGRAM, ADDRESS, Text("nonsense"))
    assert answer.locale == "en"
    assert answer.replies[-1].step == Step.CONTACT
    await finish_with_phone(service)
    await reopened.close()
    assert len(await rows(settings.db_path, "SELECT id FROM cases")) == 1


async def test_consent_refused_keeps_only_an_anonymous_count(
    settings: Settings, clock: FakeClock
) -> None:
    """No consent: no seeker, no conversation, no case; one outcome row without identity."""
    database = await Database.open(settings.db_path)
    service = make_service(database, settings, clock)
    await service.handle(Channel.TELEGRAM, ADDRESS, Command(CommandName.START))
    await pick(service, Step.LANGUAGE, "sv")
    await pick(service, Step.CONSENT, "no")
    await database.close()
    for table in ("seekers", "conversations", "cases"):
        assert await rows(settings.db_path, f"SELECT * FROM {table}") == []
    assert await rows(settings.db_path, "SELECT outcome, channel, locale FROM intake_outcomes") == [
        ("consent_refused", "telegram", "sv")
    ]


async def test_erase_removes_personal_data_and_keeps_statistics(
    settings: Settings, clock: FakeClock
) -> None:
    """Erase after the case: the address, conversation and contact data go; the counts stay."""
    database = await Database.open(settings.db_path)
    service = make_service(database, settings, clock)
    await intake_until_contact(service)
    await finish_with_phone(service)
    answer = await service.handle(Channel.TELEGRAM, ADDRESS, Command(CommandName.ERASE))
    await database.close()
    assert "erased" in answer.replies[0].text
    for table in ("seekers", "conversations", "case_contacts"):
        assert await rows(settings.db_path, f"SELECT * FROM {table}") == []
    assert await rows(settings.db_path, "SELECT seeker_id, status, crime FROM cases") == [
        (None, "erased", "assault")
    ]
    wal = Path(f"{settings.db_path}-wal")
    raw = settings.db_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert b"+46701234567" not in raw and b"Only after six" not in raw


async def test_erase_in_the_middle_leaves_nothing(settings: Settings, clock: FakeClock) -> None:
    """Erase during the intake removes the seeker and the half-finished answers."""
    database = await Database.open(settings.db_path)
    service = make_service(database, settings, clock)
    await intake_until_contact(service)
    await service.handle(Channel.TELEGRAM, ADDRESS, Command(CommandName.ERASE))
    answer = await service.handle(Channel.TELEGRAM, ADDRESS, Text("hello"))
    await database.close()
    assert answer.replies[0].step == Step.LANGUAGE
    assert await rows(settings.db_path, "SELECT COUNT(*) FROM seekers") == [(1,)]
    assert await rows(settings.db_path, "SELECT COUNT(*) FROM cases") == [(0,)]


async def test_concurrent_seekers_do_not_share_transactions(
    settings: Settings, clock: FakeClock
) -> None:
    """Many seekers at once each get their own conversation, none lost or mixed."""
    database = await Database.open(settings.db_path)
    service = make_service(database, settings, clock)

    async def one(address: str) -> None:
        await service.handle(Channel.SMS, address, Command(CommandName.START))
        await service.handle(Channel.SMS, address, Pick(Step.LANGUAGE, "en"))
        await service.handle(Channel.SMS, address, Pick(Step.CONSENT, "yes"))

    await asyncio.gather(*(one(f"+4670{n:07d}") for n in range(50)))
    await database.close()
    states = await rows(settings.db_path, "SELECT state FROM conversations")
    assert len(states) == 50
    assert all('"step":"role"' in str(s[0]) for s in states)


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


def test_references_are_short_and_unambiguous() -> None:
    """References avoid look-alike characters and differ from each other."""
    references = {new_reference() for _ in range(1000)}
    assert len(references) == 1000
    assert all(len(r) == 7 and not set(r) & set("01OIL") for r in references)
