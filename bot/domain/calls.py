"""Calls through the association's number (issue 21): what the service may do when a
volunteer asks it to call a seeker, and what a finished call says about the attempt.

Pure: the times are the partnership's local ones (Europe/Stockholm), the words Twilio's.
A seeker's safety answers are rules here, not notes: outside the time they said is safe to
call, a call waits for the volunteer to confirm it; where a voicemail is not safe, a machine
that answers ends the call before anything is left on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.cases import AttemptOutcome
from bot.domain.followup import in_evening, in_quiet_hours
from bot.domain.model import CallTime, Partnership

# Twilio's DialCallStatus (the <Dial action> callback) and CallStatus (status callbacks).
_BY_STATUS = {
    "completed": AttemptOutcome.REACHED,
    "answered": AttemptOutcome.REACHED,
    "busy": AttemptOutcome.BUSY,
    "no-answer": AttemptOutcome.NO_ANSWER,
    "canceled": AttemptOutcome.NO_ANSWER,  # the volunteer hung up before the seeker answered
    "failed": AttemptOutcome.FAILED,
}


def outcome_of(status: str, answered_by: str | None = None) -> AttemptOutcome | None:
    """Return the attempt a finished call makes, from Twilio's status and, with machine
    detection, AnsweredBy; None for a status that is not an end (queued, ringing, ...)."""
    outcome = _BY_STATUS.get(status.strip().lower())
    if outcome is AttemptOutcome.REACHED and (answered_by or "").startswith(("machine", "fax")):
        return AttemptOutcome.VOICEMAIL
    return outcome


def safe_to_call(call_time: CallTime | None, moment: datetime, partnership: Partnership) -> bool:
    """Tell whether *moment* is inside the time the seeker said is safe to call: the day
    (the end of the quiet hours to the evening), the evening window, or, for "any time" or
    no answer, any time outside the quiet hours."""
    p = partnership
    if in_quiet_hours(moment, p):
        return False
    if call_time is CallTime.DAYTIME:
        local = moment.astimezone(ZoneInfo(p.timezone)).time()
        return p.quiet_end <= local < p.evening_start
    if call_time is CallTime.EVENING:
        return in_evening(moment, p)
    return True


@dataclass(frozen=True, slots=True)
class CallPlan:
    """How a call asked for now is placed, or why it waits."""

    confirm_first: bool  # outside the seeker's safe time: the volunteer must confirm it
    hang_up_on_machine: bool  # a voicemail is not safe: detect a machine, leave nothing


def plan_call(
    call_time: CallTime | None,
    voicemail_ok: bool | None,
    moment: datetime,
    partnership: Partnership,
    *,
    confirmed: bool = False,
) -> CallPlan:
    """Plan a call to a seeker at *moment* from their safety answers.

    A voicemail counts as safe only when the seeker said so: no answer is not a yes.
    """
    outside = not safe_to_call(call_time, moment, partnership)
    return CallPlan(
        confirm_first=outside and not confirmed, hang_up_on_machine=voicemail_ok is not True
    )
