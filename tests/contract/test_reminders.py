"""ReminderUnit: cases waiting for first contact, and each reminder sent once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.cases import (
    Attempt,
    AttemptChannel,
    AttemptOutcome,
    CaseRecord,
    CaseSource,
    CaseStatus,
    CloseReason,
)
from bot.domain.followup import Rule
from bot.domain.model import Channel
from bot.ports import UnitsOfWork
from tests.conftest import FakeClock
from tests.contract.builders import add_case, add_seeker, add_staff


async def test_awaiting_contact_holds_new_and_assigned_cases(
    units: UnitsOfWork, clock: FakeClock, org: str, other_org: str
) -> None:
    t = clock.now()
    async with units.begin() as unit:
        vera = await add_staff(unit, org, 1, t)
        seeker_id = await add_seeker(unit, t)
        new, new_ref = await add_case(unit, org, t, seeker_id=seeker_id)
        assigned, assigned_ref = await add_case(unit, other_org, t + timedelta(hours=1))
        in_contact, _ = await add_case(unit, org, t)
        closed, _ = await add_case(unit, org, t)
        await unit.cases.assign(assigned, vera)
        await unit.cases.add_attempt(
            assigned, vera, t + timedelta(hours=3), AttemptChannel.PHONE,
            AttemptOutcome.NO_ANSWER, t,
        )  # fmt: skip
        await unit.cases.add_attempt(
            assigned, vera, t + timedelta(hours=2), AttemptChannel.SMS, AttemptOutcome.VOICEMAIL, t
        )
        await unit.cases.assign(in_contact, vera)
        await unit.cases.mark_in_contact(in_contact)
        await unit.cases.close(closed, CloseReason.NOT_REACHED, t)
    async with units.begin() as unit:
        waiting = sorted(await unit.reminders.awaiting_contact(), key=lambda c: c.id)
    assert waiting == [
        CaseRecord(
            id=new, reference=new_ref, org_id=org, source=CaseSource.BOT, status=CaseStatus.NEW,
            received_at=t, locale="sv", channel=Channel.SMS,
        ),
        CaseRecord(
            id=assigned, reference=assigned_ref, org_id=other_org, source=CaseSource.BOT,
            status=CaseStatus.ASSIGNED, received_at=t + timedelta(hours=1), locale="sv",
            channel=None, volunteer_id=vera,
            attempts=(
                Attempt(t + timedelta(hours=2), AttemptChannel.SMS, AttemptOutcome.VOICEMAIL),
                Attempt(t + timedelta(hours=3), AttemptChannel.PHONE, AttemptOutcome.NO_ANSWER),
            ),
        ),
    ]  # fmt: skip


async def test_a_reminder_is_claimed_until_it_is_sent(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    t = clock.now()
    async with units.begin() as unit:
        case_id, _ = await add_case(unit, org, t)
        assert await unit.reminders.sent() == {}
        assert await unit.reminders.claim(case_id, Rule.UNASSIGNED, "2026-11-24", t)
        # A claim left by a crash before the send may be taken again.
        assert await unit.reminders.claim(case_id, Rule.UNASSIGNED, "2026-11-24", t)
        assert await unit.reminders.sent() == {}
        await unit.reminders.mark_sent(case_id, Rule.UNASSIGNED, "2026-11-24", t)
        assert not await unit.reminders.claim(case_id, Rule.UNASSIGNED, "2026-11-24", t)
        assert await unit.reminders.claim(case_id, Rule.UNASSIGNED, "2026-11-25", t)
        assert await unit.reminders.claim(case_id, Rule.DEADLINE_NEAR, "2026-11-24", t)
        await unit.reminders.mark_sent(case_id, Rule.DEADLINE_NEAR, "2026-11-24", t)
    async with units.begin() as unit:
        assert await unit.reminders.sent() == {
            case_id: frozenset(
                {(Rule.UNASSIGNED, "2026-11-24"), (Rule.DEADLINE_NEAR, "2026-11-24")}
            )
        }


async def test_mark_sent_without_a_claim_records_nothing(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    async with units.begin() as unit:
        case_id, _ = await add_case(unit, org, clock.now())
        await unit.reminders.mark_sent(case_id, Rule.NOT_REACHED, "once", clock.now())
        assert await unit.reminders.sent() == {}
        assert await unit.reminders.claim(case_id, Rule.NOT_REACHED, "once", clock.now())


async def test_sent_reminders_of_a_case_no_longer_waiting_are_not_listed(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    async with units.begin() as unit:
        case_id, _ = await add_case(unit, org, clock.now())
        await unit.reminders.claim(case_id, Rule.UNASSIGNED, "p", clock.now())
        await unit.reminders.mark_sent(case_id, Rule.UNASSIGNED, "p", clock.now())
        await unit.cases.close(case_id, CloseReason.SUPPORTED, clock.now())
        assert await unit.reminders.sent() == {}
        assert not await unit.reminders.claim(case_id, Rule.UNASSIGNED, "p", clock.now())


async def test_a_reminder_needs_its_case(
    units: UnitsOfWork, clock: FakeClock, refused: type[Exception]
) -> None:
    with pytest.raises(refused):
        async with units.begin() as unit:
            await unit.reminders.claim(404, Rule.UNASSIGNED, "p", clock.now())
