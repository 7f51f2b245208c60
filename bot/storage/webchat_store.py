"""What the web chat holds for seekers' pages: rendered messages, sealed, read by number; the
passes pages hold instead of the seeker's address; the hashed codes to come back with."""

from __future__ import annotations

from datetime import datetime

from bot.ports import ChatPass
from bot.storage.connection import Connection
from bot.storage.crypto import Cipher
from bot.storage.seekers import SEEKER_ADDRESS
from bot.storage.timestamps import utc_text

WEBCHAT_BODY = "webchat_messages.body"


class WebChatStore:
    """The web chat's messages, passes and return codes inside one open transaction."""

    def __init__(self, db: Connection, cipher: Cipher) -> None:
        self._db = db
        self._cipher = cipher

    async def add(self, seeker_id: int, body: str, now: datetime) -> int:
        """Keep a message for the seeker's page; return its number (they grow)."""
        cursor = await self._db.execute(
            "INSERT INTO webchat_messages (seeker_id, body, at) VALUES (?, ?, ?)",
            (seeker_id, self._cipher.seal(body, WEBCHAT_BODY), utc_text(now)),
        )
        assert cursor.lastrowid is not None  # noqa: S101 - an INSERT always sets it
        return cursor.lastrowid

    async def since(self, seeker_id: int, after: int, limit: int) -> list[tuple[int, str]]:
        """Return the seeker's messages numbered above *after*, oldest first."""
        async with self._db.execute(
            "SELECT id, body FROM webchat_messages WHERE seeker_id = ? AND id > ? "
            "ORDER BY id LIMIT ?",
            (seeker_id, after, limit),
        ) as cursor:
            rows = await cursor.fetchall()
        return [(int(r[0]), self._cipher.open(r[1], WEBCHAT_BODY) or "") for r in rows]

    async def open_pass(self, seeker_id: int, pass_hash: str, now: datetime) -> None:
        """Let the page holding the pass with *pass_hash* speak for the seeker."""
        await self._db.execute(
            "INSERT INTO webchat_passes (pass_hash, seeker_id, opened_at) VALUES (?, ?, ?)",
            (pass_hash, seeker_id, utc_text(now)),
        )

    async def holder(self, pass_hash: str) -> ChatPass | None:
        """Return whom the pass speaks for, with the chat's address; None for no pass."""
        async with self._db.execute(
            "SELECT p.seeker_id, s.address, p.seen FROM webchat_passes p "
            "JOIN seekers s ON s.id = p.seeker_id WHERE p.pass_hash = ?",
            (pass_hash,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return ChatPass(int(row[0]), self._cipher.open(row[1], SEEKER_ADDRESS) or "", int(row[2]))

    async def saw(self, pass_hash: str, number: int) -> None:
        """Note that the pass's page has shown the messages up to *number*."""
        await self._db.execute(
            "UPDATE webchat_passes SET seen = ? WHERE pass_hash = ? AND seen < ?",
            (number, pass_hash, number),
        )

    async def close_pass(self, pass_hash: str, seen: int) -> int | None:
        """End a pass and drop the messages its page has shown (up to *seen* at least);
        return the seeker's id, None if there was no such pass."""
        async with self._db.execute(
            "DELETE FROM webchat_passes WHERE pass_hash = ? RETURNING seeker_id, seen",
            (pass_hash,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        seeker_id = int(row[0])
        await self._drop_shown(seeker_id, max(seen, int(row[1])))
        return seeker_id

    async def close_passes(self, seeker_id: int) -> None:
        """End every pass of the seeker, dropping what their pages have shown."""
        async with self._db.execute(
            "DELETE FROM webchat_passes WHERE seeker_id = ? RETURNING seen", (seeker_id,)
        ) as cursor:
            shown = [int(r[0]) for r in await cursor.fetchall()]
        if shown:
            await self._drop_shown(seeker_id, max(shown))

    async def _drop_shown(self, seeker_id: int, seen: int) -> None:
        await self._db.execute(
            "DELETE FROM webchat_messages WHERE seeker_id = ? AND id <= ?", (seeker_id, seen)
        )

    async def without_return(self, seeker_id: int) -> str | None:
        """Return the reference of the seeker's open case if they have no code to come back
        with yet; None otherwise."""
        async with self._db.execute(
            "SELECT reference FROM cases WHERE seeker_id = ? "
            "AND status NOT IN ('closed', 'erased') "
            "AND NOT EXISTS (SELECT 1 FROM webchat_returns r WHERE r.seeker_id = ?) "
            "ORDER BY id DESC LIMIT 1",
            (seeker_id, seeker_id),
        ) as cursor:
            row = await cursor.fetchone()
        return str(row[0]) if row else None

    async def set_return(self, seeker_id: int, code_hash: str, now: datetime) -> None:
        """Keep the hash of the seeker's code to come back with (replacing an older one)."""
        await self._db.execute(
            "INSERT INTO webchat_returns (seeker_id, code_hash, set_at) VALUES (?, ?, ?) "
            "ON CONFLICT (seeker_id) DO UPDATE SET code_hash = excluded.code_hash, "
            "set_at = excluded.set_at",
            (seeker_id, code_hash, utc_text(now)),
        )

    async def drop_return(self, seeker_id: int) -> None:
        """Forget the seeker's code: they cannot come back with it any more."""
        await self._db.execute("DELETE FROM webchat_returns WHERE seeker_id = ?", (seeker_id,))

    async def return_to(self, reference: str) -> tuple[int, str] | None:
        """Return the seeker of the case *reference* and their code's hash, if they have one."""
        async with self._db.execute(
            "SELECT r.seeker_id, r.code_hash FROM cases c "
            "JOIN webchat_returns r ON r.seeker_id = c.seeker_id WHERE c.reference = ?",
            (reference,),
        ) as cursor:
            row = await cursor.fetchone()
        return (int(row[0]), str(row[1])) if row else None
