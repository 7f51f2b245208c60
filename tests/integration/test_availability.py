"""Volunteers' absences and ceilings in the bot (issue 22): recorded with /away and
/maxcases, left out of the suggestions with why, an absence over a deadline escalated to the
coordinators when it starts, and a summary for the volunteer coming back."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.config import Settings
from bot.domain.cases import CaseSource, StaffRole
from bot.services.operator import ReferredCase
from tests.conftest import FakeClock
from tests.integration.test_staff_flow import (
    COORDINATOR,
    VOLUNTEER,
    World,
    assign_new_case,
    running,
    staff_and_a_case,
)

VINCE = 9003


async def add_vince(w: World, clock: FakeClock) -> int:
    async with w.jourbot.units.begin() as unit:
        vince = await unit.staff.add(
            org_id="vasterort", role=StaffRole.VOLUNTEER, name="Vince", telegram_id=VINCE,
            locale="en", now=clock.now(),
        )  # fmt: skip
        await unit.staff.update(vince, trained_on=date(2026, 1, 10), languages=("sv",))
    return vince


async def test_the_away_and_the_full_are_left_out_of_the_suggestions(
    settings: Settings, clock: FakeClock
) -> None:
    async with running(settings, clock) as w:  # Tuesday 24 November, 14:00 in Stockholm
        coordinator, volunteer, _, _ = await staff_and_a_case(w)
        vince = await add_vince(w, clock)
        await w.telegram(volunteer.message("/away 2026-11-24 2026-11-29"))
        assert w.last(VOLUNTEER).startswith("Seeker is away from 2026-11-24 to 2026-11-29")
        await w.telegram(coordinator.message(f"/maxcases {vince} 1"))
        assert "fewer than 1 open" in w.last(COORDINATOR)
        async with w.jourbot.units.begin() as unit:
            [case] = await unit.reminders.awaiting_contact()
        await w.telegram(coordinator.message(f"/assign {case.reference}"))
        offer = w.last(COORDINATOR)
        assert "Left out: Seeker, away until 2026-11-29" in offer
        assert [label.split(" · ")[0] for label, _ in w.api.buttons(COORDINATOR)] == ["Vince"]
        await w.press(coordinator, f"to:{case.reference}:{vince}")
        # A second case: Vera is away, and Vince has as many open cases as he can carry.
        second = await w.jourbot.operator.register_case(
            ReferredCase("vasterort", CaseSource.PHONE, "sv", phone="+46707654321")
        )
        await w.telegram(coordinator.message(f"/assign {second}"))
        offer = w.last(COORDINATOR)
        assert offer.startswith(f"No trained, active volunteer can take {second}.")
        assert "Left out: Seeker, away until 2026-11-29" in offer
        assert "Left out: Vince, who has as many open cases as they can carry" in offer
        await w.telegram(coordinator.message(f"/maxcases {vince} 0"))
        assert w.last(COORDINATOR) == "Vince has no ceiling on open cases."
        await w.telegram(coordinator.message(f"/assign {second}"))
        assert [label.split(" · ")[0] for label, _ in w.api.buttons(COORDINATOR)] == ["Vince"]


async def test_away_lists_and_removes_and_refuses_nonsense(
    settings: Settings, clock: FakeClock
) -> None:
    async with running(settings, clock) as w:
        _, volunteer, _, _ = await staff_and_a_case(w)
        await w.telegram(volunteer.message("/away"))
        assert w.last(VOLUNTEER).startswith("You have no absences recorded.")
        for wrong, answer in (
            ("/away 2026-12-05 2026-12-01", "cannot end before it starts"),
            ("/away 2026-11-01 2026-11-02", "is over already"),
            ("/away tomorrow", "Write /away and the first and last day"),
            ("/maxcases many", "Write /maxcases and a number"),
            ("/maxcases 500", "from 0 (no ceiling) to 50"),
        ):
            await w.telegram(volunteer.message(wrong))
            assert answer in w.last(VOLUNTEER), wrong
        await w.telegram(volunteer.message("/away 2026-12-20 2027-01-06"))
        await w.telegram(volunteer.message("/away"))
        assert "2026-12-20 to 2027-01-06" in w.last(VOLUNTEER)
        await w.press(volunteer, "Remove 2026-12-20 to 2027-01-06")
        assert w.last(VOLUNTEER) == "The absence is removed."
        await w.telegram(volunteer.message("/away"))
        assert w.last(VOLUNTEER).startswith("You have no absences recorded.")


async def test_an_absence_over_a_deadline_reaches_the_coordinators_and_a_welcome_back(
    settings: Settings, clock: FakeClock
) -> None:
    """The case is due Friday 14:00; its volunteer is away Thursday to Saturday. Thursday at
    08:00 the coordinators are asked to give it to someone who is here; on Sunday morning
    the volunteer is welcomed back with their open cases."""
    async with running(settings, clock) as w:
        coordinator, volunteer, _, volunteer_id = await staff_and_a_case(w)
        reference = await assign_new_case(w, coordinator, "Ring efter sex", volunteer_id)
        await w.telegram(volunteer.message("/away 2026-11-26 2026-11-28"))
        reminders = w.jourbot.reminders
        await reminders.sweep(datetime(2026, 11, 26, 6, 55, tzinfo=UTC))  # 07:55: quiet hours
        await w.jourbot.outbox.drain()
        assert "is away when first contact is due" not in w.last(COORDINATOR)
        await reminders.sweep(datetime(2026, 11, 26, 7, 0, tzinfo=UTC))  # 08:00
        await w.jourbot.outbox.drain()
        told = [str(m["text"]) for m in w.api.sent(COORDINATOR)]
        assert any(
            t.startswith(f"{reference}: its volunteer is away when first contact is due")
            for t in told
        ), told
        before = len(w.api.sent(COORDINATOR))
        await reminders.sweep(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
        await w.jourbot.outbox.drain()
        assert not any("is away" in str(m["text"]) for m in w.api.sent(COORDINATOR)[before:])
        await reminders.sweep_all(datetime(2026, 11, 29, 7, 0, tzinfo=UTC))  # Sunday 08:00
        await w.jourbot.outbox.drain()
        sent = [str(m["text"]) for m in w.api.sent(VOLUNTEER)]
        [welcome] = [text for text in sent if text.startswith("Welcome back")]
        assert welcome.startswith("Welcome back. Your open cases:") and reference in welcome, sent
        count = sum("Welcome back" in str(m["text"]) for m in w.api.sent(VOLUNTEER))
        await reminders.sweep_all(datetime(2026, 11, 29, 9, 0, tzinfo=UTC))
        await w.jourbot.outbox.drain()
        assert sum("Welcome back" in str(m["text"]) for m in w.api.sent(VOLUNTEER)) == count
