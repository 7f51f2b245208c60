"""What the web chat holds for a seeker's page: rendered messages, sealed, read by number."""

from __future__ import annotations

from datetime import datetime

from bot.storage.connection import Connection
from bot.storage.crypto import Cipher
from bot.storage.timestamps import utc_text

WEBCHAT_BODY = "webchat_messages.body"


class WebChatStore:
    """The web chat's messages inside one open transaction."""

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
