"""Queries for the outbox: queue a message with its cause, hand out what is due, in order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.dialogue import Reply
from bot.domain.model import Channel
from bot.storage.connection import Connection
from bot.storage.crypto import Cipher
from bot.storage.reply_codec import decode_replies, encode_replies
from bot.storage.timestamps import utc_text

ADDRESS = "outbox.address"
MESSAGE = "outbox.message"
# Oldest first, and never a message to an address while an earlier one to it is unsent.
_DUE = (
    "SELECT o.id, o.channel, o.address, o.locale, o.message, o.edit_of, o.attempts "
    "FROM outbox o INDEXED BY outbox_due WHERE o.state IN ('pending', 'sending') "
    "AND o.next_attempt_at <= ? AND NOT EXISTS (SELECT 1 FROM outbox p INDEXED BY outbox_order "
    "WHERE p.address_hash = o.address_hash AND p.id < o.id AND p.state IN ('pending', 'sending')) "
    "ORDER BY o.id LIMIT ?"
)


@dataclass(frozen=True, slots=True)
class Queued:
    id: int
    channel: Channel
    address: str
    locale: str
    replies: list[Reply]
    edit_of: int | None
    attempts: int


class OutboxStore:
    """The outbox inside one open transaction."""

    def __init__(self, db: Connection, cipher: Cipher) -> None:
        self._db = db
        self._cipher = cipher

    async def add(
        self,
        *,
        channel: Channel,
        address: str,
        locale: str,
        replies: list[Reply],
        now: datetime,
        seeker_id: int | None = None,
        edit_of: int | None = None,
        split: bool = False,
    ) -> None:
        """Queue *replies* as one message, or with *split* each as its own (in one statement).

        Sealed: a message may hold anything a person wrote. Only the first message of a
        split edits the message *edit_of*.
        """
        messages = [[r] for r in replies] if split else [replies]
        address_sealed = self._cipher.seal(address, ADDRESS)
        address_hash = self._cipher.lookup(f"{channel}:{address}", ADDRESS)
        self._db.submit_many(  # sent on; the commit waits for it
            "INSERT INTO outbox (channel, address, address_hash, seeker_id, locale, message, "
            "edit_of, state, next_attempt_at, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
            [
                (
                    channel,
                    address_sealed,
                    address_hash,
                    seeker_id,
                    locale,
                    self._cipher.seal(encode_replies(message), MESSAGE),
                    edit_of if number == 0 else None,
                    utc_text(now),
                    utc_text(now),
                )
                for number, message in enumerate(messages)
            ],
        )

    async def due(self, now: datetime, limit: int) -> list[Queued]:
        """Return messages due now, each the oldest unsent one to its address."""
        async with self._db.execute(_DUE, (utc_text(now), limit)) as cursor:
            rows = await cursor.fetchall()
        return [
            Queued(
                id=int(r[0]),
                channel=Channel(r[1]),
                address=str(self._cipher.open(r[2], ADDRESS)),
                locale=str(r[3]),
                replies=decode_replies(str(self._cipher.open(r[4], MESSAGE))),
                edit_of=r[5],
                attempts=int(r[6]),
            )
            for r in rows
        ]

    async def sending(self, row_id: int) -> bool:
        """Mark a message as being sent; False if it is not pending any more."""
        cursor = await self._db.execute(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1 "
            "WHERE id = ? AND state IN ('pending', 'sending')",
            (row_id,),
        )
        return cursor.rowcount == 1

    async def sent(self, row_id: int, provider_id: str | None, now: datetime) -> None:
        """Record that the provider took the message; its text is no longer needed."""
        await self._db.execute(
            "UPDATE outbox SET state = 'sent', sent_at = ?, provider_id = ?, message = '', "
            "address = '' WHERE id = ?",
            (utc_text(now), provider_id, row_id),
        )

    async def retry(self, row_id: int, at: datetime, error: str) -> None:
        """Put a message back in the queue for *at*."""
        await self._db.execute(
            "UPDATE outbox SET state = 'pending', next_attempt_at = ?, error = ? WHERE id = ?",
            (utc_text(at), error, row_id),
        )

    async def failed(self, row_id: int, error: str, now: datetime) -> None:
        """Give up on a message no retry can deliver (blocked bot, opted-out number)."""
        await self._db.execute(
            "UPDATE outbox SET state = 'failed', error = ?, sent_at = ?, message = '', "
            "address = '' WHERE id = ?",
            (error, utc_text(now), row_id),
        )

    async def forget(self, channel: Channel, address: str) -> list[str]:
        """Delete every message to *address*; return the provider ids of those sent."""
        key = self._cipher.lookup(f"{channel}:{address}", ADDRESS)
        async with self._db.execute(
            "SELECT provider_id FROM outbox WHERE address_hash = ? AND state = 'sent' "
            "AND provider_id IS NOT NULL ORDER BY id",
            (key,),
        ) as cursor:
            sent = [str(row[0]) for row in await cursor.fetchall()]
        await self._db.execute("DELETE FROM outbox WHERE address_hash = ?", (key,))
        return sent

    async def pending(self) -> int:
        """Count messages not yet sent or given up."""
        async with self._db.execute(
            "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'sending')"
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def next_due(self) -> datetime | None:
        """Return when the next queued message is due."""
        async with self._db.execute(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE state IN ('pending', 'sending')"
        ) as cursor:
            row = await cursor.fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None
