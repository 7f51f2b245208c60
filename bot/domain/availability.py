"""Volunteers' real lives (issue 22): absences and a ceiling on open cases.

A volunteer who is away, or who has as many open cases as they said they can carry, is not
offered new ones, and the offer says why; an open case whose first-contact deadline falls in
its volunteer's absence goes to the coordinators when the absence starts. Dates are the
partnership's local (Stockholm) days, both ends included.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.domain.cases import Staff

LONGEST_ABSENCE_DAYS = 366  # a typing mistake, not a sabbatical, beyond this
RETURN_SUMMARY_DAYS = 7  # a volunteer back from an absence that ended longer ago gets none


@dataclass(frozen=True, slots=True)
class Absence:
    id: int
    staff_id: int
    starts_on: date
    ends_on: date

    def covers(self, day: date) -> bool:
        """Tell whether the volunteer is away on *day*."""
        return self.starts_on <= day <= self.ends_on


class AbsenceProblem(StrEnum):
    ENDS_BEFORE_START = "ends_before_start"
    IN_THE_PAST = "in_the_past"
    TOO_LONG = "too_long"


def absence_problem(starts_on: date, ends_on: date, today: date) -> AbsenceProblem | None:
    """Say what is wrong with an absence being recorded today, or None."""
    if ends_on < starts_on:
        return AbsenceProblem.ENDS_BEFORE_START
    if ends_on < today:
        return AbsenceProblem.IN_THE_PAST
    if (ends_on - starts_on).days >= LONGEST_ABSENCE_DAYS:
        return AbsenceProblem.TOO_LONG
    return None


class Unavailable(StrEnum):
    AWAY = "away"  # absent today
    FULL = "full"  # as many open cases as they said they can carry


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A volunteer not offered a case, and why."""

    staff: Staff
    why: Unavailable
    until: date | None = None  # the last day of the absence


def unavailable(
    volunteer: Staff, absences: Sequence[Absence], load: int, today: date
) -> LeftOut | None:
    """Say why *volunteer* should not be given a case today, or None if they can take one."""
    for absence in absences:
        if absence.staff_id == volunteer.id and absence.covers(today):
            return LeftOut(volunteer, Unavailable.AWAY, absence.ends_on)
    if volunteer.max_open is not None and load >= volunteer.max_open:
        return LeftOut(volunteer, Unavailable.FULL)
    return None


def split_available(
    ranked: Sequence[Staff],
    absences: Sequence[Absence],
    load: Mapping[int, int],
    today: date,
) -> tuple[list[Staff], list[LeftOut]]:
    """Keep the ranked volunteers who can take a case today; say why the others cannot."""
    available, left_out = [], []
    for volunteer in ranked:
        reason = unavailable(volunteer, absences, load.get(volunteer.id, 0), today)
        if reason is None:
            available.append(volunteer)
        else:
            left_out.append(reason)
    return available, left_out


def absence_over(deadline_day: date, absences: Sequence[Absence]) -> Absence | None:
    """Return the absence a first-contact deadline falls in, if any."""
    return next((a for a in absences if a.covers(deadline_day)), None)
