"""One turn of a seeker's intake: load the conversation, advance it, store the outcome."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.domain.confirmation import confirmation_replies
from bot.domain.conversation import Answers, IntakeContext, IntakeState, Language
from bot.domain.dialogue import Inbound, Reply
from bot.domain.intake import CaseSubmitted, DataErased, IntakeEnded, advance
from bot.domain.model import Channel, IntakeOutcome, Partnership
from bot.domain.questions import failure_reply
from bot.ports import Clock, IntakeUnits

log = logging.getLogger(__name__)

# No 0/O or 1/I/L: a reference is read aloud on the phone and typed on a small screen.
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_reference() -> str:
    """Return a short random case reference such as 'K7M-4QX' (31^6 ≈ 9·10^8 of them)."""
    chars = [secrets.choice(_REFERENCE_ALPHABET) for _ in range(6)]
    return "".join(chars[:3]) + "-" + "".join(chars[3:])


@dataclass(frozen=True, slots=True)
class Hints:
    """What the channel knows about the seeker without asking."""

    locale: str | None = None  # e.g. Telegram's language_code
    phone: str | None = None  # the sender's own number on SMS


@dataclass(frozen=True, slots=True)
class Answer:
    """The replies to send, in the locale they must be written in."""

    locale: str
    replies: list[Reply]


class IntakeService:
    def __init__(
        self,
        units: IntakeUnits,
        clock: Clock,
        partnership: Partnership,
        languages: tuple[Language, ...],
        default_locale: str,
        reference_factory: Callable[[], str] = new_reference,
    ) -> None:
        self._units = units
        self._clock = clock
        self._partnership = partnership
        self._languages = languages
        self._default_locale = default_locale
        self._new_reference = reference_factory

    def apology(self, channel: Channel, hints: Hints | None = None) -> Answer:
        """Return the message for a seeker whose message we failed to handle."""
        hints = hints or Hints()
        locale = self._context(channel, hints).shipped(hints.locale)
        return Answer(locale or self._default_locale, [failure_reply(self._partnership.numbers)])

    def _context(self, channel: Channel, hints: Hints) -> IntakeContext:
        return IntakeContext(
            partnership=self._partnership,
            languages=self._languages,
            channel=channel,
            default_locale=self._default_locale,
            suggested_locale=hints.locale,
            channel_phone=hints.phone,
        )

    async def handle(
        self, channel: Channel, address: str, inbound: Inbound, hints: Hints | None = None
    ) -> Answer:
        """Take one inbound message from a seeker and return what to answer."""
        now = self._clock.now()
        ctx = self._context(channel, hints or Hints())
        async with self._units.intake() as unit:
            seeker_id = await unit.find_seeker(channel, address)
            state = None if seeker_id is None else await unit.load_conversation(seeker_id)
            turn = advance(state or IntakeState(), inbound, now, ctx)
            new_state, replies, event = turn.state, list(turn.replies), turn.event

            if isinstance(event, DataErased):
                if seeker_id is not None:
                    await unit.forget_seeker(seeker_id)
                await unit.record_outcome(IntakeOutcome.ERASED, channel, new_state.locale, now)
                log.info("intake.erased")
                return Answer(new_state.locale, replies)

            if isinstance(event, IntakeEnded):
                await unit.record_outcome(event.outcome, channel, event.locale, now)
                log.info("intake.ended outcome=%s", event.outcome)
                if seeker_id is not None and not await unit.has_case(seeker_id):
                    # Nothing of an unfinished intake is kept, not even the address.
                    await unit.forget_seeker(seeker_id)
                return Answer(new_state.locale, replies)

            if not new_state.started:
                return Answer(new_state.locale or self._default_locale, replies)
            if seeker_id is None:
                seeker_id = await unit.add_seeker(channel, address, now)

            if isinstance(event, CaseSubmitted):
                reference = await unit.create_case(
                    seeker_id=seeker_id,
                    channel=channel,
                    answers=event.answers,
                    route=event.route,
                    locale=event.locale,
                    received_at=now,
                    new_reference=self._new_reference,
                )
                # The answers now live in the case; the conversation keeps no second copy.
                new_state = replace(new_state, reference=reference, answers=Answers())
                replies += confirmation_replies(
                    self._partnership, reference, event.answers, event.route, now
                )
                log.info("intake.case_created case=%s org=%s", reference, event.route.org_id)

            await unit.save_conversation(seeker_id, new_state, now)
        return Answer(new_state.locale, replies)
