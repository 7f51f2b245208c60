"""Send replies to anyone, on their own channel and in their own language, via the outbox."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.domain.dialogue import Reply
from bot.ports import Recipient
from bot.services.outbox import Outbox

log = logging.getLogger(__name__)


class OutboxDispatcher:
    """Queue messages for the outbox worker, which renders and delivers them."""

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    async def send(
        self, to: Recipient, replies: Sequence[Reply], edit_of: int | None = None
    ) -> bool:
        """Queue *replies* for *to*; False if nothing can deliver on that channel."""
        queued = await self._outbox.enqueue(to, replies, edit_of)
        if not queued:
            log.warning("dispatch.undeliverable channel=%s", to.channel)
        return queued

    def wake(self) -> None:
        """Tell the outbox worker something was queued."""
        self._outbox.wake()
