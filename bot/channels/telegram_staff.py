"""Telegram adapter for staff: commands and buttons in, staff service, replies out.

A registered staff member's private chat is a staff chat: their text goes to the seeker
they chose to answer, and seeker commands there show the staff help.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from datetime import date, time

from telegram import Bot, BotCommand, BotCommandScopeChat, CallbackQuery, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.channels.telegram_chats import own_private_chat
from bot.domain import staff_views as views
from bot.domain.cases import (
    AttemptChannel,
    AttemptOutcome,
    CloseReason,
    Staff,
    StaffRole,
    TransferReason,
)
from bot.domain.dialogue import S_, Pick, Reply
from bot.domain.model import Channel
from bot.domain.staff_notices import SEEKER_WROTE
from bot.domain.staff_views import ATTEMPT_FORMS, NOT_STAFF, REFUSED, STAFF_STEP, read_when
from bot.i18n import Catalogs
from bot.ports import Recipient
from bot.services.calls import CallService
from bot.services.desk_access import DeskAccess
from bot.services.outbox import Outbox
from bot.services.staff import StaffService
from bot.services.staff_stats import StaffStats

log = logging.getLogger(__name__)

REFERENCE = r"[0-9A-Z]{3}-[0-9A-Z]{3}"

STAFF_COMMANDS = (
    "join", "cases", "mycases", "case", "assign", "attempt", "reply", "cancel", "close", "invite",
    "stats", "transfer", "trained", "languages", "desk", "call", "away", "maxcases",
)  # fmt: skip

STAFF_HELP = Reply(
    S_(
        "Staff commands:\n"
        "/desk: a link that signs you in to the desk in your browser\n"
        "/mycases: your open cases and what is due\n"
        "/case REF: a case in full\n"
        "/call REF: the service rings you, then the seeker from the association's number "
        "(where it places calls)\n"
        "/attempt REF: log an attempt to reach the seeker\n"
        "/attempt REF 18:30 or /attempt REF phone no_answer 18:30: an earlier attempt today\n"
        "/reply REF: write to the seeker (/cancel to stop)\n"
        "/close REF: close a case\n"
        "/away FROM TO: you are away then (dates as 2026-12-20); /away alone lists them\n"
        "/maxcases N: no new cases while you have N open (0: no ceiling)\n"
        "Coordinators also:\n"
        "/cases: unassigned, overdue and open cases\n"
        "/assign REF: give a case to a volunteer\n"
        "/transfer REF: move a case to another organisation of the partnership\n"
        "/invite volunteer or /invite coordinator: make an invite code\n"
        "/trained ID: record a volunteer's basic training; /languages ID sv ar: their languages\n"
        "/stats: figures and charts for this month, last month and this year"
    )
)


AWAY_FORMS = Reply(
    S_("Write /away and the first and last day, for example /away 2026-12-20 2027-01-06.")
)
MAX_CASES_FORMS = Reply(S_("Write /maxcases and a number, for example /maxcases 4."))

MENU_TEXT = {
    "desk": S_("sign in to the desk in your browser"),
    "mycases": S_("your open cases and what is due"),
    "case": S_("a case in full: /case REF"),
    "call": S_("have the service call the seeker: /call REF"),
    "attempt": S_("log an attempt: /attempt REF"),
    "reply": S_("write to the seeker: /reply REF"),
    "cancel": S_("stop writing to the seeker"),
    "close": S_("close a case: /close REF"),
    "away": S_("when you are away: /away FROM TO"),
    "maxcases": S_("how many open cases you can carry: /maxcases N"),
    "cases": S_("unassigned, overdue and open cases"),
    "assign": S_("give a case to a volunteer: /assign REF"),
    "transfer": S_("move a case to another organisation"),
    "invite": S_("an invite code: /invite volunteer"),
    "trained": S_("record a volunteer's training: /trained ID"),
    "languages": S_("a volunteer's languages: /languages ID sv ar"),
    "stats": S_("figures and charts"),
}
_VOLUNTEER_MENU = (
    "desk", "mycases", "case", "call", "attempt", "reply", "cancel", "close", "away", "maxcases",
)  # fmt: skip
MENU = {
    StaffRole.VOLUNTEER: _VOLUNTEER_MENU,
    StaffRole.COORDINATOR: (
        "cases", *_VOLUNTEER_MENU, "assign", "transfer", "invite", "trained", "languages", "stats",
    ),
}  # fmt: skip


class TelegramStaffAdapter:
    def __init__(
        self,
        staff: StaffService,
        catalogs: Catalogs,
        outbox: Outbox,
        stats: StaffStats | None = None,
        desk: DeskAccess | None = None,
        calls: CallService | None = None,
    ) -> None:
        self._staff = staff
        self._desk = desk
        self._calls = calls
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
            await self.join(update, args[0] if args else "")
            return
        actor = await self._staff.identify(user.id)
        link = _start_link(context.bot.username) if context.bot.username else None
        replies = await self.command(actor, name, args, link)
        await self._send(update, self._locale(actor, user.language_code), replies)

    async def join(self, update: Update, code: str) -> None:
        """Register the sender with an invite code (/join CODE, or a start link)."""
        user = update.effective_user
        if user is None:
            return
        locale = self._catalogs.staff_locale(user.language_code)
        reply = await self._staff.join(user.id, user.first_name or "-", locale, code)
        if reply is None:
            return  # locked out after too many wrong codes: no answer, no more work
        await self._send(update, locale, [reply])
        staff = await self._staff.identify(user.id)
        if staff is not None:
            await self._set_menu(update.get_bot(), user.id, staff)

    async def _set_menu(self, bot: Bot, chat_id: int, staff: Staff) -> None:
        """Show this staff member their commands in the chat's menu, in their language.

        The menu is the chat's own (a seeker's chat keeps the seeker's); failing to set it
        only costs the menu, so it is logged and left.
        """
        tr = self._catalogs.translator(staff.locale)
        calls = self._calls is not None and self._calls.places_calls(staff.org_id)
        names = [name for name in MENU[staff.role] if name != "call" or calls]
        commands = [BotCommand(name, tr.gettext(MENU_TEXT[name])) for name in names]
        try:
            await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id))
        except TelegramError as error:
            log.warning("telegram.menu_failed error=%s", type(error).__name__)

    async def on_staff_update(
        self, update: Update, actor: Staff, pick: Pick | None, text: str | None
    ) -> None:
        """Handle a button or free text from a registered staff member."""
        query = update.callback_query
        if pick is not None:
            replies = await self.button(actor, pick)
            # A list, a notice or a reminder stays; only a step of a flow replaces its prompt.
            await self._send(update, actor.locale, replies, query if _continues(pick) else None)
            return
        answering = self._answered_case(update, actor)
        if answering is not None and text:
            # Telegram's own Reply on a seeker's message answers that seeker.
            await self._send(update, actor.locale, await self._staff.relay(actor, answering, text))
            return
        relayed = await self._staff.staff_text(actor, text) if text else None
        # Relayed: "Sent" follows once it is (nothing now); nothing to relay: the help.
        await self._send(update, actor.locale, [STAFF_HELP] if relayed is None else relayed)

    def _answered_case(self, update: Update, actor: Staff) -> str | None:
        """Return the case whose seeker's message this one replies to, if it does."""
        message = update.effective_message
        replied = message.reply_to_message if message is not None else None
        if replied is None or replied.text is None or replied.from_user is None:
            return None
        if not replied.from_user.is_bot:
            return None
        tr = self._catalogs.translator(actor.locale)
        for msgid in (views.SEEKER_MESSAGE, SEEKER_WROTE):  # with the message, or without
            before, _, after = tr.gettext(msgid).partition("{reference}")
            pattern = re.escape(before) + f"({REFERENCE})" + re.escape(after)
            if found := re.match(pattern, replied.text):
                return found.group(1)
        return None

    async def refuse_button(self, update: Update, language_code: str | None) -> None:
        """Answer a staff button pressed by someone who is not staff."""
        await self._send(update, self._catalogs.staff_locale(language_code), [NOT_STAFF])

    async def command(
        self,
        actor: Staff | None,
        name: str,
        args: Sequence[str],
        link: Callable[[str], str] | None = None,
    ) -> list[Reply]:
        """Run a staff command; *link* makes an invite code a link that joins at one tap."""
        ref = args[0].upper() if args else ""
        rest = args[1] if len(args) > 1 else ""
        if actor is None:
            return [NOT_STAFF]
        if name == "cases":
            return [await self._staff.org_cases(actor)]
        if name == "mycases":
            return [await self._staff.my_cases(actor)]
        if name == "cancel":
            return [await self._staff.cancel_reply(actor)]
        if name == "desk" and self._desk is not None:
            return [await self._desk.sign_in_link(actor)]
        if name == "stats" and self._stats is not None:
            return [await self._stats.stats(actor)]
        if name == "invite":
            role = StaffRole.COORDINATOR if ref == "COORDINATOR" else StaffRole.VOLUNTEER
            return [await self._staff.invite(actor, role, link)]
        if name == "away":
            return [await self._away_command(actor, " ".join(args).split())]
        if name == "maxcases":
            return [await self._max_cases_command(actor, " ".join(args).split())]
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
        if name == "trained":
            if not ref.isdigit():
                return [Reply(S_("Write /trained and the staff number, for example /trained 12."))]
            return [await self._staff.record_training(actor, int(ref))]
        if name == "languages":
            if not ref.isdigit():
                return [
                    Reply(
                        S_("Write /languages, the staff number and the codes: /languages 12 sv ar")
                    )
                ]
            return [await self._staff.set_languages(actor, int(ref), rest.split())]
        if name == "reply":
            if rest.strip():
                return await self._staff.relay(actor, ref, rest.strip())
            return [await self._staff.start_reply(actor, ref)]
        if name == "attempt":
            return [await self._attempt_command(actor, ref, rest.split())]
        if name == "call" and self._calls is not None:
            return [await self._calls.request(actor, ref)]
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

    async def _away_command(self, actor: Staff, words: list[str]) -> Reply:
        """/away, /away FROM TO, or (a coordinator) /away ID FROM TO."""
        if not words:
            return await self._staff.absences_reply(actor)
        staff_id = int(words[0]) if len(words) == 3 and words[0].isdigit() else None
        try:
            starts_on, ends_on = (date.fromisoformat(w) for w in words[-2:])
        except ValueError:
            return AWAY_FORMS
        if len(words) != (2 if staff_id is None else 3):
            return AWAY_FORMS
        return await self._staff.add_absence(actor, starts_on, ends_on, staff_id)

    async def _max_cases_command(self, actor: Staff, words: list[str]) -> Reply:
        """/maxcases N, or (a coordinator) /maxcases ID N."""
        if not words or not all(w.isdigit() and len(w) < 10 for w in words) or len(words) > 2:
            return MAX_CASES_FORMS
        staff_id = int(words[0]) if len(words) == 2 else None
        return await self._staff.set_max_open(actor, int(words[-1]), staff_id)

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
                org = parts[1] if len(parts) > 1 else ""
                why = TransferReason(parts[2]) if len(parts) > 2 else None
                return [await self._staff.transfer(actor, ref, org, why)]
            if action == "reply":
                return [await self._staff.start_reply(actor, ref)]
            if action == "trained":
                return [await self._staff.record_training(actor, int(ref))]
            if action == "close":
                reason = CloseReason(parts[1]) if len(parts) > 1 else None
                return [await self._staff.close(actor, ref, reason)]
            if action == "unaway":
                return [await self._staff.remove_absence(actor, int(ref))]
            if action == "call" and self._calls is not None:
                confirmed = len(parts) > 1 and parts[1] == "yes"
                return [await self._calls.request(actor, ref, confirmed=confirmed)]
            if action == "fix" and self._calls is not None:
                fixed = AttemptOutcome(parts[2])
                return [await self._calls.correct(actor, ref, int(parts[1]), fixed)]
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
        # A staff chat, or someone asking to be one: protected like every staff message.
        to = Recipient(Channel.TELEGRAM, str(chat.id), locale, protected=True)
        await self._outbox.enqueue(to, replies, edit_of)


def _time_of_day(text: str) -> time:
    """Read 18:30 (or 18.30, as Swedish writes it); ValueError otherwise."""
    return time.fromisoformat(text.replace(".", ":").zfill(5))


def _start_link(username: str) -> Callable[[str], str]:
    """Make an invite code into a link that opens the bot and joins at one tap."""
    return lambda code: f"https://t.me/{username}?start={code}"


_FLOW_STEPS = {
    "att": 2,
    "close": 2,
    "to": 2,
    "move": 2,
    "call": 2,
}  # parts after which a step continues


def _continues(pick: Pick) -> bool:
    """Tell whether a button answers a flow's own prompt (how? why? to whom?)."""
    action, _, rest = pick.value.partition(":")
    needed = _FLOW_STEPS.get(action)
    return needed is not None and len(rest.split(":")) >= needed
