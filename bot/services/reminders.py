"""The reminder sweep: find what is due, tell staff, and never tell them twice.

A reminder is recorded and its messages queued in the outbox in one transaction: either
both hold or neither does. The outbox then delivers at least once, through provider
failures and restarts; the sweep never sends the same reminder again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain import staff_notices as notices
from bot.domain import staff_views as views
from bot.domain.availability import RETURN_SUMMARY_DAYS
from bot.domain.cases import Staff, StaffRole
from bot.domain.followup import Audience, Due, due_reminders, follow_up
from bot.domain.model import Partnership
from bot.domain.staff_notices import StaffSettings
from bot.domain.training import supervision_overdue
from bot.ports import Clock, Unit, UnitsOfWork
from bot.services.outbox import queue
from bot.services.staff_base import staff_recipient

log = logging.getLogger(__name__)

SUPERVISION_DUE = "supervision_due"  # a reminder about a volunteer, not a case


@dataclass(frozen=True, slots=True)
class Planned:
    """A reminder due at a sweep, with the staff it goes to."""

    due: Due
    staff: tuple[tuple[Staff, int], ...]  # (staff member, Telegram chat)

    def as_json(self) -> dict[str, object]:
        """Describe it for `jourbot remind --dry-run --json` (no personal data)."""
        return {
            "case": self.due.reference,
            "rule": str(self.due.rule),
            "period": self.due.period,
            "recipients": [staff.id for staff, _ in self.staff],
        }


class ReminderService:
    def __init__(
        self,
        units: UnitsOfWork,
        clock: Clock,
        partnership: Partnership,
        wake_outbox: Callable[[], None],
        *,
        settings: StaffSettings,
    ) -> None:
        self._units = units
        self._clock = clock
        self._partnership = partnership
        self._wake_outbox = wake_outbox
        self._settings = settings  # a reminder links to the case on the desk unless detailed

    async def plan(self, now: datetime) -> list[Planned]:
        """Work out every reminder due at *now*, and to whom; send and record nothing."""
        today = now.astimezone(ZoneInfo(self._partnership.timezone)).date()
        async with self._units.begin() as unit:
            cases = await unit.reminders.awaiting_contact()
            sent = await unit.reminders.sent()
            volunteers = {case.volunteer_id for case in cases if case.volunteer_id is not None}
            # An absence a deadline can still fall in: deadlines are days ahead, not behind.
            absences = await unit.absences.current(volunteers, today - timedelta(days=7))
            due = [
                d
                for case in cases
                for d in due_reminders(
                    case, sent.get(case.id, frozenset()), now, self._partnership, absences
                )
            ]
            if not due:
                return []
            by_case = {case.id: case for case in cases}
            staff = await self._staff(unit, {by_case[d.case_id].org_id for d in due})
        planned = []
        for d in due:
            case = by_case[d.case_id]
            recipients = []
            if Audience.VOLUNTEER in d.audience and case.volunteer_id in staff:
                recipients.append(staff[case.volunteer_id])
            if Audience.COORDINATORS in d.audience:
                recipients += [
                    entry
                    for entry in staff.values()
                    if entry[0].org_id == case.org_id and entry[0].role is StaffRole.COORDINATOR
                ]
            planned.append(Planned(d, tuple(recipients)))
        return planned

    async def sweep(self, now: datetime | None = None) -> list[Planned]:
        """Queue every reminder due now (or at *now*); return what was queued."""
        moment = now or self._clock.now()
        done = []
        for item in await self.plan(moment):
            if not item.staff:
                continue  # nobody to tell yet; a later sweep tries again
            if await self._queue(item):
                done.append(item)
        if done:
            self._wake_outbox()
            log.info("reminders.sent count=%d", len(done))
        return done

    async def sweep_all(self, now: datetime | None = None) -> list[Planned]:
        """The scheduled sweep: the cases' reminders, then those about staff members."""
        done = await self.sweep(now)
        await self.staff_sweep(now)
        return done

    async def staff_sweep(self, now: datetime | None = None) -> int:
        """Welcome volunteers back from absences and remind coordinators of supervision;
        return how many messages were queued."""
        moment = now or self._clock.now()
        queued = await self.welcome_back(moment) + await self.supervision(moment)
        if queued:
            self._wake_outbox()
            log.info("reminders.staff_sent count=%d", queued)
        return queued

    async def supervision(self, now: datetime) -> int:
        """Remind coordinators of each volunteer without supervision for the configured
        months: in working hours, at most once a month per volunteer; return how many."""
        p = self._partnership
        local = now.astimezone(ZoneInfo(p.timezone))
        if not p.quiet_end <= local.time() < p.evening_start:
            return 0
        today, months = local.date(), self._settings.supervision_months
        reminded, recorded = 0, self._clock.now()
        async with self._units.begin() as unit:
            for org in p.organisations:
                staff = await unit.staff.of_org(org.id)
                sessions = await unit.training.of_staff([s.id for s in staff])
                due = [v for v in staff if supervision_overdue(v, sessions, today, months)]
                if not due:
                    continue
                coordinators = [
                    (c, chat)
                    for c in staff
                    if c.active and c.role is StaffRole.COORDINATOR
                    and (chat := await unit.staff.telegram_id(c.id)) is not None
                ]  # fmt: skip
                for volunteer in due:
                    if not coordinators:
                        break  # nobody to tell yet: a later sweep tries again
                    period = f"{today:%Y-%m}"
                    if not await unit.training.claim_reminder(
                        volunteer.id, SUPERVISION_DUE, period, recorded
                    ):
                        continue
                    notice = views.supervision_due(volunteer, months)
                    for coordinator, chat in coordinators:
                        await queue(unit, staff_recipient(coordinator, chat), [notice], recorded)
                    reminded += 1
        return reminded

    async def welcome_back(self, now: datetime) -> int:
        """Give each volunteer back from an absence a summary of their open cases, once, in
        working hours; return how many were welcomed."""
        p = self._partnership
        local = now.astimezone(ZoneInfo(p.timezone))
        if not p.quiet_end <= local.time() < p.evening_start:
            return 0
        today = local.date()
        since = today - timedelta(days=RETURN_SUMMARY_DAYS)
        welcomed, recorded = 0, self._clock.now()  # *now* may be a moment asked about
        async with self._units.begin() as unit:
            for absence in await unit.absences.back(since, today):
                await unit.absences.welcomed(absence.id, recorded)
                staff = await unit.staff.by_id(absence.staff_id)
                chat = await unit.staff.telegram_id(absence.staff_id)
                if staff is None or not staff.active or chat is None:
                    continue
                cases = await unit.cases.of_volunteer(staff.id)
                summary = views.welcome_back([(c, follow_up(c, p)) for c in cases])
                await queue(unit, staff_recipient(staff, chat), [summary], recorded)
                welcomed += 1
                log.info("staff.welcomed_back staff=%s open=%d", staff.id, len(cases))
        return welcomed

    async def _queue(self, item: Planned) -> bool:
        """Record the reminder and queue its messages together; False if it was already."""
        d = item.due
        message = notices.reminder(self._settings, d, self._partnership)
        recorded = self._clock.now()
        async with self._units.begin() as unit:
            if not await unit.reminders.claim(d.case_id, d.rule, d.period, recorded):
                return False
            for staff, chat in item.staff:
                await queue(unit, staff_recipient(staff, chat), [message], recorded)
            await unit.reminders.mark_sent(d.case_id, d.rule, d.period, recorded)
        log.info("reminder.sent case=%s rule=%s", d.reference, d.rule)
        return True

    @staticmethod
    async def _staff(unit: Unit, org_ids: set[str]) -> dict[int, tuple[Staff, int]]:
        """Return the active staff of these organisations who can be reached on Telegram."""
        found: dict[int, tuple[Staff, int]] = {}
        for org_id in org_ids:
            for staff in await unit.staff.of_org(org_id):
                if not staff.active:
                    continue
                chat = await unit.staff.telegram_id(staff.id)
                if chat is not None:
                    found[staff.id] = (staff, chat)
        return found
