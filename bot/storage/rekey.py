"""Seal every personal value again under the current key (after a rotation or first key)."""

from __future__ import annotations

from bot.storage.case_rows import SEALED_CONTACTS, contact_column
from bot.storage.case_store import MESSAGE
from bot.storage.connection import Connection
from bot.storage.crypto import Cipher
from bot.storage.seekers import CONVERSATION_STATE, SEEKER_ADDRESS
from bot.storage.staff_store import TELEGRAM_CHAT


async def rekey(db: Connection, cipher: Cipher) -> int:
    """Re-seal values not under the current key and refresh lookup hashes; count rows."""
    changed = 0
    async with db.execute("SELECT id, address FROM seekers") as cursor:
        seekers = list(await cursor.fetchall())
    for seeker_id, sealed in seekers:
        address = cipher.open(sealed, SEEKER_ADDRESS)
        await db.execute(
            "UPDATE seekers SET address = ?, address_hash = ? WHERE id = ?",
            (cipher.seal(address, SEEKER_ADDRESS), cipher.lookup(str(address), SEEKER_ADDRESS),
             seeker_id),
        )  # fmt: skip
        changed += 1
    changed += await _reseal(db, cipher, "conversations", "seeker_id", "state", CONVERSATION_STATE)
    changed += await _reseal(db, cipher, "case_messages", "id", "body", MESSAGE)
    for column in sorted(SEALED_CONTACTS):
        changed += await _reseal(
            db, cipher, "case_contacts", "case_id", column, contact_column(column)
        )
    async with db.execute("SELECT id, telegram_id, telegram_chat FROM staff") as cursor:
        staff = list(await cursor.fetchall())
    for staff_id, legacy, sealed in staff:
        chat = cipher.open(sealed, TELEGRAM_CHAT) if sealed is not None else legacy
        if chat is None:
            continue
        await db.execute(
            "UPDATE staff SET telegram_id = NULL, telegram_chat = ?, telegram_hash = ? "
            "WHERE id = ?",
            (cipher.seal(str(chat), TELEGRAM_CHAT), cipher.lookup(str(chat), TELEGRAM_CHAT),
             staff_id),
        )  # fmt: skip
        changed += 1
    return changed


async def _reseal(
    db: Connection, cipher: Cipher, table: str, key: str, column: str, purpose: str
) -> int:
    # Table and column names are our own constants, never input.
    async with db.execute(
        f"SELECT {key}, {column} FROM {table} WHERE {column} IS NOT NULL"  # noqa: S608
    ) as cursor:
        rows = list(await cursor.fetchall())
    stale = [(row_id, value) for row_id, value in rows if not cipher.is_current(value)]
    for row_id, value in stale:
        await db.execute(
            f"UPDATE {table} SET {column} = ? WHERE {key} = ?",  # noqa: S608
            (cipher.seal(cipher.open(value, purpose), purpose), row_id),
        )
    return len(stale)
