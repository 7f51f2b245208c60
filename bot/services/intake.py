"""One turn of a seeker's intake: load the conversation, advance it, store the outcome."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.config_file import Retention
from bot.domain.case_history import FOLLOWED_BY, FOLLOWS
from bot.domain.cases import CaseRecord, CaseSource, CaseStatus, NewCase, Staff, answers_of
from bot.domain.confirmation import confirmation_replies
from bot.domain.conversation import Answers, IntakeContext, IntakeState, Language
from bot.domain.dialogue import N_, Command, CommandName, Inbound, Reply, Text
from bot.domain.information import Library, after_intake
from bot.domain.intake import (
    CaseSubmitted,
    DataAsked,
    DataErased,
    IntakeEnded,
    SeekerWrote,
    advance,
)
from bot.domain.model import Channel, IntakeOutcome, Partnership
from bot.domain.my_data import my_data
from bot.domain.questions import failure_reply
from bot.domain.web_return import READABLE, REFERENCE_LENGTH
from bot.ports import Clock, IntakeListener, Recipient, Screen, Unit, UnitsOfWork
from bot.services.outbox import Outbox, queue

log = logging.getLogger(__name__)

_ERASE = Command(CommandName.ERASE)
_FOLLOW_ON = N_(
    "Your earlier case is closed, so we have opened a new one: {reference}. Your message is "
    "passed on, and a support person will answer here."
)


def new_reference() -> str:
    """Return a short random case reference such as 'K7M-4QX' (31^6 ≈ 9·10^8 of them)."""
    # Read aloud on the phone and typed on a small screen: no letter that looks like another.
    chars = [secrets.choice(READABLE) for _ in range(REFERENCE_LENGTH)]
    return "".join(chars[:3]) + "-" + "".join(chars[3:])


@dataclass(frozen=True, slots=True)
class Hints:
    """What the channel knows about the seeker without asking."""

    locale: str | None = None  # e.g. Telegram's language_code
    phone: str | None = None  # the sender's own number on SMS


class Opting(StrEnum):
    """What a text says about being written to (SMS STOP and START, and their synonyms)."""

    NONE = "none"
    STOP = "stop"  # never write to me again, not even to confirm
    START = "start"  # you may write again


@dataclass(frozen=True, slots=True)
class _Erased:
    sent: list[str]  # provider ids of the bot's messages, to take back where possible


@dataclass(frozen=True, slots=True)
class Answer:
    """What a turn said, in the locale it is written in.

    *replies* are those the channel must show itself: none on a channel the outbox sends on,
    where they were queued with the turn.
    """

    locale: str
    replies: list[Reply]
    staff: Staff | None = None  # the sender is staff: no turn ran, the staff side takes it


class IntakeService:
    def __init__(
        self,
        units: UnitsOfWork,
        clock: Clock,
        partnership: Partnership,
        languages: tuple[Language, ...],
        default_locale: str,
        *,
        outbox: Outbox | None = None,
        listener: IntakeListener | None = None,
        screen: Screen | None = None,
        reference_factory: Callable[[], str] = new_reference,
        label: Callable[[str, str], str] | None = None,
        information: Library | None = None,
        retention: Retention | None = None,
    ) -> None:
        self._units = units
        self._retention = retention or Retention()  # what a seeker's copy says of erasure
        self._information = information or Library()
        self._clock = clock
        self._partnership = partnership
        self._languages = languages
        self._default_locale = default_locale
        self._new_reference = reference_factory
        # Given only when set, so the context's own default stands otherwise.
        self._labels = {} if label is None else {"label": label}
        # What staff must hear of a turn (a new case, a message) is queued in the turn itself.
        self._listener = listener
        self._screen = screen
        # Replies are queued in the turn on channels the outbox can send on; on the others
        # (the console) the channel shows them itself.
        self._outbox = outbox

    @property
    def default_locale(self) -> str:
        """Return the language a seeker is greeted in before they choose one."""
        return self._default_locale

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
            information=self._information,
            channel_phone=hints.phone,
            **self._labels,
        )

    async def handle(
        self,
        channel: Channel,
        address: str,
        inbound: Inbound,
        hints: Hints | None = None,
        message_id: str | None = None,
        reply_to: int | None = None,
        kept: Opting | None = None,
    ) -> Answer:
        """Take one inbound message from a seeker and return what to answer.

        *message_id* is the provider's id of the message: one seen before changes nothing
        and gets no answer, so a provider's retry never runs a turn twice. The answer, and
        what staff are told of a new case or message, are queued in the outbox in the same
        transaction as the turn (on a channel without a provider, like the console, the
        answer is returned to be shown instead); *reply_to* is the message a pressed button
        was on, which a redrawn question replaces. A sender who is staff (the screen knows)
        is never taken for a seeker: the answer names them and nothing else happens
        (checked in the same unit of work, as it is on every update). A text *kept* in the
        inbox (SMS, WhatsApp; the value says what it opts) leaves the inbox and is read
        against the sender's opt-out in the same unit of work too: after STOP nothing is
        sent, not even a confirmation, until START.
        """
        now = self._clock.now()
        ctx = self._context(channel, hints or Hints())
        outbox = self._outbox
        queues = outbox is not None and outbox.can_send(channel)

        # The whole turn is one unit of work on the database thread: it runs on every message.
        async def turn(unit: Unit) -> tuple[Answer, _Erased | None]:
            staff, read = None, inbound
            if self._screen is not None:
                staff = await self._screen.staff_at(unit, channel, address)
                if staff is not None and not (
                    inbound == _ERASE and await unit.intake.find_seeker(channel, address)
                ):
                    return Answer(staff.locale, [], staff=staff), None
            if kept is not None and message_id is not None:
                await unit.inbox.handled(channel, message_id)
            if message_id is not None and not await unit.intake.claim_inbound(
                channel, message_id, now
            ):
                log.info("intake.duplicate_ignored")
                return Answer(self._default_locale, []), None
            if kept is not None:
                if kept is Opting.STOP:
                    await self._stop_writing(unit, ctx, address, now)
                    return Answer(self._default_locale, []), None
                if await unit.messages.opted_out(channel, address):
                    if kept is not Opting.START:
                        # Nothing may be sent back, but what they write still reaches staff.
                        await self._from_opted_out(unit, channel, address, read, now)
                        return Answer(self._default_locale, []), None
                    await unit.messages.opt_in(channel, address)
                    log.info("sms.opted_in")
                    read = Command(CommandName.START)
            # A seeker who became staff may still erase what they told us as a seeker; the
            # staff messages in the same chat stay.
            answer, erased, seeker_id = await self._turn(
                unit, ctx, address, read, now, staff_chat=staff is not None
            )
            if queues and answer.replies:
                redraw = answer.replies[0].replaces_previous and channel.traits.edits
                edit = reply_to if redraw else None
                to = Recipient(channel, address, answer.locale)
                await queue(unit, to, answer.replies, now, seeker_id=seeker_id, edit_of=edit)
                answer = replace(answer, replies=[])  # on their way: nothing for the channel
            return answer, erased

        answer, erased = await self._units.run(turn)
        if outbox is not None:
            outbox.wake()
        if erased is not None:
            await self._units.scrub()
            if outbox is not None:
                await outbox.unsend(channel, address, erased.sent)
        return answer

    async def _turn(
        self,
        unit: Unit,
        ctx: IntakeContext,
        address: str,
        inbound: Inbound,
        now: datetime,
        *,
        staff_chat: bool = False,
    ) -> tuple[Answer, _Erased | None, int | None]:
        """Run one turn; return the answer, what an erasure took back, and the seeker's id."""
        channel, intake = ctx.channel, unit.intake
        seeker_id, state = await intake.seeker_and_state(channel, address)
        turn = advance(state or IntakeState(), inbound, now, ctx)
        new_state, replies, event = turn.state, list(turn.replies), turn.event

        if isinstance(event, DataErased):
            # In a staff member's chat the messages to the seeker they were go with the
            # seeker (by cascade); the staff messages in it are not theirs to take back.
            sent = [] if staff_chat else await unit.outbox.forget(channel, address, seeker_id)
            # Counted once, as an intake that ended without a case: a case that is erased is
            # counted as that case, and someone we knew nothing of erased nothing.
            if seeker_id is not None and not await intake.has_case(seeker_id):
                await intake.record_outcome(IntakeOutcome.ERASED, channel, new_state.locale, now)
            if seeker_id is not None:
                await intake.forget_seeker(seeker_id)
            log.info("intake.erased")
            return Answer(new_state.locale, replies), _Erased(sent), None

        if isinstance(event, DataAsked):
            copy = await self._copy(unit, seeker_id, state, now)
            log.info("intake.data_asked")
            return Answer(new_state.locale or self._default_locale, copy), None, seeker_id

        if isinstance(event, IntakeEnded):
            await intake.record_outcome(event.outcome, channel, event.locale, now)
            log.info("intake.ended outcome=%s", event.outcome)
            if seeker_id is not None and not await intake.has_case(seeker_id):
                # Nothing of an unfinished intake is kept, not even the address.
                await intake.forget_seeker(seeker_id)
                seeker_id = None
            return Answer(new_state.locale, replies), None, seeker_id

        if not new_state.started:
            return Answer(new_state.locale or self._default_locale, replies), None, seeker_id
        if seeker_id is None:
            seeker_id = await intake.add_seeker(channel, address, now)

        listener = self._listener
        if isinstance(event, CaseSubmitted):
            org_id = event.route.org_id
            if org_id is None:
                raise ValueError("a case needs an organisation")
            new = NewCase(
                org_id, CaseSource.BOT, event.locale, now, event.answers, channel, seeker_id
            )
            case_id, reference = await unit.cases.add(new, self._new_reference)
            # The answers now live in the case; the conversation keeps no second copy.
            new_state = replace(new_state, reference=reference, org_id=org_id, answers=Answers())
            replies += confirmation_replies(
                self._partnership, reference, event.answers, event.route, now
            )
            replies.append(after_intake(button=channel.traits.buttons))
            log.info("intake.case_created case=%s org=%s", reference, event.route.org_id)
            if listener is not None:
                await listener.case_created(unit, case_id, seeker_id, now)
        elif isinstance(event, SeekerWrote):
            case = await unit.cases.case_of_seeker(seeker_id)
            if case is not None:
                writes_to = case.id
                if case.status is CaseStatus.CLOSED:
                    writes_to, later = await self._follow_on(
                        unit, ctx, case, seeker_id, new_state.locale, now
                    )
                    new_state = replace(new_state, reference=later, org_id=case.org_id)
                    replies = [Reply(_FOLLOW_ON, {"reference": later})]
                await unit.cases.add_message(
                    writes_to, from_seeker=True, staff_id=None, body=event.text, now=now
                )
                if listener is not None:
                    await listener.seeker_wrote(unit, writes_to, seeker_id, event.text, now)

        await intake.save_conversation(seeker_id, new_state, now)
        return Answer(new_state.locale, replies), None, seeker_id

    async def _copy(
        self, unit: Unit, seeker_id: int | None, state: IntakeState | None, now: datetime
    ) -> list[Reply]:
        """The seeker's own copy of what we keep: their case's, or their unfinished intake's."""
        case = await unit.cases.case_of_seeker(seeker_id) if seeker_id is not None else None
        days = self._retention
        if case is not None and case.status is not CaseStatus.ERASED:
            conversation = await unit.cases.messages(case.id)
            erased_on = None
            if case.closed_at is not None:
                closed = case.closed_at.astimezone(ZoneInfo(self._partnership.timezone)).date()
                erased_on = closed + timedelta(days=days.closed_case_days)
            answers = replace(answers_of(case), notes=case.notes)  # theirs, so all of it
            return my_data(
                answers, self._partnership, reference=case.reference,
                status=case.status, received_at=case.received_at, conversation=conversation,
                erased_on=erased_on, kept_days=days.closed_case_days,
            )  # fmt: skip
        if state is None or not state.started:
            return my_data(None, self._partnership)
        return my_data(state.answers, self._partnership, kept_days=days.abandoned_intake_days)

    async def _from_opted_out(
        self, unit: Unit, channel: Channel, address: str, inbound: Inbound, now: datetime
    ) -> None:
        """Keep a text from someone who sent STOP with their open case, and pass it on."""
        seeker_id = await unit.intake.find_seeker(channel, address)
        case = await unit.cases.case_of_seeker(seeker_id) if seeker_id is not None else None
        if seeker_id is None or case is None or not case.status.open:
            log.info("sms.ignored_opted_out")
            return
        if not isinstance(inbound, Text) or not inbound.text.strip():
            return
        text = inbound.text.strip()
        await unit.cases.add_message(case.id, from_seeker=True, staff_id=None, body=text, now=now)
        if self._listener is not None:
            await self._listener.seeker_wrote(unit, case.id, seeker_id, text, now)
        log.info("sms.kept_from_opted_out case=%s", case.reference)

    async def _follow_on(
        self,
        unit: Unit,
        ctx: IntakeContext,
        earlier: CaseRecord,
        seeker_id: int,
        locale: str,
        now: datetime,
    ) -> tuple[int, str]:
        """Open a new case for a seeker who writes after theirs was closed; its id, reference.

        It goes to the organisation that had the earlier case, with what that case holds,
        and runs from now as any new case does (deadline, reminders, the city's figures).
        """
        new = NewCase(
            earlier.org_id, CaseSource.BOT, locale, now, answers_of(earlier), ctx.channel, seeker_id
        )
        case_id, reference = await unit.cases.add(new, self._new_reference)
        await unit.cases.record_event(case_id, None, FOLLOWS, earlier.reference, now)
        await unit.cases.record_event(earlier.id, None, FOLLOWED_BY, reference, now)
        log.info("intake.case_followed case=%s earlier=%s", reference, earlier.reference)
        if self._listener is not None:
            await self._listener.case_created(unit, case_id, seeker_id, now, follows=earlier)
        return case_id, reference

    async def keep_text(self, channel: Channel, message_id: str, sender: str, body: str) -> None:
        """Store an incoming text before its provider is told it arrived."""
        now = self._clock.now()
        await self._units.run(lambda unit: unit.inbox.add(channel, message_id, sender, body, now))

    async def waiting_texts(self) -> list[tuple[str, str, str]]:
        """Return texts kept but not handled (after a crash): (message id, sender, body)."""
        async with self._units.begin() as unit:
            return await unit.inbox.waiting()

    async def text_handled(self, channel: Channel, message_id: str) -> None:
        """Forget a kept text once its turn is committed."""
        await self._units.run(lambda unit: unit.inbox.handled(channel, message_id))

    async def _stop_writing(
        self, unit: Unit, ctx: IntakeContext, address: str, now: datetime
    ) -> None:
        """Never send to *address* again (SMS STOP); an intake in progress ends, unkept."""
        channel = ctx.channel
        seeker_id = await unit.messages.opt_out(channel, address, now)
        log.info("sms.opted_out")
        state = await unit.intake.load_conversation(seeker_id)
        if state is None:
            return
        turn = advance(state, Command(CommandName.STOP), now, ctx)
        if isinstance(turn.event, IntakeEnded):
            await unit.intake.record_outcome(turn.event.outcome, channel, turn.event.locale, now)
        await unit.intake.save_conversation(seeker_id, turn.state, now)
