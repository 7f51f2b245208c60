"""A message and the change that causes it are one: when the message cannot be queued, the
change does not happen either, and once it can, both happen and the message goes once.

Queueing is made to fail with a trigger on the outbox for one recipient, as a full disk or
a crash at that moment would: for a new case, an assignment, a reminder, a transfer and the
relay both ways.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiosqlite
import pytest

from bot.config import Settings
from bot.domain.model import Channel
from bot.storage.crypto import Cipher
from bot.storage.outbox_store import ADDRESS
from tests.conftest import FakeClock
from tests.intake_script import NOTE, WHOLE_INTAKE
from tests.integration.test_staff_flow import (
    COORDINATOR,
    SEEKER_CHAT,
    VOLUNTEER,
    World,
    answer_seeker,
    join_staff,
    running,
    staff_and_a_case,
)
from tests.telegram_fakes import Person


@asynccontextmanager
async def refusing(w: World, chat: int) -> AsyncIterator[None]:
    """Make every message queued for *chat* fail, as a crash at that moment would."""
    address_hash = Cipher(None).lookup(f"{Channel.TELEGRAM}:{chat}", ADDRESS)
    async with aiosqlite.connect(w.jourbot.settings.db_path) as db:
        await db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON outbox WHEN NEW.address_hash = "
            f"'{address_hash}' BEGIN SELECT RAISE(ABORT, 'queue refused'); END"
        )
        await db.commit()
    try:
        yield
    finally:
        async with aiosqlite.connect(w.jourbot.settings.db_path) as db:
            await db.execute("DROP TRIGGER refuse")
            await db.commit()


async def count(w: World, sql: str) -> int:
    ((n,),) = await w.rows(sql)
    return int(n)


def received(w: World, chat: int, start: str) -> int:
    return sum(str(m["text"]).startswith(start) for m in w.api.sent(chat))


async def post(w: World, update: dict[str, object]) -> int:
    """Deliver an update as Telegram does; return the status it got."""
    response = await w.client.post(
        "/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "webhook-secret_123"}
    )
    assert w.jourbot.telegram is not None
    await w.jourbot.telegram.update_queue.join()
    await w.jourbot.outbox.drain()
    return response.status_code


async def test_no_case_without_its_notice(settings: Settings, clock: FakeClock) -> None:
    """The last answer of an intake makes the case and the coordinators' notice together."""
    coordinator, volunteer = Person(COORDINATOR, "en"), Person(VOLUNTEER, "en")
    seeker = Person(SEEKER_CHAT, "sv")
    async with running(settings, clock) as w:
        await join_staff(w, coordinator, volunteer)
        await w.telegram(seeker.message("/start"))
        await answer_seeker(w, seeker, WHOLE_INTAKE[:-1])
        final = seeker.message(NOTE)  # the last answer: the case is made now
        async with refusing(w, COORDINATOR):
            await post(w, final)
            assert await count(w, "SELECT COUNT(*) FROM cases") == 0
        await post(w, final)  # Telegram sends the update again
        assert await count(w, "SELECT COUNT(*) FROM cases") == 1
        assert received(w, COORDINATOR, "New case") == 1


async def test_no_assignment_relay_or_transfer_without_its_messages(
    settings: Settings, clock: FakeClock
) -> None:
    async with running(settings, clock) as w:
        coordinator, volunteer, seeker, volunteer_id = await staff_and_a_case(w)
        ((reference,),) = await w.rows("SELECT reference FROM cases")

        assign = f"s:to:{reference}:{volunteer_id}"
        async with refusing(w, VOLUNTEER):
            await post(w, coordinator.press(assign))
            assert await w.rows("SELECT volunteer_id FROM cases") == [(None,)]
        await post(w, coordinator.press(assign))
        assert await w.rows("SELECT volunteer_id FROM cases") == [(volunteer_id,)]
        assert received(w, VOLUNTEER, f"You have a new case: {reference}") == 1

        # The seeker writes: kept with the case and passed to the volunteer, or neither.
        async with refusing(w, VOLUNTEER):
            await post(w, seeker.message("Hej, är ni där?"))
            assert await count(w, "SELECT COUNT(*) FROM case_messages") == 0
        await post(w, seeker.message("Hej, är ni där?"))
        assert await count(w, "SELECT COUNT(*) FROM case_messages") == 1
        assert received(w, VOLUNTEER, f"The seeker in {reference} sent a message.") == 1

        # The volunteer writes: kept and queued for the seeker, or neither.
        async with refusing(w, SEEKER_CHAT):
            await post(w, volunteer.message(f"/reply {reference} Ja, jag ringer i kväll"))
            assert await count(w, "SELECT COUNT(*) FROM case_messages") == 1
        await post(w, volunteer.message(f"/reply {reference} Ja, jag ringer i kväll"))
        assert received(w, SEEKER_CHAT, "Meddelande från din stödperson") == 1
        assert received(w, VOLUNTEER, f"Sent to the seeker of {reference}") == 1

        # A transfer tells the volunteer it left them, or does not happen.
        move = f"s:move:{reference}:soderort:area"
        async with refusing(w, VOLUNTEER):
            await post(w, coordinator.press(move))
            assert await w.rows("SELECT org_id FROM cases") == [("vasterort",)]
        await post(w, coordinator.press(move))
        assert await w.rows("SELECT org_id FROM cases") == [("soderort",)]
        assert received(w, VOLUNTEER, f"{reference} has moved to") == 1


async def test_no_reminder_on_record_without_its_message(
    settings: Settings, clock: FakeClock
) -> None:
    async with running(settings, clock) as w:
        await staff_and_a_case(w)
        clock.advance(hours=19)  # unassigned past 12 hours, at 08:00 in Stockholm
        async with refusing(w, COORDINATOR):
            with pytest.raises(sqlite3.IntegrityError, match="queue refused"):
                await w.jourbot.reminders.sweep()  # the scheduler logs it and sweeps again
            assert await count(w, "SELECT COUNT(*) FROM reminders") == 0
        assert len(await w.jourbot.reminders.sweep()) == 1
        await w.jourbot.reminders.sweep()
        await w.jourbot.outbox.drain()
        assert received(w, COORDINATOR, "Case ") == 1
