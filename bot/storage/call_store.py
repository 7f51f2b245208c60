"""Calls placed through an association's number: their progress, the attempt each made, and
the counts the daily cap and the report need. No number and nothing said is kept here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.domain.calls import Call, CallState
from bot.domain.cases import AttemptOutcome
from bot.storage.connection import Connection
from bot.storage.timestamps import utc_text

_COLUMNS = (
    "id, case_id, staff_id, org_id, state, requested_at, hang_up_on_machine, call_sid, "
    "dialed_at, answered_by, outcome, seconds, attempt_id"
)
_ON = ("requested", "ringing_staff", "dialing")  # states a call is still in while it lasts


def _call(row: Sequence[Any]) -> Call:
    return Call(
        id=int(row[0]),
        case_id=int(row[1]),
        staff_id=int(row[2]),
        org_id=str(row[3]),
        state=CallState(row[4]),
        requested_at=datetime.fromisoformat(row[5]),
        hang_up_on_machine=bool(row[6]),
        call_sid=row[7],
        dialed_at=datetime.fromisoformat(row[8]) if row[8] else None,
        answered_by=row[9],
        outcome=AttemptOutcome(row[10]) if row[10] else None,
        seconds=row[11],
        attempt_id=row[12],
    )


class CallStore:
    """The calls table inside one open transaction."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    async def add(
        self, case_id: int, staff_id: int, org_id: str, hang_up_on_machine: bool, now: datetime
    ) -> int:
        """Record a call asked for now; return its id."""
        cursor = await self._db.execute(
            "INSERT INTO calls (case_id, staff_id, org_id, state, requested_at, "
            "hang_up_on_machine) VALUES (?, ?, ?, 'requested', ?, ?)",
            (case_id, staff_id, org_id, utc_text(now), int(hang_up_on_machine)),
        )
        assert cursor.lastrowid is not None  # noqa: S101 - an INSERT always sets it
        return cursor.lastrowid

    async def get(self, call_id: int) -> Call | None:
        """Return the call, or None."""
        async with self._db.execute(
            f"SELECT {_COLUMNS} FROM calls WHERE id = ?",  # noqa: S608 - our own columns
            (call_id,),
        ) as cursor:
            row = await cursor.fetchone()
        return _call(row) if row is not None else None

    async def of_case(self, case_id: int) -> list[Call]:
        """Return the case's calls, oldest first."""
        async with self._db.execute(
            f"SELECT {_COLUMNS} FROM calls WHERE case_id = ? ORDER BY requested_at, id",  # noqa: S608
            (case_id,),
        ) as cursor:
            return [_call(row) for row in await cursor.fetchall()]

    async def placed(self, call_id: int, call_sid: str) -> None:
        """Twilio took the call: it rings the volunteer now."""
        await self._db.execute(
            "UPDATE calls SET state = 'ringing_staff', call_sid = ? "
            "WHERE id = ? AND state = 'requested'",
            (call_sid, call_id),
        )

    async def dialing(self, call_id: int, at: datetime) -> bool:
        """The volunteer answered and the seeker's phone rings from *at*; False if the call
        was past that already (a request Twilio sent again)."""
        cursor = await self._db.execute(
            "UPDATE calls SET state = 'dialing', dialed_at = ? "
            "WHERE id = ? AND state IN ('requested', 'ringing_staff')",
            (utc_text(at), call_id),
        )
        return cursor.rowcount == 1

    async def screened(self, call_id: int, answered_by: str) -> None:
        """Keep what machine detection said answered the seeker's phone."""
        await self._db.execute(
            "UPDATE calls SET answered_by = ? WHERE id = ? AND state = 'dialing'",
            (answered_by[:40], call_id),
        )

    async def finish(
        self,
        call_id: int,
        state: CallState,
        outcome: AttemptOutcome | None,
        seconds: int | None,
        attempt_id: int | None,
    ) -> bool:
        """End a call that is still on; False if it had ended already (a callback sent twice
        or late changes nothing)."""
        cursor = await self._db.execute(
            "UPDATE calls SET state = ?, outcome = ?, seconds = ?, attempt_id = ? "
            "WHERE id = ? AND state IN ('requested', 'ringing_staff', 'dialing')",
            (state, outcome, seconds, attempt_id, call_id),
        )
        return cursor.rowcount == 1

    async def corrected(self, call_id: int, outcome: AttemptOutcome) -> None:
        """Keep the outcome a volunteer put right."""
        await self._db.execute("UPDATE calls SET outcome = ? WHERE id = ?", (outcome, call_id))

    async def placed_since(self, org_id: str, since: datetime) -> int:
        """Count the calls *org_id* placed from *since* (those Twilio refused cost nothing)."""
        async with self._db.execute(
            "SELECT count(*) FROM calls WHERE org_id = ? AND requested_at >= ? "
            "AND state != 'failed'",
            (org_id, utc_text(since)),
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def open_for(self, case_id: int, since: datetime) -> bool:
        """Tell whether a call for the case asked for from *since* is still on."""
        async with self._db.execute(
            "SELECT 1 FROM calls WHERE case_id = ? AND requested_at >= ? "
            "AND state IN (?, ?, ?) LIMIT 1",
            (case_id, utc_text(since), *_ON),
        ) as cursor:
            return await cursor.fetchone() is not None
