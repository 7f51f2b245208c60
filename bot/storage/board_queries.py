"""The case board's statements: each section as a WHERE clause an index can answer.

Unassigned and open read `cases_org_status` in arrival order; overdue reads the same index
up to an arrival time and asks `attempts_case` whether anyone reached the person; closed
reads `cases_org_closed`. The filters narrow within those ranges.
"""

from __future__ import annotations

from bot.domain.board import BoardQuery, Section
from bot.domain.followup import REACHING
from bot.storage.timestamps import utc_text

BOARD_COLUMNS = (
    "SELECT c.id, c.reference, c.org_id, c.source, c.status, c.received_at, c.locale, "
    "c.channel, c.volunteer_id, c.district_id, c.talk_language, c.closed_at, c.close_reason "
    "FROM cases c"
)
_REACHING = ", ".join(f"'{outcome}'" for outcome in sorted(REACHING))  # fixed enum values
_SECTION = {
    Section.UNASSIGNED: "c.org_id = ? AND c.status = 'new'",
    Section.OPEN: "c.org_id = ? AND c.status IN ('assigned', 'in_contact')",
    Section.OVERDUE: (
        "c.org_id = ? AND c.status IN ('new', 'assigned') AND c.received_at <= ? "  # noqa: S608
        "AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.case_id = c.id "
        f"AND a.outcome IN ({_REACHING}))"
    ),
    Section.CLOSED: "c.org_id = ? AND c.status = 'closed' AND c.closed_at >= ?",
}
# The language a case is worked in: the one the seeker asked to talk in, else their chat's.
_LANGUAGE = (
    "(CASE WHEN c.talk_language IS NULL OR c.talk_language = 'other' THEN c.locale "
    "ELSE c.talk_language END) = ?"
)


def board_where(section: Section, query: BoardQuery) -> tuple[str, tuple[object, ...]]:
    """Return the WHERE clause of *section* with the query's filters, and its arguments."""
    where, args = [_SECTION[section]], list[object]([query.org_id])
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
