"""Make sure the configured keys fit the stored data before anything reads or writes it.

A sealed check value says which key the data is under. A wrong key, or none, on sealed data
is refused with one line: started anyway, it would greet a returning seeker as a stranger
and tell staff they are not registered. Plain data (from a test deployment run without a
key) is sealed in the same step that first sees a key, so there is never a moment with
some values findable and others not.
"""

from __future__ import annotations

import logging

from bot.storage.connection import Connection
from bot.storage.crypto import Cipher, SealError
from bot.storage.rekey import FOUND_BY_HASH, SEALED_VALUES, rekey

log = logging.getLogger(__name__)

CHECK = "keyring.check"
PLAIN = "plain"  # the stored data is not encrypted
_CHECK_TEXT = "jourbot"


class KeyringError(Exception):
    """The configured keys do not open the stored data."""


async def prepare(db: Connection, cipher: Cipher) -> bool:
    """Check the keys against the stored data; seal plain data when a key first appears.

    Returns True when values were sealed now (the caller then scrubs the old copies).
    """
    async with db.execute("SELECT check_value FROM keyring WHERE id = 1") as cursor:
        row = await cursor.fetchone()
    if row is not None and row[0] != PLAIN:
        _open_or_refuse(cipher, str(row[0]), CHECK)
        return False
    if row is None:  # a database from before the check: look at what it holds
        probe = await _first_sealed(db)
        if probe is not None:
            value, purpose = probe
            _open_or_refuse(cipher, value, purpose)
            # Sealed under the key that opened the data, which may be an older one.
            await write_check(db, cipher, Cipher.key_id_of(value))
            return False
    if not cipher.enabled:
        await write_check(db, cipher)
        return False
    if row is None and not await _holds_personal_data(db):
        await write_check(db, cipher)
        return False
    changed = await rekey(db, cipher)
    await write_check(db, cipher)
    log.warning("storage.sealed_plain_data rows=%d", changed)
    return True


async def write_check(db: Connection, cipher: Cipher, key_id: str | None = None) -> None:
    """Record which key the stored data is under (or that it is plain)."""
    value = cipher.seal(_CHECK_TEXT, CHECK, key_id) if cipher.enabled else PLAIN
    await db.execute(
        "INSERT INTO keyring (id, check_value) VALUES (1, ?) "
        "ON CONFLICT (id) DO UPDATE SET check_value = excluded.check_value",
        (value,),
    )


def _open_or_refuse(cipher: Cipher, value: str, purpose: str) -> None:
    key_id = Cipher.key_id_of(value)
    if not cipher.enabled:
        raise KeyringError(
            "JOURBOT_SECRET_KEY: the database holds encrypted personal data; give its key "
            f"(key id {key_id})"
        )
    try:
        cipher.open(value, purpose)
    except SealError as exc:
        raise KeyringError(
            f"JOURBOT_SECRET_KEY: no configured key opens the stored data (sealed with key id "
            f"{key_id}); give that key, or new,old while rotating"
        ) from exc


async def _first_sealed(db: Connection) -> tuple[str, str] | None:
    columns = [(t, c, p) for t, _, c, p in SEALED_VALUES] + list(FOUND_BY_HASH)
    for table, column, purpose in columns:
        async with db.execute(
            f"SELECT {column} FROM {table} WHERE {column} LIKE 'v1.%' LIMIT 1"  # noqa: S608 - ours
        ) as cursor:
            row = await cursor.fetchone()
        if row is not None:
            return str(row[0]), purpose
    return None


async def _holds_personal_data(db: Connection) -> bool:
    async with db.execute(
        "SELECT EXISTS (SELECT 1 FROM seekers) OR EXISTS (SELECT 1 FROM staff WHERE "
        "telegram_id IS NOT NULL OR telegram_chat IS NOT NULL) OR EXISTS (SELECT 1 FROM outbox "
        "WHERE address != '') OR EXISTS (SELECT 1 FROM inbox) OR EXISTS "
        "(SELECT 1 FROM case_contacts) OR EXISTS (SELECT 1 FROM case_messages)"
    ) as cursor:
        row = await cursor.fetchone()
    return bool(row and row[0])
