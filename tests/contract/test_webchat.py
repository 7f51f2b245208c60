"""WebChatUnit: a seeker's page reads its messages by number; they go with the seeker."""

from __future__ import annotations

from bot.domain.model import Channel
from bot.ports import UnitsOfWork
from tests.conftest import FakeClock
from tests.contract.builders import add_seeker


async def test_messages_are_read_after_a_number_and_go_with_the_seeker(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    now = clock.now()
    async with units.begin() as unit:
        mine = await add_seeker(unit, now, "chat-a", Channel.WEBCHAT)
        other = await add_seeker(unit, now, "chat-b", Channel.WEBCHAT)
        first = await unit.webchat.add(mine, '{"text": "Hej"}', now)
        await unit.webchat.add(other, '{"text": "Not yours"}', now)
        second = await unit.webchat.add(mine, '{"text": "Välj språk"}', now)
    assert first < second
    async with units.begin() as unit:
        assert await unit.webchat.since(mine, 0, 10) == [
            (first, '{"text": "Hej"}'), (second, '{"text": "Välj språk"}'),
        ]  # fmt: skip
        assert await unit.webchat.since(mine, first, 10) == [(second, '{"text": "Välj språk"}')]
        assert await unit.webchat.since(mine, 0, 1) == [(first, '{"text": "Hej"}')]
        await unit.retention.delete_seeker(mine)
    async with units.begin() as unit:
        assert await unit.webchat.since(mine, 0, 10) == []
        assert len(await unit.webchat.since(other, 0, 10)) == 1
