"""InboxUnit: a text kept from its arrival until its turn is handled, once."""

from __future__ import annotations

from bot.domain.model import Channel
from bot.ports import UnitsOfWork
from tests.conftest import FakeClock
from tests.contract.builders import SEEKER_PHONE


async def test_waiting_messages_oldest_first_until_handled(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    t = clock.now()
    async with units.begin() as unit:
        assert await unit.inbox.waiting() == []
        await unit.inbox.add(Channel.SMS, "SM1", SEEKER_PHONE, "hej", t)
        await unit.inbox.add(Channel.WHATSAPP, "SM2", "+46700000002", "hallå", t)
        await unit.inbox.add(Channel.SMS, "SM1", SEEKER_PHONE, "again", t)  # a provider's retry
        await unit.inbox.add(Channel.WHATSAPP, "SM1", "+46700000003", "same id, other channel", t)
    async with units.begin() as unit:
        assert await unit.inbox.waiting() == [
            ("SM1", SEEKER_PHONE, "hej"),
            ("SM2", "+46700000002", "hallå"),
            ("SM1", "+46700000003", "same id, other channel"),
        ]
        await unit.inbox.handled(Channel.SMS, "SM1")
        await unit.inbox.handled(Channel.SMS, "SM2")  # not on this channel: kept
        await unit.inbox.handled(Channel.SMS, "SM9")  # unknown: nothing happens
    async with units.begin() as unit:
        assert await unit.inbox.waiting() == [
            ("SM2", "+46700000002", "hallå"),
            ("SM1", "+46700000003", "same id, other channel"),
        ]


async def test_a_text_is_kept_whatever_it_says(units: UnitsOfWork, clock: FakeClock) -> None:
    """Even one that looks like a sealed value, on a database without a key."""
    async with units.begin() as unit:
        await unit.inbox.add(Channel.SMS, "SM1", SEEKER_PHONE, "v1.2 is my flat", clock.now())
    async with units.begin() as unit:
        assert await unit.inbox.waiting() == [("SM1", SEEKER_PHONE, "v1.2 is my flat")]
