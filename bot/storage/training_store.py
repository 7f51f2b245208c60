"""Further training and supervision sessions, and reminders about a staff member sent once."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from bot.domain.training import Session, SessionKind
from bot.storage.connection import Connection
from bot.storage.timestamps import utc_text


class TrainingStore:
    """The training tables inside one open transaction."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    async def add(self, session: Session, recorded_by: int | None, now: datetime) -> None:
        """Record that a staff member took part in a session."""
        await self._db.execute(
            "INSERT INTO training_sessions (staff_id, on_date, kind, recorded_by, recorded_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (session.staff_id, session.on.isoformat(), session.kind, recorded_by, utc_text(now)),
        )

    async def of_staff(self, staff_ids: Collection[int]) -> list[Session]:
        """Return the sessions of *staff_ids*, oldest first."""
        if not staff_ids:
            return []
        marks = ",".join("?" * len(staff_ids))
        async with self._db.execute(
            "SELECT staff_id, on_date, kind FROM training_sessions "  # noqa: S608 - only "?"
            f"WHERE staff_id IN ({marks}) ORDER BY on_date, id",
            tuple(staff_ids),
        ) as cursor:
            rows = await cursor.fetchall()
        return [Session(int(r[0]), date.fromisoformat(r[1]), SessionKind(r[2])) for r in rows]

    async def in_period(self, org_id: str, start: date, end: date) -> list[Session]:
        """Return the sessions of *org_id*'s staff from *start* to *end* (both included)."""
        async with self._db.execute(
            "SELECT t.staff_id, t.on_date, t.kind FROM training_sessions t "
            "JOIN staff s ON s.id = t.staff_id "
            "WHERE t.on_date >= ? AND t.on_date <= ? AND s.org_id = ? ORDER BY t.on_date, t.id",
            (start.isoformat(), end.isoformat(), org_id),
        ) as cursor:
            rows = await cursor.fetchall()
        return [Session(int(r[0]), date.fromisoformat(r[1]), SessionKind(r[2])) for r in rows]

    async def claim_reminder(self, staff_id: int, rule: str, period: str, now: datetime) -> bool:
        """Record a reminder about a staff member; False if it was sent already."""
        cursor = await self._db.execute(
            "INSERT OR IGNORE INTO staff_reminders (staff_id, rule, period, sent_at) "
            "VALUES (?, ?, ?, ?)",
            (staff_id, rule, period, utc_text(now)),
        )
        return cursor.rowcount == 1
