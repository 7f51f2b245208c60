"""Queries behind an intake: seekers, their conversation, new cases and anonymous outcomes."""

from __future__ import annotations

from datetime import datetime

from bot.domain.conversation import IntakeState
from bot.domain.model import Channel, IntakeOutcome
from bot.storage.connection import Connection
from bot.storage.crypto import Cipher
from bot.storage.erasure import strip_cases
from bot.storage.seekers import (
    CONVERSATION_STATE,
    find_seeker,
    insert_seeker,
    seeker_is,
)
from bot.storage.state_codec import decode, encode
from bot.storage.timestamps import utc_text

_SEEKER_AND_STATE = (
    "SELECT s.id, c.state FROM seekers s LEFT JOIN conversations c ON c.seeker_id = s.id"
)


class IntakeStore:
    """The intake's unit of work inside one open transaction."""

    def __init__(self, db: Connection, cipher: Cipher) -> None:
        self._db = db
        self._cipher = cipher

    async def claim_inbound(self, channel: Channel, provider_id: str, now: datetime) -> bool:
        """Record a provider's message id; False if it was processed before."""
        cursor = await self._db.execute(
            "INSERT INTO inbound_messages (channel, provider_id, received_at) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (channel, provider_id, utc_text(now)),
        )
        return cursor.rowcount == 1

    async def find_seeker(self, channel: Channel, address: str) -> int | None:
        """Return the seeker's id for this channel address, if we know it."""
        return await find_seeker(self._db, self._cipher, channel, address)

    async def seeker_and_state(
        self, channel: Channel, address: str
    ) -> tuple[int | None, IntakeState | None]:
        """Return the seeker's id and where their dialogue stands, in one statement."""
        condition, params = seeker_is(self._cipher, channel, address, table="s")
        async with self._db.execute(f"{_SEEKER_AND_STATE} WHERE {condition}", params) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None, None
        sealed = row[1]
        state = decode(self._cipher.open(sealed, CONVERSATION_STATE) or "") if sealed else None
        return int(row[0]), state

    async def add_seeker(self, channel: Channel, address: str, now: datetime) -> int:
        """Register a channel address and return its new seeker id."""
        return await insert_seeker(self._db, self._cipher, channel, address, now)

    async def load_conversation(self, seeker_id: int) -> IntakeState | None:
        """Return where the seeker's dialogue stands."""
        async with self._db.execute(
            "SELECT state FROM conversations WHERE seeker_id = ?", (seeker_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return decode(self._cipher.open(row[0], CONVERSATION_STATE) or "") if row else None

    async def save_conversation(self, seeker_id: int, state: IntakeState, now: datetime) -> None:
        """Store where the seeker's dialogue stands (sent on; the commit waits for it)."""
        self._db.submit(
            "INSERT INTO conversations (seeker_id, state, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (seeker_id) DO UPDATE SET state = excluded.state, "
            "updated_at = excluded.updated_at",
            (seeker_id, self._cipher.seal(encode(state), CONVERSATION_STATE), utc_text(now)),
        )

    async def has_case(self, seeker_id: int) -> bool:
        """Tell whether the seeker has a case (and so must be kept)."""
        async with self._db.execute(
            "SELECT 1 FROM cases WHERE seeker_id = ? LIMIT 1", (seeker_id,)
        ) as cursor:
            return await cursor.fetchone() is not None

    async def forget_seeker(self, seeker_id: int) -> None:
        """Delete the seeker, their conversation and their cases' personal data.

        The case rows keep only their anonymous statistical fields.
        """
        await strip_cases(self._db, "SELECT id FROM cases WHERE seeker_id = ?", (seeker_id,))
        await self._db.execute(
            "UPDATE cases SET status = 'erased' WHERE seeker_id = ?", (seeker_id,)
        )
        await self._db.execute("DELETE FROM seekers WHERE id = ?", (seeker_id,))

    async def record_outcome(
        self, outcome: IntakeOutcome, channel: Channel, locale: str, now: datetime
    ) -> None:
        """Count an intake that ended without a case; nothing about the person is kept."""
        await self._db.execute(
            "INSERT INTO intake_outcomes (outcome, channel, locale, at) VALUES (?, ?, ?, ?)",
            (outcome, channel, locale, utc_text(now)),
        )
