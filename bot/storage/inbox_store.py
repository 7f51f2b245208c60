"""Queries for the inbox: text messages kept from their arrival until they are handled."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.domain.model import Channel
from bot.storage.connection import Connection
from bot.storage.crypto import Cipher, SealError
from bot.storage.timestamps import utc_text

log = logging.getLogger(__name__)

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
        """Return (provider id, sender, body) of every message not yet handled, oldest first.

        A message no configured key opens can never be handled: it is dropped, and counted
        in the log, rather than stop the service from starting.
        """
        async with self._db.execute(
            "SELECT id, provider_id, sender, body FROM inbox ORDER BY id"
        ) as cursor:
            rows = await cursor.fetchall()
        waiting, unreadable = [], []
        for row_id, provider_id, sender, body in rows:
            try:
                opened = (self._cipher.open(sender, SENDER), self._cipher.open(body, BODY))
            except SealError:
                unreadable.append((row_id,))
                continue
            waiting.append((str(provider_id), str(opened[0]), str(opened[1])))
        if unreadable:
            await self._db.executemany("DELETE FROM inbox WHERE id = ?", unreadable)
            log.error("inbox.unreadable_dropped count=%d", len(unreadable))
        return waiting

    async def handled(self, channel: Channel, provider_id: str) -> None:
        """Forget a message once its turn is committed."""
        await self._db.execute(
            "DELETE FROM inbox WHERE channel = ? AND provider_id = ?", (channel, provider_id)
        )
