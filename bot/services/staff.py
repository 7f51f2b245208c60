"""Staff use cases: join, see cases, assign, log attempts, close, and talk to seekers.

Every action on a case loads it as stored and asks the policy; a refusal says the same
whether the case does not exist or is someone else's.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from bot.domain import staff_notices as notices
from bot.domain import staff_views as views
from bot.domain.availability import split_available
from bot.domain.case_history import VIA_BOT, history_lines
from bot.domain.cases import (
    AttemptChannel,
    AttemptOutcome,
    CaseStatus,
    CloseReason,
    Staff,
)
from bot.domain.dialogue import S_, Reply, Translatable
from bot.domain.policy import Action, allowed, may_receive
from bot.domain.routing import suggest_volunteers
from bot.domain.safety_warnings import contact_warnings
from bot.services.staff_availability import AvailabilityMixin
from bot.services.staff_care import CareMixin
from bot.services.staff_desk import DeskMixin
from bot.services.staff_invites import InviteMixin
from bot.services.staff_relay import RelayMixin
from bot.services.staff_training import TrainingMixin
from bot.services.staff_transfers import TransferMixin

log = logging.getLogger(__name__)


class StaffService(
    AvailabilityMixin, CareMixin, DeskMixin, InviteMixin, RelayMixin, TrainingMixin, TransferMixin
):
    """Staff use cases: join, see cases, assign, move, log attempts, close, talk to seekers."""

    # -- seeing cases -----------------------------------------------------------------

    async def org_cases(self, actor: Staff | None) -> Reply:
        """List a coordinator's unassigned, open and overdue cases."""
        if not allowed(actor, Action.ORG_CASES):
            return views.refused(actor, Action.ORG_CASES)
        assert actor is not None  # noqa: S101 - allowed() refuses None
        now = self._clock.now()
        async with self._units.begin() as unit:
            cases = await unit.cases.of_org(
                actor.org_id, (CaseStatus.NEW, CaseStatus.ASSIGNED, CaseStatus.IN_CONTACT)
            )
        dues = [(case, self._due(case)) for case in cases]
        unassigned = [(c, d) for c, d in dues if c.status is CaseStatus.NEW]
        overdue = [(c, d) for c, d in dues if d.overdue(now)]
        open_ = [(c, d) for c, d in dues if c.status is not CaseStatus.NEW]
        return views.org_cases(
            [
                (S_("Unassigned:"), unassigned),
                (S_("Overdue (not reached within the deadline):"), overdue),
                (S_("Open:"), open_),
            ]
        )

    async def my_cases(self, actor: Staff | None) -> Reply:
        """List a volunteer's open cases with what is due next."""
        if not allowed(actor, Action.MY_CASES):
            return views.NOT_STAFF
        assert actor is not None  # noqa: S101 - allowed() refuses None
        async with self._units.begin() as unit:
            cases = await unit.cases.of_volunteer(actor.id)
        if not cases:
            return Reply(S_("You have no open cases."))
        return views.case_list(S_("Your open cases:"), [(c, self._due(c)) for c in cases])

    async def open_case(self, actor: Staff | None, reference: str) -> Reply:
        """Show a case (recorded as opened in the bot)."""
        found = await self.case_file(actor, reference, VIA_BOT)
        if found is None:
            return self._refusal(actor, Action.VIEW)
        case = found.case
        history = history_lines(case, found.events, found.names, self._partnership, views=False)
        return notices.case_view(
            self._settings,
            case,
            found.due,
            self._partnership,
            show_phone=found.show_phone,
            volunteer=found.volunteer.name if found.volunteer else None,
            conversation=found.conversation,
            opted_out=found.opted_out,
            history=history,
            closed_by=found.closed_by,
        )

    # -- assigning --------------------------------------------------------------------

    async def assign_menu(self, actor: Staff | None, reference: str) -> Reply:
        """Offer the volunteers who may take the case, best suited first."""
        async with self._units.begin() as unit:
            case = await self._permitted(unit, actor, Action.ASSIGN, reference)
            if case is None:
                return self._refusal(actor, Action.ASSIGN)
            volunteers = await unit.staff.of_org(case.org_id)
            load = await unit.staff.open_load(case.org_id)
            today = self._clock.now().astimezone(self._zone).date()
            absences = await unit.absences.current([v.id for v in volunteers], today)
        ranked = suggest_volunteers(case, volunteers, load)
        available, left_out = split_available(ranked, absences, load, today)
        return views.suggestions(case, available, load, left_out)

    async def assign(self, actor: Staff | None, reference: str, volunteer_id: int) -> Reply:
        """Give the case to a trained, active volunteer of the organisation."""
        now = self._clock.now()
        async with self._units.begin() as unit:
            case = await self._permitted(unit, actor, Action.ASSIGN, reference)
            if case is None:
                return self._refusal(actor, Action.ASSIGN)
            assert actor is not None  # noqa: S101 - _permitted refuses None
            volunteer = await unit.staff.by_id(volunteer_id)
            if volunteer is None or not may_receive(volunteer, case):
                return Reply(
                    S_("That person cannot take cases: they must be an active volunteer of "
                       "this organisation with basic training recorded.")
                )  # fmt: skip
            if case.volunteer_id == volunteer.id:
                return Reply(
                    S_("{reference} is already with {name}."),
                    params={"reference": case.reference, "name": volunteer.name},
                )
            await unit.cases.assign(case.id, volunteer.id)
            event = "reassigned" if case.volunteer_id else "assigned"
            await unit.cases.record_event(case.id, actor.id, event, str(volunteer.id), now)
            telegram_id = await unit.staff.telegram_id(volunteer.id)
            if telegram_id is not None:
                notice = notices.assigned(self._settings, case, self._due(case), self._partnership)
                to = self._staff_recipient(volunteer, telegram_id)
                await self._tell(unit, [to], [notice], now)
            former = await unit.staff.by_id(case.volunteer_id) if case.volunteer_id else None
            former_chat = await unit.staff.telegram_id(former.id) if former else None
            if former is not None and former_chat is not None and former.id != actor.id:
                to_former = self._staff_recipient(former, former_chat)
                await self._tell(unit, [to_former], [notices.taken_from(case.reference)], now)
        self._wake_outbox()
        log.info("case.%s case=%s staff=%s", event, case.reference, volunteer.id)
        return Reply(
            S_("{reference} is now with {name}."),
            params={"reference": case.reference, "name": volunteer.name},
        )

    # -- attempts and closing ---------------------------------------------------------

    async def attempt_step(
        self,
        actor: Staff | None,
        reference: str,
        channel: AttemptChannel | None = None,
        outcome: AttemptOutcome | None = None,
        when: views.When | None = None,
    ) -> Reply:
        """Walk through logging an attempt: how, how it went, when; then record it.

        *when* is minutes ago, or a time of day today (Stockholm) given up front.
        """
        async with self._units.begin() as unit:
            case = await self._permitted(unit, actor, Action.LOG_ATTEMPT, reference)
        if case is None:
            return self._refusal(actor, Action.LOG_ATTEMPT)
        warnings = contact_warnings(case)
        if channel is None:
            return views.attempt_channels(case.reference, when, warnings)
        if outcome is None:
            return views.attempt_outcomes(case.reference, channel, when, warnings)
        now_local = self._clock.now().astimezone(self._zone)
        if when is None:
            return views.attempt_times(
                case.reference, channel, outcome, views.earlier_today_options(now_local)
            )
        if isinstance(when, time):
            return await self.log_attempt_today(actor, case.reference, channel, outcome, when)
        at = self._clock.now() - timedelta(minutes=when)
        return await self.log_attempt(actor, case.reference, channel, outcome, at)

    async def log_attempt(
        self,
        actor: Staff | None,
        reference: str,
        channel: AttemptChannel,
        outcome: AttemptOutcome,
        at: datetime,
    ) -> Reply:
        """Record an attempt made now or earlier the same (local) day."""
        now = self._clock.now()
        if at > now or at.astimezone(self._zone).date() != now.astimezone(self._zone).date():
            return Reply(S_("An attempt can be logged for earlier today only."))
        async with self._units.begin() as unit:
            case = await self._permitted(unit, actor, Action.LOG_ATTEMPT, reference)
            if case is None:
                return self._refusal(actor, Action.LOG_ATTEMPT)
            if at < case.received_at:
                return Reply(
                    S_("An attempt cannot be before {reference} came in ({received})."),
                    params={"reference": case.reference, "received": case.received_at},
                )
            assert actor is not None  # noqa: S101 - _permitted refuses None
            await unit.cases.add_attempt(case.id, actor.id, at, channel, outcome, now)
            await unit.cases.record_event(case.id, actor.id, "attempt", f"{channel}:{outcome}", now)
        log.info("case.attempt case=%s outcome=%s", case.reference, outcome)
        return views.attempt_logged(case.reference, at, outcome)

    async def log_attempt_today(
        self,
        actor: Staff | None,
        reference: str,
        channel: AttemptChannel,
        outcome: AttemptOutcome,
        local_time: time,
    ) -> Reply:
        """Record an attempt made at *local_time* today (Stockholm time)."""
        today = self._clock.now().astimezone(self._zone).date()
        at = datetime.combine(today, local_time, self._zone)
        return await self.log_attempt(actor, reference, channel, outcome, at)

    async def close(
        self, actor: Staff | None, reference: str, reason: CloseReason | None = None
    ) -> Reply:
        """Ask for a reason, then close the case."""
        now = self._clock.now()
        async with self._units.begin() as unit:
            case = await self._permitted(unit, actor, Action.CLOSE, reference)
            if case is None:
                return self._refusal(actor, Action.CLOSE)
            if reason is None:
                return views.close_reasons(case.reference)
            assert actor is not None  # noqa: S101 - _permitted refuses None
            await unit.cases.close(case.id, reason, now)
            await unit.cases.record_event(case.id, actor.id, "closed", str(reason), now)
            coordinators = await self._coordinators(unit, case.org_id)
            chat = await unit.staff.telegram_id(actor.id)
            others = [c for c in coordinators if c.address != str(chat)]
            notice = notices.closed(self._settings, case.reference, actor.name, reason)
            await self._tell(unit, others, [notice], now)
        self._wake_outbox()
        log.info("case.closed case=%s reason=%s", case.reference, reason)
        return Reply(
            S_("{reference} is closed: {reason}."),
            params={
                "reference": case.reference,
                "reason": Translatable((views.CLOSE_REASON[reason],)),
            },
        )
