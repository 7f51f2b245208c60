"""Encryption at rest for personal data, and keyed hashes to look it up.

Values are sealed with AES-256-GCM under the current key, with the column as associated
data (a value copied into another column does not open). A sealed value names its key, so
after a rotation (`JOURBOT_SECRET_KEY=new,old`) old values still open until `jourbot rekey`
seals them again under the new key. Lookups (a chat id, a phone number) go through an
HMAC keyed from the secret key, never through the value itself.

Without a key (the console demo, or an explicit insecure flag) values are stored as they
are; a database with sealed values then refuses to open them rather than show garbage.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "v1."
# Without a key a value is stored as it is, unless it looks sealed ("v1.2 is my flat"):
# then it is stored behind this mark, so it is never taken for a sealed value.
PLAIN = "v0."
_INSECURE_LOOKUP_KEY = b"jourbot: no secret key configured"


class SealError(Exception):
    """A sealed value cannot be opened with the configured keys."""


def new_key() -> str:
    """Return a fresh secret key for JOURBOT_SECRET_KEY (32 random bytes, base64url)."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


def _key_id(key: bytes) -> str:
    return hashlib.sha256(b"jourbot key id" + key).hexdigest()[:8]


class Cipher:
    """Seal, open and look up personal values with the configured keys."""

    def __init__(self, keys: list[bytes] | None) -> None:
        self._keys = {_key_id(k): AESGCM(k) for k in keys or []}
        self._current = _key_id(keys[0]) if keys else None
        self._lookup_keys = [
            hmac.new(k, b"jourbot lookup", hashlib.sha256).digest() for k in keys or []
        ] or [_INSECURE_LOOKUP_KEY]

    @property
    def enabled(self) -> bool:
        """Tell whether values are encrypted."""
        return self._current is not None

    @property
    def current_key_id(self) -> str | None:
        """Return the id of the key new values are sealed under (None without a key)."""
        return self._current

    def seal(self, value: str | None, column: str, key_id: str | None = None) -> str | None:
        """Encrypt *value* for *column* under the current key (or the configured *key_id*)."""
        key_id = key_id or self._current
        if value is None:
            return None
        if key_id is None:
            return PLAIN + value if value.startswith((PREFIX, PLAIN)) else value
        nonce = os.urandom(12)
        sealed = self._keys[key_id].encrypt(nonce, value.encode(), column.encode())
        token = base64.urlsafe_b64encode(nonce + sealed).decode()
        return f"{PREFIX}{key_id}.{token}"

    def open(self, value: str | None, column: str) -> str | None:
        """Decrypt a value sealed for *column*; a plain value (from before) passes through."""
        if value is None:
            return None
        if value.startswith(PLAIN):
            return value[len(PLAIN) :]
        if not value.startswith(PREFIX):
            return value
        key_id, _, token = value[len(PREFIX) :].partition(".")
        aead = self._keys.get(key_id)
        if aead is None:
            raise SealError(f"no configured key opens values sealed with key {key_id}")
        try:
            raw = base64.urlsafe_b64decode(token)
            return aead.decrypt(raw[:12], raw[12:], column.encode()).decode()
        except (InvalidTag, ValueError) as exc:  # binascii.Error is a ValueError
            raise SealError(
                f"a value in {column} was altered or sealed for another column"
            ) from exc

    @staticmethod
    def key_id_of(value: str) -> str | None:
        """Return the id of the key *value* is sealed under; None for a plain value."""
        if not value.startswith(PREFIX):
            return None
        return value[len(PREFIX) :].partition(".")[0]

    def is_current(self, value: str | None) -> bool:
        """Tell whether *value* is sealed under the current key (or needs no sealing)."""
        if value is None:
            return True
        if self._current is None:
            return not value.startswith(PREFIX)
        return value.startswith(f"{PREFIX}{self._current}.")

    def lookup(self, value: str, purpose: str) -> str:
        """Return the keyed hash to find *value* by, under the current key."""
        return self.lookups(value, purpose)[0]

    def lookups(self, value: str, purpose: str) -> list[str]:
        """Return the keyed hashes under every configured key (current first)."""
        message = f"{purpose}:{value}".encode()
        # hmac.digest is the one-shot C path: several times faster than hmac.new(...), and
        # this runs more than once for every message.
        return [hmac.digest(k, message, "sha256").hex()[:40] for k in self._lookup_keys]
