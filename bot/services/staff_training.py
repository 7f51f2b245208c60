"""Further training and supervision (issue 22): recorded by a coordinator for their
organisation's staff, shown on the desk's Volunteers page, counted in the report."""

from __future__ import annotations

import logging
from datetime import date

from bot.domain.cases import Staff
from bot.domain.dialogue import S_, Reply, Translatable
from bot.domain.policy import Action, allowed, may_train
from bot.domain.staff_views import REFUSED
from bot.domain.training import SESSION_KIND, Session, SessionKind
from bot.services.staff_base import StaffBase

log = logging.getLogger(__name__)


class TrainingMixin(StaffBase):
    """Further training and supervision sessions."""

    async def record_session(
        self, actor: Staff | None, staff_id: int, on: date, kind: SessionKind
    ) -> Reply:
        """Record that a staff member took part in a further training or a supervision."""
        async with self._units.begin() as unit:
            person = await unit.staff.by_id(staff_id)
            if person is None or not may_train(actor, person) or actor is None:
                return REFUSED
            if on > self._clock.now().astimezone(self._zone).date():
                return Reply(S_("A session is recorded once it has taken place."))
            await unit.training.add(Session(person.id, on, kind), actor.id, self._clock.now())
        log.info("staff.session_recorded staff=%s kind=%s", person.id, kind)
        return Reply(
            S_("Recorded for {name}: {kind} on {on}."),
            params={
                "name": person.name,
                "kind": Translatable((SESSION_KIND[kind],)),
                "on": on.isoformat(),
            },
        )

    async def sessions_of_team(self, actor: Staff | None) -> list[Session]:
        """Every session of the coordinator's organisation's staff (the Volunteers page)."""
        if not allowed(actor, Action.TRAIN) or actor is None:
            return []
        async with self._units.begin() as unit:
            staff = await unit.staff.of_org(actor.org_id)
            return await unit.training.of_staff([s.id for s in staff])
