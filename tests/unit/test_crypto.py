"""Sealing personal values: authenticated, bound to their column, rotatable."""

from __future__ import annotations

import base64
import os

import pytest

from bot.config import ConfigError, load_settings, require_encryption
from bot.storage.crypto import Cipher, SealError, new_key


def key() -> bytes:
    return base64.urlsafe_b64decode(new_key() + "=")


def test_seal_and_open() -> None:
    """A sealed value opens to itself, names no plaintext, and differs each time."""
    cipher = Cipher([key()])
    first = cipher.seal("+46701234567", "case_contacts.phone")
    second = cipher.seal("+46701234567", "case_contacts.phone")
    assert first != second
    assert first is not None
    assert "4670" not in first
    assert cipher.open(first, "case_contacts.phone") == "+46701234567"
    assert cipher.seal(None, "x") is None


def test_a_value_moved_to_another_column_does_not_open() -> None:
    """The column is associated data: a sealed phone number is not a sealed note."""
    cipher = Cipher([key()])
    sealed = cipher.seal("+46701234567", "case_contacts.phone")
    with pytest.raises(SealError):
        cipher.open(sealed, "case_contacts.notes")


def test_tampering_is_detected() -> None:
    """Changing one character of a sealed value makes it refuse to open."""
    cipher = Cipher([key()])
    sealed = cipher.seal("secret", "c")
    assert sealed is not None
    tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(SealError):
        cipher.open(tampered, "c")


def test_rotation_opens_old_values_and_finds_old_hashes() -> None:
    """With new,old keys, old values open and old lookups match; new ones use the new key."""
    old, new = key(), key()
    before = Cipher([old])
    sealed = before.seal("4242", "seekers.address")
    rotated = Cipher([new, old])
    assert rotated.open(sealed, "seekers.address") == "4242"
    assert not rotated.is_current(sealed)
    assert before.lookup("4242", "seekers.address") in rotated.lookups("4242", "seekers.address")
    assert rotated.lookup("4242", "seekers.address") != before.lookup("4242", "seekers.address")
    with pytest.raises(SealError):
        Cipher([new]).open(sealed, "seekers.address")


def test_without_a_key_values_stay_as_they_are() -> None:
    """The console demo stores plain values; a sealed one never opens as garbage."""
    plain = Cipher(None)
    assert not plain.enabled
    assert plain.seal("x", "c") == "x"
    assert plain.open("x", "c") == "x"
    with pytest.raises(SealError):
        plain.open(Cipher([key()]).seal("x", "c"), "c")


def test_lookups_depend_on_the_key_and_the_purpose() -> None:
    """A keyed hash reveals nothing without the key and differs between purposes."""
    cipher = Cipher([key()])
    assert cipher.lookup("4242", "a") != cipher.lookup("4242", "b")
    assert cipher.lookup("4242", "a") != Cipher([key()]).lookup("4242", "a")


def test_lookups_stay_the_same_across_versions() -> None:
    """Stored rows are found by these hashes: the recipe must never change silently."""
    secret = bytes(range(32))
    assert Cipher([secret]).lookup("+46701234567", "seekers.address") == (
        "0c0b991166684d320dd327220dcd2e7bc52d465d"
    )


def test_keys_from_the_environment() -> None:
    """JOURBOT_SECRET_KEY takes current,old keys; a bad one stops start-up."""
    a, b = new_key(), new_key()
    assert len(load_settings({"JOURBOT_SECRET_KEY": f"{a}, {b}"}).secret_keys) == 2
    with pytest.raises(ConfigError, match="JOURBOT_SECRET_KEY"):
        load_settings({"JOURBOT_SECRET_KEY": "too-short"})


def test_channels_need_a_key_or_an_explicit_insecure_flag() -> None:
    """Telegram or SMS without encryption at rest only when someone says so on purpose."""
    bot = {"TELEGRAM_BOT_TOKEN": "1:a"}
    with pytest.raises(ConfigError, match="JOURBOT_SECRET_KEY"):
        require_encryption(load_settings(bot))
    require_encryption(load_settings({**bot, "JOURBOT_SECRET_KEY": new_key()}))
    require_encryption(load_settings({**bot, "JOURBOT_INSECURE_NO_ENCRYPTION": "1"}))
    require_encryption(load_settings({}))  # the console demo


def test_without_a_key_a_value_that_looks_sealed_stays_itself() -> None:
    """'v1.2 is my flat' is a seeker's words, not a sealed value, and reads back as written."""
    plain = Cipher(None)
    for text in ("v1.2 is my flat", "v0.", "v1.", "hej"):
        stored = plain.seal(text, "c")
        assert plain.open(stored, "c") == text
        # A key added later opens it too (before `jourbot rekey` seals it).
        assert Cipher([os.urandom(32)]).open(stored, "c") == text
