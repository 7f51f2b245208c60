"""Further training and supervision (issue 22): the agreement asks that every support person
take part regularly in further training, exchanges of experience and staff talks, beside the
basic training. A volunteer without supervision for a configured time is brought to their
coordinators' attention, at most once a month."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.domain.cases import Staff
from bot.domain.dialogue import S_

SUPERVISION_MONTHS = 3  # [staff] supervision_months: the default


class SessionKind(StrEnum):
    FURTHER_TRAINING = "further_training"  # vidareutbildning
    SUPERVISION = "supervision"  # handledning, debriefing
    EXPERIENCE_EXCHANGE = "experience_exchange"  # erfarenhetsutbyte
    STAFF_TALK = "staff_talk"  # medarbetarsamtal


SESSION_KIND = {
    SessionKind.FURTHER_TRAINING: S_("further training"),
    SessionKind.SUPERVISION: S_("supervision or debriefing"),
    SessionKind.EXPERIENCE_EXCHANGE: S_("exchange of experience"),
    SessionKind.STAFF_TALK: S_("staff talk"),
}


@dataclass(frozen=True, slots=True)
class Session:
    """A further training or supervision a staff member took part in."""

    staff_id: int
    on: date
    kind: SessionKind


def months_before(day: date, months: int) -> date:
    """The same day *months* earlier (the month's last day where it is shorter)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a 28th")


def supervision_overdue(
    volunteer: Staff, sessions: Iterable[Session], today: date, months: int = SUPERVISION_MONTHS
) -> bool:
    """Tell whether an active, trained volunteer has had no supervision for *months*, counted
    from their last supervision or, without one, their basic training."""
    if not volunteer.assignable or volunteer.trained_on is None:
        return False
    supervised = [
        s.on for s in sessions if s.staff_id == volunteer.id and s.kind is SessionKind.SUPERVISION
    ]
    since = max([volunteer.trained_on, *supervised])
    return since <= months_before(today, months)
