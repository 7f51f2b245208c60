"""The case board's statements: each section as a WHERE clause an index can answer.

Unassigned and open read `cases_org_status` in arrival order; overdue reads the same index
up to an arrival time and asks `attempts_case` whether anyone reached the person; closed
reads `cases_org_closed`. The filters narrow within those ranges.
"""

from __future__ import annotations

from bot.domain.board import BoardQuery, Section
from bot.domain.cases import CaseStatus
from bot.domain.followup import REACHING
from bot.storage.timestamps import utc_text

BOARD_COLUMNS = (
    "SELECT c.id, c.reference, c.org_id, c.source, c.status, c.received_at, c.locale, "
    "c.channel, c.volunteer_id, c.district_id, c.talk_language, c.closed_at, c.close_reason "
    "FROM cases c"
)
_REACHING = ", ".join(f"'{outcome}'" for outcome in sorted(REACHING))  # fixed enum values
# Each section: the states it holds, and what else its cases must be.
_SECTION: dict[Section, tuple[tuple[str, ...], str]] = {
    Section.UNASSIGNED: (("new",), ""),
    Section.OPEN: (("assigned", "in_contact"), ""),
    Section.OVERDUE: (
        ("new", "assigned"),
        "AND c.received_at <= ? AND NOT EXISTS (SELECT 1 FROM attempts a "  # noqa: S608
        f"WHERE a.case_id = c.id AND a.outcome IN ({_REACHING}))",  # fixed enum values
    ),
    Section.CLOSED: (("closed",), "AND c.closed_at >= ?"),
}
# The language a case is worked in: the one the seeker asked to talk in, else their chat's.
_LANGUAGE = (
    "(CASE WHEN c.talk_language IS NULL OR c.talk_language = 'other' THEN c.locale "
    "ELSE c.talk_language END) = ?"
)


def board_states(section: Section) -> tuple[str, ...]:
    """The states a section's cases are in."""
    return _SECTION[section][0]


def board_where(
    section: Section, query: BoardQuery, states: tuple[str, ...] | None = None
) -> tuple[str, tuple[object, ...]]:
    """Return the WHERE clause of *section* (only its cases in *states*, if given) with the
    query's filters, and its arguments.

    A page of one state follows `cases_org_status` in arrival order; a page of several
    would have to sort them all, so the store asks for each state's and merges them.
    """
    chosen, extra = states or _SECTION[section][0], _SECTION[section][1]
    # Written out, not bound: fixed state names, and a partial index (the closed cases')
    # is only used when the statement names its condition.
    named = [f"'{CaseStatus(state)}'" for state in chosen]
    status = f"= {named[0]}" if len(named) == 1 else f"IN ({', '.join(named)})"
    where = [f"c.org_id = ? AND c.status {status} {extra}"]
    args: list[object] = [query.org_id]
    if section is Section.OVERDUE:
        args.append(utc_text(query.overdue_up_to))
    elif section is Section.CLOSED:
        args.append(utc_text(query.closed_since))
    if query.district is not None:
        where.append("c.district_id = ?")
        args.append(query.district)
    if query.language is not None:
        where.append(_LANGUAGE)
        args.append(query.language)
    if query.volunteer is not None:
        where.append("c.volunteer_id = ?")
        args.append(query.volunteer)
    return " AND ".join(where), tuple(args)


def board_order(section: Section) -> str:
    """Oldest first, so the most urgent lead; closed ones newest first."""
    return "c.closed_at DESC, c.id DESC" if section is Section.CLOSED else "c.received_at, c.id"
