"""The delivery state of the texts we sent, as the provider reports it (never their text)."""

from __future__ import annotations

import logging

from bot.domain.model import DeliveryStatus
from bot.ports import Clock, UnitsOfWork

log = logging.getLogger(__name__)


class DeliveryService:
    """Keep the delivery state providers report for what we sent (never its text)."""

    def __init__(self, units: UnitsOfWork, clock: Clock) -> None:
        self._units = units
        self._clock = clock

    async def update_status(
        self, provider_id: str, status: str, error_code: int | None, opted_out: bool = False
    ) -> None:
        """Apply a provider's status callback, never moving a message backwards."""
        new = DeliveryStatus.from_provider(status)
        if new is None:
            return
        async with self._units.begin() as unit:
            if opted_out and await unit.messages.opt_out_recipient_of(
                provider_id, self._clock.now()
            ):
                log.info("sms.opted_out_by_carrier")
            current = await unit.messages.delivery_status(provider_id)
            if current is None or new.rank < current.rank:
                return
            await unit.messages.set_delivery_status(provider_id, new, error_code, self._clock.now())
        log.info("delivery.status status=%s", new)
