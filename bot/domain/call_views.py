"""What staff are told about calls placed through the association's number: never a number
(the volunteer's own is shown masked, the seeker's not at all), only the case reference."""

from __future__ import annotations

from datetime import datetime

from bot.domain.calls import CORRECTIONS, CallRefusal
from bot.domain.cases import AttemptOutcome
from bot.domain.dialogue import S_, Reply, Translatable
from bot.domain.model import CallTime
from bot.domain.staff_views import OUTCOME, STAFF_STEP, button

_REFUSAL = {
    CallRefusal.NO_VOICE: S_(
        "Calls through the association's number are not set up for your organisation: call "
        "from your phone and log the attempt with /attempt {reference}."
    ),
    CallRefusal.NOT_ASKED: S_(
        "The seeker of {reference} did not ask to be called, or gave no number for it."
    ),
    CallRefusal.NO_STAFF_PHONE: S_(
        "The service rings your own phone first: add it on the desk's Account page, or ask "
        "an operator to add it."
    ),
    CallRefusal.DAILY_CAP: S_(
        "Your organisation has placed all its calls for today. Call from your phone and log "
        "the attempt with /attempt {reference}."
    ),
    CallRefusal.IN_PROGRESS: S_("A call for {reference} is already on."),
}
_SAFE_TIME = {
    CallTime.DAYTIME: S_("in the daytime"),
    CallTime.EVENING: S_("in the evening"),
    CallTime.ANY: S_("at any time outside the night"),
}


def safe_time_label(call_time: CallTime | None) -> str:
    """When the seeker said calls are safe, as a phrase ("in the evening")."""
    return _SAFE_TIME[call_time or CallTime.ANY]


def call_refused(reference: str, why: CallRefusal) -> Reply:
    """Say why no call is placed."""
    return Reply(_REFUSAL[why], params={"reference": reference})


def confirm_call(reference: str, call_time: CallTime | None) -> Reply:
    """Warn that now is outside the time the seeker said is safe, and ask again."""
    safe = safe_time_label(call_time)
    return Reply(
        S_(
            "The seeker of {reference} said it is safe to call {safe}. A call now may be "
            "answered by someone else. Call anyway?"
        ),
        params={"reference": reference, "safe": Translatable((safe,))},
        choices=(
            button(S_("Call anyway"), "call", reference, "yes"),
            button(S_("Not now"), "open", reference),
        ),
        step=STAFF_STEP,
    )


def ringing_you(reference: str, masked_phone: str) -> Reply:
    """Tell the volunteer their phone rings, and what happens when they answer."""
    return Reply(
        S_(
            "Your phone ({phone}) rings now. Answer it, and the service calls the seeker of "
            "{reference} from the association's number. The attempt is logged by itself."
        ),
        params={"reference": reference, "phone": masked_phone},
    )


def call_not_placed(reference: str) -> Reply:
    """The provider refused the call."""
    return Reply(
        S_(
            "The call for {reference} could not be placed. Try again in a while, or call from "
            "your phone and log the attempt with /attempt {reference}."
        ),
        params={"reference": reference},
    )


def call_missed(reference: str) -> Reply:
    """The volunteer's own phone was not answered: the seeker was never called."""
    return Reply(
        S_(
            "You did not answer the call for {reference}, so the seeker was not called and "
            "no attempt was logged."
        ),
        params={"reference": reference},
    )


def call_dropped(reference: str) -> Reply:
    """The volunteer answered, but the case could no longer be called for them."""
    return Reply(
        S_(
            "The seeker of {reference} was not called: the case was closed, moved or erased, "
            "or is no longer yours, since you asked."
        ),
        params={"reference": reference},
    )


def call_logged(
    reference: str, call_id: int, at: datetime, outcome: AttemptOutcome, seconds: int | None
) -> Reply:
    """Tell the volunteer what the call logged, with buttons to put the outcome right."""
    choices = tuple(
        button(OUTCOME[other], "fix", reference, call_id, other)
        for other in CORRECTIONS
        if other is not outcome
    )
    return Reply(
        S_(
            "Call for {reference} logged by itself: {outcome}, {at}, {minutes} min. If it "
            "went otherwise, choose what happened:"
        ),
        params={
            "reference": reference,
            "outcome": Translatable((OUTCOME[outcome],)),
            "at": at,
            "minutes": round((seconds or 0) / 60),
        },
        choices=choices,
        step=STAFF_STEP,
    )


def call_corrected(reference: str, outcome: AttemptOutcome) -> Reply:
    """Confirm a corrected outcome."""
    return Reply(
        S_("The call for {reference} is now logged as: {outcome}."),
        params={"reference": reference, "outcome": Translatable((OUTCOME[outcome],))},
    )
