"""The outbox worker: deliver every queued message, in order per person, within the limits.

Messages are written to the outbox in the same transaction as the change that caused them,
so a crash loses none. The worker marks a message 'sending', sends it, and marks it 'sent';
a message found 'sending' after a crash is sent again. That is the one case of a duplicate:
we choose it over a message lost on its way to a person waiting for help.

Failures are retried with exponential backoff and jitter, or after the provider's own
`retry_after`; a permanent failure (a blocked bot, an opted-out number) is recorded and not
retried. Telegram allows about 30 messages a second in all and one a second per chat; SMS
from one number about one a second: a pacer keeps to both.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from bot.domain.dialogue import Reply
from bot.domain.model import Channel
from bot.ports import Clock, Recipient, Sender, SendError, UnitsOfWork, Unsender

log = logging.getLogger(__name__)

BATCH = 50
BASE_DELAY = 2.0  # seconds before the first retry
MAX_DELAY = 600.0
PARALLEL = 8


class Pacer:
    """Keep sends under a rate overall and a minimum interval per recipient (real time)."""

    def __init__(
        self,
        per_second: float,
        per_recipient_interval: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._interval = 1.0 / per_second if per_second > 0 else 0.0
        self._per_recipient = per_recipient_interval
        self._next_slot = 0.0
        self._last: dict[str, float] = {}
        self._lock = asyncio.Lock()
        self._monotonic = monotonic
        self._sleep = sleep

    async def wait(self, recipient: str) -> None:
        """Wait until a message to *recipient* may go."""
        async with self._lock:
            now = self._monotonic()
            last = self._last.get(recipient, -math.inf)
            at = max(now, self._next_slot, last + self._per_recipient)
            self._next_slot = at + self._interval
            self._last[recipient] = at
            if len(self._last) > 10_000:  # forget recipients long done
                cutoff = now - max(self._per_recipient, 1.0)
                self._last = {k: v for k, v in self._last.items() if v > cutoff}
        if at > now:
            await self._sleep(at - now)


class Outbox:
    def __init__(
        self,
        units: UnitsOfWork,
        clock: Clock,
        senders: Mapping[Channel, Sender],
        pacers: Mapping[Channel, Pacer],
        rng: random.Random | None = None,
    ) -> None:
        self._units = units
        self._clock = clock
        self._senders = senders
        self._pacers = pacers
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        self._wake = asyncio.Event()
        # One delivery pass at a time: a row being sent must not be picked up twice.
        self._pass = asyncio.Lock()
        self.delivered = 0
        self.retried = 0
        self.failed = 0

    async def unsend(self, channel: Channel, address: str, provider_ids: list[str]) -> None:
        """Delete sent messages from a person's chat where the channel allows it."""
        sender = self._senders.get(channel)
        if provider_ids and isinstance(sender, Unsender):
            await sender.unsend(address, provider_ids)

    def can_send(self, channel: Channel) -> bool:
        """Tell whether messages on *channel* can be delivered at all."""
        return channel in self._senders

    async def enqueue(
        self, to: Recipient, replies: Sequence[Reply], edit_of: int | None = None
    ) -> bool:
        """Queue *replies* in their own transaction (for messages no state change carries)."""
        if not replies or not self.can_send(to.channel):
            return False
        async with self._units.begin() as unit:
            await queue(unit, to, replies, self._clock.now(), edit_of=edit_of)
        self.wake()
        return True

    def wake(self) -> None:
        """Tell the worker something was queued."""
        self._wake.set()

    async def deliver_due(self) -> int:
        """Send what is due now, at most one message per person at a time; count them."""
        async with self._pass:
            async with self._units.begin() as unit:
                due = await unit.outbox.due(self._clock.now(), BATCH)
            if not due:
                return 0
            gate = asyncio.Semaphore(PARALLEL)

            async def one(item: Any) -> None:
                async with gate:
                    await self._deliver(item)

            await asyncio.gather(*(one(item) for item in due))
            return len(due)

    async def _deliver(self, item: Any) -> None:
        if not await self._units.run(lambda unit: unit.outbox.sending(item.id)):
            return
        sender = self._senders.get(item.channel)
        try:
            if sender is None:
                raise SendError("no sender for this channel", permanent=True)
            pacer = self._pacers.get(item.channel)
            if pacer is not None:
                await pacer.wait(item.address)
            provider_id = await sender.send(
                item.channel, item.address, item.locale, item.replies, item.edit_of
            )
        except SendError as error:
            await self._failed(item, error)
            return
        now = self._clock.now()
        await self._units.run(lambda unit: unit.outbox.sent(item.id, provider_id, now))
        self.delivered += 1

    async def _failed(self, item: Any, error: SendError) -> None:
        now = self._clock.now()
        async with self._units.begin() as unit:
            if error.permanent:
                await unit.outbox.failed(item.id, error.reason, now)
                self.failed += 1
                log.warning("outbox.failed channel=%s reason=%s", item.channel, error.reason)
                return
            delay = error.retry_after
            if delay is None:
                backoff = min(MAX_DELAY, BASE_DELAY * 2 ** max(0, item.attempts))
                delay = backoff * self._rng.uniform(0.5, 1.5)
            await unit.outbox.retry(item.id, now + timedelta(seconds=delay), error.reason)
        self.retried += 1
        log.info("outbox.retry channel=%s in_seconds=%.1f", item.channel, delay)

    async def drain(self) -> None:
        """Deliver everything due now (tests, and shutdown)."""
        while await self.deliver_due():
            pass

    async def run(self) -> None:
        """Deliver forever: at once when woken, else when the next message is due."""
        while True:
            try:
                await self.drain()
                async with self._units.begin() as unit:
                    next_due = await unit.outbox.next_due()
            # Swallowed on purpose: the worker must outlive one bad batch; logged by type.
            except Exception as error:
                log.error("outbox.worker_failed error=%s", type(error).__name__)
                next_due = None
            wait = 5.0
            if next_due is not None:
                wait = min(wait, max(0.05, (next_due - self._clock.now()).total_seconds()))
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)


async def queue(
    unit: Any,
    to: Recipient,
    replies: Sequence[Reply],
    now: Any,
    *,
    seeker_id: int | None = None,
    edit_of: int | None = None,
) -> None:
    """Write *replies* for *to* into the outbox inside the caller's transaction.

    On Telegram each reply is its own message (buttons belong to one); by SMS a turn's
    replies go as one text, since every message costs.
    """
    await unit.outbox.add(
        channel=to.channel, address=to.address, locale=to.locale, replies=list(replies),
        now=now, seeker_id=seeker_id, edit_of=edit_of, split=to.channel is Channel.TELEGRAM,
    )  # fmt: skip
