"""Keys and stored data: a wrong key is refused, rotation loses nothing, plain data is sealed."""

from __future__ import annotations

import base64
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from bot.app import build
from bot.config import Settings, TelegramSettings
from bot.domain.dialogue import Text
from bot.domain.model import Channel
from bot.storage.crypto import new_key
from bot.storage.keyring import KeyringError
from tests.conftest import FakeClock
from tests.integration.test_encryption import raw
from tests.integration.test_staff_access import seeker_intake
from tests.telegram_fakes import OfflineBotAPI

CHAT_ID = "987650123"
PHONE = "+46701234567"


def keyed(settings: Settings, *keys: str) -> Settings:
    return replace(settings, secret_keys=tuple(base64.urlsafe_b64decode(k + "=") for k in keys))


def with_telegram(settings: Settings) -> Settings:
    return replace(settings, telegram=TelegramSettings("123456:TEST", None, None, None))


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as db:
        return [tuple(r) for r in db.execute(sql).fetchall()]


async def test_a_wrong_key_is_refused_before_anything_is_served(
    settings: Settings, clock: FakeClock
) -> None:
    """A returning seeker would be greeted as a stranger: refuse, naming the key expected."""
    first = await build(keyed(settings, new_key()), clock=clock, run_scheduler=False)
    await seeker_intake(first, CHAT_ID)
    await first.close()
    with pytest.raises(KeyringError, match="no configured key opens the stored data"):
        await build(keyed(settings, new_key()), clock=clock, run_scheduler=False)
    with pytest.raises(KeyringError, match="holds encrypted personal data"):
        await build(settings, clock=clock, run_scheduler=False)
    assert rows(settings.db_path, "SELECT COUNT(*) FROM seekers") == [(1,)]  # nothing added


async def test_a_database_from_before_the_check_is_checked_by_its_data(
    settings: Settings, clock: FakeClock
) -> None:
    """No check value yet: a sealed value decides, and the check is written under its key."""
    old, new = new_key(), new_key()
    first = await build(keyed(settings, old), clock=clock, run_scheduler=False)
    await seeker_intake(first, CHAT_ID)
    await first.close()
    with sqlite3.connect(settings.db_path) as db:
        db.execute("DELETE FROM keyring")
    with pytest.raises(KeyringError):
        await build(keyed(settings, new), clock=clock, run_scheduler=False)
    rotated = await build(keyed(settings, new, old), clock=clock, run_scheduler=False)
    await rotated.close()
    # The check went under the old key, which the data is under: new alone is still refused.
    with pytest.raises(KeyringError):
        await build(keyed(settings, new), clock=clock, run_scheduler=False)


async def test_rotation_reseals_what_waits_to_be_sent_and_handled(
    settings: Settings, clock: FakeClock
) -> None:
    """Replies queued and texts kept under the old key go out after rekey with the new alone."""
    old, new = new_key(), new_key()
    api = OfflineBotAPI()
    first = await build(
        with_telegram(keyed(settings, old)), clock=clock, telegram_request=api, run_scheduler=False
    )
    answer = await first.intake.handle(Channel.TELEGRAM, CHAT_ID, Text("/start"))
    assert answer.replies == []  # queued: the service never ran its worker
    await first.intake.keep_text(Channel.SMS, "SM1", PHONE, "Hej")  # kept, then a crash
    await first.close()

    rotated = await build(keyed(settings, new, old), clock=clock, run_scheduler=False)
    await rotated.units.rekey()
    await rotated.close()
    data = raw(settings.db_path)
    assert b"Hej" not in data and CHAT_ID.encode() not in data

    only_new = await build(
        with_telegram(keyed(settings, new)), clock=clock, telegram_request=api, run_scheduler=False
    )
    try:
        assert await only_new.intake.waiting_texts() == [("SM1", PHONE, "Hej")]
        async with only_new.web.router.lifespan_context(only_new.web):
            await only_new.outbox.drain()
        assert [m["text"] for m in api.sent(int(CHAT_ID))] == ["Vilket språk vill du skriva på?"]
        assert only_new.outbox.failing is False
    finally:
        await only_new.close()


async def test_the_move_from_no_key_to_a_key_is_one_safe_step(
    settings: Settings, clock: FakeClock
) -> None:
    """Plain data is sealed when a key first appears: the seeker is known, nothing is in clear."""
    plain = await build(replace(settings, insecure=True), clock=clock, run_scheduler=False)
    reference = await seeker_intake(plain, CHAT_ID)
    await plain.intake.keep_text(Channel.SMS, "SM1", PHONE, "Zacharias skrev")
    await plain.close()
    assert PHONE.encode() in raw(settings.db_path)

    key = new_key()
    sealed = await build(keyed(settings, key), clock=clock, run_scheduler=False)
    try:
        answer = await sealed.intake.handle(Channel.TELEGRAM, CHAT_ID, Text("hallå"))
        assert answer.replies[0].text.startswith("Passed on")  # recognised: their case
        async with sealed.units.begin() as unit:
            case = await unit.cases.by_reference(reference)
            assert case is not None and case.phone == PHONE
        assert await sealed.units.rekey() == 0  # nothing left to seal, and no clash
    finally:
        await sealed.close()
    data = raw(settings.db_path)
    for secret in (CHAT_ID, PHONE, "Zacharias"):
        assert secret.encode() not in data, secret
    assert rows(settings.db_path, "SELECT COUNT(*) FROM seekers") == [(1,)]


async def test_a_seeker_split_in_two_by_the_old_way_is_joined_again(
    settings: Settings, clock: FakeClock
) -> None:
    """Rows made before the move was one step (one plain, one sealed) become one, with the case."""
    plain = await build(replace(settings, insecure=True), clock=clock, run_scheduler=False)
    reference = await seeker_intake(plain, CHAT_ID)
    await plain.close()
    key = new_key()
    # What the old code did: served with a key before rekey, so the seeker was a stranger.
    with sqlite3.connect(settings.db_path) as db:
        db.execute("UPDATE keyring SET check_value = 'plain'")
    from bot.storage.crypto import Cipher
    from bot.storage.seekers import SEEKER_ADDRESS

    cipher = Cipher([base64.urlsafe_b64decode(key + "=")])
    with sqlite3.connect(settings.db_path) as db:
        db.execute(
            "INSERT INTO seekers (channel, address, address_hash, created_at) VALUES "
            "('telegram', ?, ?, '2026-11-25T10:00:00+00:00')",
            (cipher.seal(CHAT_ID, SEEKER_ADDRESS), cipher.lookup(CHAT_ID, SEEKER_ADDRESS)),
        )
    sealed = await build(keyed(settings, key), clock=clock, run_scheduler=False)
    try:
        answer = await sealed.intake.handle(Channel.TELEGRAM, CHAT_ID, Text("hallå"))
        assert answer.replies[0].text.startswith("Passed on")
        async with sealed.units.begin() as unit:
            case = await unit.cases.by_reference(reference)
            assert case is not None and case.status.open
    finally:
        await sealed.close()
    assert rows(settings.db_path, "SELECT COUNT(*) FROM seekers") == [(1,)]
