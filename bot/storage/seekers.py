"""Finding and adding a seeker by channel address through its keyed hash (the address is sealed)."""

from __future__ import annotations

from datetime import datetime

from bot.domain.model import Channel
from bot.storage.connection import Connection
from bot.storage.crypto import Cipher
from bot.storage.timestamps import utc_text

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


async def insert_seeker(
    db: Connection,
    cipher: Cipher,
    channel: Channel,
    address: str,
    now: datetime,
    *,
    opted_out: bool = False,
) -> int:
    """Register a channel address (sealed, with its keyed hash) and return the new id."""
    cursor = await db.execute(
        "INSERT INTO seekers (channel, address, address_hash, created_at, opted_out_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (
            channel,
            cipher.seal(address, SEEKER_ADDRESS),
            cipher.lookup(address, SEEKER_ADDRESS),
            utc_text(now),
            utc_text(now) if opted_out else None,
        ),
    )
    assert cursor.lastrowid is not None  # noqa: S101 - an INSERT always sets it
    return cursor.lastrowid
