"""Volunteers' absences and the open cases they can carry (issue 22): recorded by the person
themselves or their coordinator, read by the suggestions and the reminders."""

from __future__ import annotations

import logging
from datetime import date

from bot.domain import staff_views as views
from bot.domain.availability import Absence, AbsenceProblem, absence_problem
from bot.domain.cases import Staff
from bot.domain.dialogue import S_, Line, Reply
from bot.domain.policy import may_plan
from bot.services.staff_base import StaffBase

log = logging.getLogger(__name__)

MOST_OPEN_CASES = 50  # a ceiling above this is a typing mistake

_PROBLEM = {
    AbsenceProblem.ENDS_BEFORE_START: S_("An absence cannot end before it starts."),
    AbsenceProblem.IN_THE_PAST: S_("That absence is over already: only today or later."),
    AbsenceProblem.TOO_LONG: S_("An absence of a year or more: deactivate the person instead."),
}


class AvailabilityMixin(StaffBase):
    """Absences and ceilings on open cases."""

    def _today(self) -> date:
        return self._clock.now().astimezone(self._zone).date()

    async def _planned_for(self, actor: Staff | None, staff_id: int | None) -> Staff | None:
        """The staff member whose availability *actor* may record (themselves by default)."""
        if actor is None:
            return None
        if staff_id is None or staff_id == actor.id:
            return actor if may_plan(actor, actor) else None
        async with self._units.lookup() as unit:
            person = await unit.staff.by_id(staff_id)
        return person if person is not None and may_plan(actor, person) else None

    async def add_absence(
        self, actor: Staff | None, starts_on: date, ends_on: date, staff_id: int | None = None
    ) -> Reply:
        """Record that a staff member is away from *starts_on* to *ends_on* (both included)."""
        person = await self._planned_for(actor, staff_id)
        if person is None:
            return views.REFUSED
        problem = absence_problem(starts_on, ends_on, self._today())
        if problem is not None:
            return Reply(_PROBLEM[problem])
        async with self._units.begin() as unit:
            await unit.absences.add(person.id, starts_on, ends_on, self._clock.now())
        log.info("staff.absence_added staff=%s", person.id)
        return Reply(
            S_("{name} is away from {start} to {end}: no new cases are offered to them then."),
            params={
                "name": person.name,
                "start": starts_on.isoformat(),
                "end": ends_on.isoformat(),
            },
        )

    async def remove_absence(
        self, actor: Staff | None, absence_id: int, staff_id: int | None = None
    ) -> Reply:
        """Take back a recorded absence."""
        person = await self._planned_for(actor, staff_id)
        if person is None:
            return views.REFUSED
        async with self._units.begin() as unit:
            removed = await unit.absences.remove(person.id, absence_id)
        if not removed:
            return views.REFUSED
        log.info("staff.absence_removed staff=%s", person.id)
        return Reply(S_("The absence is removed."))

    async def absences(self, actor: Staff | None, staff_id: int | None = None) -> list[Absence]:
        """Return a staff member's absences from today on (nothing for someone else's)."""
        person = await self._planned_for(actor, staff_id)
        if person is None:
            return []
        async with self._units.lookup() as unit:
            return await unit.absences.current([person.id], self._today())

    async def absences_reply(self, actor: Staff | None) -> Reply:
        """The actor's own absences, each with a button to remove it, and how to add one."""
        found = await self.absences(actor)
        how = Line(S_("Add one with /away FROM TO, for example /away 2026-12-20 2027-01-06."))
        if not found:
            return Reply(S_("You have no absences recorded."), lines=(how,))
        lines = tuple(
            Line(
                S_("{start} to {end}"),
                {"start": a.starts_on.isoformat(), "end": a.ends_on.isoformat()},
            )
            for a in found
        )
        choices = tuple(
            views.button(
                S_("Remove {start} to {end}"), "unaway", a.id,
                start=a.starts_on.isoformat(), end=a.ends_on.isoformat(),
            )
            for a in found
        )  # fmt: skip
        return Reply(
            S_("Your absences:"), lines=(*lines, how), choices=choices, step=views.STAFF_STEP
        )

    async def set_max_open(
        self, actor: Staff | None, most: int, staff_id: int | None = None
    ) -> Reply:
        """Keep how many open cases a staff member can carry; 0 lifts the ceiling."""
        person = await self._planned_for(actor, staff_id)
        if person is None:
            return views.REFUSED
        if not 0 <= most <= MOST_OPEN_CASES:
            return Reply(
                S_("Write a number from 0 (no ceiling) to {most}."),
                params={"most": MOST_OPEN_CASES},
            )
        async with self._units.begin() as unit:
            await unit.staff.update(person.id, max_open=most)
        log.info("staff.max_open_set staff=%s", person.id)
        if most == 0:
            return Reply(S_("{name} has no ceiling on open cases."), params={"name": person.name})
        return Reply(
            S_("{name} is offered new cases while they have fewer than {most} open."),
            params={"name": person.name, "most": most},
        )
