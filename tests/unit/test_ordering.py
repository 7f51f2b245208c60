"""Texts wait as data, each sender's in order, a few senders at a time, taking turns."""

from __future__ import annotations

import asyncio

import pytest

from bot.channels.ordering import OrderedWork


class Recorder:
    def __init__(self, fail: set[str] | None = None) -> None:
        self.started: list[str] = []
        self.running = 0
        self.most_at_once = 0
        self.fail = fail or set()

    async def handle(self, item: str) -> None:
        self.started.append(item)
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            await asyncio.sleep(0.001)
            if item in self.fail:
                raise RuntimeError(item)
        finally:
            self.running -= 1


async def test_each_key_in_order_and_no_more_than_allowed_at_once() -> None:
    recorder = Recorder()
    work: OrderedWork[str, str] = OrderedWork(recorder.handle, at_once=2)
    items = [(key, f"{key}{n}") for n in range(5) for key in "abcd"]
    for key, item in items:
        work.put(key, item)
    await work.drain()
    assert sorted(recorder.started) == sorted(item for _, item in items)
    for key in "abcd":
        mine = [item for item in recorder.started if item.startswith(key)]
        assert mine == [f"{key}{n}" for n in range(5)]
    assert recorder.most_at_once == 2


async def test_keys_take_turns_so_one_busy_sender_holds_nobody_back() -> None:
    recorder = Recorder()
    work: OrderedWork[str, str] = OrderedWork(recorder.handle, at_once=1)
    for n in range(5):
        work.put("flood", f"flood{n}")
    work.put("other", "other0")
    await work.drain()
    assert recorder.started[:3] == ["flood0", "other0", "flood1"]


async def test_a_failing_item_does_not_stop_the_ones_after_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorder = Recorder(fail={"a0"})
    work: OrderedWork[str, str] = OrderedWork(recorder.handle, at_once=1)
    work.put("a", "a0")
    work.put("a", "a1")
    await work.drain()
    assert recorder.started == ["a0", "a1"]
    assert [r.getMessage() for r in caplog.records] == [
        "ordering.handler_failed error=RuntimeError"
    ]


async def test_drain_waits_for_items_put_while_it_waits() -> None:
    finished: list[str] = []
    b_is_queued = asyncio.Event()

    async def handle(item: str) -> None:
        if item == "a0":
            await b_is_queued.wait()
        await asyncio.sleep(0)
        finished.append(item)

    work: OrderedWork[str, str] = OrderedWork(handle, at_once=2)
    work.put("a", "a0")

    async def later() -> None:
        await asyncio.sleep(0)  # drain is waiting now
        work.put("b", "b0")
        b_is_queued.set()

    await asyncio.gather(work.drain(), later())
    assert sorted(finished) == ["a0", "b0"]
