"""Queries for the inbox: text messages kept from their arrival until they are handled."""

from __future__ import annotations

from datetime import datetime

from bot.domain.model import Channel
from bot.storage.connection import Connection
from bot.storage.crypto import Cipher
from bot.storage.timestamps import utc_text

SENDER = "inbox.sender"
BODY = "inbox.body"


class InboxStore:
    """The inbox inside one open transaction (sealed: it holds what people wrote)."""

    def __init__(self, db: Connection, cipher: Cipher) -> None:
        self._db = db
        self._cipher = cipher

    async def add(
        self, channel: Channel, provider_id: str, sender: str, body: str, now: datetime
    ) -> None:
        """Keep a message until it is handled; a provider's retry adds nothing."""
        await self._db.execute(
            "INSERT INTO inbox (channel, provider_id, sender, body, received_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel, provider_id) DO NOTHING",
            (
                channel,
                provider_id,
                self._cipher.seal(sender, SENDER),
                self._cipher.seal(body, BODY),
                utc_text(now),
            ),
        )

    async def waiting(self) -> list[tuple[str, str, str]]:
        """Return (provider id, sender, body) of every message not yet handled, oldest first."""
        async with self._db.execute(
            "SELECT provider_id, sender, body FROM inbox ORDER BY id"
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            (str(r[0]), str(self._cipher.open(r[1], SENDER)), str(self._cipher.open(r[2], BODY)))
            for r in rows
        ]

    async def handled(self, channel: Channel, provider_id: str) -> None:
        """Forget a message once its turn is committed."""
        await self._db.execute(
            "DELETE FROM inbox WHERE channel = ? AND provider_id = ?", (channel, provider_id)
        )
