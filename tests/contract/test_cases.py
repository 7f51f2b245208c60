"""CaseUnit: a case stored, found, assigned, moved, attempted, closed, and its trail."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.domain.cases import (
    Attempt,
    AttemptChannel,
    AttemptOutcome,
    CaseEvent,
    CaseMessage,
    CaseRecord,
    CaseSource,
    CaseStatus,
    CloseReason,
    SeekerOfCase,
)
from bot.domain.model import AreaKind, Channel, ContactMethod
from bot.ports import UnitsOfWork
from tests.conftest import FakeClock
from tests.contract.builders import (
    SEEKER_PHONE,
    add_case,
    add_seeker,
    add_staff,
    answers,
    references,
)


async def test_a_case_is_stored_whole(
    units: UnitsOfWork, clock: FakeClock, org: str, district: str
) -> None:
    told = answers(district)
    async with units.begin() as unit:
        seeker_id = await add_seeker(unit, clock.now())
        case_id, reference = await add_case(
            unit, org, clock.now(), seeker_id=seeker_id, told=told,
            new_reference=references("ABC-234"),
        )  # fmt: skip
    expected = CaseRecord(
        id=case_id, reference="ABC-234", org_id=org, source=CaseSource.BOT,
        status=CaseStatus.NEW, received_at=clock.now(), locale="sv", channel=Channel.SMS,
        age_group=told.age_group, district_id=district, crime=told.crime, needs=told.needs,
        contact=told.contact, talk_language="sv", phone=told.phone, email=told.email,
        call_time=told.call_time, call_time_note=told.call_time_note, voicemail_ok=True,
        sms_ok=False, notes=told.notes, role=told.role, gender=told.gender,
        area_kind=AreaKind.DISTRICT, circumstances=told.circumstances,
        talk_language_other=told.talk_language_other,
    )  # fmt: skip
    async with units.begin() as unit:
        assert reference == "ABC-234"
        assert await unit.cases.by_reference("ABC-234") == expected
        assert await unit.cases.by_reference("abc-234") == expected
        assert await unit.cases.by_id(case_id) == expected
        assert await unit.cases.by_reference("ABC-235") is None
        assert await unit.cases.by_id(case_id + 1) is None


async def test_a_case_registered_by_hand_has_no_seeker(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    told = replace(answers(), phone=None, email=None, notes=None, voicemail_ok=None)
    async with units.begin() as unit:
        case_id, _ = await add_case(unit, org, clock.now(), source=CaseSource.POLICE, told=told)
        case = await unit.cases.by_id(case_id)
        assert case is not None
        assert (case.channel, case.source, case.phone, case.voicemail_ok) == (
            None,
            CaseSource.POLICE,
            None,
            None,
        )
        assert await unit.cases.seeker_of(case_id) is None


async def test_case_ids_increase(units: UnitsOfWork, clock: FakeClock, org: str) -> None:
    async with units.begin() as unit:
        ids = [(await add_case(unit, org, clock.now()))[0] for _ in range(3)]
    assert ids == sorted(ids) and len(set(ids)) == 3


async def test_a_taken_reference_is_drawn_again(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    async with units.begin() as unit:
        await add_case(unit, org, clock.now(), new_reference=references("AAA-222"))
        _, reference = await add_case(
            unit, org, clock.now(), new_reference=references(*["AAA-222"] * 9, "AAA-333")
        )
        assert reference == "AAA-333"
    with pytest.raises(RuntimeError):
        async with units.begin() as unit:
            await add_case(unit, org, clock.now(), new_reference=references(*["AAA-222"] * 10))


async def test_a_case_needs_a_contact_method_and_a_known_seeker(
    units: UnitsOfWork, clock: FakeClock, org: str, refused: type[Exception]
) -> None:
    with pytest.raises(refused):
        async with units.begin() as unit:
            await add_case(unit, org, clock.now(), told=answers(contact=None))
    with pytest.raises(refused):
        async with units.begin() as unit:
            await add_case(unit, org, clock.now(), seeker_id=404)


async def test_of_org_by_status_oldest_first(
    units: UnitsOfWork, clock: FakeClock, org: str, other_org: str
) -> None:
    t = clock.now()
    async with units.begin() as unit:
        staff_id = await add_staff(unit, org, 1, t)
        late, _ = await add_case(unit, org, t + timedelta(hours=2))
        early, _ = await add_case(unit, org, t)
        middle, _ = await add_case(unit, org, t + timedelta(hours=1))
        await add_case(unit, other_org, t)
        await unit.cases.assign(middle, staff_id)
    async with units.begin() as unit:
        new = await unit.cases.of_org(org, [CaseStatus.NEW])
        both = await unit.cases.of_org(org, (CaseStatus.NEW, CaseStatus.ASSIGNED))
        assert [c.id for c in new] == [early, late]
        assert [c.id for c in both] == [early, middle, late]
        assert await unit.cases.of_org(org, [CaseStatus.CLOSED]) == []
        assert await unit.cases.of_org(org, []) == []


async def test_of_volunteer_lists_their_open_cases_oldest_first(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    t = clock.now()
    async with units.begin() as unit:
        vera = await add_staff(unit, org, 1, t)
        vic = await add_staff(unit, org, 2, t)
        second, _ = await add_case(unit, org, t + timedelta(hours=1))
        first, _ = await add_case(unit, org, t)
        closed, _ = await add_case(unit, org, t)
        theirs, _ = await add_case(unit, org, t)
        for case_id in (second, first, closed):
            await unit.cases.assign(case_id, vera)
        await unit.cases.assign(theirs, vic)
        await unit.cases.mark_in_contact(second)
        await unit.cases.close(closed, CloseReason.DECLINED, t)
    async with units.begin() as unit:
        assert [c.id for c in await unit.cases.of_volunteer(vera)] == [first, second]
        assert [c.id for c in await unit.cases.of_volunteer(vic)] == [theirs]
        assert await unit.cases.of_volunteer(vic + 1) == []


async def test_assign_makes_a_new_case_assigned_and_keeps_a_later_state(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    async with units.begin() as unit:
        vera = await add_staff(unit, org, 1, clock.now())
        vic = await add_staff(unit, org, 2, clock.now())
        case_id, _ = await add_case(unit, org, clock.now())
        await unit.cases.assign(case_id, vera)
        case = await unit.cases.by_id(case_id)
        assert case is not None
        assert (case.status, case.volunteer_id) == (CaseStatus.ASSIGNED, vera)
        assert await unit.cases.mark_in_contact(case_id)
        await unit.cases.assign(case_id, vic)
        case = await unit.cases.by_id(case_id)
        assert case is not None
        assert (case.status, case.volunteer_id) == (CaseStatus.IN_CONTACT, vic)


async def test_assign_needs_a_known_volunteer(
    units: UnitsOfWork, clock: FakeClock, org: str, refused: type[Exception]
) -> None:
    async with units.begin() as unit:
        case_id, _ = await add_case(unit, org, clock.now())
    with pytest.raises(refused):
        async with units.begin() as unit:
            await unit.cases.assign(case_id, 404)


async def test_transfer_hands_the_case_over_unassigned(
    units: UnitsOfWork, clock: FakeClock, org: str, other_org: str
) -> None:
    async with units.begin() as unit:
        vera = await add_staff(unit, org, 1, clock.now())
        case_id, _ = await add_case(unit, org, clock.now())
        await unit.cases.assign(case_id, vera)
        await unit.cases.mark_in_contact(case_id)
        await unit.cases.transfer(case_id, other_org)
        case = await unit.cases.by_id(case_id)
        assert case is not None
        assert (case.org_id, case.volunteer_id, case.status) == (other_org, None, CaseStatus.NEW)
        assert await unit.cases.of_volunteer(vera) == []


async def test_attempts_come_in_the_order_they_were_made(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    t = clock.now()
    async with units.begin() as unit:
        vera = await add_staff(unit, org, 1, t)
        case_id, _ = await add_case(unit, org, t)
        await unit.cases.assign(case_id, vera)
        later, earlier = t + timedelta(hours=3), t + timedelta(hours=1)
        await unit.cases.add_attempt(
            case_id, vera, later, AttemptChannel.SMS, AttemptOutcome.NO_ANSWER, t
        )
        await unit.cases.add_attempt(
            case_id, vera, earlier, AttemptChannel.PHONE, AttemptOutcome.VOICEMAIL, t
        )
        case = await unit.cases.by_id(case_id)
    assert case is not None
    assert case.attempts == (
        Attempt(earlier, AttemptChannel.PHONE, AttemptOutcome.VOICEMAIL, vera),
        Attempt(later, AttemptChannel.SMS, AttemptOutcome.NO_ANSWER, vera),
    )
    assert case.status is CaseStatus.ASSIGNED  # no one was reached


@pytest.mark.parametrize("before", [CaseStatus.NEW, CaseStatus.ASSIGNED, CaseStatus.CLOSED])
async def test_reaching_the_seeker_puts_a_waiting_case_in_contact(
    units: UnitsOfWork, clock: FakeClock, org: str, before: CaseStatus
) -> None:
    async with units.begin() as unit:
        vera = await add_staff(unit, org, 1, clock.now())
        case_id, _ = await add_case(unit, org, clock.now())
        if before is CaseStatus.ASSIGNED:
            await unit.cases.assign(case_id, vera)
        if before is CaseStatus.CLOSED:
            await unit.cases.close(case_id, CloseReason.REFERRED, clock.now())
        await unit.cases.add_attempt(
            case_id, vera, clock.now(), AttemptChannel.PHONE, AttemptOutcome.REACHED, clock.now()
        )
        case = await unit.cases.by_id(case_id)
    assert case is not None
    after = CaseStatus.CLOSED if before is CaseStatus.CLOSED else CaseStatus.IN_CONTACT
    assert case.status is after


async def test_an_attempt_needs_its_case_and_staff_member(
    units: UnitsOfWork, clock: FakeClock, org: str, refused: type[Exception]
) -> None:
    async with units.begin() as unit:
        vera = await add_staff(unit, org, 1, clock.now())
        case_id, _ = await add_case(unit, org, clock.now())
    for case, staff in ((case_id + 1, vera), (case_id, vera + 1)):
        with pytest.raises(refused):
            async with units.begin() as unit:
                await unit.cases.add_attempt(
                    case, staff, clock.now(), AttemptChannel.SMS, AttemptOutcome.DECLINED,
                    clock.now(),
                )  # fmt: skip


async def test_mark_in_contact_only_from_assigned(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    async with units.begin() as unit:
        vera = await add_staff(unit, org, 1, clock.now())
        case_id, _ = await add_case(unit, org, clock.now())
        assert not await unit.cases.mark_in_contact(case_id)  # new
        await unit.cases.assign(case_id, vera)
        assert await unit.cases.mark_in_contact(case_id)
        assert not await unit.cases.mark_in_contact(case_id)  # in contact already
        await unit.cases.close(case_id, CloseReason.SUPPORTED, clock.now())
        assert not await unit.cases.mark_in_contact(case_id)
        assert not await unit.cases.mark_in_contact(case_id + 1)
        case = await unit.cases.by_id(case_id)
        assert case is not None
        assert case.status is CaseStatus.CLOSED


async def test_events_in_the_order_they_were_recorded(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    t = clock.now()
    async with units.begin() as unit:
        vera = await add_staff(unit, org, 1, t)
        case_id, _ = await add_case(unit, org, t)
        other, _ = await add_case(unit, org, t)
        await unit.cases.record_event(case_id, vera, "assigned", "Vera", t + timedelta(hours=1))
        await unit.cases.record_event(case_id, None, "seeker_answered", "", t)
        await unit.cases.record_event(other, None, "registered", "police", t)
    async with units.begin() as unit:
        assert await unit.cases.events(case_id) == [
            CaseEvent(t + timedelta(hours=1), vera, "assigned", "Vera"),
            CaseEvent(t, None, "seeker_answered", ""),
        ]
        assert await unit.cases.events(case_id + 100) == []


async def test_an_event_needs_its_case(
    units: UnitsOfWork, clock: FakeClock, refused: type[Exception]
) -> None:
    with pytest.raises(refused):
        async with units.begin() as unit:
            await unit.cases.record_event(404, None, "assigned", "", clock.now())


async def test_relayed_messages_and_their_counts(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    t = clock.now()
    async with units.begin() as unit:
        vera = await add_staff(unit, org, 1, t)
        case_id, _ = await add_case(unit, org, t)
        assert await unit.cases.relay_counts(case_id, t) == (False, 0)
        await unit.cases.add_message(case_id, from_seeker=True, staff_id=None, body="one", now=t)
        await unit.cases.add_message(
            case_id, from_seeker=True, staff_id=None, body="two", now=t + timedelta(minutes=5)
        )
        assert await unit.cases.relay_counts(case_id, t) == (False, 2)
        await unit.cases.add_message(
            case_id, from_seeker=False, staff_id=vera, body="hej", now=t + timedelta(minutes=6)
        )
    async with units.begin() as unit:
        assert await unit.cases.messages(case_id) == [
            CaseMessage(t, True, "one"),
            CaseMessage(t + timedelta(minutes=5), True, "two"),
            CaseMessage(t + timedelta(minutes=6), False, "hej"),
        ]
        assert await unit.cases.relay_counts(case_id, t + timedelta(minutes=5)) == (True, 1)
        assert await unit.cases.relay_counts(case_id, t + timedelta(minutes=6)) == (True, 0)
        assert await unit.cases.messages(case_id + 1) == []


async def test_seeker_of_and_case_of_seeker(units: UnitsOfWork, clock: FakeClock, org: str) -> None:
    async with units.begin() as unit:
        seeker_id = await add_seeker(unit, clock.now())
        assert await unit.cases.case_of_seeker(seeker_id) is None
        first, _ = await add_case(unit, org, clock.now(), seeker_id=seeker_id)
        latest, _ = await add_case(unit, org, clock.now(), seeker_id=seeker_id)
        assert await unit.cases.seeker_of(first) == SeekerOfCase(
            seeker_id, Channel.SMS, SEEKER_PHONE
        )
        found = await unit.cases.case_of_seeker(seeker_id)
        assert found is not None and found.id == latest
        assert await unit.cases.seeker_of(latest + 1) is None


async def test_a_case_keeps_its_contact_method(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    async with units.begin() as unit:
        case_id, _ = await add_case(unit, org, clock.now(), told=answers(contact=ContactMethod.SMS))
        case = await unit.cases.by_id(case_id)
    assert case is not None and case.contact is ContactMethod.SMS and case.wants_a_call


async def test_a_relayed_message_is_kept_whatever_it_says(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    """Even one that looks like a sealed value, on a database without a key."""
    async with units.begin() as unit:
        case_id, _ = await add_case(unit, org, clock.now())
        await unit.cases.add_message(
            case_id, from_seeker=True, staff_id=None, body="v1.2 is my flat", now=clock.now()
        )
    async with units.begin() as unit:
        [message] = await unit.cases.messages(case_id)
    assert message.body == "v1.2 is my flat"
