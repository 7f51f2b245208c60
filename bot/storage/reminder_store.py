"""Queries behind the reminder sweep: open cases by index, and each reminder's send state."""

from __future__ import annotations

from datetime import datetime

from bot.domain.cases import (
    Attempt,
    AttemptChannel,
    AttemptOutcome,
    CaseRecord,
    CaseSource,
    CaseStatus,
)
from bot.domain.followup import Rule
from bot.domain.model import Channel
from bot.storage.connection import Connection
from bot.storage.timestamps import utc_text

# The partial index cases_awaiting_contact holds exactly the cases that still wait for first
# contact, so a sweep reads those and never the closed history, however long it grows. CROSS
# JOIN keeps them the outer loop: left to itself, the planner read every attempt and every
# reminder ever made and looked each case up.
CANDIDATES = (
    "SELECT id, reference, org_id, status, received_at, volunteer_id, source, locale, channel "
    "FROM cases INDEXED BY cases_awaiting_contact WHERE status IN ('new', 'assigned')"
)
_ATTEMPTS = (
    "SELECT a.case_id, a.at, a.channel, a.outcome FROM cases c "
    "INDEXED BY cases_awaiting_contact CROSS JOIN attempts a ON a.case_id = c.id "
    "WHERE c.status IN ('new', 'assigned') ORDER BY a.case_id, a.at"
)
_SENT = (
    "SELECT r.case_id, r.rule, r.period FROM cases c INDEXED BY cases_awaiting_contact "
    "CROSS JOIN reminders r ON r.case_id = c.id WHERE c.status IN ('new', 'assigned') "
    "AND r.state = 'sent'"
)
_STATUS = {s.value: s for s in CaseStatus}
_SOURCE = {s.value: s for s in CaseSource}
_CHANNEL = {c.value: c for c in AttemptChannel}
_OUTCOME = {o.value: o for o in AttemptOutcome}
_RULE = {r.value: r for r in Rule}


class ReminderStore:
    """Reminders inside one open transaction."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    async def awaiting_contact(self) -> list[CaseRecord]:
        """Load every case still waiting for first contact, with what the rules need."""
        attempts: dict[int, list[Attempt]] = {}
        async with self._db.execute(_ATTEMPTS) as cursor:
            for case_id, at, channel, outcome in await cursor.fetchall():
                attempts.setdefault(case_id, []).append(
                    Attempt(datetime.fromisoformat(at), _CHANNEL[channel], _OUTCOME[outcome])
                )
        async with self._db.execute(CANDIDATES) as cursor:
            rows = await cursor.fetchall()
        return [
            CaseRecord(
                id=r[0],
                reference=r[1],
                org_id=r[2],
                status=_STATUS[r[3]],
                received_at=datetime.fromisoformat(r[4]),
                volunteer_id=r[5],
                source=_SOURCE[r[6]],
                locale=r[7],
                channel=Channel(r[8]) if r[8] else None,
                attempts=tuple(attempts.get(r[0], ())),
            )
            for r in rows
        ]

    async def sent(self) -> dict[int, frozenset[tuple[Rule, str]]]:
        """Return the reminders already sent for each case still waiting for contact."""
        found: dict[int, set[tuple[Rule, str]]] = {}
        async with self._db.execute(_SENT) as cursor:
            for case_id, rule, period in await cursor.fetchall():
                found.setdefault(case_id, set()).add((_RULE[rule], period))
        return {case_id: frozenset(keys) for case_id, keys in found.items()}

    async def claim(self, case_id: int, rule: Rule, period: str, now: datetime) -> bool:
        """Mark a reminder as being sent; False if it is already sent."""
        cursor = await self._db.execute(
            "INSERT INTO reminders (case_id, rule, period, state, claimed_at) "
            "VALUES (?, ?, ?, 'sending', ?) ON CONFLICT (case_id, rule, period) "
            "DO UPDATE SET claimed_at = excluded.claimed_at WHERE reminders.state = 'sending'",
            (case_id, rule, period, utc_text(now)),
        )
        return cursor.rowcount == 1

    async def mark_sent(self, case_id: int, rule: Rule, period: str, now: datetime) -> None:
        """Record that a reminder went out."""
        await self._db.execute(
            "UPDATE reminders SET state = 'sent', sent_at = ? "
            "WHERE case_id = ? AND rule = ? AND period = ?",
            (utc_text(now), case_id, rule, period),
        )
