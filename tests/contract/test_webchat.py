"""WebChatUnit: a seeker's page reads its messages by number with a pass; a code to come back
with belongs to an open case; all of it goes with the seeker."""

from __future__ import annotations

from bot.domain.model import Channel
from bot.ports import ChatPass, UnitsOfWork
from tests.conftest import FakeClock
from tests.contract.builders import add_case, add_seeker


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


async def test_a_pass_speaks_for_its_seeker_until_it_is_closed(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    now = clock.now()
    async with units.begin() as unit:
        mine = await add_seeker(unit, now, "chat-address", Channel.WEBCHAT)
        await unit.webchat.open_pass(mine, "pass-1", now)
        first = await unit.webchat.add(mine, '{"text": "Hej"}', now)
        second = await unit.webchat.add(mine, '{"text": "Välj"}', now)
    async with units.begin() as unit:
        assert await unit.webchat.holder("pass-1") == ChatPass(mine, "chat-address", 0)
        assert await unit.webchat.holder("no-such-pass") is None
        await unit.webchat.saw("pass-1", first)
        await unit.webchat.saw("pass-1", 0)  # never backwards
        assert await unit.webchat.holder("pass-1") == ChatPass(mine, "chat-address", first)
        # Closing drops what the page showed; what it has not shown waits for the seeker.
        assert await unit.webchat.close_pass("pass-1", 0) == mine
        assert await unit.webchat.close_pass("pass-1", 0) is None
        assert await unit.webchat.holder("pass-1") is None
        assert await unit.webchat.since(mine, 0, 10) == [(second, '{"text": "Välj"}')]


async def test_coming_back_ends_every_other_pass_of_the_seeker(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    now = clock.now()
    async with units.begin() as unit:
        mine = await add_seeker(unit, now, "chat-a", Channel.WEBCHAT)
        other = await add_seeker(unit, now, "chat-b", Channel.WEBCHAT)
        for name, seeker in (("a1", mine), ("a2", mine), ("b1", other)):
            await unit.webchat.open_pass(seeker, name, now)
        shown = await unit.webchat.add(mine, '{"text": "1"}', now)
        waiting = await unit.webchat.add(mine, '{"text": "2"}', now)
        await unit.webchat.saw("a2", shown)
        await unit.webchat.close_passes(mine)
    async with units.begin() as unit:
        assert await unit.webchat.holder("a1") is None and await unit.webchat.holder("a2") is None
        assert await unit.webchat.holder("b1") is not None  # someone else's stays
        assert await unit.webchat.since(mine, 0, 10) == [(waiting, '{"text": "2"}')]


async def test_a_return_code_belongs_to_an_open_case_and_goes_with_the_seeker(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    now = clock.now()
    async with units.begin() as unit:
        mine = await add_seeker(unit, now, "chat-a", Channel.WEBCHAT)
        assert await unit.webchat.without_return(mine) is None  # no case yet: no code
        _, reference = await add_case(
            unit, "vasterort", now, seeker_id=mine, channel=Channel.WEBCHAT
        )
        assert await unit.webchat.without_return(mine) == reference
        assert await unit.webchat.return_to(reference) is None
        await unit.webchat.set_return(mine, "scrypt$first", now)
        assert await unit.webchat.without_return(mine) is None
        await unit.webchat.set_return(mine, "scrypt$second", now)  # a new code replaces it
        assert await unit.webchat.return_to(reference) == (mine, "scrypt$second")
        assert await unit.webchat.return_to("ZZZ-ZZZ") is None
        await unit.webchat.drop_return(mine)
        assert await unit.webchat.return_to(reference) is None
        await unit.webchat.set_return(mine, "scrypt$third", now)
        await unit.webchat.open_pass(mine, "pass", now)
        await unit.retention.delete_seeker(mine)
    async with units.begin() as unit:
        assert await unit.webchat.return_to(reference) is None
        assert await unit.webchat.holder("pass") is None
