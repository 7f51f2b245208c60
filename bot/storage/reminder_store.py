"""Queries behind the reminder sweep: open cases by index, and each reminder's send state."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.domain.cases import CaseRecord, CaseStatus
from bot.domain.followup import Rule
from bot.storage.case_store import CaseStore

# The partial index cases_awaiting_contact holds exactly these rows, so a sweep reads the
# cases that still wait for first contact and never the closed ones.
CANDIDATES = (
    "SELECT id FROM cases INDEXED BY cases_awaiting_contact "
    "WHERE status IN ('new', 'assigned') ORDER BY received_at"
)


def _utc(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class ReminderStore:
    """Reminders inside one open transaction."""

    def __init__(self, db: aiosqlite.Connection, cases: CaseStore) -> None:
        self._db = db
        self._cases = cases

    async def awaiting_contact(self) -> list[CaseRecord]:
        """Load every case still waiting for first contact, with its attempts."""
        async with self._db.execute(CANDIDATES) as cursor:
            ids = [int(row[0]) for row in await cursor.fetchall()]
        return await self._cases.by_ids(ids, (CaseStatus.NEW, CaseStatus.ASSIGNED))

    async def sent(self, case_ids: list[int]) -> dict[int, frozenset[tuple[Rule, str]]]:
        """Return the reminders already sent for each case."""
        found: dict[int, set[tuple[Rule, str]]] = {}
        for start in range(0, len(case_ids), 900):
            chunk = case_ids[start : start + 900]
            marks = ",".join("?" * len(chunk))
            async with self._db.execute(
                "SELECT case_id, rule, period FROM reminders WHERE state = 'sent' AND "  # noqa: S608
                f"case_id IN ({marks})",
                chunk,
            ) as cursor:
                for case_id, rule, period in await cursor.fetchall():
                    found.setdefault(int(case_id), set()).add((Rule(rule), str(period)))
        return {case_id: frozenset(keys) for case_id, keys in found.items()}

    async def claim(self, case_id: int, rule: Rule, period: str, now: datetime) -> bool:
        """Mark a reminder as being sent; False if it is already sent."""
        cursor = await self._db.execute(
            "INSERT INTO reminders (case_id, rule, period, state, claimed_at) "
            "VALUES (?, ?, ?, 'sending', ?) ON CONFLICT (case_id, rule, period) "
            "DO UPDATE SET claimed_at = excluded.claimed_at WHERE reminders.state = 'sending'",
            (case_id, rule, period, _utc(now)),
        )
        return cursor.rowcount == 1

    async def mark_sent(self, case_id: int, rule: Rule, period: str, now: datetime) -> None:
        """Record that a reminder went out."""
        await self._db.execute(
            "UPDATE reminders SET state = 'sent', sent_at = ? "
            "WHERE case_id = ? AND rule = ? AND period = ?",
            (_utc(now), case_id, rule, period),
        )

    async def release(self, case_id: int, rule: Rule, period: str) -> None:
        """Forget a claim whose send failed, so the next sweep tries again."""
        await self._db.execute(
            "DELETE FROM reminders WHERE case_id = ? AND rule = ? AND period = ? "
            "AND state = 'sending'",
            (case_id, rule, period),
        )
