"""Seal every personal value again under the current key (after a rotation, or a first key).

Every sealed column of every table is listed here once, so `jourbot rekey`, and the move from
plain storage to a key at start-up, leave nothing behind under an old key or in the clear.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from bot.storage.case_rows import SEALED_CONTACTS, contact_column
from bot.storage.case_store import MESSAGE
from bot.storage.connection import Connection
from bot.storage.crypto import Cipher
from bot.storage.inbox_store import BODY as INBOX_BODY
from bot.storage.inbox_store import SENDER as INBOX_SENDER
from bot.storage.outbox_store import ADDRESS as OUTBOX_ADDRESS
from bot.storage.outbox_store import FOLLOW_UP
from bot.storage.outbox_store import MESSAGE as OUTBOX_MESSAGE
from bot.storage.seekers import CONVERSATION_STATE, SEEKER_ADDRESS
from bot.storage.staff_store import STAFF_PHONE, TELEGRAM_CHAT
from bot.storage.webchat_store import WEBCHAT_BODY

log = logging.getLogger(__name__)

# (table, row key, column, associated data): values sealed as they are, found by nothing.
SEALED_VALUES: tuple[tuple[str, str, str, str], ...] = (
    ("conversations", "seeker_id", "state", CONVERSATION_STATE),
    ("case_messages", "id", "body", MESSAGE),
    *(
        ("case_contacts", "case_id", column, contact_column(column))
        for column in sorted(SEALED_CONTACTS)
    ),
    ("outbox", "id", "message", OUTBOX_MESSAGE),
    ("outbox", "id", "on_sent", FOLLOW_UP),
    ("outbox", "id", "on_failed", FOLLOW_UP),
    ("inbox", "id", "sender", INBOX_SENDER),
    ("inbox", "id", "body", INBOX_BODY),
    ("webchat_messages", "id", "body", WEBCHAT_BODY),
    ("staff", "id", "phone", STAFF_PHONE),
)
# Sealed and also found by a keyed hash: rekeyed with their hash, below.
FOUND_BY_HASH: tuple[tuple[str, str, str], ...] = (
    ("seekers", "address", SEEKER_ADDRESS),
    ("staff", "telegram_chat", TELEGRAM_CHAT),
    ("outbox", "address", OUTBOX_ADDRESS),
)


async def rekey(db: Connection, cipher: Cipher) -> int:
    """Re-seal values not under the current key and refresh lookup hashes; count rows."""
    changed = await _seekers(db, cipher)
    changed += await _staff(db, cipher)
    changed += await _outbox_addresses(db, cipher)
    for table, key, column, purpose in SEALED_VALUES:
        changed += await _reseal(db, cipher, table, key, column, purpose)
    return changed


async def _seekers(db: Connection, cipher: Cipher) -> int:
    async with db.execute("SELECT id, channel, address FROM seekers ORDER BY id") as cursor:
        rows = list(await cursor.fetchall())
    by_address: dict[tuple[str, str], list[int]] = defaultdict(list)  # oldest first
    stale: set[int] = set()
    for seeker_id, channel, sealed in rows:
        by_address[(str(channel), str(cipher.open(sealed, SEEKER_ADDRESS)))].append(int(seeker_id))
        if not cipher.is_current(sealed):
            stale.add(int(seeker_id))
    changed = 0
    for (_, address), ids in by_address.items():
        if len(ids) > 1:
            await _merge_seekers(db, ids)
        elif ids[0] not in stale:
            continue  # sealed and found under the current key already
        await db.execute(
            "UPDATE seekers SET address = ?, address_hash = ? WHERE id = ?",
            (cipher.seal(address, SEEKER_ADDRESS), cipher.lookup(address, SEEKER_ADDRESS),
             ids[0]),
        )  # fmt: skip
        changed += 1
    return changed


async def _merge_seekers(db: Connection, ids: list[int]) -> None:
    """Fold rows of one person into the oldest (made while a key did not find them).

    Before the move to a key was one step, a returning seeker was not recognised and got a
    second row; both must become one before the lookup hash can be unique again.
    """
    keep, *others = ids
    for other in others:
        for table in ("cases", "outbox", "outbound_messages"):
            await db.execute(
                f"UPDATE {table} SET seeker_id = ? WHERE seeker_id = ?",  # noqa: S608 - ours
                (keep, other),
            )
        # The newer conversation is where the person is now, unless the first holds a case.
        await db.execute(
            "DELETE FROM conversations WHERE seeker_id = ? AND EXISTS "
            "(SELECT 1 FROM conversations WHERE seeker_id = ?) AND NOT EXISTS "
            "(SELECT 1 FROM cases WHERE seeker_id = ?)",
            (keep, other, keep),
        )
        await db.execute(
            "UPDATE conversations SET seeker_id = ? WHERE seeker_id = ? AND NOT EXISTS "
            "(SELECT 1 FROM conversations WHERE seeker_id = ?)",
            (keep, other, keep),
        )
        await db.execute(
            "UPDATE seekers SET opted_out_at = COALESCE(opted_out_at, "
            "(SELECT opted_out_at FROM seekers WHERE id = ?)) WHERE id = ?",
            (other, keep),
        )
        await db.execute("DELETE FROM seekers WHERE id = ?", (other,))
    log.warning("rekey.merged_seekers count=%d", len(others))


async def _staff(db: Connection, cipher: Cipher) -> int:
    async with db.execute(
        "SELECT id, telegram_id, telegram_chat FROM staff ORDER BY active DESC, id DESC"
    ) as cursor:
        staff = list(await cursor.fetchall())
    seen: set[str] = set()
    changed = 0
    for staff_id, legacy, sealed in staff:
        chat = cipher.open(sealed, TELEGRAM_CHAT) if sealed is not None else legacy
        if chat is None:
            continue
        current = sealed is not None and legacy is None and cipher.is_current(sealed)
        if str(chat) in seen:
            # One Telegram account joined twice while its first record was not found: the
            # record in use (active, newest) keeps the account; this one is retired.
            await db.execute(
                "UPDATE staff SET telegram_id = NULL, telegram_chat = NULL, telegram_hash = NULL, "
                "active = 0 WHERE id = ?",
                (staff_id,),
            )
            log.warning("rekey.retired_duplicate_staff staff=%s", staff_id)
            continue
        seen.add(str(chat))
        if current:
            continue
        await db.execute(
            "UPDATE staff SET telegram_id = NULL, telegram_chat = ?, telegram_hash = ? "
            "WHERE id = ?",
            (cipher.seal(str(chat), TELEGRAM_CHAT), cipher.lookup(str(chat), TELEGRAM_CHAT),
             staff_id),
        )  # fmt: skip
        changed += 1
    return changed


async def _outbox_addresses(db: Connection, cipher: Cipher) -> int:
    # Sent and given-up rows keep no address (only its hash, to be erased by); the rest
    # are resealed and found under the new key.
    async with db.execute("SELECT id, channel, address FROM outbox WHERE address != ''") as cursor:
        rows = [r for r in await cursor.fetchall() if not cipher.is_current(r[2])]
    for row_id, channel, sealed in rows:
        address = cipher.open(sealed, OUTBOX_ADDRESS)
        await db.execute(
            "UPDATE outbox SET address = ?, address_hash = ? WHERE id = ?",
            (cipher.seal(address, OUTBOX_ADDRESS),
             cipher.lookup(f"{channel}:{address}", OUTBOX_ADDRESS), row_id),
        )  # fmt: skip
    return len(rows)


async def _reseal(
    db: Connection, cipher: Cipher, table: str, key: str, column: str, purpose: str
) -> int:
    # Table and column names are our own constants, never input.
    async with db.execute(
        f"SELECT {key}, {column} FROM {table} WHERE {column} IS NOT NULL AND {column} != ''"  # noqa: S608
    ) as cursor:
        rows = list(await cursor.fetchall())
    stale = [(row_id, value) for row_id, value in rows if not cipher.is_current(value)]
    for row_id, value in stale:
        await db.execute(
            f"UPDATE {table} SET {column} = ? WHERE {key} = ?",  # noqa: S608
            (cipher.seal(cipher.open(value, purpose), purpose), row_id),
        )
    return len(stale)
