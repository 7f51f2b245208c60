"""The outbox worker: deliver every queued message, in order per person, within the limits.

Messages are written to the outbox in the same transaction as the change that caused them,
so a crash loses none. The worker claims a message ('sending'), sends it, and marks it
'sent'; a message a crash left 'sending' is put back at start-up and sent again. That is the
one case of a duplicate: we choose it over a message lost on its way to a person waiting
for help. A claimed message is never handed out a second time while the process runs.

Sending is a pipeline of PARALLEL slots: a slow send, or one waiting for its chat's pace,
holds one slot, and the others go on. The shortest queues go first (see the store), so one
flooded chat never holds back someone else's first reply.

Failures are retried with exponential backoff and jitter, or after the provider's own
`retry_after`; a permanent failure (a blocked bot, an opted-out number) is recorded and not
retried. An error nobody expected gets a few retries, then is recorded as permanent. Telegram
allows about 30 messages a second in all and one a second per chat; SMS from one number about
one a second: a pacer keeps to both.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.config import Retries
from bot.domain.dialogue import Reply
from bot.domain.model import Channel
from bot.ports import (
    Clock,
    FollowUp,
    OutboundText,
    Queued,
    Recipient,
    Sender,
    SendError,
    Unit,
    UnitsOfWork,
    Unsender,
)

log = logging.getLogger(__name__)

PARALLEL = 8  # messages on their way at once
UNEXPECTED_ATTEMPTS = 5  # tries before an error nobody expected counts as permanent
IDLE_WAIT = 5.0  # seconds between looks at the table when nothing woke the worker
GATHER_WAKES = 0.005  # seconds a woken worker waits for more to be queued


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
        # Each recipient's last send, kept only while it still holds the next one back; the
        # queue lets the old ones go in order, so asking costs what is recent, not all ever.
        self._last: dict[str, float] = {}
        self._recent: deque[tuple[float, str]] = deque()
        self._lock = asyncio.Lock()
        self._monotonic = monotonic
        self._sleep = sleep

    def resting(self) -> dict[str, float]:
        """Return the recipients that must not get a message yet, with seconds to wait."""
        now = self._monotonic()
        while self._recent and self._recent[0][0] + self._per_recipient <= now:
            at, recipient = self._recent.popleft()
            if self._last.get(recipient) == at:
                del self._last[recipient]
        return {
            key: last + self._per_recipient - now
            for key, last in self._last.items()
            if last + self._per_recipient > now
        }

    async def wait(self, recipient: str) -> None:
        """Wait until a message to *recipient* may go."""
        async with self._lock:
            now = self._monotonic()
            last = self._last.get(recipient, -math.inf)
            at = max(now, self._next_slot, last + self._per_recipient)
            self._next_slot = at + self._interval
            if self._per_recipient > 0:
                self._last[recipient] = at
                self._recent.append((at, recipient))
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
        retries: Retries | None = None,
    ) -> None:
        self._units = units
        self._clock = clock
        self._senders = dict(senders)
        self._pacers = pacers
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        self._retries = retries or Retries()
        self._wake = asyncio.Event()
        self._sending: set[asyncio.Task[None]] = set()
        # One claim at a time, so a free slot is never filled twice.
        self._claiming = asyncio.Lock()
        self.delivered = 0
        self.retried = 0
        self.failed = 0
        self.failing = False  # the last look at the table failed: /healthz says so

    async def unsend(self, channel: Channel, address: str, provider_ids: list[str]) -> None:
        """Delete sent messages from a person's chat where the channel allows it."""
        sender = self._senders.get(channel)
        if provider_ids and isinstance(sender, Unsender):
            await sender.unsend(address, provider_ids)

    def add_sender(self, channel: Channel, sender: Sender) -> None:
        """Send on *channel* too: for a sender that needs the storage the outbox sits on."""
        self._senders[channel] = sender

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

    async def recover(self) -> None:
        """Put back in the queue what a crash left on its way (at start-up, before sending)."""
        count = await self._units.run(lambda unit: unit.outbox.recover())
        if count:
            log.info("outbox.recovered count=%d", count)

    async def deliver_due(self) -> int:
        """Send what is due now into the free slots and wait for those sends; count them."""
        started = await self._start_due()
        await asyncio.gather(*started)
        return len(started)

    async def drain(self) -> None:
        """Deliver everything due now, and wait for what is on its way (tests, shutdown)."""
        while True:
            started = await self._start_due()
            if started or self._sending:
                await asyncio.wait({*started, *self._sending}, return_when=asyncio.FIRST_COMPLETED)
                continue
            rest = self._rest()
            if rest is None:
                return
            await asyncio.sleep(rest)  # due messages to chats that must wait a moment

    async def run(self) -> None:
        """Deliver forever: at once when woken or a slot frees, else when the next is due."""
        while True:
            self._wake.clear()
            wait = IDLE_WAIT
            try:
                started = await self._start_due()
                if not started and not self._sending:
                    # Idle: look up when a retry falls due. While sends are on their way,
                    # the end of each wakes the worker, so there is no need to ask.
                    async with self._units.lookup() as unit:
                        next_due = await unit.outbox.next_due()
                    until = (next_due - self._clock.now()).total_seconds() if next_due else wait
                    if until > 0:
                        wait = min(wait, until)
                rest = self._rest()
                if rest is not None:
                    wait = min(wait, rest)
                self.failing = False
            # Swallowed on purpose: the worker must outlive one bad look at the table; it is
            # logged by type and /healthz reports it until a look succeeds again.
            except Exception as error:
                log.error("outbox.worker_failed error=%s", type(error).__name__)
                self.failing = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=max(0.01, wait))
            # A burst of turns wakes the worker once per message: let it gather, so one look
            # at the table serves them all instead of one look each.
            await asyncio.sleep(GATHER_WAKES)

    def _rest(self) -> float | None:
        """Seconds until a chat now resting may get its next message; None if none rests."""
        waits = [w for pacer in self._pacers.values() for w in pacer.resting().values()]
        return min(waits) if waits else None

    async def _start_due(self) -> list[asyncio.Task[None]]:
        async with self._claiming:
            free = PARALLEL - len(self._sending)
            if free <= 0:
                return []
            now = self._clock.now()
            resting = {key for pacer in self._pacers.values() for key in pacer.resting()}
            claimed = await self._units.run(lambda unit: unit.outbox.claim_due(now, free, resting))
            started = []
            for item in claimed:
                task = asyncio.create_task(self._deliver(item))
                self._sending.add(task)
                task.add_done_callback(self._sent)
                started.append(task)
            return started

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._sending.discard(task)
        self._wake.set()  # a slot is free
        if not task.cancelled() and task.exception() is not None:
            # The send's record failed (the database, not the provider): the message stays
            # 'sending' and start-up puts it back in the queue. Logged by type only.
            log.error("outbox.record_failed error=%s", type(task.exception()).__name__)

    async def _deliver(self, item: Queued) -> None:
        sender = self._senders.get(item.channel)
        try:
            if sender is None:
                raise SendError("no sender for this channel", permanent=True)
            pacer = self._pacers.get(item.channel)
            if pacer is not None:
                await pacer.wait(item.address_hash)
            delivered = await sender.send(
                item.channel, item.address, item.locale, item.replies, item.edit_of
            )
        except SendError as error:
            await self._failed(item, error)
            return
        except Exception as error:  # a sender's own bug, or a case nobody foresaw
            log.error("outbox.unexpected_error error=%s", type(error).__name__)
            permanent = item.attempts >= UNEXPECTED_ATTEMPTS
            await self._failed(
                item, SendError(f"error:{type(error).__name__}", permanent=permanent)
            )
            return
        now = self._clock.now()

        async def record(unit: Unit) -> None:
            await unit.outbox.sent(item.id, delivered.provider_id, now)
            await _record_texts(unit, item, delivered.texts, now)

        await self._units.run(record)
        self.delivered += 1

    async def _failed(self, item: Queued, error: SendError) -> None:
        now = self._clock.now()
        delay = error.retry_after
        if delay is None:
            retries = self._retries
            # The doubling stops growing once past the cap: 2 ** 1,024 would not fit a float.
            doublings = min(max(0, item.attempts - 1), 60)
            backoff = min(retries.longest_seconds, retries.first_seconds * 2**doublings)
            delay = backoff * self._rng.uniform(0.5, 1.5)
        at = now + timedelta(seconds=delay)

        async def record(unit: Unit) -> None:
            await _record_texts(unit, item, error.texts, now)
            if error.opted_out:
                await unit.messages.opt_out(item.channel, item.address, now)
                log.info("sms.opted_out_by_carrier")
            if error.permanent:
                await unit.outbox.failed(item.id, error.reason, now)
            else:
                await unit.outbox.retry(item.id, at, error.reason)

        await self._units.run(record)
        if error.permanent:
            self.failed += 1
            log.warning("outbox.failed channel=%s reason=%s", item.channel, error.reason)
            return
        self.retried += 1
        log.info("outbox.retry channel=%s in_seconds=%.1f", item.channel, delay)


async def _record_texts(
    unit: Unit, item: Queued, texts: Sequence[OutboundText], now: datetime
) -> None:
    """Keep each text's id, state and cost (never its words), with the send's own record."""
    for text in texts:
        await unit.messages.record_outbound(
            channel=item.channel, seeker_id=item.seeker_id, provider_id=text.provider_id,
            status=text.status, error_code=text.error_code, segments=text.segments, now=now,
        )  # fmt: skip


async def queue(
    unit: Unit,
    to: Recipient,
    replies: Sequence[Reply],
    now: datetime,
    *,
    seeker_id: int | None = None,
    edit_of: int | None = None,
    on_sent: FollowUp | None = None,
    on_failed: FollowUp | None = None,
) -> None:
    """Write *replies* for *to* into the outbox inside the caller's transaction.

    Where choices are buttons each reply is its own message (buttons belong to one); on a
    text channel a turn's replies go as one text, since every message costs.
    """
    await unit.outbox.add(
        channel=to.channel, address=to.address, locale=to.locale, replies=_for(to, replies),
        now=now, seeker_id=seeker_id, edit_of=edit_of, split=to.channel.traits.buttons,
        on_sent=_follow_up(on_sent), on_failed=_follow_up(on_failed),
    )  # fmt: skip


def _for(to: Recipient, replies: Sequence[Reply]) -> list[Reply]:
    """Mark what goes to a protected recipient (a staff chat) as protected, as it is queued."""
    if not to.protected:
        return list(replies)
    return [replace(reply, protected=True) for reply in replies]


def _follow_up(follow_up: FollowUp | None) -> FollowUp | None:
    """Mark a follow-up ("Sent", "Could not deliver") for a protected recipient likewise."""
    if follow_up is None or not follow_up.to.protected:
        return follow_up
    return FollowUp(follow_up.to, tuple(_for(follow_up.to, follow_up.replies)))
