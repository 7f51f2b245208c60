"""Queries behind text messages: opt-outs and the delivery state of what we sent."""

from __future__ import annotations

from datetime import datetime

from bot.domain.model import Channel, DeliveryStatus
from bot.domain.sms import Segments
from bot.storage.connection import Connection
from bot.storage.crypto import Cipher
from bot.storage.seekers import find_seeker, insert_seeker
from bot.storage.timestamps import utc_text


class MessageStore:
    """Outbound messages and opt-outs inside one open transaction."""

    def __init__(self, db: Connection, cipher: Cipher) -> None:
        self._db = db
        self._cipher = cipher

    async def opted_out(self, channel: Channel, address: str) -> bool:
        """Tell whether the person at *address* told us to stop writing (SMS STOP)."""
        return (await self._recipient(channel, address))[1]

    async def _recipient(self, channel: Channel, address: str) -> tuple[int | None, bool]:
        """Return the seeker id behind *address* (if known) and whether they opted out."""
        seeker_id = await find_seeker(self._db, self._cipher, channel, address)
        if seeker_id is None:
            return None, False
        async with self._db.execute(
            "SELECT opted_out_at FROM seekers WHERE id = ?", (seeker_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return seeker_id, row is not None and row[0] is not None

    async def opt_out(self, channel: Channel, address: str, now: datetime) -> int:
        """Mark *address* as never to be sent to again; return its seeker id."""
        seeker_id, _ = await self._recipient(channel, address)
        if seeker_id is None:
            return await insert_seeker(
                self._db, self._cipher, channel, address, now, opted_out=True
            )
        await self._db.execute(
            "UPDATE seekers SET opted_out_at = COALESCE(opted_out_at, ?) WHERE id = ?",
            (utc_text(now), seeker_id),
        )
        return seeker_id

    async def opt_in(self, channel: Channel, address: str) -> None:
        """Allow sending to *address* again."""
        seeker_id = await find_seeker(self._db, self._cipher, channel, address)
        await self._db.execute("UPDATE seekers SET opted_out_at = NULL WHERE id = ?", (seeker_id,))

    async def record_outbound(
        self,
        *,
        channel: Channel,
        seeker_id: int | None,
        provider_id: str | None,
        status: DeliveryStatus,
        error_code: int | None,
        segments: Segments | None,
        now: datetime,
    ) -> None:
        """Remember a message we sent (never its text): id, state, cost.

        A message that was on its way while its seeker erased their data is recorded as no
        one's: the record must not fail (and take the send's own record with it).
        """
        await self._db.execute(
            "INSERT INTO outbound_messages (channel, seeker_id, provider_id, status, error_code, "
            "encoding, segments, created_at, updated_at) "
            "VALUES (?, (SELECT id FROM seekers WHERE id = ?), ?, ?, ?, ?, ?, ?, ?)",
            (
                channel, seeker_id, provider_id, status, error_code,
                segments.encoding if segments else None, segments.count if segments else None,
                utc_text(now), utc_text(now),
            ),
        )  # fmt: skip

    async def delivery_status(self, provider_id: str) -> DeliveryStatus | None:
        """Return the stored state of the message the provider calls *provider_id*."""
        async with self._db.execute(
            "SELECT status FROM outbound_messages WHERE provider_id = ?", (provider_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return DeliveryStatus(row[0]) if row else None

    async def set_delivery_status(
        self, provider_id: str, status: DeliveryStatus, error_code: int | None, now: datetime
    ) -> None:
        """Store a newer delivery state."""
        await self._db.execute(
            "UPDATE outbound_messages SET status = ?, error_code = COALESCE(?, error_code), "
            "updated_at = ? WHERE provider_id = ?",
            (status, error_code, utc_text(now), provider_id),
        )

    async def opt_out_recipient_of(self, provider_id: str, now: datetime) -> bool:
        """Mark the recipient of an outbound message as opted out (a late 21610).

        False if no seeker we know received a message with that id.
        """
        cursor = await self._db.execute(
            "UPDATE seekers SET opted_out_at = COALESCE(opted_out_at, ?) WHERE id = "
            "(SELECT seeker_id FROM outbound_messages WHERE provider_id = ?)",
            (utc_text(now), provider_id),
        )
        return cursor.rowcount > 0
