"""Pages waiting for news: woken at once, bounded in number, and forgotten when they leave."""

from __future__ import annotations

import asyncio

from bot.channels.webchat import Waiters


async def woken_within(waiters: Waiters, address: str, seconds: float) -> bool | None:
    """Watch *address* as a page's read does; whether news came in time (None: refused)."""
    with waiters.watching(address) as kept:
        if kept is None:
            return None
        try:
            async with asyncio.timeout(seconds):
                await kept.wait()
        except TimeoutError:
            return False
    return True


async def test_a_waiting_page_is_woken_and_a_page_that_gave_up_is_forgotten() -> None:
    waiters = Waiters()
    woken = asyncio.create_task(woken_within(waiters, "chat-a", 5))
    await asyncio.sleep(0)
    assert waiters.watched == 1
    waiters.notify("chat-a")
    assert await asyncio.wait_for(woken, 1) is True  # at once, not after 5 s
    assert await woken_within(waiters, "chat-b", 0.01) is False  # nothing came: it gave up
    assert waiters.watched == 0  # neither chat is remembered


async def test_too_many_waiting_pages_are_told_to_ask_later() -> None:
    waiters = Waiters(at_most=2)
    first = asyncio.create_task(woken_within(waiters, "a", 5))
    second = asyncio.create_task(woken_within(waiters, "b", 5))
    await asyncio.sleep(0)
    assert await woken_within(waiters, "c", 5) is None  # refused: the page asks later
    waiters.notify("a")
    waiters.notify("b")
    assert await asyncio.gather(first, second) == [True, True]


async def test_what_is_kept_while_a_page_still_reads_is_not_missed() -> None:
    """A page watches before it reads: a message kept between its read and its wait wakes it
    at once, not after the whole wait."""
    waiters = Waiters()
    with waiters.watching("chat-a") as kept:
        assert kept is not None
        waiters.notify("chat-a")  # kept while the page was still reading the database
        async with asyncio.timeout(1):
            await kept.wait()
    assert waiters.watched == 0
