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

from bot.channels.long_text import split_text, utf16_length
from bot.channels.render import SLASH_COMMANDS, render
from bot.channels.sms import body
from bot.channels.telegram_keyboard import keyboard
from bot.domain.dialogue import Reply
from bot.domain.model import Channel, DeliveryStatus
from bot.domain.sms import segments
from bot.i18n import Catalogs
from bot.ports import Delivered, DeliveryError, OutboundText, SendError, TextGateway
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
    ) -> Delivered:
        """Send the rendered reply; map Telegram's errors to retry or give up."""
        if not self._up():
            raise SendError("telegram_not_started")  # kept, and tried again later
        tr = self._catalogs.translator(locale)
        rendered = render(replies[0], tr, SLASH_COMMANDS)
        markup = keyboard(rendered)
        limit = channel.traits.max_length
        parts = split_text(rendered.text, limit, utf16_length) if limit else [rendered.text]
        # Telegram cannot forward, copy or save a protected message; an edit keeps the
        # protection the message was sent with.
        protect = True if replies[0].protected else None  # None: not sent, as before
        try:
            if len(parts) > 1:
                return Delivered(await self._send_parts(int(address), parts, markup, protect))
            if edit_of is not None:
                try:
                    await self._bot.edit_message_text(
                        rendered.text, chat_id=int(address), message_id=edit_of,
                        reply_markup=markup,
                    )  # fmt: skip
                    return Delivered(str(edit_of))
                except BadRequest:
                    pass  # too old to edit, or unchanged: send it as a new message instead
            if replies[0].image is not None:
                # A caption holds 1024 characters; the figures sent with a chart are short.
                message = await self._bot.send_photo(
                    int(address), replies[0].image, caption=rendered.text[:1024],
                    protect_content=protect,
                )  # fmt: skip
            else:
                message = await self._bot.send_message(
                    int(address), rendered.text, reply_markup=markup, protect_content=protect
                )
        except (RetryAfter, Forbidden, BadRequest, TimedOut, NetworkError) as error:
            raise _send_error(error) from error
        return Delivered(str(message.message_id))

    async def _send_parts(
        self,
        chat_id: int,
        parts: list[str],
        markup: InlineKeyboardMarkup | None,
        protect: bool | None,
    ) -> str:
        """Send a long message as several, the buttons under the last; return their ids."""
        ids = []
        for number, part in enumerate(parts):
            last = number == len(parts) - 1
            message = await self._bot.send_message(
                chat_id, part, reply_markup=markup if last else None, protect_content=protect
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
    """Send SMS and WhatsApp through Twilio: each message as few texts as Twilio allows."""

    def __init__(self, gateway: TextGateway, catalogs: Catalogs) -> None:
        self._gateway = gateway
        self._catalogs = catalogs

    async def send(
        self, channel: Channel, address: str, locale: str, replies: list[Reply], edit_of: int | None
    ) -> Delivered:
        """Send the turn's replies; each text's id, state and cost come back to be kept."""
        texts: list[OutboundText] = []
        for text in body(Answer(locale, replies), self._catalogs, channel):
            # WhatsApp is not billed by segment; only SMS is counted.
            cost = segments(text) if channel.traits.paid_segments else None
            try:
                sent = await self._gateway.send(address, text)
            except DeliveryError as error:
                log.warning(
                    "delivery.failed channel=%s code=%s http=%s permanent=%s",
                    channel, error.code, error.http_status, error.permanent,
                )  # fmt: skip
                texts.append(OutboundText(None, DeliveryStatus.FAILED, error.code, cost))
                raise SendError(
                    f"twilio_{error.code or error.http_status}",
                    permanent=error.permanent,
                    opted_out=error.opted_out,
                    texts=tuple(texts),
                ) from error
            texts.append(OutboundText(sent.provider_id, sent.status, None, cost))
            if sent.status is DeliveryStatus.FAILED:
                raise SendError("twilio_refused", permanent=True, texts=tuple(texts))
        return Delivered(None, tuple(texts))
