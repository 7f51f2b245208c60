"""IntakeUnit: provider ids seen once, seekers, their conversation, erasure, outcomes."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.domain.cases import CaseStatus
from bot.domain.conversation import Answers, IntakeState
from bot.domain.model import AgeGroup, Channel, IntakeOutcome, SupportNeed
from bot.domain.questions import Step
from bot.ports import UnitsOfWork
from tests.conftest import FakeClock
from tests.contract.builders import (
    SEEKER_PHONE,
    STAFF_CHAT,
    add_case,
    add_seeker,
    answers,
    say,
)

STATE = IntakeState(
    step=Step.NEEDS,
    locale="sv",
    answers=Answers(
        consent=True, age_group=AgeGroup.AGE_21_PLUS, needs=frozenset({SupportNeed.TALK})
    ),
    started=True,
    reading="menu",
)


async def test_claim_inbound_once_per_channel_and_id(units: UnitsOfWork, clock: FakeClock) -> None:
    async with units.begin() as unit:
        assert await unit.intake.claim_inbound(Channel.SMS, "SM1", clock.now())
        assert not await unit.intake.claim_inbound(Channel.SMS, "SM1", clock.now())
        assert await unit.intake.claim_inbound(Channel.WHATSAPP, "SM1", clock.now())
    async with units.begin() as unit:
        assert not await unit.intake.claim_inbound(Channel.SMS, "SM1", clock.now())


async def test_seekers_are_found_by_channel_and_address(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    async with units.begin() as unit:
        assert await unit.intake.find_seeker(Channel.SMS, SEEKER_PHONE) is None
        first = await add_seeker(unit, clock.now())
        second = await add_seeker(unit, clock.now(), SEEKER_PHONE, Channel.WHATSAPP)
        third = await add_seeker(unit, clock.now(), "555", Channel.TELEGRAM)
        assert first < second < third
        assert await unit.intake.find_seeker(Channel.SMS, SEEKER_PHONE) == first
        assert await unit.intake.find_seeker(Channel.WHATSAPP, SEEKER_PHONE) == second
        assert await unit.intake.find_seeker(Channel.TELEGRAM, "555") == third
        assert await unit.intake.find_seeker(Channel.TELEGRAM, SEEKER_PHONE) is None


async def test_an_address_is_registered_once(
    units: UnitsOfWork, clock: FakeClock, refused: type[Exception]
) -> None:
    async with units.begin() as unit:
        await add_seeker(unit, clock.now())
    with pytest.raises(refused):
        async with units.begin() as unit:
            await add_seeker(unit, clock.now())


async def test_seeker_and_state(units: UnitsOfWork, clock: FakeClock) -> None:
    async with units.begin() as unit:
        assert await unit.intake.seeker_and_state(Channel.SMS, SEEKER_PHONE) == (None, None)
        seeker_id = await add_seeker(unit, clock.now())
        assert await unit.intake.seeker_and_state(Channel.SMS, SEEKER_PHONE) == (seeker_id, None)
        await unit.intake.save_conversation(seeker_id, STATE, clock.now())
    async with units.begin() as unit:
        assert await unit.intake.seeker_and_state(Channel.SMS, SEEKER_PHONE) == (seeker_id, STATE)


async def test_a_conversation_is_saved_and_overwritten(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    later = replace(STATE, step=Step.CONTACT, started_at=clock.now(), org_id="x", reference="R")
    async with units.begin() as unit:
        seeker_id = await add_seeker(unit, clock.now())
        assert await unit.intake.load_conversation(seeker_id) is None
        await unit.intake.save_conversation(seeker_id, STATE, clock.now())
    async with units.begin() as unit:
        assert await unit.intake.load_conversation(seeker_id) == STATE
        await unit.intake.save_conversation(seeker_id, later, clock.now())
    async with units.begin() as unit:
        assert await unit.intake.load_conversation(seeker_id) == later
        assert await unit.intake.load_conversation(seeker_id + 1) is None


async def test_a_conversation_needs_its_seeker(
    units: UnitsOfWork, clock: FakeClock, refused: type[Exception]
) -> None:
    with pytest.raises(refused):
        async with units.begin() as unit:
            await unit.intake.save_conversation(999, STATE, clock.now())


async def test_has_case(units: UnitsOfWork, clock: FakeClock, org: str) -> None:
    async with units.begin() as unit:
        seeker_id = await add_seeker(unit, clock.now())
        assert not await unit.intake.has_case(seeker_id)
        await add_case(unit, org, clock.now(), seeker_id=seeker_id)
        assert await unit.intake.has_case(seeker_id)


async def test_forget_seeker_keeps_only_statistics_of_their_cases(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    async with units.begin() as unit:
        seeker_id = await add_seeker(unit, clock.now())
        await unit.intake.save_conversation(seeker_id, STATE, clock.now())
        case_id, reference = await add_case(unit, org, clock.now(), seeker_id=seeker_id)
        await unit.cases.add_message(
            case_id, from_seeker=True, staff_id=None, body="help", now=clock.now()
        )
        await unit.cases.record_event(case_id, None, "seeker_answered", "", clock.now())
    async with units.begin() as unit:
        await unit.intake.forget_seeker(seeker_id)
    async with units.begin() as unit:
        assert await unit.intake.seeker_and_state(Channel.SMS, SEEKER_PHONE) == (None, None)
        assert await unit.intake.load_conversation(seeker_id) is None
        assert not await unit.intake.has_case(seeker_id)
        case = await unit.cases.by_reference(reference)
        assert case is not None
        assert case.status is CaseStatus.ERASED
        assert (case.phone, case.email, case.notes, case.call_time_note) == (None,) * 4
        assert (case.call_time, case.voicemail_ok, case.sms_ok, case.talk_language) == (None,) * 4
        assert (case.age_group, case.needs) == (AgeGroup.AGE_21_PLUS, answers().needs)
        assert await unit.cases.messages(case_id) == []
        assert len(await unit.cases.events(case_id)) == 1  # the audit trail holds no text
        assert await unit.cases.seeker_of(case_id) is None
        assert await unit.retention.case_by_reference(reference) == (case_id, None)


async def test_forget_seeker_takes_their_queued_messages(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    async with units.begin() as unit:
        seeker_id = await add_seeker(unit, clock.now())
        for address, channel in ((SEEKER_PHONE, Channel.SMS), (STAFF_CHAT, Channel.TELEGRAM)):
            await unit.outbox.add(
                channel=channel, address=address, locale="sv", replies=say("about them"),
                now=clock.now(), seeker_id=seeker_id,
            )  # fmt: skip
        await unit.outbox.add(
            channel=Channel.TELEGRAM, address=STAFF_CHAT, locale="sv", replies=say("other"),
            now=clock.now(),
        )  # fmt: skip
        await unit.intake.forget_seeker(seeker_id)
        assert await unit.outbox.pending() == 1
        [left] = await unit.outbox.claim_due(clock.now(), 10)
        assert left.replies == say("other")


async def test_forget_unknown_seeker_does_nothing(units: UnitsOfWork, clock: FakeClock) -> None:
    async with units.begin() as unit:
        seeker_id = await add_seeker(unit, clock.now())
        await unit.intake.forget_seeker(seeker_id + 100)
        assert await unit.intake.find_seeker(Channel.SMS, SEEKER_PHONE) == seeker_id


async def test_outcomes_are_counted_by_time(units: UnitsOfWork, clock: FakeClock) -> None:
    start = clock.now()
    async with units.begin() as unit:
        await unit.intake.record_outcome(IntakeOutcome.CONSENT_REFUSED, Channel.SMS, "sv", start)
        await unit.intake.record_outcome(
            IntakeOutcome.STOPPED, Channel.TELEGRAM, "en", start + timedelta(hours=1)
        )
        await unit.intake.record_outcome(
            IntakeOutcome.ERASED, Channel.SMS, "sv", start + timedelta(hours=2)
        )
    async with units.begin() as unit:
        found = await unit.stats.outcomes(start, start + timedelta(hours=2))
    assert sorted(found) == ["consent_refused", "stopped"]
