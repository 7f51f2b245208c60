"""Keep each sender's messages in order while different senders run concurrently."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class KeyedLocks:
    """One lock per key, dropped when nobody holds or waits for it.

    Tasks that ask in order get the lock in order: asyncio locks wake waiters first in,
    first out.
    """

    def __init__(self) -> None:
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self._users: Counter[Hashable] = Counter()

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        """Hold the lock of *key* for the duration of the block."""
        lock = self._locks.get(key)
        if lock is None:  # not setdefault: that would make a lock on every call
            lock = self._locks[key] = asyncio.Lock()
        self._users[key] += 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]

    def __len__(self) -> int:
        return len(self._locks)


class OrderedWork(Generic[K, T]):
    """Handle items one key at a time, in arrival order, with different keys side by side.

    A waiting item is plain data in its key's queue, not a task of its own: a burst of
    thousands of texts costs little memory and leaves the garbage collector little to walk.
    Keys take turns, so one busy sender cannot hold everyone else back.
    """

    def __init__(self, handle: Callable[[T], Awaitable[None]], at_once: int) -> None:
        self._handle = handle
        self._at_once = at_once
        self._waiting: dict[K, deque[T]] = {}
        self._ready: deque[K] = deque()  # keys with waiting items and none being handled
        self._workers: set[asyncio.Task[None]] = set()

    def put(self, key: K, item: T) -> None:
        """Queue *item* after every earlier item of *key*."""
        queue = self._waiting.get(key)
        if queue is None:
            queue = self._waiting[key] = deque()
            self._ready.append(key)
        queue.append(item)
        if len(self._workers) < self._at_once and self._ready:
            worker = asyncio.create_task(self._work())
            self._workers.add(worker)
            worker.add_done_callback(self._workers.discard)

    async def drain(self) -> None:
        """Wait until every queued item is handled."""
        while self._workers:
            await asyncio.gather(*self._workers, return_exceptions=True)

    async def _work(self) -> None:
        while self._ready:
            key = self._ready.popleft()
            queue = self._waiting[key]
            try:
                await self._handle(queue[0])
            except Exception as error:  # one item's failure must not stop the ones after it
                log.error("ordering.handler_failed error=%s", type(error).__name__)
            finally:
                queue.popleft()
                if queue:
                    self._ready.append(key)
                else:
                    del self._waiting[key]
