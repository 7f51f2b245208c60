"""Calls through the association's number (issue 21): what the service may do when a
volunteer asks it to call a seeker, and what a finished call says about the attempt.

Pure: the times are the partnership's local ones (Europe/Stockholm), the words Twilio's.
A seeker's safety answers are rules here, not notes: outside the time they said is safe to
call, a call waits for the volunteer to confirm it; where a voicemail is not safe, a machine
that answers ends the call before anything is left on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.cases import AttemptOutcome, CaseRecord
from bot.domain.followup import in_evening, in_quiet_hours
from bot.domain.model import CallTime, ContactMethod, Partnership

# A call not finished after this long is over, whatever Twilio said or did not say: the case
# may be called again (the longest ring is 10 minutes, and a call ends its own status first).
CALL_OPEN_AT_MOST = timedelta(hours=2)
# Outcomes a volunteer may put right after a call logged itself.
CORRECTIONS = (
    AttemptOutcome.REACHED,
    AttemptOutcome.DECLINED,
    AttemptOutcome.NO_ANSWER,
    AttemptOutcome.VOICEMAIL,
    AttemptOutcome.BUSY,
    AttemptOutcome.WRONG_NUMBER,
)


class CallState(StrEnum):
    REQUESTED = "requested"  # asked for; Twilio not told yet
    RINGING_STAFF = "ringing_staff"  # Twilio rings the volunteer's own phone
    DIALING = "dialing"  # the volunteer answered; the seeker's phone rings
    DONE = "done"  # the seeker's leg ended: an attempt was logged
    MISSED = "missed"  # the volunteer did not answer: the seeker was never called
    FAILED = "failed"  # Twilio refused the call: nothing rang

    @property
    def over(self) -> bool:
        """Tell whether nothing more will happen to the call."""
        return self in (CallState.DONE, CallState.MISSED, CallState.FAILED)


@dataclass(frozen=True, slots=True)
class Call:
    """A call the service placed for a case: when, how it went, never what was said."""

    id: int
    case_id: int
    staff_id: int
    org_id: str
    state: CallState
    requested_at: datetime
    hang_up_on_machine: bool
    call_sid: str | None = None  # Twilio's id of the volunteer's leg
    dialed_at: datetime | None = None  # the seeker's phone began to ring: the attempt's time
    answered_by: str | None = None  # machine detection's answer, when it ran
    outcome: AttemptOutcome | None = None
    seconds: int | None = None  # how long the seeker's leg lasted
    attempt_id: int | None = None


class CallRefusal(StrEnum):
    NO_VOICE = "no_voice"  # the organisation places no calls
    NOT_ASKED = "not_asked"  # the seeker did not ask to be called, or gave no number
    NO_STAFF_PHONE = "no_staff_phone"  # the volunteer has no phone registered
    DAILY_CAP = "daily_cap"  # the organisation's calls for today are used up
    IN_PROGRESS = "in_progress"  # a call for the case is still on


def may_be_called(case: CaseRecord) -> bool:
    """Tell whether the seeker asked to be called and gave a number for it."""
    return case.contact is ContactMethod.CALL and case.phone is not None


def call_refusal(
    case: CaseRecord,
    *,
    voice: bool,
    staff_phone: bool,
    placed_today: int,
    per_day: int,
    open_call: bool,
) -> CallRefusal | None:
    """Return why a call for *case* cannot be placed now, or None if it can."""
    if not voice:
        return CallRefusal.NO_VOICE
    if not may_be_called(case):
        return CallRefusal.NOT_ASKED
    if not staff_phone:
        return CallRefusal.NO_STAFF_PHONE
    if open_call:
        return CallRefusal.IN_PROGRESS
    if placed_today >= per_day:
        return CallRefusal.DAILY_CAP
    return None


def day_start(moment: datetime, partnership: Partnership) -> datetime:
    """Return the start of *moment*'s local (Stockholm) day, for the daily cap."""
    zone = ZoneInfo(partnership.timezone)
    local = moment.astimezone(zone)
    return datetime(local.year, local.month, local.day, tzinfo=zone)


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
    outside_safe_time: bool = False  # placed (once confirmed) outside the seeker's safe time


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
        confirm_first=outside and not confirmed,
        hang_up_on_machine=voicemail_ok is not True,
        outside_safe_time=outside,
    )
