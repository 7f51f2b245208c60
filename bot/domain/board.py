"""The case board's sections as questions the storage can answer with an index.

An organisation may have thousands of open cases; the board shows how many each section
holds and the first few rows of each, so the storage counts and pages, and only the rows
shown become records. "Overdue" is a question about the arrival time: the deadline grows
with it, so the cases past their deadline are exactly those that came in up to a moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.cases import CaseRecord
from bot.domain.confirmation import first_contact_deadline
from bot.domain.model import Partnership

ROWS_SHOWN = 50  # of each section; the filters narrow the rest
CLOSED_RECENTLY = timedelta(days=14)  # closed cases stay on the board this long


class Section(StrEnum):
    UNASSIGNED = "unassigned"  # new: nobody has it
    OVERDUE = "overdue"  # not reached, and the first-contact deadline has passed
    OPEN = "open"  # assigned or in contact
    CLOSED = "closed"  # closed in the last two weeks, newest first


@dataclass(frozen=True, slots=True)
class BoardQuery:
    """What one board shows: an organisation's sections, narrowed by the filters."""

    org_id: str
    overdue_up_to: datetime  # cases received up to this moment are past their deadline
    closed_since: datetime
    district: str | None = None
    language: str | None = None
    volunteer: int | None = None
    shown: int = ROWS_SHOWN


@dataclass(frozen=True, slots=True)
class BoardSection:
    """How many cases a section holds, and the first of them (without personal data)."""

    count: int
    cases: tuple[CaseRecord, ...]


def board_query(
    partnership: Partnership,
    org_id: str,
    now: datetime,
    *,
    district: str | None = None,
    language: str | None = None,
    volunteer: int | None = None,
) -> BoardQuery:
    """Ask for an organisation's board as it stands at *now*."""
    return BoardQuery(
        org_id, overdue_up_to(partnership, now), now - CLOSED_RECENTLY, district, language,
        volunteer,
    )  # fmt: skip


def overdue_up_to(partnership: Partnership, now: datetime) -> datetime:
    """Return the last moment (to the second, as stored) a case may have come in and be
    past its first-contact deadline at *now*.

    The deadline never decreases as the arrival time grows (it is counted in local time,
    so it moves with daylight saving), so a search between two bounds an hour either side
    of the plain answer finds the exact moment.
    """
    hours = timedelta(hours=partnership.first_contact_hours)
    low, high = now - hours - timedelta(hours=2), now - hours + timedelta(hours=2)
    low, high = low.replace(microsecond=0), high.replace(microsecond=0)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if first_contact_deadline(partnership, middle) <= now:
            low = middle
        else:
            high = middle
    return high if first_contact_deadline(partnership, high) <= now else low
