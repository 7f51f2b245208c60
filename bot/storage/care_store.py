"""The support given after first contact: contacts and the kinds of help given at each."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.domain.care import CareContact, Support, SupportKind
from bot.domain.cases import AttemptChannel
from bot.storage.connection import Connection
from bot.storage.timestamps import utc_text

_CONTACTS = "SELECT c.id, c.case_id, c.on_date, c.how, c.minutes FROM care_contacts c "
# The help given at the same contacts, read with the same conditions (no list of ids, however
# many contacts a year holds).
_SUPPORT = (
    "SELECT s.contact_id, s.kind, s.detail, s.on_date FROM care_support s "
    "JOIN care_contacts c ON c.id = s.contact_id "
)
_BY_CASE = "WHERE c.case_id = ?"
_BY_PERIOD = (
    "JOIN cases k ON k.id = c.case_id WHERE c.on_date >= ? AND c.on_date <= ? AND k.org_id = ?"
)


class CareStore:
    """The care tables inside one open transaction."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    async def add(self, case_id: int, staff_id: int, contact: CareContact, now: datetime) -> int:
        """Record a contact and the help given at it; return its id."""
        cursor = await self._db.execute(
            "INSERT INTO care_contacts (case_id, staff_id, on_date, how, minutes, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                case_id,
                staff_id,
                contact.on.isoformat(),
                contact.how,
                contact.minutes,
                utc_text(now),
            ),
        )
        contact_id = cursor.lastrowid
        assert contact_id is not None  # noqa: S101 - an INSERT always sets it
        await self._db.executemany(
            "INSERT INTO care_support (contact_id, kind, detail, on_date) VALUES (?, ?, ?, ?)",
            [
                (contact_id, s.kind, s.detail, s.on.isoformat() if s.on else None)
                for s in contact.support
            ],
        )
        return contact_id

    async def of_case(self, case_id: int) -> list[CareContact]:
        """Return the case's contacts, oldest first."""
        return [c for _, c in await self._read(_BY_CASE, (case_id,))]

    async def in_period(self, org_id: str, start: date, end: date) -> list[tuple[int, CareContact]]:
        """Return (case id, contact) of the contacts on *org_id*'s cases from *start* to *end*
        (both days included)."""
        return await self._read(_BY_PERIOD, (start.isoformat(), end.isoformat(), org_id))

    async def _read(self, where: str, params: Sequence[Any]) -> list[tuple[int, CareContact]]:
        async with self._db.execute(
            f"{_CONTACTS}{where} ORDER BY c.on_date, c.id", params
        ) as cursor:
            rows = list(await cursor.fetchall())
        if not rows:
            return []
        support: dict[int, list[Support]] = {}
        async with self._db.execute(f"{_SUPPORT}{where} ORDER BY s.rowid", params) as cursor:
            for contact_id, kind, detail, on in await cursor.fetchall():
                on_date = date.fromisoformat(on) if on else None
                support.setdefault(int(contact_id), []).append(
                    Support(SupportKind(kind), str(detail), on_date)
                )
        return [
            (
                int(r[1]),
                CareContact(
                    date.fromisoformat(r[2]), AttemptChannel(r[3]), int(r[4]),
                    tuple(support.get(int(r[0]), ())),
                ),
            )
            for r in rows
        ]  # fmt: skip
