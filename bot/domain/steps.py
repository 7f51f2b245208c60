"""Each intake step: the question it asks, and how it reads the seeker's answer.

Reading never moves the dialogue on; it says what the answer means (an updated set of
answers, an end, a redrawn selection, a chosen language, or a reason to ask again) and
`intake.advance` decides where to go from there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.domain import questions as q
from bot.domain.conversation import Answers, IntakeContext, IntakeState
from bot.domain.dialogue import N_, Choice, Pick, Reply, Text
from bot.domain.model import (
    AgeGroup,
    AreaKind,
    CallTime,
    Circumstance,
    ContactMethod,
    CrimeCategory,
    Gender,
    IntakeOutcome,
    Role,
    SupportNeed,
)
from bot.domain.questions import Step
from bot.domain.routing import OUTSIDE_STOCKHOLM, match_district
from bot.domain.typed import CHOICE_DIGITS, normalise_phone, picked, words

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
NOTES_LIMIT = 2000
SHORT_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Answered:
    """The step is answered (or skipped); move on with these answers."""

    answers: Answers


@dataclass(frozen=True, slots=True)
class Declined:
    """The answer ends the intake without a case."""

    outcome: IntakeOutcome


@dataclass(frozen=True, slots=True)
class Toggled:
    """A multiple choice changed; ask the same question again with the new selection."""

    answers: Answers


@dataclass(frozen=True, slots=True)
class LanguagePicked:
    code: str


@dataclass(frozen=True, slots=True)
class ShowAllLanguages:
    """The seeker wants the whole language list, not the short one."""


@dataclass(frozen=True, slots=True)
class Invalid:
    """The answer made no sense here; say *message* and ask again."""

    message: str = q.RE_ASK


Reading = Answered | Declined | Toggled | LanguagePicked | ShowAllLanguages | Invalid
Given = Text | Pick  # what a seeker gives in answer to a question


def _single_choice_question(step: Step) -> Reply:
    text, options, skippable = q.SINGLE_CHOICE[step]
    choices = tuple(Choice(value, label) for value, label in options)
    if skippable:
        choices += (q.skip_choice(),)
    return Reply(text, choices=choices, step=step)


def _call_time_question(ctx: IntakeContext) -> Reply:
    """The call-time question, its hours those of the configuration."""
    hours = q.call_time_hours(ctx.partnership)
    plain = _SINGLE_CHOICE_QUESTIONS[Step.CALL_TIME]
    choices = tuple(replace(c, params=hours.get(c.value, c.params)) for c in plain.choices)
    return replace(plain, choices=choices)


# They never change, and each turn asks for its question twice (to read the answer, then to
# ask the next one): built once.
_SINGLE_CHOICE_QUESTIONS = {step: _single_choice_question(step) for step in q.SINGLE_CHOICE}


def question(state: IntakeState, ctx: IntakeContext) -> Reply:
    """Ask the question of the current step."""
    step = state.step
    if step is Step.LANGUAGE:
        return _language_question(state, ctx)
    if step is Step.CALL_TIME:
        return _call_time_question(ctx)
    if step in _SINGLE_CHOICE_QUESTIONS:
        return _SINGLE_CHOICE_QUESTIONS[step]
    if step in q.MULTIPLE_CHOICE:
        return _multiple_question(state)
    if step is Step.TALK_LANGUAGE:
        return _talk_language_question(state, ctx)
    text = q.TEXT_QUESTIONS[step]
    if step is Step.AREA and ctx.channel.traits.paid_segments:
        text = q.AREA_BY_TEXT
    return Reply(text, choices=_text_choices(step, ctx), step=step)


def _text_choices(step: Step, ctx: IntakeContext) -> tuple[Choice, ...]:
    chat_instead = Choice(q.CHAT_INSTEAD, N_("Write to me here instead"))
    if step is Step.AREA:
        districts = tuple(Choice(d.id, d.name, literal=True) for d in ctx.partnership.districts)
        if ctx.channel.traits.paid_segments:
            districts = ()
        return (*districts, Choice(OUTSIDE_STOCKHOLM, N_("Outside Stockholm")), q.skip_choice())
    if step is Step.PHONE and ctx.channel_phone:
        own = Choice(
            q.USE_THIS_NUMBER, N_("Use this number ({phone})"), params={"phone": ctx.channel_phone}
        )
        return (own, chat_instead)
    if step in (Step.PHONE, Step.EMAIL):
        return (chat_instead,)
    return (q.skip_choice(),)


def read(state: IntakeState, answer: Given, ctx: IntakeContext) -> Reading:
    """Say what *answer* means at the current step."""
    step = state.step
    reader = _READERS.get(step)
    if reader is not None:
        return reader(state, answer, ctx)
    if step in q.SINGLE_CHOICE:
        return _single(state, answer, ctx)
    if step in q.MULTIPLE_CHOICE:
        return _multiple(state, answer, ctx)
    return _free_text(state, answer, ctx)


def _picked(
    state: IntakeState, ctx: IntakeContext, answer: Given, reply: Reply | None = None
) -> str | None:
    """Return the value of the choice the seeker picked: a button, its number, or its words."""
    return picked(
        reply or question(state, ctx), answer, lambda msgid: ctx.label(state.locale, msgid)
    )


def _single(state: IntakeState, answer: Given, ctx: IntakeContext) -> Reading:
    value = _picked(state, ctx, answer)
    if value is None:
        return Invalid()
    step, a = state.step, state.answers
    if step is Step.CONSENT:
        return (
            Declined(IntakeOutcome.CONSENT_REFUSED)
            if value == q.NO
            else Answered(replace(a, consent=True))
        )
    if step is Step.YOUNG_CONSENT:
        return (
            Declined(IntakeOutcome.STODCENTRUM_DECLINED)
            if value == q.NO
            else Answered(a)  # going on is the consent; nothing else is kept of it
        )
    if value == q.SKIP:
        return Answered(a)
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
    return Answered(setters[step](value))


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


def _multiple(state: IntakeState, answer: Given, ctx: IntakeContext) -> Reading:
    reply = _multiple_question(state)
    options = [c.value for c in reply.choices[:-1]]
    numbers = words(answer.text).split() if isinstance(answer, Text) else []
    if numbers and all(n.isdigit() and len(n) <= CHOICE_DIGITS for n in numbers):
        # Several numbers at once, as on SMS: that is the whole selection.
        picked = [int(n) for n in numbers]
        if not all(1 <= n <= len(reply.choices) for n in picked):
            return Invalid()
        return Answered(
            _with_selection(state, frozenset(options[n - 1] for n in picked if n <= len(options)))
        )
    value = _picked(state, ctx, answer, reply)
    if value is None:
        return Invalid()
    if value in (q.DONE, q.SKIP):
        return Answered(state.answers)
    return Toggled(_with_selection(state, _selection(state) ^ {value}))


def _language_question(state: IntakeState, ctx: IntakeContext) -> Reply:
    first = ctx.shipped(ctx.suggested_locale) or state.locale
    likely = list(dict.fromkeys([first, ctx.default_locale, "en"]))
    ordered = sorted(
        ctx.languages, key=lambda lang: likely.index(lang.code) if lang.code in likely else 99
    )
    # On SMS one name in another script makes the whole menu UCS-2, at twice the cost:
    # offer the likely few first, the rest on request.
    compact = ctx.channel.traits.paid_segments and not state.all_languages
    shown = [lang for lang in ordered if lang.code in likely] if compact else ordered
    choices = tuple(Choice(lang.code, lang.name, literal=True) for lang in shown)
    if len(shown) < len(ordered):
        choices += (Choice(q.MORE_LANGUAGES, N_("Other languages")),)
    return Reply(N_("Which language do you want to write in?"), choices=choices, step=Step.LANGUAGE)


def _language(state: IntakeState, answer: Given, ctx: IntakeContext) -> Reading:
    code = _picked(state, ctx, answer)
    if code == q.MORE_LANGUAGES:
        return ShowAllLanguages()
    if code is None and isinstance(answer, Text):
        # A language may be named even when it is not on the short list.
        wanted = words(answer.text)
        names = {words(lang.name): lang.code for lang in ctx.languages}
        names.update({words(lang.code): lang.code for lang in ctx.languages})
        code = names.get(wanted)
    return Invalid() if code is None else LanguagePicked(code)


def _area(state: IntakeState, answer: Given, ctx: IntakeContext) -> Reading:
    value = _picked(state, ctx, answer)
    a = state.answers
    if value == OUTSIDE_STOCKHOLM:
        return Declined(IntakeOutcome.REFERRED_NATIONAL)
    if value == q.SKIP:
        return Answered(replace(a, area_kind=AreaKind.UNKNOWN))
    district = None
    if value is not None:
        district = ctx.partnership.district(value)
    elif isinstance(answer, Text):
        district = match_district(ctx.partnership, answer.text)
    if district is None:
        return Invalid(q.RE_ASK_AREA)
    return Answered(replace(a, area_kind=AreaKind.DISTRICT, district_id=district.id))


def _phone(state: IntakeState, answer: Given, ctx: IntakeContext) -> Reading:
    value = _picked(state, ctx, answer)
    a = state.answers
    if value == q.CHAT_INSTEAD:
        return Answered(replace(a, contact=ContactMethod.CHAT, phone=None))
    if value == q.USE_THIS_NUMBER:
        return Answered(replace(a, phone=ctx.channel_phone))
    phone = normalise_phone(answer.text) if isinstance(answer, Text) else None
    return Invalid(q.RE_ASK_PHONE) if phone is None else Answered(replace(a, phone=phone))


def _email(state: IntakeState, answer: Given, ctx: IntakeContext) -> Reading:
    value = _picked(state, ctx, answer)
    a = state.answers
    if value == q.CHAT_INSTEAD:
        return Answered(replace(a, contact=ContactMethod.CHAT))
    text = answer.text.strip() if isinstance(answer, Text) else ""
    if not _EMAIL.match(text) or len(text) > SHORT_LIMIT:
        return Invalid(q.RE_ASK_EMAIL)
    return Answered(replace(a, email=text))


def _call_time(state: IntakeState, answer: Given, ctx: IntakeContext) -> Reading:
    """Take one of the offered times, or a time the seeker writes in their own words."""
    if isinstance(answer, Text) and answer.text.strip() and _picked(state, ctx, answer) is None:
        return Answered(replace(state.answers, call_time_note=answer.text.strip()[:SHORT_LIMIT]))
    return _single(state, answer, ctx)


def _talk_language_question(state: IntakeState, ctx: IntakeContext) -> Reply:
    names = {lang.code: lang.name for lang in ctx.languages}
    codes = dict.fromkeys([state.locale, "sv", "en"])
    choices = tuple(Choice(code, names[code], literal=True) for code in codes if code in names)
    choices += (Choice(q.OTHER_LANGUAGE, N_("Another language")), q.skip_choice())
    text = N_(
        "Which language do you want to speak with your support person? We can book an interpreter."
    )
    return Reply(text, choices=choices, step=Step.TALK_LANGUAGE)


def _talk_language(state: IntakeState, answer: Given, ctx: IntakeContext) -> Reading:
    value = _picked(state, ctx, answer)
    if value is None:
        return Invalid()
    if value == q.SKIP:
        return Answered(state.answers)
    return Answered(replace(state.answers, talk_language=value))


def _free_text(state: IntakeState, answer: Given, ctx: IntakeContext) -> Reading:
    if _picked(state, ctx, answer) == q.SKIP:
        return Answered(state.answers)
    if not isinstance(answer, Text) or not answer.text.strip():
        return Invalid()
    text = answer.text.strip()
    if state.step is Step.TALK_LANGUAGE_OTHER:
        return Answered(replace(state.answers, talk_language_other=text[:SHORT_LIMIT]))
    return Answered(replace(state.answers, notes=text[:NOTES_LIMIT]))


_READERS: dict[Step, Callable[[IntakeState, Given, IntakeContext], Reading]] = {
    Step.LANGUAGE: _language,
    Step.AREA: _area,
    Step.PHONE: _phone,
    Step.EMAIL: _email,
    Step.CALL_TIME: _call_time,
    Step.TALK_LANGUAGE: _talk_language,
}
