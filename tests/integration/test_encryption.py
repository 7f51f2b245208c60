"""Personal data is sealed in the database file; rotation and rekey keep it readable."""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path

from bot.app import build
from bot.config import Settings
from bot.domain.cases import StaffRole
from bot.domain.dialogue import Text
from bot.domain.model import Channel
from bot.storage.crypto import new_key
from bot.storage.units import Units
from tests.conftest import FakeClock
from tests.integration.test_staff_access import seeker_intake

CHAT_ID = "987650123"


def raw(path: Path) -> bytes:
    wal = Path(f"{path}-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def keyed(settings: Settings, *keys: str) -> Settings:
    return replace(settings, secret_keys=tuple(base64.urlsafe_b64decode(k + "=") for k in keys))


async def test_personal_data_is_sealed_at_rest(settings: Settings, clock: FakeClock) -> None:
    """Chat ids, phone numbers, notes and relayed messages never reach the file in clear."""
    jourbot = await build(keyed(settings, new_key()), clock=clock, run_scheduler=False)
    try:
        reference = await seeker_intake(jourbot, CHAT_ID)
        async with jourbot.units.begin() as unit:
            staff_id = await unit.staff.add(
                org_id="vasterort", role=StaffRole.COORDINATOR, name="C",
                telegram_id=555000111, locale="en", now=clock.now(),
            )  # fmt: skip
            actor = await unit.staff.by_id(staff_id)
            await unit.staff.set_phone(staff_id, "+46709998877")  # their own, for calls
        await jourbot.intake.handle(Channel.TELEGRAM, CHAT_ID, Text("Grannen Zacharias hotar"))
        await jourbot.staff.relay(actor, reference, "Jag ringer om Zacharias")
        await jourbot.database.checkpoint()
        data = raw(jourbot.settings.db_path)
        for secret in (CHAT_ID, "+46701234567", "Zacharias", "555000111", "+46709998877"):
            assert secret.encode() not in data, secret
        async with jourbot.units.begin() as unit:  # and it reads back, unsealed
            case = await unit.cases.by_reference(reference)
            assert case is not None
            bodies = [m.body for m in await unit.cases.messages(case.id)]
        assert bodies == ["Grannen Zacharias hotar", "Jag ringer om Zacharias"]
        assert await jourbot.staff.identify(555000111) == actor
        async with jourbot.units.begin() as unit:
            assert await unit.staff.phone(staff_id) == "+46709998877"
    finally:
        await jourbot.close()


async def test_rotation_then_rekey(settings: Settings, clock: FakeClock) -> None:
    """New key first, old key after: all still works; rekey moves everything to the new key."""
    old, new = new_key(), new_key()
    first = await build(keyed(settings, old), clock=clock, run_scheduler=False)
    reference = await seeker_intake(first, CHAT_ID)
    await first.close()

    rotated = await build(keyed(settings, new, old), clock=clock, run_scheduler=False)
    try:
        answer = await rotated.intake.handle(Channel.TELEGRAM, CHAT_ID, Text("hallå"))
        assert answer.replies[0].text.startswith("Passed on")  # found: not a new intake
        async with Units(rotated.database).begin() as unit:  # no key: no lookup matches
            assert await unit.intake.find_seeker(Channel.TELEGRAM, CHAT_ID) is None
        # The address, the phone number and the note were still sealed under the old key.
        assert await rotated.units.rekey() == 3
    finally:
        await rotated.close()

    only_new = await build(keyed(settings, new), clock=clock, run_scheduler=False)
    try:
        async with only_new.units.begin() as unit:
            seeker = await unit.intake.find_seeker(Channel.TELEGRAM, CHAT_ID)
            assert seeker is not None
            case = await unit.cases.by_reference(reference)
            assert case is not None
            assert case.phone == "+46701234567"
    finally:
        await only_new.close()
