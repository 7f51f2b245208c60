"""Senders for the outbox worker: render a queued reply for its channel and hand it over."""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.channels.long_text import TELEGRAM_LIMIT, split_text, utf16_length
from bot.channels.render import SLASH_COMMANDS, render
from bot.channels.sms import body
from bot.channels.telegram_keyboard import keyboard
from bot.domain.dialogue import Reply
from bot.domain.model import Channel, DeliveryStatus
from bot.i18n import Catalogs
from bot.ports import DeliveryError, SendError
from bot.services.delivery import DeliveryService
from bot.services.intake import Answer

log = logging.getLogger(__name__)


class TelegramSender:
    """Send (or edit in place) one message with python-telegram-bot."""

    def __init__(self, bot: Bot, catalogs: Catalogs, up: Callable[[], bool]) -> None:
        self._bot = bot
        self._catalogs = catalogs
        self._up = up

    async def send(
        self, channel: Channel, address: str, locale: str, replies: list[Reply], edit_of: int | None
    ) -> str | None:
        """Send the rendered reply; map Telegram's errors to retry or give up."""
        if not self._up():
            raise SendError("telegram_not_started")  # kept, and tried again later
        tr = self._catalogs.translator(locale)
        rendered = render(replies[0], tr, SLASH_COMMANDS)
        markup = keyboard(rendered)
        parts = split_text(rendered.text, TELEGRAM_LIMIT, utf16_length)
        try:
            if len(parts) > 1:
                return await self._send_parts(int(address), parts, markup)
            if edit_of is not None:
                try:
                    await self._bot.edit_message_text(
                        rendered.text, chat_id=int(address), message_id=edit_of,
                        reply_markup=markup,
                    )  # fmt: skip
                    return str(edit_of)
                except BadRequest:
                    pass  # too old to edit, or unchanged: send it as a new message instead
            if replies[0].image is not None:
                # A caption holds 1024 characters; the figures sent with a chart are short.
                message = await self._bot.send_photo(
                    int(address), replies[0].image, caption=rendered.text[:1024]
                )
            else:
                message = await self._bot.send_message(
                    int(address), rendered.text, reply_markup=markup
                )
        except (RetryAfter, Forbidden, BadRequest, TimedOut, NetworkError) as error:
            raise _send_error(error) from error
        return str(message.message_id)

    async def _send_parts(
        self, chat_id: int, parts: list[str], markup: InlineKeyboardMarkup | None
    ) -> str:
        """Send a long message as several, the buttons under the last; return their ids."""
        ids = []
        for number, part in enumerate(parts):
            last = number == len(parts) - 1
            message = await self._bot.send_message(
                chat_id, part, reply_markup=markup if last else None
            )
            ids.append(str(message.message_id))
        return ",".join(ids)

    async def unsend(self, address: str, provider_ids: list[str]) -> None:
        """Delete the bot's messages from a chat (Telegram allows it for about 48 hours)."""
        ids = [int(i) for joined in provider_ids for i in joined.split(",") if i.isdigit()]
        for start in range(0, len(ids), 100):  # deleteMessages takes up to 100 at once
            try:
                await self._bot.delete_messages(int(address), ids[start : start + 100])
            except TelegramError as error:
                # Older messages cannot be deleted; the seeker is told how to clear the chat.
                log.info("telegram.unsend_failed error=%s", type(error).__name__)


def _send_error(error: TelegramError) -> SendError:
    """Map Telegram's errors to retry or give up."""
    if isinstance(error, RetryAfter):
        retry = error.retry_after
        seconds = retry if isinstance(retry, int | float) else retry.total_seconds()
        return SendError("telegram_rate_limited", retry_after=float(seconds))
    if isinstance(error, Forbidden):
        return SendError("telegram_blocked", permanent=True)
    if isinstance(error, BadRequest):
        return SendError("telegram_bad_request", permanent=True)
    return SendError("telegram_unreachable")  # timed out, or no connection


class TextSender:
    """Send SMS and WhatsApp through Twilio, recording each message's cost and state."""

    def __init__(self, delivery: DeliveryService, catalogs: Catalogs) -> None:
        self._delivery = delivery
        self._catalogs = catalogs

    async def send(
        self, channel: Channel, address: str, locale: str, replies: list[Reply], edit_of: int | None
    ) -> str | None:
        """Send the turn's replies as few texts as Twilio allows."""
        for text in body(Answer(locale, replies), self._catalogs, channel):
            try:
                status = await self._delivery.send_text(channel, address, text)
            except DeliveryError as error:
                raise SendError(
                    f"twilio_{error.code or error.http_status}", retry_after=None
                ) from error
            if status is None:
                raise SendError("opted_out", permanent=True)
            if status is DeliveryStatus.FAILED:
                raise SendError("twilio_refused", permanent=True)
        return None
