"""Queries for the staff desk: sign-in links, sessions, passkeys and what staff took out."""

from __future__ import annotations

from datetime import datetime

from bot.domain.desk import Access, DeskSession, Passkey
from bot.storage.connection import Connection
from bot.storage.timestamps import utc_text


class DeskStore:
    """Sign-in state inside one open transaction; tokens are known here by their hash."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    async def add_link(
        self, token_hash: str, staff_id: int, now: datetime, expires_at: datetime
    ) -> None:
        """Store a new sign-in link; links of staff long gone are swept out on the way."""
        await self._db.execute("DELETE FROM desk_links WHERE expires_at < ?", (utc_text(now),))
        await self._db.execute(
            "INSERT INTO desk_links (token_hash, staff_id, created_at, expires_at) "
            "VALUES (?, ?, ?, ?)",
            (token_hash, staff_id, utc_text(now), utc_text(expires_at)),
        )

    async def take_link(self, token_hash: str, now: datetime) -> int | None:
        """Use up an unused, unexpired link; return whose it is."""
        async with self._db.execute(
            "UPDATE desk_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL "
            "AND expires_at > ? RETURNING staff_id",
            (utc_text(now), token_hash, utc_text(now)),
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else None

    async def add_session(self, token_hash: str, staff_id: int, csrf: str, now: datetime) -> None:
        """Store a new session."""
        await self._db.execute(
            "INSERT INTO desk_sessions (token_hash, staff_id, csrf, created_at, seen_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (token_hash, staff_id, csrf, utc_text(now), utc_text(now)),
        )

    async def session(self, token_hash: str) -> DeskSession | None:
        """Return a session by its token's hash."""
        async with self._db.execute(
            "SELECT staff_id, csrf, created_at, seen_at FROM desk_sessions WHERE token_hash = ?",
            (token_hash,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return DeskSession(
            int(row[0]), str(row[1]), datetime.fromisoformat(row[2]), datetime.fromisoformat(row[3])
        )

    async def touch_session(self, token_hash: str, now: datetime) -> None:
        """Record that a session was used at *now*."""
        await self._db.execute(
            "UPDATE desk_sessions SET seen_at = ? WHERE token_hash = ?",
            (utc_text(now), token_hash),
        )

    async def end_session(self, token_hash: str) -> None:
        """Forget one session."""
        await self._db.execute("DELETE FROM desk_sessions WHERE token_hash = ?", (token_hash,))

    async def end_sessions_of(self, staff_id: int) -> int:
        """Forget every session of a staff member; return how many there were."""
        cursor = await self._db.execute("DELETE FROM desk_sessions WHERE staff_id = ?", (staff_id,))
        return cursor.rowcount

    async def end_sessions_seen_before(self, moment: datetime) -> int:
        """Forget sessions idle since before *moment* (they can no longer be used)."""
        cursor = await self._db.execute(
            "DELETE FROM desk_sessions WHERE seen_at < ?", (utc_text(moment),)
        )
        return cursor.rowcount

    async def add_passkey(self, passkey: Passkey, now: datetime) -> None:
        """Register a passkey (a credential registered twice stays its first owner's)."""
        await self._db.execute(
            "INSERT INTO passkeys (credential_id, staff_id, public_key, sign_count, created_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (credential_id) DO NOTHING",
            (
                passkey.credential_id,
                passkey.staff_id,
                passkey.public_key,
                passkey.sign_count,
                utc_text(now),
            ),
        )

    async def passkey(self, credential_id: bytes) -> Passkey | None:
        """Return a passkey by its credential id."""
        async with self._db.execute(
            "SELECT credential_id, staff_id, public_key, sign_count FROM passkeys "
            "WHERE credential_id = ?",
            (credential_id,),
        ) as cursor:
            row = await cursor.fetchone()
        return Passkey(bytes(row[0]), int(row[1]), bytes(row[2]), int(row[3])) if row else None

    async def passkeys_of(self, staff_id: int) -> list[Passkey]:
        """Return a staff member's passkeys."""
        async with self._db.execute(
            "SELECT credential_id, staff_id, public_key, sign_count FROM passkeys "
            "WHERE staff_id = ? ORDER BY created_at",
            (staff_id,),
        ) as cursor:
            rows = await cursor.fetchall()
        return [Passkey(bytes(r[0]), int(r[1]), bytes(r[2]), int(r[3])) for r in rows]

    async def use_passkey(self, credential_id: bytes, sign_count: int, now: datetime) -> None:
        """Record a sign-in with a passkey and its authenticator's new counter."""
        await self._db.execute(
            "UPDATE passkeys SET sign_count = ?, used_at = ? WHERE credential_id = ?",
            (sign_count, utc_text(now), credential_id),
        )

    async def record_access(self, access: Access) -> None:
        """Record what a staff member read or took out beyond one case (a report)."""
        await self._db.execute(
            "INSERT INTO staff_access (staff_id, what, detail, at) VALUES (?, ?, ?, ?)",
            (access.staff_id, access.what, access.detail, utc_text(access.at)),
        )

    async def accesses(self, since: datetime) -> list[Access]:
        """Return what staff took out since *since*, oldest first."""
        async with self._db.execute(
            "SELECT staff_id, what, detail, at FROM staff_access WHERE at >= ? ORDER BY id",
            (utc_text(since),),
        ) as cursor:
            rows = await cursor.fetchall()
        return [Access(int(r[0]), str(r[1]), str(r[2]), datetime.fromisoformat(r[3])) for r in rows]
