"""RetentionUnit: personal data past its time found and removed, statistics kept."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.cases import CaseStatus, CloseReason
from bot.domain.model import Channel
from bot.ports import UnitsOfWork
from tests.conftest import FakeClock
from tests.contract.builders import SEEKER_PHONE, STAFF_CHAT, add_case, add_seeker, answers, say
from tests.contract.test_intake import STATE


async def test_closed_before_finds_closed_cases_holding_personal_data(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    t = clock.now()
    async with units.begin() as unit:
        seeker_id = await add_seeker(unit, t)
        with_seeker, _ = await add_case(unit, org, t, seeker_id=seeker_id)
        by_hand, _ = await add_case(unit, org, t)
        closed_late, _ = await add_case(unit, org, t)
        still_open, _ = await add_case(unit, org, t)
        stripped, _ = await add_case(unit, org, t)
        for case_id in (with_seeker, by_hand, stripped):
            await unit.cases.close(case_id, CloseReason.SUPPORTED, t)
        await unit.cases.close(closed_late, CloseReason.SUPPORTED, t + timedelta(days=2))
        await unit.retention.strip(stripped)
    async with units.begin() as unit:
        found = await unit.retention.closed_before(t + timedelta(days=1))
        assert sorted(found) == [with_seeker, by_hand]
        assert still_open not in await unit.retention.closed_before(t + timedelta(days=9))
        assert await unit.retention.closed_before(t) == []


async def test_strip_removes_personal_data_and_the_seeker_with_no_case_left(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    t = clock.now()
    async with units.begin() as unit:
        seeker_id = await add_seeker(unit, t)
        await unit.intake.save_conversation(seeker_id, STATE, t)
        case_id, reference = await add_case(unit, org, t, seeker_id=seeker_id)
        await unit.cases.add_message(case_id, from_seeker=True, staff_id=None, body="x", now=t)
        await unit.outbox.add(
            channel=Channel.TELEGRAM, address=STAFF_CHAT, locale="sv", replies=say("about"),
            now=t, seeker_id=seeker_id,
        )  # fmt: skip
        await unit.cases.close(case_id, CloseReason.SUPPORTED, t)
    async with units.begin() as unit:
        await unit.retention.strip(case_id)
    async with units.begin() as unit:
        case = await unit.cases.by_id(case_id)
        assert case is not None
        assert (case.phone, case.email, case.notes, case.talk_language) == (None,) * 4
        assert (case.status, case.crime, case.needs) == (
            CaseStatus.CLOSED,
            answers().crime,
            answers().needs,
        )
        assert await unit.cases.messages(case_id) == []
        assert await unit.retention.case_by_reference(reference) == (case_id, None)
        assert await unit.intake.find_seeker(Channel.SMS, SEEKER_PHONE) is None
        assert await unit.intake.load_conversation(seeker_id) is None
        assert await unit.outbox.pending() == 0
        assert await unit.retention.closed_before(t + timedelta(days=1)) == []


async def test_strip_keeps_a_seeker_another_case_needs(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    t = clock.now()
    async with units.begin() as unit:
        seeker_id = await add_seeker(unit, t)
        old, _ = await add_case(unit, org, t, seeker_id=seeker_id)
        current, _ = await add_case(unit, org, t, seeker_id=seeker_id)
        await unit.cases.close(old, CloseReason.SUPPORTED, t)
        await unit.retention.strip(old)
        assert await unit.intake.find_seeker(Channel.SMS, SEEKER_PHONE) == seeker_id
        assert await unit.cases.seeker_of(old) is None
        seeker = await unit.cases.seeker_of(current)
        assert seeker is not None and seeker.seeker_id == seeker_id
        await unit.retention.strip(old + current + 1)  # no such case: nothing happens


async def test_abandoned_before_finds_seekers_without_a_case_gone_quiet(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    t = clock.now()
    async with units.begin() as unit:
        quiet = await add_seeker(unit, t, "+46700000001")
        await unit.intake.save_conversation(quiet, STATE, t + timedelta(hours=1))
        never_spoke = await add_seeker(unit, t, "+46700000002")
        recent = await add_seeker(unit, t, "+46700000003")
        await unit.intake.save_conversation(recent, STATE, t + timedelta(days=3))
        with_case = await add_seeker(unit, t, "+46700000004")
        await add_case(unit, org, t, seeker_id=with_case)
        await unit.messages.opt_out(Channel.SMS, "+46700000005", t)
    async with units.begin() as unit:
        found = await unit.retention.abandoned_before(t + timedelta(days=2))
        assert sorted(found) == [quiet, never_spoke]
        assert await unit.retention.abandoned_before(t) == []
        assert sorted(await unit.retention.abandoned_before(t + timedelta(hours=1))) == [
            never_spoke
        ]


async def test_delete_seeker_takes_their_conversation_and_messages(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    t = clock.now()
    async with units.begin() as unit:
        seeker_id = await add_seeker(unit, t)
        await unit.intake.save_conversation(seeker_id, STATE, t)
        await unit.outbox.add(
            channel=Channel.SMS, address=SEEKER_PHONE, locale="sv", replies=say("hi"), now=t,
            seeker_id=seeker_id,
        )  # fmt: skip
        await unit.retention.delete_seeker(seeker_id)
        assert await unit.intake.seeker_and_state(Channel.SMS, SEEKER_PHONE) == (None, None)
        assert await unit.outbox.pending() == 0
        await unit.retention.delete_seeker(seeker_id)  # gone already: nothing happens


async def test_forget_inbound_before_counts_and_forgets(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    t = clock.now()
    async with units.begin() as unit:
        await unit.intake.claim_inbound(Channel.SMS, "SM1", t)
        await unit.intake.claim_inbound(Channel.SMS, "SM2", t + timedelta(minutes=1))
        await unit.intake.claim_inbound(Channel.SMS, "SM3", t + timedelta(minutes=2))
    async with units.begin() as unit:
        assert await unit.retention.forget_inbound_before(t + timedelta(minutes=2)) == 2
        assert await unit.retention.forget_inbound_before(t + timedelta(minutes=2)) == 0
        assert await unit.intake.claim_inbound(Channel.SMS, "SM1", t)
        assert not await unit.intake.claim_inbound(Channel.SMS, "SM3", t)


async def test_case_by_reference_and_mark_erased(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    async with units.begin() as unit:
        seeker_id = await add_seeker(unit, clock.now())
        case_id, reference = await add_case(unit, org, clock.now(), seeker_id=seeker_id)
        assert await unit.retention.case_by_reference(reference.lower()) == (case_id, seeker_id)
        assert await unit.retention.case_by_reference("NOPE") is None
        await unit.retention.mark_erased(case_id)
        case = await unit.cases.by_id(case_id)
        assert case is not None and case.status is CaseStatus.ERASED
        assert await unit.cases.of_org(org, [CaseStatus.NEW]) == []
        assert await unit.reminders.awaiting_contact() == []
