"""Telegram adapter for staff: commands and buttons in, staff service, replies out.

A registered staff member's private chat is a staff chat: their text goes to the seeker
they chose to answer, and seeker commands there show the staff help.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import time

from telegram import CallbackQuery, Update
from telegram.ext import ContextTypes

from bot.channels.telegram_chats import own_private_chat
from bot.domain.cases import AttemptChannel, AttemptOutcome, CloseReason, Staff, StaffRole
from bot.domain.dialogue import S_, Pick, Reply
from bot.domain.model import Channel
from bot.domain.staff_views import ATTEMPT_FORMS, NOT_STAFF, REFUSED, STAFF_STEP, read_when
from bot.i18n import Catalogs
from bot.ports import Recipient
from bot.services.outbox import Outbox
from bot.services.staff import StaffService
from bot.services.staff_stats import StaffStats

log = logging.getLogger(__name__)

STAFF_COMMANDS = (
    "join", "cases", "mycases", "case", "assign", "attempt", "reply", "cancel", "close", "invite",
    "stats", "transfer",
)  # fmt: skip

STAFF_HELP = Reply(
    S_(
        "Staff commands:\n"
        "/mycases: your open cases and what is due\n"
        "/case REF: a case in full\n"
        "/attempt REF: log an attempt to reach the seeker\n"
        "/attempt REF phone no_answer 18:30: log an earlier attempt today\n"
        "/reply REF: write to the seeker (/cancel to stop)\n"
        "/close REF: close a case\n"
        "Coordinators also:\n"
        "/cases: unassigned, overdue and open cases\n"
        "/assign REF: give a case to a volunteer\n"
        "/transfer REF: move a case to another organisation of the partnership\n"
        "/invite volunteer or /invite coordinator: make an invite code\n"
        "/stats: figures and charts for this month, last month and this year"
    )
)


class TelegramStaffAdapter:
    def __init__(
        self,
        staff: StaffService,
        catalogs: Catalogs,
        outbox: Outbox,
        stats: StaffStats | None = None,
    ) -> None:
        self._staff = staff
        self._stats = stats
        self._catalogs = catalogs
        self._outbox = outbox

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle a staff command (and /join from anyone)."""
        message, user = update.effective_message, update.effective_user
        chat = own_private_chat(update)
        if message is None or not message.text or user is None or chat is None:
            return
        words = message.text.split(maxsplit=2)
        name = words[0].lstrip("/").split("@")[0].lower()
        args = words[1:]
        if name == "join":
            locale = self._catalogs.staff_locale(user.language_code)
            code = args[0] if args else ""
            reply = await self._staff.join(user.id, user.first_name or "-", locale, code)
            await self._send(update, locale, [reply] if reply is not None else [])
            return
        actor = await self._staff.identify(user.id)
        replies = await self.command(actor, name, args)
        await self._send(update, self._locale(actor, user.language_code), replies)

    async def on_staff_update(
        self, update: Update, actor: Staff, pick: Pick | None, text: str | None
    ) -> None:
        """Handle a button or free text from a registered staff member."""
        query = update.callback_query
        if pick is not None:
            replies = await self.button(actor, pick)
            await self._send(update, actor.locale, replies, query)
            return
        relayed = await self._staff.staff_text(actor, text) if text else None
        # Relayed: "Sent" follows once it is (nothing now); nothing to relay: the help.
        await self._send(update, actor.locale, [STAFF_HELP] if relayed is None else relayed)

    async def refuse_button(self, update: Update, language_code: str | None) -> None:
        """Answer a staff button pressed by someone who is not staff."""
        await self._send(update, self._catalogs.staff_locale(language_code), [NOT_STAFF])

    async def command(self, actor: Staff | None, name: str, args: Sequence[str]) -> list[Reply]:
        """Run a staff command."""
        ref = args[0].upper() if args else ""
        rest = args[1] if len(args) > 1 else ""
        if actor is None:
            return [NOT_STAFF]
        if name == "cases":
            return await self._staff.org_cases(actor)
        if name == "mycases":
            return [await self._staff.my_cases(actor)]
        if name == "cancel":
            return [await self._staff.cancel_reply(actor)]
        if name == "stats" and self._stats is not None:
            return [await self._stats.stats(actor)]
        if name == "invite":
            role = StaffRole.COORDINATOR if ref == "COORDINATOR" else StaffRole.VOLUNTEER
            return [await self._staff.invite(actor, role)]
        if not ref:
            return [STAFF_HELP]
        if name == "case":
            return [await self._staff.open_case(actor, ref)]
        if name == "assign":
            return [await self._staff.assign_menu(actor, ref)]
        if name == "transfer":
            return [await self._staff.transfer(actor, ref)]
        if name == "close":
            return [await self._staff.close(actor, ref)]
        if name == "reply":
            if rest.strip():
                return await self._staff.relay(actor, ref, rest.strip())
            return [await self._staff.start_reply(actor, ref)]
        if name == "attempt":
            return [await self._attempt_command(actor, ref, rest.split())]
        return [STAFF_HELP]

    async def _attempt_command(self, actor: Staff, ref: str, parts: list[str]) -> Reply:
        """/attempt REF, /attempt REF HH:MM, /attempt REF how outcome HH:MM."""
        try:
            if not parts:
                return await self._staff.attempt_step(actor, ref)
            if len(parts) == 1:
                at = _time_of_day(parts[0])
                return await self._staff.attempt_step(actor, ref, when=at)
            if len(parts) == 3:
                channel = AttemptChannel(parts[0].lower())
                outcome = AttemptOutcome(parts[1].lower())
                at = _time_of_day(parts[2])
                return await self._staff.log_attempt_today(actor, ref, channel, outcome, at)
        except ValueError:
            pass
        return ATTEMPT_FORMS

    async def button(self, actor: Staff, pick: Pick) -> list[Reply]:
        """Run the action a staff button names; anything malformed is refused."""
        if pick.step != STAFF_STEP:
            return [STAFF_HELP]
        action, _, rest = pick.value.partition(":")
        parts = rest.split(":")
        ref = parts[0]
        try:
            if action == "open":
                return [await self._staff.open_case(actor, ref)]
            if action == "assign":
                return [await self._staff.assign_menu(actor, ref)]
            if action == "to":
                return [await self._staff.assign(actor, ref, int(parts[1]))]
            if action == "move":
                return [await self._staff.transfer(actor, ref, parts[1] if len(parts) > 1 else "")]
            if action == "reply":
                return [await self._staff.start_reply(actor, ref)]
            if action == "close":
                reason = CloseReason(parts[1]) if len(parts) > 1 else None
                return [await self._staff.close(actor, ref, reason)]
            if action == "att":
                channel = AttemptChannel(parts[1]) if len(parts) > 1 and parts[1] else None
                outcome = AttemptOutcome(parts[2]) if len(parts) > 2 and parts[2] else None
                when = read_when(parts[3]) if len(parts) > 3 else None
                if isinstance(when, int) and not 0 <= when <= 24 * 60:
                    return [REFUSED]
                return [await self._staff.attempt_step(actor, ref, channel, outcome, when)]
        except (ValueError, IndexError):
            log.warning("staff.bad_button")
        return [REFUSED]

    def _locale(self, actor: Staff | None, language_code: str | None) -> str:
        return actor.locale if actor else self._catalogs.staff_locale(language_code)

    async def _send(
        self,
        update: Update,
        locale: str,
        replies: Sequence[Reply],
        query: CallbackQuery | None = None,
    ) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        # A step of a button flow replaces the message the button was on.
        edit_of = None
        if query is not None and query.message is not None and len(replies) == 1:
            edit_of = query.message.message_id
        if not replies:
            return
        to = Recipient(Channel.TELEGRAM, str(chat.id), locale)
        await self._outbox.enqueue(to, replies, edit_of)


def _time_of_day(text: str) -> time:
    """Read 18:30 (or 18.30, as Swedish writes it); ValueError otherwise."""
    return time.fromisoformat(text.replace(".", ":").zfill(5))
