"""Volunteers' absences: recorded, removed, read for the days that matter, and the welcome
back sent once."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from bot.domain.availability import Absence
from bot.storage.connection import Connection
from bot.storage.timestamps import utc_text


def _absence(row: tuple[object, ...]) -> Absence:
    return Absence(
        int(str(row[0])),
        int(str(row[1])),
        date.fromisoformat(str(row[2])),
        date.fromisoformat(str(row[3])),
    )


class AbsenceStore:
    """The absences table inside one open transaction."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    async def add(self, staff_id: int, starts_on: date, ends_on: date, now: datetime) -> int:
        """Record an absence; return its id."""
        cursor = await self._db.execute(
            "INSERT INTO absences (staff_id, starts_on, ends_on, created_at) VALUES (?, ?, ?, ?)",
            (staff_id, starts_on.isoformat(), ends_on.isoformat(), utc_text(now)),
        )
        assert cursor.lastrowid is not None  # noqa: S101 - an INSERT always sets it
        return cursor.lastrowid

    async def remove(self, staff_id: int, absence_id: int) -> bool:
        """Remove one of the staff member's absences; False if they have no such absence."""
        cursor = await self._db.execute(
            "DELETE FROM absences WHERE id = ? AND staff_id = ?", (absence_id, staff_id)
        )
        return cursor.rowcount == 1

    async def current(self, staff_ids: Collection[int], since: date) -> list[Absence]:
        """Return the absences of *staff_ids* not over before *since*, earliest first."""
        if not staff_ids:
            return []
        marks = ",".join("?" * len(staff_ids))
        async with self._db.execute(
            "SELECT id, staff_id, starts_on, ends_on FROM absences "  # noqa: S608 - only "?"
            f"WHERE ends_on >= ? AND staff_id IN ({marks}) ORDER BY starts_on, id",
            (since.isoformat(), *staff_ids),
        ) as cursor:
            return [_absence(tuple(row)) for row in await cursor.fetchall()]

    async def back(self, since: date, today: date) -> list[Absence]:
        """Return the absences that ended from *since* to before *today* whose volunteer was
        not welcomed back yet."""
        async with self._db.execute(
            "SELECT id, staff_id, starts_on, ends_on FROM absences "
            "WHERE ends_on >= ? AND ends_on < ? AND welcomed_at IS NULL ORDER BY ends_on, id",
            (since.isoformat(), today.isoformat()),
        ) as cursor:
            return [_absence(tuple(row)) for row in await cursor.fetchall()]

    async def welcomed(self, absence_id: int, now: datetime) -> None:
        """Remember that the volunteer was welcomed back after this absence."""
        await self._db.execute(
            "UPDATE absences SET welcomed_at = ? WHERE id = ?", (utc_text(now), absence_id)
        )
