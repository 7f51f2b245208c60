"""CallUnit: a call moves forward once (requested, ringing the volunteer, dialing the seeker,
over); its attempt can be put right; the daily count and "a call is on" read what they must."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.calls import Call, CallState
from bot.domain.cases import AttemptChannel, AttemptOutcome, CaseStatus
from bot.ports import UnitsOfWork
from tests.conftest import FakeClock
from tests.contract.builders import add_case, add_staff


async def test_a_call_moves_forward_once(units: UnitsOfWork, clock: FakeClock) -> None:
    now = clock.now()
    async with units.begin() as unit:
        case_id, _ = await add_case(unit, "vasterort", now)
        staff_id = await add_staff(unit, "vasterort", 1, now)
        call_id = await unit.calls.add(case_id, staff_id, "vasterort", True, now)
    async with units.begin() as unit:
        assert await unit.calls.get(call_id) == Call(
            call_id, case_id, staff_id, "vasterort", CallState.REQUESTED, now, True
        )
        await unit.calls.placed(call_id, "CA1")
        rang = now + timedelta(seconds=20)
        assert await unit.calls.dialing(call_id, rang)
        assert not await unit.calls.dialing(call_id, rang + timedelta(seconds=5))  # once
        await unit.calls.screened(call_id, "machine_start")
        attempt_id = await unit.cases.add_attempt(
            case_id, staff_id, rang, AttemptChannel.PHONE, AttemptOutcome.VOICEMAIL, now
        )
        assert await unit.calls.finish(
            call_id, CallState.DONE, AttemptOutcome.VOICEMAIL, 3, attempt_id
        )
        assert not await unit.calls.finish(call_id, CallState.MISSED, None, None, None)
        await unit.calls.screened(call_id, "human")  # over: too late to change
    async with units.begin() as unit:
        call = await unit.calls.get(call_id)
        assert call is not None
        assert (call.state, call.call_sid, call.dialed_at, call.answered_by) == (
            CallState.DONE, "CA1", rang, "machine_start",
        )  # fmt: skip
        assert (call.outcome, call.seconds, call.attempt_id) == (
            AttemptOutcome.VOICEMAIL, 3, attempt_id,
        )  # fmt: skip
        assert await unit.calls.of_case(case_id) == [call]
        assert await unit.calls.get(call_id + 100) is None


async def test_twilio_ids_are_unique(units: UnitsOfWork, clock: FakeClock) -> None:
    now = clock.now()
    async with units.begin() as unit:
        case_id, _ = await add_case(unit, "vasterort", now)
        staff_id = await add_staff(unit, "vasterort", 1, now)
        first = await unit.calls.add(case_id, staff_id, "vasterort", False, now)
        second = await unit.calls.add(case_id, staff_id, "vasterort", False, now)
        await unit.calls.placed(first, "CA1")
    with pytest.raises(Exception, match="UNIQUE"):
        async with units.begin() as unit:
            await unit.calls.placed(second, "CA1")


async def test_the_days_count_and_a_call_on(units: UnitsOfWork, clock: FakeClock) -> None:
    now = clock.now()
    async with units.begin() as unit:
        case_id, _ = await add_case(unit, "vasterort", now)
        other_case, _ = await add_case(unit, "soderort", now)
        staff_id = await add_staff(unit, "vasterort", 1, now)
        yesterday = await unit.calls.add(
            case_id, staff_id, "vasterort", False, now - timedelta(days=1)
        )
        await unit.calls.finish(yesterday, CallState.MISSED, None, None, None)
        refused = await unit.calls.add(case_id, staff_id, "vasterort", False, now)
        await unit.calls.finish(refused, CallState.FAILED, None, None, None)
        assert not await unit.calls.open_for(case_id, now - timedelta(hours=2))
        on = await unit.calls.add(case_id, staff_id, "vasterort", False, now)
        await unit.calls.add(other_case, staff_id, "soderort", False, now)
    async with units.begin() as unit:
        # Refused by Twilio costs nothing: not counted; yesterday's is another day.
        assert await unit.calls.placed_since("vasterort", now - timedelta(hours=1)) == 1
        assert await unit.calls.placed_since("vasterort", now - timedelta(days=2)) == 2
        assert await unit.calls.open_for(case_id, now - timedelta(hours=2))
        assert not await unit.calls.open_for(case_id, now + timedelta(seconds=1))  # too old
        await unit.calls.finish(on, CallState.MISSED, None, None, None)
        assert not await unit.calls.open_for(case_id, now - timedelta(hours=2))


async def test_a_corrected_attempt_moves_the_case_with_it(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    now = clock.now()
    async with units.begin() as unit:
        case_id, reference = await add_case(unit, "vasterort", now)
        staff_id = await add_staff(unit, "vasterort", 1, now)
        await unit.cases.assign(case_id, staff_id)
        missed = await unit.cases.add_attempt(
            case_id, staff_id, now, AttemptChannel.PHONE, AttemptOutcome.NO_ANSWER, now
        )
        reached = await unit.cases.add_attempt(
            case_id, staff_id, now, AttemptChannel.PHONE, AttemptOutcome.REACHED, now
        )
        assert missed != reached

    async def status() -> tuple[CaseStatus, list[AttemptOutcome]]:
        async with units.begin() as unit:
            case = await unit.cases.by_reference(reference)
        assert case is not None
        return case.status, [a.outcome for a in case.attempts]

    assert await status() == (
        CaseStatus.IN_CONTACT, [AttemptOutcome.NO_ANSWER, AttemptOutcome.REACHED],
    )  # fmt: skip
    async with units.begin() as unit:
        await unit.cases.correct_attempt(case_id, reached, AttemptOutcome.VOICEMAIL)
    assert await status() == (
        CaseStatus.ASSIGNED, [AttemptOutcome.NO_ANSWER, AttemptOutcome.VOICEMAIL],
    )  # fmt: skip
    async with units.begin() as unit:
        await unit.cases.correct_attempt(case_id, missed, AttemptOutcome.REACHED)
        await unit.cases.correct_attempt(case_id + 1, reached, AttemptOutcome.REACHED)  # not its
    assert await status() == (
        CaseStatus.IN_CONTACT, [AttemptOutcome.REACHED, AttemptOutcome.VOICEMAIL],
    )  # fmt: skip
    async with units.begin() as unit:
        await unit.cases.record_event(case_id, None, "seeker_answered", "", now)
        await unit.cases.correct_attempt(case_id, missed, AttemptOutcome.NO_ANSWER)
    # The seeker answered a message: in contact whatever a call says.
    assert (await status())[0] is CaseStatus.IN_CONTACT


async def test_the_reports_calls_are_the_organisations_placed_in_the_period(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    now = clock.now()
    async with units.begin() as unit:
        case_id, _ = await add_case(unit, "vasterort", now)
        staff_id = await add_staff(unit, "vasterort", 1, now)
        reached = await unit.calls.add(case_id, staff_id, "vasterort", True, now)
        await unit.calls.finish(reached, CallState.DONE, AttemptOutcome.REACHED, 300, None)
        await unit.calls.add(case_id, staff_id, "vasterort", True, now)  # still on
        refused = await unit.calls.add(case_id, staff_id, "vasterort", True, now)
        await unit.calls.finish(refused, CallState.FAILED, None, None, None)
        await unit.calls.add(case_id, staff_id, "soderort", True, now)  # another's
        await unit.calls.add(case_id, staff_id, "vasterort", True, now + timedelta(days=1))
    async with units.begin() as unit:
        found = await unit.stats.calls("vasterort", now, now + timedelta(hours=1))
    assert sorted(found, key=str) == sorted([(AttemptOutcome.REACHED, 300), (None, None)], key=str)
