"""What is due for a case: the three-day deadline and the attempt rules (rules 3 and 4).

`due_reminders(case, sent, now, partnership)` derives every reminder from stored facts alone,
so a restart, a second sweep or a missed one changes nothing: each reminder has a period,
and the (case, rule, period) key is sent once.

The seeker's safety answer is a rule here (issue 22): for a seeker who said only the daytime
is safe, the evening attempt the agreement asks for would be a danger, so nothing ever asks
for one; instead, three attempts must include calls in the daytime's morning and afternoon
both, and the reminder asks for the part of the day not tried yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.domain.availability import Absence, absence_over
from bot.domain.cases import AttemptChannel, AttemptOutcome, CaseRecord, CaseStatus
from bot.domain.confirmation import first_contact_deadline
from bot.domain.model import CallTime, Partnership

ONCE = "once"
REACHING = frozenset({AttemptOutcome.REACHED, AttemptOutcome.DECLINED})
ATTEMPTS_BEFORE_NOT_REACHED = 3


class Rule(StrEnum):
    UNASSIGNED = "unassigned"  # nobody has the case yet: coordinators, once a day
    DEADLINE_NEAR = "deadline_near"  # the volunteer, once
    DEADLINE_PASSED = "deadline_passed"  # the volunteer and the coordinators, once
    EVENING_MISSING = "evening_missing"  # the volunteer, the afternoon before each evening
    # The volunteer, each morning after a day of calls all in one part of the day, for a
    # seeker for whom the evening is not safe (issue 22).
    OTHER_TIME_MISSING = "other_time_missing"
    # The coordinators, once, in working hours from the first day of the volunteer's absence
    # that the first-contact deadline falls in (issue 22).
    VOLUNTEER_AWAY = "volunteer_away"
    NOT_REACHED = "not_reached"  # the volunteer: close as not reached or try another way


class Audience(StrEnum):
    VOLUNTEER = "volunteer"
    COORDINATORS = "coordinators"


@dataclass(frozen=True, slots=True)
class Due:
    """A reminder to send now: rule, who gets it, and the period it belongs to."""

    case_id: int
    reference: str
    rule: Rule
    audience: tuple[Audience, ...]
    period: str
    deadline: datetime


class DayPart(StrEnum):
    MORNING = "morning"  # the end of the quiet hours to noon
    AFTERNOON = "afternoon"  # noon to the evening
    EVENING = "evening"  # the evening window
    NIGHT = "night"  # the quiet hours


NOON = time(12, 0)


@dataclass(frozen=True, slots=True)
class FollowUp:
    deadline: datetime
    attempts: int
    evening_attempt: bool
    reached: bool
    evening_safe: bool = True  # False: the seeker said only the daytime is safe to call
    # The calls were spread over the day as the rule asks: one in the evening or, where the
    # evening is not safe, calls in the daytime's morning and afternoon both.
    varied: bool = False

    def overdue(self, now: datetime) -> bool:
        """Tell whether the first contact is late."""
        return not self.reached and now >= self.deadline


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=64)
def _local_at(moment: datetime, zone: str) -> datetime:
    # A sweep asks about the same `now` for every case: work it out once.
    return moment.astimezone(_zone(zone))


def _local(moment: datetime, partnership: Partnership) -> datetime:
    return moment.astimezone(_zone(partnership.timezone))


def in_evening(moment: datetime, partnership: Partnership) -> bool:
    """Tell whether *moment* falls in the local evening window (default 18:00-21:00)."""
    local = _local(moment, partnership).time()
    return partnership.evening_start <= local < partnership.evening_end


def in_quiet_hours(moment: datetime, partnership: Partnership) -> bool:
    """Tell whether *moment* is in staff's quiet hours (default 21:00-08:00, local)."""
    return _quiet(_local(moment, partnership).time(), partnership)


def _quiet(local: time, partnership: Partnership) -> bool:
    start, end = partnership.quiet_start, partnership.quiet_end
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def day_part(moment: datetime, partnership: Partnership) -> DayPart:
    """Tell which part of the local day *moment* falls in."""
    local = _local(moment, partnership).time()
    if _quiet(local, partnership):
        return DayPart.NIGHT
    if partnership.evening_start <= local < partnership.evening_end:
        return DayPart.EVENING
    return DayPart.MORNING if local < NOON else DayPart.AFTERNOON


def evening_safe(call_time: CallTime | None) -> bool:
    """Tell whether the seeker may be called in the evening: unless they said daytime only."""
    return call_time is not CallTime.DAYTIME


def spread(calls: Iterable[datetime], safe_evening: bool, partnership: Partnership) -> bool:
    """Tell whether calls at *calls* were spread over the day as the attempt rule asks: one in
    the evening, or, where the evening is not safe, in the morning and in the afternoon."""
    parts = {day_part(at, partnership) for at in calls}
    if safe_evening:
        return DayPart.EVENING in parts
    return {DayPart.MORNING, DayPart.AFTERNOON} <= parts


def follow_up(case: CaseRecord, partnership: Partnership) -> FollowUp:
    """Summarise a case's attempts against the promises to the city."""
    phone = [a.at for a in case.attempts if a.channel is AttemptChannel.PHONE]
    safe_evening = evening_safe(case.call_time)
    return FollowUp(
        deadline=first_contact_deadline(partnership, case.received_at),
        attempts=len(case.attempts),
        evening_attempt=any(in_evening(at, partnership) for at in phone),
        reached=case.status is CaseStatus.IN_CONTACT
        or any(a.outcome in REACHING for a in case.attempts),
        evening_safe=safe_evening,
        varied=spread(phone, safe_evening, partnership),
    )


def due_reminders(
    case: CaseRecord,
    sent: frozenset[tuple[Rule, str]],
    now: datetime,
    partnership: Partnership,
    absences: Sequence[Absence] = (),
) -> list[Due]:
    """Return the reminders due for *case* at *now* that were not sent yet; *absences* are its
    volunteer's.

    Nothing is due in quiet hours: it waits, and the first sweep after they end sends it.
    """
    if case.status not in (CaseStatus.NEW, CaseStatus.ASSIGNED):
        return []  # reached, closed or erased: nothing to remind of
    local_now = _local_at(now, partnership.timezone)
    if _quiet(local_now.time(), partnership):
        return []
    if any(a.at > now for a in case.attempts):
        # As of *now*: a sweep for an earlier moment (jourbot remind --at) ignores later facts.
        case = replace(case, attempts=tuple(a for a in case.attempts if a.at <= now))
    state = follow_up(case, partnership)
    if state.reached:
        return []
    today = local_now.date()
    found: list[tuple[Rule, tuple[Audience, ...], str]] = []
    if case.volunteer_id is None:
        waited = now - case.received_at
        if waited >= timedelta(hours=partnership.unassigned_hours):
            found.append((Rule.UNASSIGNED, (Audience.COORDINATORS,), today.isoformat()))
    if now >= state.deadline:
        audience: tuple[Audience, ...] = (Audience.COORDINATORS,)
        if case.volunteer_id is not None:
            audience = (Audience.VOLUNTEER, Audience.COORDINATORS)
        found.append((Rule.DEADLINE_PASSED, audience, ONCE))
    elif case.volunteer_id is not None and now >= state.deadline - timedelta(
        hours=partnership.warning_hours
    ):
        found.append((Rule.DEADLINE_NEAR, (Audience.VOLUNTEER,), ONCE))
    if case.volunteer_id is not None:
        found += _attempt_rules(case, state, now, partnership)
        found += _away(case, state, local_now, absences, partnership)
    return [
        Due(case.id, case.reference, rule, audience, period, state.deadline)
        for rule, audience, period in found
        if (rule, period) not in sent
    ]


def _attempt_rules(
    case: CaseRecord, state: FollowUp, now: datetime, partnership: Partnership
) -> list[tuple[Rule, tuple[Audience, ...], str]]:
    failed = [
        a for a in case.attempts if a.channel is AttemptChannel.PHONE and a.outcome not in REACHING
    ]
    if not failed:
        return []
    volunteer = (Audience.VOLUNTEER,)
    if state.varied:
        if len(failed) >= ATTEMPTS_BEFORE_NOT_REACHED:
            return [(Rule.NOT_REACHED, volunteer, ONCE)]
        return []
    if not state.evening_safe:
        # Never the evening: the morning after a day of calls, ask for the other part of it.
        last = max(_local(a.at, partnership).date() for a in failed)
        morning = _at(last + timedelta(days=1), partnership.quiet_end, partnership)
        if now >= morning:
            return [
                (Rule.OTHER_TIME_MISSING, volunteer, _local(now, partnership).date().isoformat())
            ]
        return []
    evening = _next_evening(now, partnership)
    remind_at = _at(evening, partnership.evening_reminder_at, partnership)
    if now >= remind_at:
        return [(Rule.EVENING_MISSING, volunteer, evening.isoformat())]
    return []


def _away(
    case: CaseRecord,
    state: FollowUp,
    local_now: datetime,
    absences: Sequence[Absence],
    partnership: Partnership,
) -> list[tuple[Rule, tuple[Audience, ...], str]]:
    """The coordinators, when the volunteer's absence that the deadline falls in has begun,
    in working hours (the day's end of the quiet hours to the evening)."""
    mine = [a for a in absences if a.staff_id == case.volunteer_id]
    absence = absence_over(_local(state.deadline, partnership).date(), mine)
    working = partnership.quiet_end <= local_now.time() < partnership.evening_start
    if absence is None or local_now.date() < absence.starts_on or not working:
        return []
    return [(Rule.VOLUNTEER_AWAY, (Audience.COORDINATORS,), f"away:{absence.starts_on}")]


def _next_evening(now: datetime, partnership: Partnership) -> date:
    """Return the local date of the next evening window that has not ended yet."""
    local = _local_at(now, partnership.timezone)
    if local.time() < partnership.evening_end:
        return local.date()
    return local.date() + timedelta(days=1)


def _at(day: date, clock: time, partnership: Partnership) -> datetime:
    """Return the moment *clock* o'clock local time on *day* (wall time, whatever the DST)."""
    return datetime.combine(day, clock, _zone(partnership.timezone))
