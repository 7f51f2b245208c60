"""Retention and erasure on the storage ports in memory: what goes, when, and what stays.

That nothing erased lingers in the database files or the logs is in
tests/integration/test_retention.py.
"""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.domain.cases import CaseRecord, CaseSource, CaseStatus, CloseReason, StaffRole
from bot.domain.dialogue import Command, CommandName, Text
from bot.domain.model import Channel
from bot.i18n import Catalogs
from bot.services.intake import IntakeService, Opting
from bot.services.operator import OperatorService, ReferredCase
from bot.services.retention import Purged, RetentionService
from tests.conftest import FakeClock
from tests.intake_script import through_service
from tests.memory_units import MemoryUnits
from tests.services.shipped import intake_service

CHAT = "987650123"
MESSAGE = "Min granne Zacharias hotade mig igen i trapphuset"
CLOSED_DAYS = 183  # the shipped periods; test_retention_days_are_configuration holds them
ABANDONED_DAYS = 7
INBOUND_DAYS = 30


@pytest.fixture
def retention(units: MemoryUnits, clock: FakeClock, settings: Settings) -> RetentionService:
    days = settings.retention
    shipped = (days.closed_case_days, days.abandoned_intake_days, days.inbound_id_days)
    assert shipped == (CLOSED_DAYS, ABANDONED_DAYS, INBOUND_DAYS)
    return RetentionService(units, clock, settings.retention)


@pytest.fixture
def intake(
    units: MemoryUnits, clock: FakeClock, settings: Settings, catalogs: Catalogs
) -> IntakeService:
    return intake_service(units, clock, settings, catalogs)


async def case_with_conversation(
    intake: IntakeService, units: MemoryUnits, clock: FakeClock
) -> CaseRecord:
    """A seeker's case with a phone number, a relayed message each way, and a volunteer."""
    await through_service(intake, Channel.TELEGRAM, CHAT)
    await intake.handle(Channel.TELEGRAM, CHAT, Text(MESSAGE))
    async with units.begin() as unit:
        seeker_id = await unit.intake.find_seeker(Channel.TELEGRAM, CHAT)
        assert seeker_id is not None
        case = await unit.cases.case_of_seeker(seeker_id)
        assert case is not None
        volunteer = await unit.staff.add(
            org_id="vasterort", role=StaffRole.VOLUNTEER, name="V", telegram_id=5,
            locale="sv", now=clock.now(),
        )  # fmt: skip
        await unit.cases.assign(case.id, volunteer)
        await unit.cases.add_message(
            case.id, from_seeker=False, staff_id=volunteer, body="Jag ringer i kväll",
            now=clock.now(),
        )  # fmt: skip
        assert len(await unit.cases.messages(case.id)) == 2
    return case


async def close(units: MemoryUnits, clock: FakeClock, case_id: int) -> None:
    async with units.begin() as unit:
        await unit.cases.close(case_id, CloseReason.SUPPORTED, clock.now())


async def case_by(units: MemoryUnits, reference: str) -> CaseRecord:
    async with units.begin() as unit:
        case = await unit.cases.by_reference(reference)
    assert case is not None
    return case


async def seeker_known(units: MemoryUnits, channel: Channel, address: str) -> bool:
    async with units.begin() as unit:
        return await unit.intake.find_seeker(channel, address) is not None


def personal(case: CaseRecord) -> tuple[object, ...]:
    """What a case holds about the person (all None once stripped)."""
    return (
        case.phone, case.email, case.call_time, case.voicemail_ok, case.sms_ok, case.notes,
        case.talk_language,
    )  # fmt: skip


# -- purge -----------------------------------------------------------------------------------


async def test_a_closed_case_keeps_personal_data_until_its_time(
    retention: RetentionService, intake: IntakeService, units: MemoryUnits, clock: FakeClock
) -> None:
    """Closed for exactly the period: nothing goes yet."""
    case = await case_with_conversation(intake, units, clock)
    await close(units, clock, case.id)
    clock.advance(days=CLOSED_DAYS)
    assert await retention.purge() == Purged(0, 0, 0)
    kept = await case_by(units, case.reference)
    assert kept.phone == "+46701234567" and kept.notes is not None
    async with units.begin() as unit:
        assert len(await unit.cases.messages(case.id)) == 2
    assert await seeker_known(units, Channel.TELEGRAM, CHAT)


async def test_a_closed_case_then_loses_its_personal_data(
    retention: RetentionService, intake: IntakeService, units: MemoryUnits, clock: FakeClock
) -> None:
    """Past the period the contact data, messages and seeker go; the statistics stay."""
    case = await case_with_conversation(intake, units, clock)
    received = clock.now()
    await close(units, clock, case.id)
    clock.advance(days=CLOSED_DAYS, seconds=1)
    assert (await retention.purge()).closed_cases == 1

    stripped = await case_by(units, case.reference)
    assert personal(stripped) == (None,) * 7
    assert stripped.status is CaseStatus.CLOSED
    assert not await seeker_known(units, Channel.TELEGRAM, CHAT)
    async with units.begin() as unit:
        assert await unit.cases.messages(case.id) == []
        assert await unit.cases.seeker_of(case.id) is None
        (facts,) = await unit.stats.cases("vasterort", received, clock.now())
    kept = (facts.status, facts.close_reason, facts.district_id)
    assert kept == ("closed", "supported", "bromma")
    assert await retention.purge() == Purged(0, 0, 0)  # nothing left to take


async def test_an_open_case_keeps_its_personal_data(
    retention: RetentionService, intake: IntakeService, units: MemoryUnits, clock: FakeClock
) -> None:
    """However old, a case not closed is still being worked: nothing of it goes."""
    case = await case_with_conversation(intake, units, clock)
    clock.advance(days=2 * CLOSED_DAYS)
    assert await retention.purge() == Purged(0, 0, 0)
    assert (await case_by(units, case.reference)).phone == "+46701234567"
    assert await seeker_known(units, Channel.TELEGRAM, CHAT)


async def test_an_abandoned_intake_goes_after_its_days(
    retention: RetentionService, intake: IntakeService, units: MemoryUnits, clock: FakeClock
) -> None:
    """An unfinished intake not heard of for the period goes; one still going on stays."""
    await intake.handle(Channel.TELEGRAM, "111", Command(CommandName.START))
    await intake.handle(Channel.TELEGRAM, "222", Command(CommandName.START))
    clock.advance(days=ABANDONED_DAYS - 1)
    await intake.handle(Channel.TELEGRAM, "222", Command(CommandName.HELP))  # still there
    clock.advance(days=1)
    assert (await retention.purge()).abandoned_intakes == 0  # exactly the period: not yet
    clock.advance(seconds=1)

    assert (await retention.purge()).abandoned_intakes == 1
    assert not await seeker_known(units, Channel.TELEGRAM, "111")
    assert await seeker_known(units, Channel.TELEGRAM, "222")


async def test_a_seeker_with_a_case_is_never_an_abandoned_intake(
    retention: RetentionService, intake: IntakeService, units: MemoryUnits, clock: FakeClock
) -> None:
    """A finished intake's seeker stays, however long they stay silent."""
    await case_with_conversation(intake, units, clock)
    clock.advance(days=10 * ABANDONED_DAYS)
    assert (await retention.purge()).abandoned_intakes == 0
    assert await seeker_known(units, Channel.TELEGRAM, CHAT)


async def test_an_opted_out_number_without_a_case_stays(
    retention: RetentionService, intake: IntakeService, units: MemoryUnits, clock: FakeClock
) -> None:
    """The opt-out must outlive the intake it ended, or the number would be written to."""
    number = "+46701234567"
    await intake.handle(Channel.SMS, number, Command(CommandName.START), message_id="m1")
    await intake.handle(Channel.SMS, number, Text("STOP"), message_id="m2", kept=Opting.STOP)
    clock.advance(days=10 * ABANDONED_DAYS)
    assert (await retention.purge()).abandoned_intakes == 0
    async with units.begin() as unit:
        assert await unit.messages.opted_out(Channel.SMS, number)


async def test_inbound_ids_are_forgotten_after_their_days(
    retention: RetentionService, intake: IntakeService, clock: FakeClock
) -> None:
    """A provider's message id guards against its retries for the period, then goes."""
    await intake.handle(Channel.TELEGRAM, CHAT, Command(CommandName.START), message_id="u1")
    clock.advance(days=INBOUND_DAYS)
    assert (await retention.purge()).inbound_ids == 0
    retried = await intake.handle(
        Channel.TELEGRAM, CHAT, Command(CommandName.START), message_id="u1"
    )
    assert retried.replies == []  # still known: a retry

    clock.advance(seconds=1)
    assert (await retention.purge()).inbound_ids == 1
    answered = await intake.handle(
        Channel.TELEGRAM, CHAT, Command(CommandName.START), message_id="u1"
    )
    assert answered.replies  # forgotten: read as new


# -- erasure on request ----------------------------------------------------------------------


async def test_erase_a_case_on_request(
    retention: RetentionService, intake: IntakeService, units: MemoryUnits, clock: FakeClock
) -> None:
    """`jourbot purge --case REF`: personal data, messages and seeker go now; counts stay."""
    case = await case_with_conversation(intake, units, clock)
    assert await retention.erase_case(case.reference.lower())

    erased = await case_by(units, case.reference)
    assert erased.status is CaseStatus.ERASED
    assert personal(erased) == (None,) * 7
    assert (erased.district_id, erased.org_id) == ("bromma", "vasterort")
    assert not await seeker_known(units, Channel.TELEGRAM, CHAT)
    async with units.begin() as unit:
        assert await unit.cases.messages(case.id) == []


async def test_erase_a_registered_case_on_request(
    retention: RetentionService, units: MemoryUnits, clock: FakeClock, settings: Settings
) -> None:
    """A case registered by hand has no seeker: its own personal fields go, marked erased."""
    operator = OperatorService(units, clock, settings.partnership)
    reference = await operator.register_case(
        ReferredCase("vasterort", CaseSource.POLICE, "sv", phone="+46707654321")
    )
    assert await retention.erase_case(reference)
    erased = await case_by(units, reference)
    assert (erased.status, erased.phone, erased.talk_language) == (CaseStatus.ERASED, None, None)


async def test_erase_an_unknown_case_is_false(
    retention: RetentionService, intake: IntakeService, units: MemoryUnits, clock: FakeClock
) -> None:
    """No such reference: False, and no other case is touched."""
    case = await case_with_conversation(intake, units, clock)
    assert not await retention.erase_case("ZZZ-ZZZ")
    kept = await case_by(units, case.reference)
    assert (kept.status, kept.phone) == (CaseStatus.ASSIGNED, "+46701234567")
    assert await seeker_known(units, Channel.TELEGRAM, CHAT)
