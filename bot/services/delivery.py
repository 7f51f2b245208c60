"""Send text messages through the provider and keep their delivery state (never their text)."""

from __future__ import annotations

import logging

from bot.domain.model import Channel, DeliveryStatus
from bot.domain.sms import segments
from bot.ports import Clock, DeliveryError, TextGateway, UnitsOfWork

log = logging.getLogger(__name__)


class DeliveryService:
    def __init__(self, units: UnitsOfWork, clock: Clock, gateway: TextGateway) -> None:
        self._units = units
        self._clock = clock
        self._gateway = gateway

    async def send_text(self, channel: Channel, address: str, body: str) -> DeliveryStatus | None:
        """Send *body* unless the recipient opted out; record what became of it.

        Returns None for an opted-out recipient and FAILED for a permanent refusal; raises
        DeliveryError when a retry may succeed (429, 5xx, a network failure).
        """
        async with self._units.begin() as unit:
            seeker_id, opted_out = await unit.messages.recipient(channel, address)
        if opted_out:
            log.info("delivery.suppressed_opted_out channel=%s", channel)
            return None
        # WhatsApp is not billed by segment; only SMS is counted.
        cost = segments(body) if channel is Channel.SMS else None
        # The provider call runs outside any transaction, so a slow network holds no lock.
        try:
            sent = await self._gateway.send(address, body)
        except DeliveryError as error:
            log.warning(
                "delivery.failed channel=%s code=%s http=%s permanent=%s",
                channel, error.code, error.http_status, error.permanent,
            )  # fmt: skip
            async with self._units.begin() as unit:
                if error.opted_out:
                    seeker_id = await unit.messages.opt_out(channel, address, self._clock.now())
                    log.info("sms.opted_out_by_carrier")
                await unit.messages.record_outbound(
                    channel=channel,
                    seeker_id=seeker_id,
                    provider_id=None,
                    status=DeliveryStatus.FAILED,
                    error_code=error.code,
                    segments=cost,
                    now=self._clock.now(),
                )
            if not error.permanent:
                raise
            return DeliveryStatus.FAILED
        async with self._units.begin() as unit:
            await unit.messages.record_outbound(
                channel=channel,
                seeker_id=seeker_id,
                provider_id=sent.provider_id,
                status=sent.status,
                error_code=None,
                segments=cost,
                now=self._clock.now(),
            )
        return sent.status

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
