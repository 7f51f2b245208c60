"""The intake dialogue as a pure state machine: ``advance(state, inbound, now, context)``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

import phonenumbers

from bot.domain import questions as q
from bot.domain.dialogue import N_, Choice, Command, CommandName, Inbound, Pick, Reply, Text
from bot.domain.model import (
    AgeGroup,
    AreaKind,
    CallTime,
    Channel,
    Circumstance,
    ContactMethod,
    CrimeCategory,
    Gender,
    IntakeOutcome,
    Partnership,
    Role,
    SupportNeed,
)
from bot.domain.questions import Step
from bot.domain.routing import OUTSIDE_STOCKHOLM, Route, match_district, route

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NUMBERS = re.compile(r"^\s*\d+(\s*[ ,;]\s*\d+)*\s*$")


@dataclass(frozen=True, slots=True)
class Answers:
    """What the seeker has told us so far; None means not asked or skipped."""

    consent: bool | None = None
    role: Role | None = None
    age_group: AgeGroup | None = None
    area_kind: AreaKind | None = None
    district_id: str | None = None
    young_consent: bool | None = None
    crime: CrimeCategory | None = None
    circumstances: frozenset[Circumstance] = frozenset()
    needs: frozenset[SupportNeed] = frozenset()
    contact: ContactMethod | None = None
    phone: str | None = None
    email: str | None = None
    call_time: CallTime | None = None
    call_time_note: str | None = None
    voicemail_ok: bool | None = None
    sms_ok: bool | None = None
    talk_language: str | None = None
    talk_language_other: str | None = None
    gender: Gender | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class IntakeState:
    step: Step = Step.LANGUAGE
    locale: str = ""
    answers: Answers = field(default_factory=Answers)
    started: bool = False
    resume: Step | None = None  # where to go back to after a change of language
    started_at: datetime | None = None
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    name: str  # in the language itself


@dataclass(frozen=True, slots=True)
class IntakeContext:
    partnership: Partnership
    languages: tuple[Language, ...]
    channel: Channel
    default_locale: str = "sv"
    suggested_locale: str | None = None
    channel_phone: str | None = None  # the sender's own number on SMS, in E.164


@dataclass(frozen=True, slots=True)
class CaseSubmitted:
    answers: Answers
    route: Route
    locale: str


@dataclass(frozen=True, slots=True)
class IntakeEnded:
    """An intake ended without a case; only this anonymous outcome may be kept."""

    outcome: IntakeOutcome
    locale: str


@dataclass(frozen=True, slots=True)
class DataErased:
    pass


Event = CaseSubmitted | IntakeEnded | DataErased


@dataclass(frozen=True, slots=True)
class Turn:
    state: IntakeState
    replies: list[Reply]
    event: Event | None = None


def advance(state: IntakeState, inbound: Inbound, now: datetime, ctx: IntakeContext) -> Turn:
    """Take one message from the seeker and return the new state, the replies and any event."""
    if isinstance(inbound, Command):
        return _command(state, inbound.name, now, ctx)
    if not state.started or state.step is Step.ENDED:
        return _begin(state, now, ctx)
    if state.step is Step.DONE:
        return Turn(state, [_done_reply(state)])
    if isinstance(inbound, Pick) and inbound.step != state.step:
        return Turn(state, [question(state, ctx)])  # a button from an earlier question
    return _answer(state, inbound, ctx)


def question(state: IntakeState, ctx: IntakeContext) -> Reply:
    """Ask the question of the current step."""
    step = state.step
    if step is Step.LANGUAGE:
        return _language_question(state, ctx)
    if step in q.SINGLE_CHOICE:
        text, options, skippable = q.SINGLE_CHOICE[step]
        choices = tuple(Choice(value, label) for value, label in options)
        if skippable:
            choices += (q.skip_choice(),)
        return Reply(text, choices=choices, step=step)
    if step in q.MULTIPLE_CHOICE:
        return _multiple_question(state)
    if step is Step.TALK_LANGUAGE:
        return _talk_language_question(state, ctx)
    if step is Step.AREA:
        districts = ctx.partnership.districts
        choices = tuple(Choice(d.id, d.name, literal=True) for d in districts)
        choices += (Choice(OUTSIDE_STOCKHOLM, N_("Outside Stockholm")), q.skip_choice())
        return Reply(q.TEXT_QUESTIONS[step], choices=choices, step=step)
    if step is Step.PHONE:
        choices = ()
        if ctx.channel_phone:
            choices = (
                Choice(
                    q.USE_THIS_NUMBER,
                    N_("Use this number ({phone})"),
                    params={"phone": ctx.channel_phone},
                ),
            )
        choices += (Choice(q.CHAT_INSTEAD, N_("Write to me here instead")),)
        return Reply(q.TEXT_QUESTIONS[step], choices=choices, step=step)
    if step is Step.EMAIL:
        chat = (Choice(q.CHAT_INSTEAD, N_("Write to me here instead")),)
        return Reply(q.TEXT_QUESTIONS[step], choices=chat, step=step)
    if step in q.TEXT_QUESTIONS:
        return Reply(q.TEXT_QUESTIONS[step], choices=(q.skip_choice(),), step=step)
    return _done_reply(state)


def _begin(state: IntakeState, now: datetime, ctx: IntakeContext) -> Turn:
    locale = state.locale or _shipped(ctx, ctx.suggested_locale) or ctx.default_locale
    fresh = IntakeState(step=Step.LANGUAGE, locale=locale, started=True, started_at=now)
    return Turn(fresh, [question(fresh, ctx)])


def _shipped(ctx: IntakeContext, code: str | None) -> str | None:
    if not code:
        return None
    codes = {lang.code for lang in ctx.languages}
    for candidate in (code, code.replace("-", "_"), code.split("-")[0].split("_")[0]):
        if candidate in codes:
            return candidate
    return None


def _command(state: IntakeState, name: CommandName, now: datetime, ctx: IntakeContext) -> Turn:
    in_progress = state.started and state.step not in (Step.DONE, Step.ENDED)
    if name is CommandName.START:
        if state.step is Step.DONE:
            return Turn(state, [_done_reply(state)])
        return _begin(state, now, ctx)
    if name is CommandName.HELP:
        replies = [_help_reply(ctx)]
        if in_progress:
            replies.append(question(state, ctx))
        return Turn(state, replies)
    if name is CommandName.LANGUAGE:
        if not in_progress and state.step is not Step.DONE:
            return _begin(state, now, ctx)  # the first question is the language anyway
        resume = state.resume if state.step is Step.LANGUAGE else state.step
        moved = replace(state, step=Step.LANGUAGE, resume=resume)
        return Turn(moved, [question(moved, ctx)])
    if name is CommandName.ERASE:
        erased = IntakeState(locale=state.locale or ctx.default_locale)
        return Turn(erased, [Reply(_ERASED)], DataErased())
    # STOP
    if state.step is Step.DONE:
        return Turn(state, [Reply(_STOPPED_WITH_CASE, params={"reference": state.reference or ""})])
    ended = IntakeState(step=Step.ENDED, locale=state.locale or ctx.default_locale, started=True)
    event = IntakeEnded(IntakeOutcome.STOPPED, ended.locale) if in_progress else None
    return Turn(ended, [Reply(_STOPPED)], event)


def _answer(state: IntakeState, inbound: Text | Pick, ctx: IntakeContext) -> Turn:
    step = state.step
    handler = _HANDLERS.get(step)
    if handler is not None:
        return handler(state, inbound, ctx)
    if step in q.SINGLE_CHOICE:
        return _single(state, inbound, ctx)
    if step in q.MULTIPLE_CHOICE:
        return _multiple(state, inbound, ctx)
    return _free_text(state, inbound, ctx)


def _picked(reply: Reply, inbound: Text | Pick) -> str | None:
    """Return the value of the choice the seeker picked, by button or by its number."""
    if isinstance(inbound, Pick):
        values = {c.value for c in reply.choices}
        return inbound.value if inbound.value in values else None
    text = inbound.text.strip()
    if text.isdigit() and 1 <= int(text) <= len(reply.choices):
        return reply.choices[int(text) - 1].value
    return None


def _re_ask(state: IntakeState, ctx: IntakeContext, message: str = q.RE_ASK) -> Turn:
    return Turn(state, [Reply(message), question(state, ctx)])


def _single(state: IntakeState, inbound: Text | Pick, ctx: IntakeContext) -> Turn:
    value = _picked(question(state, ctx), inbound)
    if value is None:
        return _re_ask(state, ctx)
    step, a = state.step, state.answers
    if step is Step.CONSENT:
        if value == q.NO:
            return _end(state, IntakeOutcome.CONSENT_REFUSED, ctx)
        return _next(state, replace(a, consent=True), ctx)
    if step is Step.YOUNG_CONSENT:
        if value == q.NO:
            return _end(state, IntakeOutcome.STODCENTRUM_DECLINED, ctx)
        return _next(state, replace(a, young_consent=True), ctx)
    skipped = value == q.SKIP
    setters: dict[Step, Callable[[str], Answers]] = {
        Step.ROLE: lambda v: replace(a, role=Role(v)),
        Step.AGE: lambda v: replace(a, age_group=AgeGroup(v)),
        Step.CRIME: lambda v: replace(a, crime=CrimeCategory(v)),
        Step.CONTACT: lambda v: replace(a, contact=ContactMethod(v)),
        Step.CALL_TIME: lambda v: replace(a, call_time=CallTime(v)),
        Step.VOICEMAIL: lambda v: replace(a, voicemail_ok=v == q.YES),
        Step.SMS_OK: lambda v: replace(a, sms_ok=v == q.YES),
        Step.GENDER: lambda v: replace(a, gender=Gender(v)),
    }
    return _next(state, a if skipped else setters[step](value), ctx)


def _multiple_question(state: IntakeState) -> Reply:
    text, options = q.MULTIPLE_CHOICE[state.step]
    chosen = _selection(state)
    choices = tuple(Choice(value, label, selected=value in chosen) for value, label in options)
    finish = Choice(q.DONE, N_("Done")) if chosen else q.skip_choice()
    return Reply(text, choices=(*choices, finish), step=state.step, multiple=True)


def _selection(state: IntakeState) -> frozenset[str]:
    if state.step is Step.CIRCUMSTANCES:
        return frozenset(state.answers.circumstances)
    return frozenset(state.answers.needs)


def _with_selection(state: IntakeState, chosen: frozenset[str]) -> Answers:
    if state.step is Step.CIRCUMSTANCES:
        return replace(state.answers, circumstances=frozenset(Circumstance(v) for v in chosen))
    return replace(state.answers, needs=frozenset(SupportNeed(v) for v in chosen))


def _multiple(state: IntakeState, inbound: Text | Pick, ctx: IntakeContext) -> Turn:
    reply = _multiple_question(state)
    options = [c.value for c in reply.choices[:-1]]
    if isinstance(inbound, Text) and _NUMBERS.match(inbound.text):
        picked = [int(n) for n in re.findall(r"\d+", inbound.text)]
        if not all(1 <= n <= len(reply.choices) for n in picked):
            return _re_ask(state, ctx)
        chosen = frozenset(options[n - 1] for n in picked if n <= len(options))
        return _next(state, _with_selection(state, chosen), ctx)
    value = _picked(reply, inbound)
    if value is None:
        return _re_ask(state, ctx)
    if value in (q.DONE, q.SKIP):
        return _next(state, state.answers, ctx)
    chosen = _selection(state) ^ {value}
    toggled = replace(state, answers=_with_selection(state, chosen))
    return Turn(toggled, [replace(_multiple_question(toggled), replaces_previous=True)])


def _language(state: IntakeState, inbound: Text | Pick, ctx: IntakeContext) -> Turn:
    code = _picked(question(state, ctx), inbound)
    if code is None and isinstance(inbound, Text):
        wanted = inbound.text.strip().casefold()
        code = next(
            (lang.code for lang in ctx.languages if wanted in (lang.code, lang.name.casefold())),
            None,
        )
    if code is None:
        return _re_ask(state, ctx)
    if state.resume is not None:
        resumed = replace(state, locale=code, step=state.resume, resume=None)
        return Turn(resumed, [question(resumed, ctx)])
    chosen = replace(state, locale=code, step=Step.CONSENT)
    return Turn(chosen, [*q.intro_replies(ctx.partnership, ctx.channel), question(chosen, ctx)])


def _language_question(state: IntakeState, ctx: IntakeContext) -> Reply:
    first = _shipped(ctx, ctx.suggested_locale) or state.locale
    ordered = sorted(ctx.languages, key=lambda lang: lang.code != first)
    choices = tuple(Choice(lang.code, lang.name, literal=True) for lang in ordered)
    return Reply(N_("Which language do you want to write in?"), choices=choices, step=Step.LANGUAGE)


def _area(state: IntakeState, inbound: Text | Pick, ctx: IntakeContext) -> Turn:
    value = _picked(question(state, ctx), inbound)
    a = state.answers
    if value == OUTSIDE_STOCKHOLM:
        return _end(state, IntakeOutcome.REFERRED_NATIONAL, ctx)
    if value == q.SKIP:
        return _next(state, replace(a, area_kind=AreaKind.UNKNOWN), ctx)
    district = None
    if value is not None:
        district = ctx.partnership.district(value)
    elif isinstance(inbound, Text):
        district = match_district(ctx.partnership, inbound.text)
    if district is None:
        return _re_ask(state, ctx, q.RE_ASK_AREA)
    return _next(state, replace(a, area_kind=AreaKind.DISTRICT, district_id=district.id), ctx)


def _phone(state: IntakeState, inbound: Text | Pick, ctx: IntakeContext) -> Turn:
    value = _picked(question(state, ctx), inbound)
    a = state.answers
    if value == q.CHAT_INSTEAD:
        return _next(state, replace(a, contact=ContactMethod.CHAT, phone=None), ctx)
    if value == q.USE_THIS_NUMBER:
        return _next(state, replace(a, phone=ctx.channel_phone), ctx)
    phone = normalise_phone(inbound.text) if isinstance(inbound, Text) else None
    if phone is None:
        return _re_ask(state, ctx, q.RE_ASK_PHONE)
    return _next(state, replace(a, phone=phone), ctx)


def normalise_phone(text: str, region: str = "SE") -> str | None:
    """Return *text* as an E.164 number if it is a valid phone number, else None."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _email(state: IntakeState, inbound: Text | Pick, ctx: IntakeContext) -> Turn:
    value = _picked(question(state, ctx), inbound)
    a = state.answers
    if value == q.CHAT_INSTEAD:
        return _next(state, replace(a, contact=ContactMethod.CHAT), ctx)
    text = inbound.text.strip() if isinstance(inbound, Text) else ""
    if not _EMAIL.match(text):
        return _re_ask(state, ctx, q.RE_ASK_EMAIL)
    return _next(state, replace(a, email=text), ctx)


def _call_time(state: IntakeState, inbound: Text | Pick, ctx: IntakeContext) -> Turn:
    if isinstance(inbound, Text) and _picked(question(state, ctx), inbound) is None:
        note = inbound.text.strip()[:200]
        return _next(state, replace(state.answers, call_time_note=note), ctx)
    return _single(state, inbound, ctx)


def _talk_language_question(state: IntakeState, ctx: IntakeContext) -> Reply:
    names = {lang.code: lang.name for lang in ctx.languages}
    codes = dict.fromkeys([state.locale, "sv", "en"])
    choices = tuple(Choice(code, names[code], literal=True) for code in codes if code in names)
    choices += (Choice(q.OTHER_LANGUAGE, N_("Another language")), q.skip_choice())
    text = N_(
        "Which language would you like to speak with your support person? Many of our "
        "volunteers speak other languages, and we can book an interpreter."
    )
    return Reply(text, choices=choices, step=Step.TALK_LANGUAGE)


def _talk_language(state: IntakeState, inbound: Text | Pick, ctx: IntakeContext) -> Turn:
    value = _picked(question(state, ctx), inbound)
    if value is None:
        return _re_ask(state, ctx)
    if value == q.SKIP:
        return _next(state, state.answers, ctx)
    return _next(state, replace(state.answers, talk_language=value), ctx)


def _free_text(state: IntakeState, inbound: Text | Pick, ctx: IntakeContext) -> Turn:
    value = _picked(question(state, ctx), inbound)
    if value == q.SKIP:
        return _next(state, state.answers, ctx)
    if not isinstance(inbound, Text) or not inbound.text.strip():
        return _re_ask(state, ctx)
    text = inbound.text.strip()[:2000]
    if state.step is Step.TALK_LANGUAGE_OTHER:
        return _next(state, replace(state.answers, talk_language_other=text[:100]), ctx)
    return _next(state, replace(state.answers, notes=text), ctx)


_HANDLERS: dict[Step, Callable[[IntakeState, Text | Pick, IntakeContext], Turn]] = {
    Step.LANGUAGE: _language,
    Step.AREA: _area,
    Step.PHONE: _phone,
    Step.EMAIL: _email,
    Step.CALL_TIME: _call_time,
    Step.TALK_LANGUAGE: _talk_language,
}


def _following(step: Step, a: Answers) -> Step:
    """Return the step after *step*, given what the seeker has answered."""
    if step is Step.AREA:
        return Step.YOUNG_CONSENT if a.age_group and a.age_group.is_young else Step.CRIME
    if step is Step.CONTACT:
        if a.contact in (ContactMethod.CALL, ContactMethod.SMS, ContactMethod.MEET):
            return Step.PHONE
        return Step.EMAIL if a.contact is ContactMethod.EMAIL else Step.TALK_LANGUAGE
    if step is Step.PHONE:
        if a.phone is None:
            return Step.TALK_LANGUAGE
        return Step.SMS_OK if a.contact is ContactMethod.SMS else Step.CALL_TIME
    if step is Step.TALK_LANGUAGE:
        return Step.TALK_LANGUAGE_OTHER if a.talk_language == q.OTHER_LANGUAGE else Step.GENDER
    return _LINEAR[step]


_LINEAR = {
    Step.CONSENT: Step.ROLE,
    Step.ROLE: Step.AGE,
    Step.AGE: Step.AREA,
    Step.YOUNG_CONSENT: Step.CRIME,
    Step.CRIME: Step.CIRCUMSTANCES,
    Step.CIRCUMSTANCES: Step.NEEDS,
    Step.NEEDS: Step.CONTACT,
    Step.EMAIL: Step.TALK_LANGUAGE,
    Step.CALL_TIME: Step.VOICEMAIL,
    Step.VOICEMAIL: Step.SMS_OK,
    Step.SMS_OK: Step.TALK_LANGUAGE,
    Step.TALK_LANGUAGE_OTHER: Step.GENDER,
    Step.GENDER: Step.NOTES,
    Step.NOTES: Step.DONE,
}


def _next(state: IntakeState, answers: Answers, ctx: IntakeContext) -> Turn:
    following = _following(state.step, answers)
    moved = replace(state, step=following, answers=answers)
    if following is Step.DONE:
        a = answers
        decided = route(ctx.partnership, a.age_group, a.area_kind, a.district_id)
        return Turn(moved, [], CaseSubmitted(answers, decided, state.locale))
    return Turn(moved, [question(moved, ctx)])


def _end(state: IntakeState, outcome: IntakeOutcome, ctx: IntakeContext) -> Turn:
    """End the intake without a case: say where else to turn, keep nothing but the outcome."""
    p = ctx.partnership
    ended = IntakeState(step=Step.ENDED, locale=state.locale, started=True)
    numbers = q.numbers_reply(p.numbers)
    if outcome is IntakeOutcome.CONSENT_REFUSED:
        first = Reply(_CONSENT_REFUSED)
    elif outcome is IntakeOutcome.REFERRED_NATIONAL:
        first = Reply(_OUTSIDE, params={"national_line": p.numbers.national_line})
    else:
        young = p.organisation(p.young_org_id)
        first = Reply(_YOUNG_DECLINED, params={"name": young.name, "phone": young.phone})
    return Turn(ended, [first, numbers], IntakeEnded(outcome, state.locale))


def _help_reply(ctx: IntakeContext) -> Reply:
    return Reply(_HELP, params={"emergency": ctx.partnership.numbers.emergency})


def _done_reply(state: IntakeState) -> Reply:
    return Reply(_DONE, params={"reference": state.reference or ""})


_HELP = N_(
    "You can write:\n"
    "{start} to start again\n"
    "{language} to change language\n"
    "{delete} to erase everything you have told us\n"
    "{stop} to stop\n\n"
    "This chat is not watched around the clock. If you are in danger now, call {emergency}."
)
_DONE = N_(
    "Your case {reference} is registered, and a support person will contact you. "
    "Write {help} for help, or {delete} to erase what you have told us."
)
_ERASED = N_(
    "Everything you told us has been erased. You can also delete this conversation from "
    "your phone. Take care of yourself. You are welcome back whenever you want."
)
_STOPPED = N_(
    "All right, we have stopped. Nothing of what you wrote in this conversation has been "
    "kept. Write {start} whenever you want to begin again."
)
_STOPPED_WITH_CASE = N_(
    "All right. Your case {reference} stays with us so that a support person can reach you. "
    "Write {delete} if you want us to erase it."
)
_CONSENT_REFUSED = N_(
    "That is all right. We have not stored anything about you. "
    "Here are numbers you can call at any time. Write {start} if you change your mind."
)
_OUTSIDE = N_(
    "We help people who live in Stockholm. Brottsofferjouren Sverige can help you wherever "
    "you live: call {national_line}. It is free."
)
_YOUNG_DECLINED = N_(
    "All right, we will not pass anything on. You can contact {name} yourself whenever you "
    "want: {phone}."
)
