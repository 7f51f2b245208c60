"""Finding a seeker by channel address through its keyed hash (the address itself is sealed)."""

from __future__ import annotations

from bot.domain.model import Channel
from bot.storage.connection import Connection
from bot.storage.crypto import Cipher

SEEKER_ADDRESS = "seekers.address"
CONVERSATION_STATE = "conversations.state"


def seeker_is(
    cipher: Cipher, channel: Channel, address: str, table: str = "seekers"
) -> tuple[str, tuple[str, ...]]:
    """Return the WHERE condition (and its parameters) matching *address* under every key."""
    hashes = cipher.lookups(address, SEEKER_ADDRESS)
    marks = ",".join("?" * len(hashes))  # one per key; only "?" goes into the SQL
    return f"{table}.channel = ? AND {table}.address_hash IN ({marks})", (channel, *hashes)


async def find_seeker(db: Connection, cipher: Cipher, channel: Channel, address: str) -> int | None:
    """Return the seeker id for *address*, under the current key or an older one."""
    condition, params = seeker_is(cipher, channel, address)
    async with db.execute(
        f"SELECT id FROM seekers WHERE {condition}",  # noqa: S608 - only our names and "?"
        params,
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else None
