"""Finding a seeker by channel address through its keyed hash (the address itself is sealed)."""

from __future__ import annotations

from bot.domain.model import Channel
from bot.storage.connection import Connection
from bot.storage.crypto import Cipher

SEEKER_ADDRESS = "seekers.address"
CONVERSATION_STATE = "conversations.state"


async def find_seeker(db: Connection, cipher: Cipher, channel: Channel, address: str) -> int | None:
    """Return the seeker id for *address*, under the current key or an older one."""
    hashes = cipher.lookups(address, SEEKER_ADDRESS)
    marks = ",".join("?" * len(hashes))
    async with db.execute(
        f"SELECT id FROM seekers WHERE channel = ? AND address_hash IN ({marks})",  # noqa: S608
        (channel, *hashes),
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else None
