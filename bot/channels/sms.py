"""SMS and WhatsApp adapter: keywords and text in, one short numbered message out.

Messages are handled in the background so the webhook answers Twilio at once, each
sender's in the order they arrived.
"""

from __future__ import annotations

import logging
import re
import sys
from dataclasses import dataclass

import phonenumbers

from bot.channels.ordering import OrderedWork
from bot.channels.render import numbered, render
from bot.domain.dialogue import N_, Command, CommandName, Inbound, Text
from bot.domain.model import Channel
from bot.domain.sms import fold_to_gsm
from bot.domain.typed import words
from bot.i18n import CatalogError, Catalogs, Translator, locale_for_phone
from bot.ports import Recipient
from bot.services.intake import Answer, Hints, IntakeService, Opting
from bot.services.outbox import Outbox

log = logging.getLogger(__name__)

WHATSAPP_PREFIX = "whatsapp:"
TURNS_AT_ONCE = 2

# Twilio's standard opt-out and opt-in keywords; carriers act on them too.
OPT_OUT_WORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
)
OPT_IN_WORDS = frozenset({"start", "unstop", "yes"})

LOCAL_KEYWORDS = {
    # TRANSLATORS: an SMS keyword: one word in capitals, easy to type, no spaces.
    CommandName.HELP: N_("HELP"),
    # TRANSLATORS: an SMS keyword: one word in capitals, easy to type, no spaces.
    CommandName.ERASE: N_("DELETE"),
    # TRANSLATORS: an SMS keyword: one word in capitals, easy to type, no spaces.
    CommandName.LANGUAGE: N_("LANGUAGE"),
    # TRANSLATORS: an SMS keyword: one word in capitals, easy to type, no spaces.
    CommandName.INFO: N_("INFO"),
    # TRANSLATORS: an SMS keyword: one word in capitals, easy to type, no spaces. It asks for
    # a copy of what we keep about the person.
    CommandName.MYDATA: N_("MYDATA"),
}


@dataclass(frozen=True, slots=True)
class InboundText:
    """A text message as the provider delivered it."""

    sender: str  # "+46701234567" or "whatsapp:+46701234567"
    body: str
    message_id: str

    @property
    def channel(self) -> Channel:
        """Return the channel the message came on."""
        return Channel.WHATSAPP if self.sender.startswith(WHATSAPP_PREFIX) else Channel.SMS

    @property
    def phone(self) -> str:
        """Return the sender's number in E.164, without the WhatsApp prefix."""
        return self.sender.removeprefix(WHATSAPP_PREFIX)


_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def is_text_address(sender: str) -> bool:
    """Tell whether *sender* is a phone number we could ever text back (E.164, or WhatsApp's)."""
    number = sender.removeprefix(WHATSAPP_PREFIX)
    if not _E164.fullmatch(number):
        return False
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(number))
    except phonenumbers.NumberParseException:
        return False


class KeywordClash(CatalogError):
    """Two languages use one SMS keyword for different commands; a catalog must change."""


def keywords(catalogs: Catalogs) -> dict[str, CommandName]:
    """Map every keyword, in English and in each shipped language, to its command.

    Refuses at start-up a word that would mean two things, or that opts out or in.
    """
    found = {"start": CommandName.START}
    for code in catalogs.codes:
        tr = catalogs.translator(code)
        for command, msgid in LOCAL_KEYWORDS.items():
            for word in (words(msgid), words(tr.gettext(msgid))):
                if found.setdefault(word, command) is not command or word in OPT_OUT_WORDS:
                    raise KeywordClash(f"catalogs: the SMS keyword {word!r} ({code}) clashes")
    return found


def commands(tr: Translator) -> dict[str, str]:
    """Name the commands in a message the way the seeker types them on SMS."""
    return {
        CommandName.START.value: "START",
        CommandName.STOP.value: "STOP",
        **{command.value: tr.gettext(msgid) for command, msgid in LOCAL_KEYWORDS.items()},
    }


def body(answer: Answer, catalogs: Catalogs, channel: Channel) -> list[str]:
    """Write a turn's replies as few message bodies as Twilio allows."""
    tr = catalogs.translator(answer.locale)
    parts = [
        numbered(render(reply, tr, commands(tr)), tr, compact=True) for reply in answer.replies
    ]
    if channel.traits.paid_segments:
        parts = [fold_to_gsm(part) for part in parts]
    limit = channel.traits.max_length or sys.maxsize
    bodies: list[str] = []
    for part in parts:
        if bodies and len(bodies[-1]) + 2 + len(part) <= limit:
            bodies[-1] += "\n\n" + part
        else:
            bodies += [part[i : i + limit] for i in range(0, len(part), limit)]
    return bodies


class TextAdapter:
    """Run text messages through the intake and send the answers back."""

    def __init__(self, intake: IntakeService, outbox: Outbox, catalogs: Catalogs) -> None:
        self._intake = intake
        self._outbox = outbox
        self._catalogs = catalogs
        self._keywords = keywords(catalogs)
        # Few turns at once: each waits for the one database anyway, and a long queue of
        # them there would hold up the webhook's own write, which Twilio is waiting for.
        self._kept: OrderedWork[str, InboundText] = OrderedWork(self._handle_kept, TURNS_AT_ONCE)

    async def receive(self, message: InboundText) -> None:
        """Keep *message* (committed before Twilio hears back), then handle it in the background."""
        await self._intake.keep_text(
            message.channel, message.message_id, message.sender, message.body
        )
        self.accept(message)

    async def recover(self) -> int:
        """Handle the texts a crash left kept but unhandled; count them."""
        waiting = await self._intake.waiting_texts()
        for message_id, sender, body in waiting:
            self.accept(InboundText(sender, body, message_id))
        if waiting:
            log.info("sms.recovered count=%d", len(waiting))
        return len(waiting)

    def accept(self, message: InboundText) -> None:
        """Handle *message* in the background, after the sender's earlier ones."""
        self._kept.put(message.sender, message)

    async def drain(self) -> None:
        """Wait until every accepted message is handled."""
        await self._kept.drain()

    async def _handle_kept(self, message: InboundText) -> None:
        try:
            await self.handle(message)
        # Swallowed on purpose: one failed message must not stop the sender's next ones.
        except Exception as error:
            log.error("sms.handler_failed error=%s", type(error).__name__)
            await self._apologise(message)
            # Apologised for: a restart must not run it (or apologise) again.
            await self._intake.text_handled(message.channel, message.message_id)

    async def handle(self, message: InboundText) -> None:
        """Read keywords, then run the turn: one unit of work takes the text off the inbox,
        checks the sender's opt-out, runs the dialogue and queues the answer."""
        word = words(message.body)
        opting = Opting.NONE
        if word in OPT_OUT_WORDS:
            opting = Opting.STOP
        elif word in OPT_IN_WORDS:
            opting = Opting.START
        inbound: Inbound = Text(message.body)
        if word in self._keywords:
            inbound = Command(self._keywords[word])
        shipped = self._catalogs.codes
        hints = Hints(locale=locale_for_phone(message.phone, shipped), phone=message.phone)
        await self._intake.handle(
            message.channel, message.sender, inbound, hints, message.message_id,
            kept=opting,
        )  # fmt: skip

    async def _apologise(self, message: InboundText) -> None:
        hints = Hints(locale=locale_for_phone(message.phone, self._catalogs.codes))
        answer = self._intake.apology(message.channel, hints)
        try:
            await self._outbox.enqueue(
                Recipient(message.channel, message.sender, answer.locale), answer.replies
            )
        # Swallowed on purpose: the failure is logged, and nothing else can reach them now.
        except Exception as error:
            log.error("sms.apology_failed error=%s", type(error).__name__)
