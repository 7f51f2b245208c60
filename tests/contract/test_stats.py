"""StatsUnit: the same anonymous facts for the same history."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.domain.cases import Attempt, AttemptChannel, AttemptOutcome, CaseSource, CloseReason
from bot.domain.followup import Rule
from bot.domain.model import CallTime, Channel, Partnership
from bot.domain.stats import TRANSFERRED, CaseFacts, figures, transfer_detail
from bot.ports import UnitsOfWork
from tests.conftest import FakeClock
from tests.contract.builders import add_case, add_seeker, add_staff, answers


async def test_case_facts_of_an_organisation_and_period(
    units: UnitsOfWork, clock: FakeClock, org: str, other_org: str, district: str
) -> None:
    t = clock.now()
    start, end = t, t + timedelta(days=1)
    async with units.begin() as unit:
        vera = await add_staff(unit, org, 1, t)
        seeker_id = await add_seeker(unit, t)
        await add_case(unit, org, t + timedelta(hours=2), source=CaseSource.PHONE)
        early, _ = await add_case(
            unit, org, t, seeker_id=seeker_id, channel=Channel.SMS, told=answers(district)
        )
        await add_case(unit, org, end)  # the period's end is not in it
        await add_case(unit, org, start - timedelta(seconds=1))
        await add_case(unit, other_org, t)
        await unit.cases.assign(early, vera)
        await unit.cases.add_attempt(
            early, vera, t + timedelta(hours=3), AttemptChannel.PHONE, AttemptOutcome.REACHED, t
        )
        await unit.cases.add_attempt(
            early, vera, t + timedelta(hours=1), AttemptChannel.PHONE, AttemptOutcome.NO_ANSWER, t
        )
        await unit.cases.record_event(early, None, "seeker_answered", "", t + timedelta(hours=5))
        await unit.cases.record_event(early, None, "seeker_answered", "", t + timedelta(hours=4))
        await unit.cases.close(early, CloseReason.SUPPORTED, t + timedelta(hours=6))
    async with units.begin() as unit:
        facts = await unit.stats.cases(org, start, end)
    told = answers(district)
    assert facts == [
        CaseFacts(
            received_at=t, source="bot", channel="sms", locale="sv", status="closed",
            gender="woman", age_group="21_plus", role="victim", district_id=district,
            crime="threat", needs=frozenset({"talk", "legal_process"}), close_reason="supported",
            attempts=(
                Attempt(t + timedelta(hours=1), AttemptChannel.PHONE, AttemptOutcome.NO_ANSWER),
                Attempt(t + timedelta(hours=3), AttemptChannel.PHONE, AttemptOutcome.REACHED),
            ),
            answered_at=t + timedelta(hours=4),
        ),
        CaseFacts(
            received_at=t + timedelta(hours=2), source="phone", channel="", locale="sv",
            status="new", gender="woman", age_group="21_plus", role="victim", district_id=None,
            crime="threat", needs=frozenset({"talk", "legal_process"}),
        ),
    ]  # fmt: skip
    assert told.gender is not None and facts[0].gender == told.gender.value
    assert all(type(value) is str for value in (facts[0].gender, facts[0].status))


async def test_facts_survive_erasure(units: UnitsOfWork, clock: FakeClock, org: str) -> None:
    t = clock.now()
    async with units.begin() as unit:
        seeker_id = await add_seeker(unit, t)
        daytime = replace(answers(), call_time=CallTime.DAYTIME)
        await add_case(unit, org, t, seeker_id=seeker_id, told=daytime)
        await add_case(unit, org, t)  # said the evening is safe
        await unit.intake.forget_seeker(seeker_id)
        erased, kept = await unit.stats.cases(org, t, t + timedelta(days=1))
    assert (erased.status, erased.crime, erased.needs) == ("erased", "threat", answers().needs)
    # Whether the evening was safe stays a statistic when the answer itself is erased.
    assert (erased.evening_safe, kept.evening_safe) == (False, True)


async def test_figures_agree_for_the_same_history(
    units: UnitsOfWork, clock: FakeClock, org: str, shipped: Partnership
) -> None:
    """What the report computes comes out the same, whatever stores the history."""
    t = clock.now()
    async with units.begin() as unit:
        vera = await add_staff(unit, org, 1, t)
        for hours in range(3):
            case_id, _ = await add_case(unit, org, t + timedelta(hours=hours))
            await unit.cases.add_attempt(
                case_id, vera, t + timedelta(hours=hours + 20), AttemptChannel.PHONE,
                AttemptOutcome.REACHED if hours else AttemptOutcome.NO_ANSWER, t,
            )  # fmt: skip
        facts = await unit.stats.cases(org, t, t + timedelta(days=1))
    result = figures(facts, shipped)
    assert result.cases == 3
    assert result.median_hours_to_first_contact == 20.0
    assert result.attempts_per_case == 1.0


async def test_reminders_sent_in_the_period(
    units: UnitsOfWork, clock: FakeClock, org: str, other_org: str
) -> None:
    t = clock.now()
    async with units.begin() as unit:
        mine, _ = await add_case(unit, org, t)
        theirs, _ = await add_case(unit, other_org, t)
        for case_id, rule, at in (
            (mine, Rule.UNASSIGNED, t),
            (mine, Rule.DEADLINE_NEAR, t + timedelta(hours=1)),
            (mine, Rule.DEADLINE_PASSED, t + timedelta(days=1)),
            (theirs, Rule.UNASSIGNED, t),
        ):
            await unit.reminders.claim(case_id, rule, "p", at)
            await unit.reminders.mark_sent(case_id, rule, "p", at)
        await unit.reminders.claim(mine, Rule.NOT_REACHED, "p", t)  # claimed, never sent
    async with units.begin() as unit:
        found = await unit.stats.reminders(org, t, t + timedelta(days=1))
    assert sorted(found) == ["deadline_near", "unassigned"]


async def test_transfers_in_the_period(
    units: UnitsOfWork, clock: FakeClock, org: str, other_org: str
) -> None:
    t = clock.now()
    async with units.begin() as unit:
        case_id, _ = await add_case(unit, org, t)
        await unit.cases.transfer(case_id, other_org)
        await unit.cases.record_event(
            case_id, None, TRANSFERRED, transfer_detail(org, other_org), t
        )
        await unit.cases.record_event(
            case_id, None, TRANSFERRED, transfer_detail(other_org, org), t + timedelta(days=1)
        )
        await unit.cases.record_event(case_id, None, "assigned", "Vera", t)
    async with units.begin() as unit:
        assert await unit.stats.transfers(t, t + timedelta(days=1)) == [(org, other_org)]
        # A moved case counts where it is now.
        assert await unit.stats.cases(org, t, t + timedelta(days=1)) == []
        assert len(await unit.stats.cases(other_org, t, t + timedelta(days=1))) == 1
