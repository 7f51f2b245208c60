"""Queries for retention and erasure on request: remove personal data, keep the statistics."""

from __future__ import annotations

from datetime import datetime

from bot.storage.connection import Connection
from bot.storage.erasure import strip_cases
from bot.storage.timestamps import utc_text


class RetentionStore:
    """Personal data past its time, inside one open transaction."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    async def closed_before(self, moment: datetime) -> list[int]:
        """Return cases closed before *moment* that still hold personal data."""
        async with self._db.execute(
            "SELECT id FROM cases c WHERE status = 'closed' AND closed_at < ? AND ("
            "seeker_id IS NOT NULL OR EXISTS (SELECT 1 FROM case_contacts k WHERE k.case_id = c.id)"
            " OR EXISTS (SELECT 1 FROM case_messages m WHERE m.case_id = c.id))",
            (utc_text(moment),),
        ) as cursor:
            return [int(row[0]) for row in await cursor.fetchall()]

    async def strip(self, case_id: int) -> None:
        """Remove a case's personal data; its seeker goes too once no open case needs them."""
        async with self._db.execute(
            "SELECT seeker_id FROM cases WHERE id = ?", (case_id,)
        ) as cursor:
            row = await cursor.fetchone()
        seeker_id = row[0] if row else None
        await strip_cases(self._db, "?", (case_id,))
        await self._db.execute("UPDATE cases SET seeker_id = NULL WHERE id = ?", (case_id,))
        if seeker_id is not None:
            await self._db.execute(
                "DELETE FROM seekers WHERE id = ? AND NOT EXISTS "
                "(SELECT 1 FROM cases WHERE seeker_id = ?)",
                (seeker_id, seeker_id),
            )

    async def abandoned_before(self, moment: datetime) -> list[int]:
        """Return seekers with no case whose unfinished intake was last touched before *moment*."""
        async with self._db.execute(
            "SELECT s.id FROM seekers s LEFT JOIN conversations v ON v.seeker_id = s.id "
            "WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.seeker_id = s.id) "
            "AND s.opted_out_at IS NULL AND COALESCE(v.updated_at, s.created_at) < ?",
            (utc_text(moment),),
        ) as cursor:
            return [int(row[0]) for row in await cursor.fetchall()]

    async def delete_seeker(self, seeker_id: int) -> None:
        """Delete a seeker without a case, and their conversation."""
        await self._db.execute("DELETE FROM seekers WHERE id = ?", (seeker_id,))

    async def forget_inbound_before(self, moment: datetime) -> int:
        """Drop the message ids kept to spot provider retries, once no retry can come."""
        cursor = await self._db.execute(
            "DELETE FROM inbound_messages WHERE received_at < ?", (utc_text(moment),)
        )
        return cursor.rowcount

    async def case_by_reference(self, reference: str) -> tuple[int, int | None] | None:
        """Return a case's id and seeker id."""
        async with self._db.execute(
            "SELECT id, seeker_id FROM cases WHERE reference = ?", (reference.upper(),)
        ) as cursor:
            row = await cursor.fetchone()
        return (int(row[0]), row[1]) if row else None

    async def mark_erased(self, case_id: int) -> None:
        """Record that the case's personal data was erased on request."""
        await self._db.execute("UPDATE cases SET status = 'erased' WHERE id = ?", (case_id,))
