"""Telegram adapter: python-telegram-bot in, intake service, rendered replies out."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

from telegram import CallbackQuery, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.channels.ordering import KeyedLocks
from bot.channels.telegram_chats import own_private_chat
from bot.channels.telegram_staff import STAFF_COMMANDS, TelegramStaffAdapter
from bot.domain.dialogue import Command, CommandName, Inbound, Pick, Text
from bot.domain.model import Channel
from bot.domain.staff_views import STAFF_STEP
from bot.i18n import Catalogs
from bot.ports import Recipient
from bot.services.calls import CallService
from bot.services.desk_access import DeskAccess
from bot.services.intake import Hints, IntakeService
from bot.services.invite_codes import looks_like_invite
from bot.services.outbox import Outbox
from bot.services.staff import StaffService
from bot.services.staff_stats import StaffStats

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Handle different chats concurrently and each chat's updates strictly in order."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._chats = KeyedLocks()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run *coroutine* once every earlier update of the same chat is done."""
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        async with self._chats.hold(chat.id):
            await coroutine

    async def initialize(self) -> None:
        """Nothing to allocate."""

    async def shutdown(self) -> None:
        """Nothing to free."""


TelegramApp = Application[Any, Any, Any, Any, Any, Any]


def telegram_application(
    token: str,
    *,
    api_url: str | None = None,
    polling: bool = True,
    request: BaseRequest | None = None,
    read_timeout: float | None = None,  # None: the library's own; a given *request* has its own
    # Handlers wait for the database, not the network (replies go through the outbox).
    # Turns waiting together share one commit, so a few more in flight make each cheaper;
    # beyond 16 they only queue longer (measured: 8 -> 16 gave +6 % updates/s, p99 4 -> 7 ms).
    # PerChatUpdateProcessor serves long polling; in webhook mode (production) updates come
    # through POST /telegram, where bot.web orders each chat's updates itself.
    max_concurrent_updates: int = 16,
) -> TelegramApp:
    """Build the python-telegram-bot application (its bot sends; handlers come next)."""
    # Reminders run on our own scheduler from stored facts, so PTB's job queue stays off.
    builder = Application.builder().token(token).job_queue(None)
    builder = builder.concurrent_updates(PerChatUpdateProcessor(max_concurrent_updates))
    if api_url is not None:
        base = api_url.rstrip("/")
        builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    elif read_timeout is not None:
        builder = builder.read_timeout(read_timeout)
    if not polling:
        builder = builder.updater(None)
    return builder.build()


def add_handlers(
    application: TelegramApp,
    service: IntakeService,
    catalogs: Catalogs,
    outbox: Outbox,
    *,
    staff: StaffService | None = None,
    stats: StaffStats | None = None,
    desk: DeskAccess | None = None,
    calls: CallService | None = None,
) -> None:
    """Route updates to the seeker's intake, and a staff member's to the staff side."""
    staff_adapter = None
    if staff is not None:
        staff_adapter = TelegramStaffAdapter(staff, catalogs, outbox, stats, desk, calls)
    adapter = TelegramAdapter(service, outbox, staff, staff_adapter)
    # New messages only: an edit of an earlier message is not a new turn.
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    commands = [name.value for name in CommandName]
    application.add_handler(CommandHandler(commands, adapter.on_command, filters=private))
    if staff_adapter is not None:
        application.add_handler(
            CommandHandler(list(STAFF_COMMANDS), staff_adapter.on_command, filters=private)
        )
    application.add_handler(CallbackQueryHandler(adapter.on_button))
    application.add_handler(
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, adapter.on_text)
    )
    # Any other command (/menu, /hjälp, a typo) gets the help, never silence.
    application.add_handler(MessageHandler(private & filters.COMMAND, adapter.on_unknown_command))
    application.add_error_handler(adapter.on_error)


async def _stop_spinner(query: CallbackQuery) -> None:
    try:
        await query.answer()
    except TelegramError as error:
        # Swallowed on purpose: a spinner left turning must not undo a committed turn.
        log.info("telegram.callback_answer_failed error=%s", type(error).__name__)


class TelegramAdapter:
    """Translate Telegram updates to inbound messages and replies to Bot API calls."""

    def __init__(
        self,
        service: IntakeService,
        outbox: Outbox,
        staff: StaffService | None = None,
        staff_adapter: TelegramStaffAdapter | None = None,
    ) -> None:
        self._service = service
        self._outbox = outbox
        self._staff = staff
        self._staff_adapter = staff_adapter

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle /start, /help, /language, /delete and /stop."""
        message = update.effective_message
        if message is None or not message.text:
            return
        words = message.text.split()
        name = words[0].lstrip("/").split("@")[0].lower()
        invited = name == "start" and len(words) > 1 and looks_like_invite(words[1])
        if invited and self._staff_adapter is not None:
            # An invite's start link: a new staff member joins at one tap, never as a seeker.
            await self._staff_adapter.join(update, words[1])
            return
        await self._handle(update, Command(CommandName(name)))

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle free text; a word after a slash is a command we do not know."""
        message = update.effective_message
        if message is None or not message.text:
            return
        if message.text.startswith("/"):
            await self._handle(update, Command(CommandName.HELP))
            return
        await self._handle(update, Text(message.text))

    async def on_unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer a command we do not have with the help (and the open question again)."""
        log.info("telegram.unknown_command")
        await self._handle(update, Command(CommandName.HELP))

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle a pressed inline button."""
        query = update.callback_query
        if query is None or query.message is None:
            return
        step, _, value = (query.data or "").partition(":")
        await self._handle(update, Pick(step, value), query)
        # The answer itself is queued; this only stops the button's spinner. It goes on in
        # the background so a slow Bot API never holds up the next update.
        context.application.create_task(_stop_spinner(query), update=update)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log what failed, without anything the person wrote or who they are; apologise."""
        log.error("telegram.handler_failed error=%s", type(context.error).__name__)
        if not isinstance(update, Update):
            return
        chat, user = update.effective_chat, update.effective_user
        if chat is None or chat.type != chat.PRIVATE:
            return
        hints = Hints(locale=user.language_code if user else None)
        answer = self._service.apology(Channel.TELEGRAM, hints)
        to = Recipient(Channel.TELEGRAM, str(chat.id), answer.locale)
        try:
            await self._outbox.enqueue(to, answer.replies)
        # Swallowed on purpose: nothing more can reach this person now; it is logged.
        except Exception as exc:
            log.error("telegram.apology_failed error=%s", type(exc).__name__)

    async def _handle(
        self, update: Update, inbound: Inbound, query: CallbackQuery | None = None
    ) -> None:
        chat, user = own_private_chat(update), update.effective_user
        if chat is None or user is None:
            return
        staff, staff_adapter = self._staff, self._staff_adapter
        if staff is None or staff_adapter is None:
            staff = staff_adapter = None
        elif isinstance(inbound, Pick) and inbound.step == STAFF_STEP:
            # Only staff see these buttons; a forwarded one is refused, never a seeker's turn.
            actor = await staff.identify(user.id)
            if actor is None:
                await staff_adapter.refuse_button(update, user.language_code)
            else:
                await staff_adapter.on_staff_update(update, actor, inbound, None)
            return
        hints = Hints(locale=user.language_code if user else None)
        reply_to = query.message.message_id if query is not None and query.message else None
        answer = await self._service.handle(
            Channel.TELEGRAM,
            str(chat.id),
            inbound,
            hints,
            message_id=f"tg{update.update_id}",
            reply_to=reply_to,
        )
        if answer.staff is not None and staff_adapter is not None:
            pick = inbound if isinstance(inbound, Pick) else None
            text = inbound.text if isinstance(inbound, Text) else None
            await staff_adapter.on_staff_update(update, answer.staff, pick, text)
