"""Queries for staff: who they are, invites, and what a staff member is in the middle of."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.domain.cases import Staff, StaffRole
from bot.storage.connection import Connection
from bot.storage.crypto import Cipher
from bot.storage.timestamps import utc_text

_COLUMNS = "id, org_id, role, name, locale, languages, trained_on, active, max_open"
_BY_TELEGRAM = f"SELECT {_COLUMNS} FROM staff WHERE telegram_hash IN "  # noqa: S608
TELEGRAM_CHAT = "staff.telegram_chat"
STAFF_PHONE = "staff.phone"
_BY_ID = f"SELECT {_COLUMNS} FROM staff WHERE id = ?"  # noqa: S608
_OF_ORG = f"SELECT {_COLUMNS} FROM staff WHERE org_id = ? ORDER BY id"  # noqa: S608
_ALL = f"SELECT {_COLUMNS} FROM staff ORDER BY org_id, id"  # noqa: S608


def _staff(row: Any) -> Staff:
    return Staff(
        id=int(row[0]),
        org_id=str(row[1]),
        role=StaffRole(row[2]),
        name=str(row[3]),
        locale=str(row[4]),
        languages=tuple(code for code in str(row[5]).split(",") if code),
        trained_on=date.fromisoformat(row[6]) if row[6] else None,
        active=bool(row[7]),
        max_open=int(row[8]) if row[8] is not None else None,
    )


class StaffStore:
    """Staff records, invites and sessions inside one open transaction."""

    def __init__(self, db: Connection, cipher: Cipher) -> None:
        self._db = db
        self._cipher = cipher

    async def by_telegram(self, telegram_id: int) -> Staff | None:
        """Return the staff member behind a Telegram user, if registered."""
        hashes = self._cipher.lookups(str(telegram_id), TELEGRAM_CHAT)
        marks = ",".join("?" * len(hashes))  # one per configured key; only "?" goes in
        async with self._db.execute(f"{_BY_TELEGRAM}({marks})", hashes) as cursor:
            row = await cursor.fetchone()
        return _staff(row) if row else None

    async def by_id(self, staff_id: int) -> Staff | None:
        """Return a staff member by id."""
        async with self._db.execute(_BY_ID, (staff_id,)) as cursor:
            row = await cursor.fetchone()
        return _staff(row) if row else None

    async def telegram_id(self, staff_id: int) -> int | None:
        """Return the Telegram chat of a staff member (never shown to seekers)."""
        async with self._db.execute(
            "SELECT telegram_chat FROM staff WHERE id = ?", (staff_id,)
        ) as cursor:
            row = await cursor.fetchone()
        chat = self._cipher.open(row[0], TELEGRAM_CHAT) if row else None
        return int(chat) if chat is not None else None

    async def phone(self, staff_id: int) -> str | None:
        """Return the staff member's own phone (E.164), for calls placed through us."""
        async with self._db.execute("SELECT phone FROM staff WHERE id = ?", (staff_id,)) as cursor:
            row = await cursor.fetchone()
        return self._cipher.open(row[0], STAFF_PHONE) if row else None

    async def set_phone(self, staff_id: int, phone: str | None) -> None:
        """Keep the staff member's own phone, sealed; None forgets it."""
        await self._db.execute(
            "UPDATE staff SET phone = ? WHERE id = ?",
            (self._cipher.seal(phone, STAFF_PHONE), staff_id),
        )

    async def of_org(self, org_id: str | None = None) -> list[Staff]:
        """Return everyone of an organisation (or of all), active or not."""
        query, args = (_OF_ORG, (org_id,)) if org_id else (_ALL, ())
        async with self._db.execute(query, args) as cursor:
            return [_staff(row) for row in await cursor.fetchall()]

    async def open_load(self, org_id: str) -> dict[int, int]:
        """Count each volunteer's open cases."""
        async with self._db.execute(
            "SELECT volunteer_id, COUNT(*) FROM cases WHERE org_id = ? AND volunteer_id IS NOT "
            "NULL AND status IN ('assigned', 'in_contact') GROUP BY volunteer_id",
            (org_id,),
        ) as cursor:
            return {int(r[0]): int(r[1]) for r in await cursor.fetchall()}

    async def add(
        self,
        *,
        org_id: str,
        role: StaffRole,
        name: str,
        telegram_id: int,
        locale: str,
        now: datetime,
    ) -> int:
        """Register a staff member; return their id."""
        cursor = await self._db.execute(
            "INSERT INTO staff (org_id, role, name, telegram_chat, telegram_hash, locale, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                org_id,
                role,
                name,
                self._cipher.seal(str(telegram_id), TELEGRAM_CHAT),
                self._cipher.lookup(str(telegram_id), TELEGRAM_CHAT),
                locale,
                utc_text(now),
            ),
        )
        assert cursor.lastrowid is not None  # noqa: S101 - an INSERT always sets it
        return cursor.lastrowid

    async def update(
        self,
        staff_id: int,
        *,
        trained_on: date | None = None,
        active: bool | None = None,
        languages: tuple[str, ...] | None = None,
        max_open: int | None = None,
    ) -> bool:
        """Change a staff record; False if there is no such id. Deactivation forgets their
        phone for calls: it is kept only to place their calls. A *max_open* of 0 lifts the
        ceiling on open cases."""
        changes: list[tuple[str, object]] = []
        if max_open is not None:
            changes.append(("max_open", max_open or None))
        if trained_on is not None:
            changes.append(("trained_on", trained_on.isoformat()))
        if active is not None:
            changes.append(("active", int(active)))
        if active is False:
            changes.append(("phone", None))
        if languages is not None:
            changes.append(("languages", ",".join(languages)))
        if not changes:
            return await self.by_id(staff_id) is not None
        assignments = ", ".join(f"{column} = ?" for column, _ in changes)
        cursor = await self._db.execute(
            f"UPDATE staff SET {assignments} WHERE id = ?",  # noqa: S608 - fixed column names
            (*(value for _, value in changes), staff_id),
        )
        return cursor.rowcount == 1

    async def add_invite(
        self,
        *,
        code_hash: str,
        org_id: str,
        role: StaffRole,
        created_by: int | None,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        """Store a new invite (only the hash of its code)."""
        await self._db.execute(
            "INSERT INTO invites (code_hash, org_id, role, created_by, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (code_hash, org_id, role, created_by, utc_text(now), utc_text(expires_at)),
        )

    async def take_invite(self, code_hash: str, now: datetime) -> tuple[str, StaffRole] | None:
        """Use up an unused, unexpired invite; return its organisation and role."""
        async with self._db.execute(
            "UPDATE invites SET used_at = ? WHERE code_hash = ? AND used_at IS NULL "
            "AND expires_at > ? RETURNING org_id, role",
            (utc_text(now), code_hash, utc_text(now)),
        ) as cursor:
            row = await cursor.fetchone()
        return (str(row[0]), StaffRole(row[1])) if row else None

    async def mark_invite_used_by(self, code_hash: str, staff_id: int) -> None:
        """Remember who joined with an invite."""
        await self._db.execute(
            "UPDATE invites SET used_by = ? WHERE code_hash = ?", (staff_id, code_hash)
        )

    async def replying_to(self, staff_id: int) -> int | None:
        """Return the case a staff member's next message goes to, if they chose one."""
        async with self._db.execute(
            "SELECT replying_to FROM staff_sessions WHERE staff_id = ?", (staff_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else None

    async def set_replying_to(self, staff_id: int, case_id: int | None) -> None:
        """Choose (or clear) the case a staff member's next message goes to."""
        await self._db.execute(
            "INSERT INTO staff_sessions (staff_id, replying_to) VALUES (?, ?) "
            "ON CONFLICT (staff_id) DO UPDATE SET replying_to = excluded.replying_to",
            (staff_id, case_id),
        )
