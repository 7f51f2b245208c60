"""The support given after first contact (issue 22): recorded by the case's volunteer (or a
coordinator of its organisation), in the agreement's kinds, never as free text."""

from __future__ import annotations

import logging

from bot.domain.care import CareContact, CareProblem, care_problem
from bot.domain.cases import CaseStatus, Staff
from bot.domain.dialogue import S_, Reply
from bot.domain.policy import Action
from bot.services.staff_base import StaffBase

log = logging.getLogger(__name__)

_PROBLEM = {
    CareProblem.IN_THE_FUTURE: S_("A contact cannot be recorded ahead of time."),
    CareProblem.BEFORE_THE_CASE: S_("A contact cannot be before the case came in."),
    CareProblem.MINUTES: S_("Give how long the contact lasted, in minutes (at most 720)."),
    CareProblem.NOTHING_GIVEN: S_("Choose at least one kind of support given."),
    CareProblem.DETAIL: S_(
        "An accompaniment needs its kind and date, an application its kind, and a referral "
        "an organisation from the list."
    ),
}
NOT_IN_CONTACT = Reply(
    S_("Support after first contact is recorded once the seeker has been reached: log the "
       "attempt that reached them first.")
)  # fmt: skip


class CareMixin(StaffBase):
    """Contacts after the first one and the help given."""

    async def record_contact(
        self, actor: Staff | None, reference: str, contact: CareContact
    ) -> Reply:
        """Record a contact with the seeker and the support given at it."""
        now = self._clock.now()
        async with self._units.begin() as unit:
            case = await self._permitted(unit, actor, Action.RECORD_SUPPORT, reference)
            if case is None or actor is None:
                return self._refusal(actor, Action.RECORD_SUPPORT)
            if case.status is not CaseStatus.IN_CONTACT:
                return NOT_IN_CONTACT
            problem = care_problem(
                contact,
                now.astimezone(self._zone).date(),
                case.received_at.astimezone(self._zone).date(),
                (r.id for r in self._partnership.referrals),
            )
            if problem is not None:
                return Reply(_PROBLEM[problem])
            await unit.care.add(case.id, actor.id, contact, now)
            await unit.cases.record_event(case.id, actor.id, "support", str(contact.minutes), now)
        log.info("case.support case=%s kinds=%d", case.reference, len(contact.support))
        return Reply(
            S_("Recorded for {reference}: a contact of {minutes} min on {on}."),
            params={
                "reference": case.reference,
                "minutes": contact.minutes,
                "on": contact.on.isoformat(),
            },
        )
