"""The intake dialogue as a pure state machine: ``advance(state, inbound, now, context)``."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.domain import information as info
from bot.domain import questions as q
from bot.domain.conversation import Answers, IntakeContext, IntakeState
from bot.domain.dialogue import (
    N_,
    Command,
    CommandName,
    Inbound,
    Line,
    Param,
    Pick,
    Reply,
    Text,
)
from bot.domain.model import ContactMethod, IntakeOutcome
from bot.domain.questions import Step
from bot.domain.routing import Route, route
from bot.domain.steps import (
    Answered,
    Declined,
    Invalid,
    LanguagePicked,
    ShowAllLanguages,
    Toggled,
    question,
    read,
)
from bot.domain.typed import picked


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


@dataclass(frozen=True, slots=True)
class DataAsked:
    """The seeker asked for a copy of what we keep about them: the service reads and sends it."""


@dataclass(frozen=True, slots=True)
class SeekerWrote:
    """After the intake, what the seeker writes goes to their support person."""

    text: str


Event = CaseSubmitted | IntakeEnded | DataErased | DataAsked | SeekerWrote


@dataclass(frozen=True, slots=True)
class Turn:
    state: IntakeState
    replies: list[Reply]
    event: Event | None = None


def advance(state: IntakeState, inbound: Inbound, now: datetime, ctx: IntakeContext) -> Turn:
    """Take one message from the seeker and return the new state, the replies and any event."""
    if isinstance(inbound, Command):
        return _command(state, inbound.name, now, ctx)
    if isinstance(inbound, Pick) and inbound.step == info.INFO_STEP:
        return _information(state, inbound.value, now, ctx)
    if state.reading:
        shown = _information_shown(state, ctx)
        value = picked(shown, inbound, lambda msgid: ctx.label(state.locale, msgid))
        if isinstance(inbound, Text) and value is not None:
            return _information(state, value, now, ctx)
        state = replace(state, reading="")  # anything else is read as it would have been
    if not state.started or state.step is Step.ENDED:
        return _begin(state, now, ctx)
    if state.step is Step.DONE:
        if isinstance(inbound, Text) and inbound.text.strip():
            return Turn(state, [Reply(_PASSED_ON)], SeekerWrote(inbound.text.strip()))
        return Turn(state, [_done_reply(state)])
    if isinstance(inbound, Pick) and inbound.step != state.step:
        return Turn(state, [question(state, ctx)])  # a button from an earlier question
    reading = read(state, inbound, ctx)
    if isinstance(reading, Answered):
        return _next(state, reading.answers, ctx)
    if isinstance(reading, Declined):
        return _end(state, reading.outcome, ctx)
    if isinstance(reading, Toggled):
        toggled = replace(state, answers=reading.answers)
        return Turn(toggled, [replace(question(toggled, ctx), replaces_previous=True)])
    if isinstance(reading, LanguagePicked):
        return _language_picked(state, reading.code, ctx)
    if isinstance(reading, ShowAllLanguages):
        expanded = replace(state, all_languages=True)
        return Turn(expanded, [question(expanded, ctx)])
    return _re_ask(state, ctx, reading)


def _re_ask(state: IntakeState, ctx: IntakeContext, invalid: Invalid) -> Turn:
    return Turn(state, [Reply(invalid.message), question(state, ctx)])


def _begin(state: IntakeState, now: datetime, ctx: IntakeContext) -> Turn:
    locale = state.locale or ctx.shipped(ctx.suggested_locale) or ctx.default_locale
    fresh = IntakeState(step=Step.LANGUAGE, locale=locale, started=True, started_at=now)
    return Turn(fresh, [question(fresh, ctx)])


def _language_picked(state: IntakeState, code: str, ctx: IntakeContext) -> Turn:
    if state.resume is not None:
        resumed = replace(state, locale=code, step=state.resume, resume=None, all_languages=False)
        return Turn(
            resumed,
            [question(resumed, ctx) if resumed.step is not Step.DONE else _done_reply(resumed)],
        )
    chosen = replace(state, locale=code, step=Step.CONSENT, all_languages=False)
    return Turn(chosen, [*q.intro_replies(ctx.partnership, ctx.channel), question(chosen, ctx)])


def _information(state: IntakeState, value: str, now: datetime, ctx: IntakeContext) -> Turn:
    """Show the information menu or a topic, or go back to where the seeker was."""
    if not state.started or state.step is Step.ENDED:
        # Reading first is a beginning too: "Back" leads to the first question.
        locale = state.locale or ctx.shipped(ctx.suggested_locale) or ctx.default_locale
        state = IntakeState(step=Step.LANGUAGE, locale=locale, started=True, started_at=now)
    if value == info.BACK:
        back = replace(state, reading="")
        return Turn(back, [_done_reply(back) if back.step is Step.DONE else question(back, ctx)])
    topics, params = _topics(state, ctx)
    topic = next((t for t in topics if t.key == value), None)
    if topic is None:
        return Turn(replace(state, reading=info.SHOWING_MENU), [info.menu(topics)])
    return Turn(replace(state, reading=info.SHOWING_TOPIC), [info.topic_reply(topic, params)])


def _information_shown(state: IntakeState, ctx: IntakeContext) -> Reply:
    """The information reply the seeker last saw, whose numbers a typed answer refers to."""
    topics, params = _topics(state, ctx)
    if state.reading == info.SHOWING_TOPIC and topics:
        return info.topic_reply(topics[0], params)  # every topic offers the same two choices
    return info.menu(topics)


def _topics(
    state: IntakeState, ctx: IntakeContext
) -> tuple[tuple[info.Topic, ...], dict[str, Param]]:
    params = info.values(ctx.partnership, state.org_id)
    return info.readable(ctx.information.for_locale(state.locale), params), params


def _command(state: IntakeState, name: CommandName, now: datetime, ctx: IntakeContext) -> Turn:
    if name is CommandName.INFO:
        return _information(state, info.MENU, now, ctx)
    if name is CommandName.MYDATA:
        return Turn(state, [], DataAsked())  # nothing changes; the service writes the copy
    state = replace(state, reading="")
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
    return Reply(
        _HELP,
        params={"emergency": ctx.partnership.numbers.emergency},
        lines=(Line(_MY_DATA_HINT), Line(info.HINT)),
    )


def _done_reply(state: IntakeState) -> Reply:
    return Reply(_DONE, params={"reference": state.reference or ""})


_PASSED_ON = N_("Passed on to your support person, who will answer here.")
_MY_DATA_HINT = N_("Write {mydata} to get a copy of what we keep about you.")
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
