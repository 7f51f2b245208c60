"""Send replies to anyone, on their own channel and in their own language."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import Bot
from telegram.error import TelegramError

from bot.channels.render import SLASH_COMMANDS, render
from bot.channels.sms import body
from bot.channels.telegram_keyboard import keyboard
from bot.domain.dialogue import Reply
from bot.domain.model import Channel, DeliveryStatus
from bot.i18n import Catalogs
from bot.ports import DeliveryError, Recipient
from bot.services.delivery import DeliveryService
from bot.services.intake import Answer

log = logging.getLogger(__name__)


class ChannelDispatcher:
    """Route each message to Telegram or to Twilio; log, never raise, when it fails."""

    def __init__(self, catalogs: Catalogs) -> None:
        self._catalogs = catalogs
        self._bot: Bot | None = None
        self._delivery: DeliveryService | None = None

    def attach_telegram(self, bot: Bot) -> None:
        """Send Telegram messages with *bot*."""
        self._bot = bot

    def attach_texts(self, delivery: DeliveryService) -> None:
        """Send SMS and WhatsApp messages through *delivery*."""
        self._delivery = delivery

    async def send(self, to: Recipient, replies: Sequence[Reply]) -> bool:
        """Render *replies* for *to* and send them; False if that failed (it is logged)."""
        try:
            if to.channel is Channel.TELEGRAM and self._bot is not None:
                tr = self._catalogs.translator(to.locale)
                for reply in replies:
                    rendered = render(reply, tr, SLASH_COMMANDS)
                    await self._bot.send_message(
                        int(to.address), rendered.text, reply_markup=keyboard(rendered)
                    )
                return True
            if to.channel in (Channel.SMS, Channel.WHATSAPP) and self._delivery is not None:
                answer = Answer(to.locale, list(replies))
                for text in body(answer, self._catalogs, to.channel):
                    status = await self._delivery.send_text(to.channel, to.address, text)
                    if status in (None, DeliveryStatus.FAILED):
                        return False
                return True
        except (TelegramError, DeliveryError) as error:
            log.error("dispatch.failed channel=%s error=%s", to.channel, type(error).__name__)
            return False
        log.warning("dispatch.undeliverable channel=%s", to.channel)
        return False
