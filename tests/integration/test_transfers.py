"""A coordinator moves a case to another organisation: who is told, who may see it, the count."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.domain.cases import CaseStatus, StaffRole
from bot.services.reports import ReportService
from tests.conftest import FakeClock
from tests.integration.test_staff_flow import (
    COORDINATOR,
    DESK_URL,
    VOLUNTEER,
    answer_seeker,
    assign_new_case,
    join_staff,
    running,
)
from tests.telegram_fakes import Person

YOUNG_COORDINATOR, SEEKER_CHAT = 9003, 555000111
REFUSAL = "Not found, or not yours to see."


async def test_case_moves_to_stodcentrum_with_its_deadline(
    settings: Settings, clock: FakeClock
) -> None:
    """The new coordinators get it as a new case, the old side loses sight of it, both count it."""
    coordinator, volunteer = Person(COORDINATOR, "en"), Person(VOLUNTEER, "en")
    young, seeker = Person(YOUNG_COORDINATOR, "en"), Person(SEEKER_CHAT, "sv")
    async with running(settings, clock) as w:
        volunteer_id = await join_staff(w, coordinator, volunteer)
        invite = await w.jourbot.staff.create_invite("stodcentrum", StaffRole.COORDINATOR)
        await w.telegram(young.message(f"/join {invite.code}"))
        await w.telegram(seeker.message("/start"))
        await answer_seeker(w, seeker)
        reference = await assign_new_case(w, coordinator, "Ring efter sex", volunteer_id)
        before = await w.case(reference)

        await w.telegram(coordinator.message(f"/transfer {reference}"))
        assert w.last(COORDINATOR).startswith(f"Move {reference} to which organisation?")
        labels = [label for label, _ in w.api.buttons(COORDINATOR)]
        assert "Stödcentrum" in labels
        assert "Brottsofferjouren Västerort" not in labels  # not to where it already is
        await w.press(coordinator, f"move:{reference}:stodcentrum")
        assert w.last(COORDINATOR).startswith(f"Move {reference} to Stödcentrum: why?")
        assert "moved" not in w.last(VOLUNTEER)  # nothing moves before the reason
        await w.press(coordinator, f"move:{reference}:stodcentrum:age")

        moved = f"{reference} has moved to Stödcentrum. It is no longer on your lists."
        assert w.last(COORDINATOR) == moved
        assert w.last(VOLUNTEER) == moved
        notice = w.last(YOUNG_COORDINATOR)
        came_from = "Moved here by Brottsofferjouren Västerort."  # not why: that is the desk's
        assert w.last(SEEKER_CHAT) == (
            f"Ditt ärende {reference} ligger nu hos Stödcentrum, som kontaktar dig. "
            "Du kan fortsätta skriva här."
        )
        assert notice.startswith(f"New case {reference}\n{came_from}\nFirst contact by: ")
        assert notice.endswith(f"On the desk: {DESK_URL}/cases/{reference}")
        assert "Ring efter sex" not in notice and "+46701234567" not in notice
        assert "age" not in notice

        for who, person in ((COORDINATOR, coordinator), (VOLUNTEER, volunteer)):
            await w.telegram(person.message(f"/case {reference}"))
            assert w.last(who) == REFUSAL
        await w.telegram(young.message(f"/case {reference}"))
        assert "Volunteer: nobody yet" in w.last(YOUNG_COORDINATOR)

        moved_case = await w.case(reference)
        assert (moved_case.org_id, moved_case.status, moved_case.volunteer_id) == (
            "stodcentrum", CaseStatus.NEW, None,
        )  # fmt: skip
        assert moved_case.received_at == before.received_at  # and so the deadline
        changes = [(k, d) for k, d in await w.events(reference) if k != "viewed"]
        assert changes[-1] == ("transferred", "vasterort>stodcentrum:age")
        await w.telegram(seeker.message("/info"))
        await w.telegram(seeker.press("info:company"))
        assert w.last(SEEKER_CHAT).endswith("Stödcentrum på 08-508 00 508.")  # its new home

        today = clock.now().astimezone(ZoneInfo("Europe/Stockholm")).date()
        reports = ReportService(w.jourbot.units, settings.partnership)
        old = await reports.report("vasterort", today, today)
        new = await reports.report("stodcentrum", today, today)
        assert (old.figures.cases, old.figures.referrals) == (0, {"to_stodcentrum": 1})
        assert (new.figures.cases, new.figures.referrals) == (1, {"received": 1})


async def test_moving_needs_a_coordinator_and_a_real_destination(
    settings: Settings, clock: FakeClock
) -> None:
    """A forged destination only shows the menu again; a volunteer is refused outright."""
    coordinator, volunteer = Person(COORDINATOR, "en"), Person(VOLUNTEER, "en")
    seeker = Person(SEEKER_CHAT, "sv")
    async with running(settings, clock) as w:
        volunteer_id = await join_staff(w, coordinator, volunteer)
        await w.telegram(seeker.message("/start"))
        await answer_seeker(w, seeker)
        reference = await assign_new_case(w, coordinator, "Ring efter sex", volunteer_id)
        for destination in ("nowhere", "vasterort"):
            await w.telegram(coordinator.press(f"s:move:{reference}:{destination}"))
            assert w.last(COORDINATOR).startswith(f"Move {reference} to which organisation?")
        await w.telegram(volunteer.press(f"s:move:{reference}:stodcentrum"))
        assert w.last(VOLUNTEER).startswith("This is for coordinators.")
        assert (await w.case(reference)).org_id == "vasterort"
        assert [kind for kind, _ in await w.events(reference)] == ["assigned"]
