"""What staff see: notices, case views, lists and the buttons to act, as channel-neutral replies.

Button values are actions on a case ("att:K7M-4QX:phone"); whoever presses one is checked
against the policy again with the case as stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.domain import questions as q
from bot.domain.availability import LeftOut, Unavailable
from bot.domain.cases import (
    AttemptChannel,
    AttemptOutcome,
    CaseMessage,
    CaseRecord,
    CaseSource,
    CaseStatus,
    CloseReason,
    Staff,
    StaffRole,
    TransferReason,
)
from bot.domain.dialogue import S_, Choice, LanguageNames, Line, Param, Reply, Translatable
from bot.domain.followup import Due, FollowUp, Rule
from bot.domain.model import CallTime, Partnership
from bot.domain.policy import Action, needs_coordinator

STAFF_STEP = "s"  # the step every staff button belongs to

_ANSWER_LABELS = dict(q.ANSWER_LABELS)  # staff names a few more (below)

STATUS = {
    CaseStatus.NEW: S_("new"),
    CaseStatus.ASSIGNED: S_("assigned"),
    CaseStatus.IN_CONTACT: S_("in contact"),
    CaseStatus.CLOSED: S_("closed"),
    CaseStatus.ERASED: S_("erased"),
}
ROLE = {StaffRole.VOLUNTEER: S_("volunteer"), StaffRole.COORDINATOR: S_("coordinator")}
SOURCE = {
    CaseSource.BOT: S_("the bot"),
    CaseSource.POLICE: S_("police referral"),
    CaseSource.PHONE: S_("phone"),
    CaseSource.WALK_IN: S_("walk-in"),
}
ATTEMPT_CHANNEL = {
    AttemptChannel.PHONE: S_("Phone"),
    AttemptChannel.SMS: S_("SMS"),
    AttemptChannel.CHAT: S_("Chat"),
    AttemptChannel.EMAIL: S_("E-mail"),
    AttemptChannel.MEETING: S_("Meeting"),
}
OUTCOME = {
    AttemptOutcome.REACHED: S_("Reached"),
    AttemptOutcome.NO_ANSWER: S_("No answer"),
    AttemptOutcome.VOICEMAIL: S_("Voicemail"),
    AttemptOutcome.WRONG_NUMBER: S_("Wrong number"),
    AttemptOutcome.DECLINED: S_("Declined support"),
    AttemptOutcome.BUSY: S_("Busy"),
    AttemptOutcome.FAILED: S_("Did not go through"),
}
CLOSE_REASON = {
    CloseReason.SUPPORTED: S_("Supported"),
    CloseReason.NOT_REACHED: S_("Not reached"),
    CloseReason.REFERRED: S_("Referred elsewhere"),
    CloseReason.DECLINED: S_("Declined support"),
}
NOT_GIVEN = S_("not given")
ATTEMPT_OFFSETS = (0, 30, 60, 120, 180, 240)  # minutes ago, offered as buttons

REFUSED = Reply(S_("Not found, or not yours to see."))
NO_CHAT = Reply(
    S_(
        "There is no chat to write in: this person did not reach us through the bot, or "
        "erased their data. Call them if they gave a number."
    )
)
TRANSFER_REASON = {
    TransferReason.AGE: S_("age: under 21 to Stödcentrum, 21 or older to an association"),
    TransferReason.AREA: S_("the person lives in that organisation's districts"),
    TransferReason.OTHER: S_("another reason"),
}
SEEKER_MESSAGE = S_("Message from the seeker in {reference}:")
FOR_COORDINATORS = Reply(
    S_("This is for coordinators. Ask your coordinator if something needs doing.")
)
NOT_STAFF = Reply(
    S_("This command is for registered staff. Ask your coordinator for an invite code.")
)
# A case view must fit in one message: the newest messages first, each shortened.
MESSAGE_PREVIEW = 600  # characters of one relayed message
NOTES_PREVIEW = 800  # characters of the seeker's note
CONVERSATION_BUDGET = 2000  # characters of relayed messages in all
CONVERSATION_SHOWN = 5  # messages at most


def opted_out(reference: str) -> Reply:
    """Say that the seeker asked for no more messages on their channel (SMS STOP)."""
    return Reply(
        S_("The seeker of {reference} asked for no more messages (STOP): nothing can be sent "
           "to them there until they write START. Call them if they gave a number for it."),
        params={"reference": reference},
    )  # fmt: skip


def relay_sent(reference: str) -> Reply:
    """Confirm that a message reached the seeker's provider."""
    return Reply(S_("Sent to the seeker of {reference}."), params={"reference": reference})


def relay_failed(reference: str) -> Reply:
    """Say that a message to the seeker could not be delivered."""
    return Reply(
        S_("Your message to the seeker of {reference} could not be delivered: they may have "
           "blocked the bot or stopped messages. It is kept with the case."),
        params={"reference": reference},
    )  # fmt: skip


def more_from_seeker(reference: str) -> Reply:
    """Say that the seeker wrote more than is sent on one by one: read it in the case."""
    return Reply(
        S_("The seeker in {reference} has written more messages. Open the case to read them."),
        params={"reference": reference},
        choices=(button(S_("Open"), "open", reference),),
        step=STAFF_STEP,
    )


def shortened(text: str, limit: int) -> str:
    """Cut *text* to *limit* characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def answer_label(value: str) -> str | None:
    """Return the msgid of a seeker's answer (gender, age group, role, crime, need), if any."""
    return _ANSWER_LABELS.get(value)


# Staff read the call time without its hours (the seeker's choice named them).
_ANSWER_LABELS |= {
    CallTime.DAYTIME: S_("daytime"),
    CallTime.EVENING: S_("evening"),
}


def _labels(*values: object) -> Translatable:
    msgids = tuple(_ANSWER_LABELS[str(v)] for v in values if v is not None)
    return Translatable(msgids or (NOT_GIVEN,))


def refused(actor: Staff | None, action: Action) -> Reply:
    """Say no the same way whether the case is missing or someone else's, and why if it is
    the person's role (a volunteer asking for a coordinator's command)."""
    if actor is None:
        return NOT_STAFF
    if needs_coordinator(action) and actor.role is not StaffRole.COORDINATOR:
        return FOR_COORDINATORS
    return REFUSED


def button(label: str, *parts: object, literal: bool = False, **params: Param) -> Choice:
    value = ":".join(str(p) for p in parts)
    return Choice(value, label, literal=literal, params=dict(params))


def summary_params(case: CaseRecord, partnership: Partnership, due: FollowUp) -> dict[str, Param]:
    """The facts every case notice shows; never free text, never contact details."""
    district = (
        partnership.district(case.district_id).name if case.district_id else None
    )  # a proper name, not translated
    return {
        "reference": case.reference,
        "language": LanguageNames((case.language,)),
        "district": district or Translatable((NOT_GIVEN,)),
        "age": _labels(case.age_group),
        "needs": _labels(*sorted(case.needs)),
        "contact": _labels(case.contact),
        "deadline": due.deadline,
        "source": Translatable((SOURCE[case.source],)),
    }


_SUMMARY = S_(
    "Language: {language}\n"
    "District: {district}\n"
    "Age: {age}\n"
    "Needs: {needs}\n"
    "Contact: {contact}\n"
    "Came through: {source}\n"
    "First contact by: {deadline}"
)


@dataclass(frozen=True, slots=True)
class Earlier:
    """The closed case a new one follows, and who had it."""

    case: CaseRecord
    volunteer: str | None


def new_case_notice(params: dict[str, Param], earlier: Earlier | None = None) -> Reply:
    """Tell coordinators a case has come in, with buttons to open and assign it."""
    lines = [Line(_SUMMARY, params)]
    if earlier is not None:
        lines.append(earlier_line(earlier))
    return new_case_reply(params, lines)


def new_case_reply(params: dict[str, Param], lines: Sequence[Line]) -> Reply:
    """Say "New case" with *lines*, and the buttons to open and assign it."""
    reference = params["reference"]
    return Reply(
        S_("New case {reference}"),
        params=params,
        lines=tuple(lines),
        choices=(
            button(S_("Open"), "open", reference),
            button(S_("Assign"), "assign", reference),
        ),
        step=STAFF_STEP,
    )


def earlier_line(earlier: Earlier) -> Line:
    """Name the closed case a new one follows, why it closed and who had it."""
    reason = earlier.case.close_reason
    return Line(
        S_("The seeker wrote again after {earlier} was closed ({reason}); it was with "
           "{volunteer}."),
        {
            "earlier": earlier.case.reference,
            "reason": Translatable((CLOSE_REASON[reason],)) if reason else "-",
            "volunteer": earlier.volunteer or Translatable((S_("nobody yet"),)),
        },
    )  # fmt: skip


def assigned_notice(params: dict[str, Param]) -> Reply:
    """Tell a volunteer a case is theirs now."""
    return Reply(
        S_("You have a new case: {reference}"),
        params=params,
        lines=(Line(_SUMMARY, params),),
        choices=(button(S_("Open"), "open", params["reference"]),),
        step=STAFF_STEP,
    )


def case_view(
    case: CaseRecord,
    params: dict[str, Param],
    due: FollowUp,
    *,
    show_phone: bool,
    volunteer: str | None,
    conversation: Sequence[CaseMessage],
    opted_out: bool = False,
    history: Sequence[Line] = (),
    closed_by: str | None = None,
    calls: bool = False,
) -> Reply:
    """Show a case to someone allowed to see it, with what they can do next.

    It fits in one message however long the conversation: the newest messages, shortened,
    and how many earlier ones are not shown.
    """
    head = dict(params, status=Translatable((STATUS[case.status],)))
    lines = [
        Line(_SUMMARY, params),
        Line(
            S_("Volunteer: {volunteer}"),
            {"volunteer": volunteer or Translatable((S_("nobody yet"),))},
        ),
    ]
    if case.status is CaseStatus.CLOSED and case.closed_at is not None:
        lines.append(closed_line(case, closed_by))
    if show_phone and case.phone:
        lines.append(Line(S_("Phone: {phone}"), {"phone": case.phone}))
    if case.email:
        lines.append(Line(S_("E-mail: {email}"), {"email": case.email}))
    if case.call_time or case.call_time_note:
        when: Param = case.call_time_note or _labels(case.call_time)
        lines.append(Line(S_("Safe to call: {call_time}"), {"call_time": when}))
    lines.append(
        Line(
            S_("Voicemail naming us: {voicemail}; SMS naming us: {sms}"),
            {"voicemail": yes_no(case.voicemail_ok), "sms": yes_no(case.sms_ok)},
        )
    )
    lines.append(
        Line(
            S_("Attempts: {attempts}; in the evening: {evening}"),
            {"attempts": due.attempts, "evening": yes_no(due.evening_attempt)},
        )
    )
    if opted_out:
        lines.append(Line(S_("The seeker sent STOP: no messages can reach them by SMS.")))
    if case.notes:
        notes = shortened(case.notes, NOTES_PREVIEW)
        lines.append(Line(S_("Note from the seeker: {notes}"), {"notes": notes}))
    lines += _conversation_lines(conversation)
    if history:
        lines += [Line(S_("History:")), *history]
    return Reply(
        S_("Case {reference} · {status}"),
        params=head,
        lines=tuple(lines),
        choices=case_actions(case, calls=calls),
        step=STAFF_STEP,
    )


def closed_line(case: CaseRecord, closed_by: str | None) -> Line:
    """Say when a closed case was closed, by whom (an operator if nobody is named) and why."""
    reason = case.close_reason
    return Line(
        S_("Closed {at} by {who}: {reason}"),
        {
            "at": case.closed_at or "-",
            "who": closed_by or Translatable((S_("an operator"),)),
            "reason": Translatable((CLOSE_REASON[reason],)) if reason else "-",
        },
    )


def _conversation_lines(conversation: Sequence[CaseMessage]) -> list[Line]:
    """The newest messages that fit the budget, oldest first, after a count of the rest."""
    newest: list[Line] = []
    budget = CONVERSATION_BUDGET
    for message in reversed(conversation):
        text = shortened(message.body, MESSAGE_PREVIEW)
        if len(newest) == CONVERSATION_SHOWN or (newest and len(text) > budget):
            break
        budget -= len(text)
        who = Translatable((S_("Seeker") if message.from_seeker else S_("Support"),))
        newest.append(Line("{at} {who}: {body}", {"at": message.at, "who": who, "body": text}))
    hidden = len(conversation) - len(newest)
    earlier = [Line(S_("Earlier messages not shown: {count}"), {"count": hidden})] if hidden else []
    return earlier + newest[::-1]


def yes_no(value: bool | None) -> Translatable:
    """Say yes, no, or not given."""
    if value is None:
        return Translatable((NOT_GIVEN,))
    return Translatable((q.YES_NO[0][1] if value else q.YES_NO[1][1],))


def case_actions(case: CaseRecord, *, calls: bool = False) -> tuple[Choice, ...]:
    """Offer what can be done with an open case (*calls*: the service can call the seeker
    for the volunteer, who asked to be called)."""
    if not case.status.open:
        return ()
    ref = case.reference
    actions = [button(S_("Call through the service"), "call", ref)] if calls else []
    actions.append(button(S_("Log attempt"), "att", ref))
    if case.channel is not None:
        actions.append(button(S_("Write to the seeker"), "reply", ref))
    actions += [
        button(S_("Assign"), "assign", ref),
        button(S_("Move"), "move", ref),
        button(S_("Close"), "close", ref),
    ]
    return tuple(actions)


LISTED = 10  # cases a section of /cases shows; the rest are counted


def org_cases(sections: Sequence[tuple[str, Sequence[tuple[CaseRecord, FollowUp]]]]) -> Reply:
    """All of a coordinator's lists in one message, a button for each case shown."""
    lines: list[Line] = []
    shown: dict[str, None] = {}
    for title, cases in sections:
        lines.append(Line(title))
        lines += _case_lines(cases[:LISTED]) or [Line(S_("None."))]
        if len(cases) > LISTED:
            lines.append(Line(S_("…and {count} more"), {"count": len(cases) - LISTED}))
        shown |= dict.fromkeys(case.reference for case, _ in cases[:LISTED])
    choices = tuple(Choice(f"open:{ref}", ref, literal=True) for ref in shown)
    return Reply(
        S_("Your organisation's cases"), lines=tuple(lines), choices=choices, step=STAFF_STEP
    )


def case_list(title: str, cases: Sequence[tuple[CaseRecord, FollowUp]]) -> Reply:
    """List cases under *title*, each with what is due next and a button to open it."""
    if not cases:
        return Reply(title, lines=(Line(S_("None.")),))
    choices = tuple(
        Choice(f"open:{case.reference}", case.reference, literal=True) for case, _ in cases
    )
    return Reply(title, lines=tuple(_case_lines(cases)), choices=choices, step=STAFF_STEP)


def _case_lines(cases: Sequence[tuple[CaseRecord, FollowUp]]) -> list[Line]:
    return [
        Line(
            S_("{reference} · {status} · first contact by {deadline} · attempts: {attempts}, "
               "in the evening: {evening}"),
            {
                "reference": case.reference,
                "status": Translatable((STATUS[case.status],)),
                "deadline": due.deadline,
                "attempts": due.attempts,
                "evening": yes_no(due.evening_attempt),
            },
        )
        for case, due in cases
    ]  # fmt: skip


def _day(day: date | None) -> str:
    """A day as staff read it in Sweden (ISO, 2026-12-20)."""
    return day.isoformat() if day else ""


_LEFT_OUT = {
    Unavailable.AWAY: S_("Left out: {name}, away until {until}"),
    Unavailable.FULL: S_("Left out: {name}, who has as many open cases as they can carry"),
}


def suggestions(
    case: CaseRecord,
    ranked: Sequence[Staff],
    load: Mapping[int, int],
    left_out: Sequence[LeftOut] = (),
) -> Reply:
    """Offer the volunteers who may take the case, best match first; say who is left out,
    and why (away, or as many open cases as they said they can carry)."""
    lines = tuple(
        Line(_LEFT_OUT[out.why], {"name": out.staff.name, "until": _day(out.until)})
        for out in left_out
    )
    if not ranked:
        return Reply(
            S_("No trained, active volunteer can take {reference}."),
            params={"reference": case.reference},
            lines=lines,
        )
    choices = tuple(
        button(
            S_("{name} · {languages} · {load} open"),
            "to",
            case.reference,
            v.id,
            name=v.name,
            languages=LanguageNames(v.languages),
            load=load.get(v.id, 0),
        )
        for v in ranked[:10]
    )
    return Reply(
        S_("Who should take {reference}? Best language match first, then fewest open cases."),
        params={"reference": case.reference},
        lines=lines,
        choices=choices,
        step=STAFF_STEP,
    )


When = int | time  # minutes ago, or a time of day (Stockholm) given by hand


def when_value(when: When | None) -> str:
    """Write *when* into a button: minutes as digits, a time of day as tHHMM."""
    if when is None:
        return ""
    return f"t{when:%H%M}" if isinstance(when, time) else str(when)


def read_when(value: str) -> When | None:
    """Read what when_value() wrote; ValueError for anything else."""
    if not value:
        return None
    if value.startswith("t") and len(value) == 5 and value[1:].isdigit():
        return time(int(value[1:3]), int(value[3:]))
    if value.isdigit():
        return int(value)
    raise ValueError(value)


def attempt_channels(
    reference: str, when: When | None = None, warnings: Sequence[Line] = ()
) -> Reply:
    """Ask how the attempt was made (its time may already be given), under the seeker's
    safety *warnings*."""
    tail = when_value(when)
    choices = tuple(
        button(label, "att", reference, ch, *(("", tail) if tail else ()))
        for ch, label in ATTEMPT_CHANNEL.items()
    )
    return Reply(
        S_("Attempt to reach {reference}: how?"),
        params={"reference": reference},
        lines=tuple(warnings),
        choices=choices,
        step=STAFF_STEP,
    )


def attempt_outcomes(
    reference: str,
    channel: AttemptChannel,
    when: When | None = None,
    warnings: Sequence[Line] = (),
) -> Reply:
    """Ask how the attempt went, under the seeker's safety *warnings*."""
    tail = when_value(when)
    choices = tuple(
        button(label, "att", reference, channel, outcome, *((tail,) if tail else ()))
        for outcome, label in OUTCOME.items()
    )
    return Reply(
        S_("{reference}: how did it go?"),
        params={"reference": reference},
        lines=tuple(warnings),
        choices=choices,
        step=STAFF_STEP,
    )


def attempt_times(
    reference: str, channel: AttemptChannel, outcome: AttemptOutcome, offsets: Sequence[int]
) -> Reply:
    """Ask when: now, or earlier the same day."""
    choices = []
    for minutes in offsets:
        label = S_("Now") if minutes == 0 else S_("{minutes} min ago")
        choices.append(button(label, "att", reference, channel, outcome, minutes, minutes=minutes))
    return Reply(
        S_(
            "{reference}: when? For another time today, write "
            "/attempt {reference} {how} {outcome} HH:MM"
        ),
        params={"reference": reference, "how": str(channel), "outcome": str(outcome)},
        choices=tuple(choices),
        step=STAFF_STEP,
    )


ATTEMPT_FORMS = Reply(
    S_(
        "To log an attempt, write /attempt REF, /attempt REF HH:MM, or "
        "/attempt REF phone no_answer HH:MM (how: phone, sms, chat, email, meeting; how it "
        "went: reached, no_answer, voicemail, wrong_number, declined)."
    )
)


def attempt_logged(reference: str, at: datetime, outcome: AttemptOutcome) -> Reply:
    """Confirm an attempt."""
    return Reply(
        S_("Logged for {reference}: {outcome}, {at}."),
        params={"reference": reference, "outcome": Translatable((OUTCOME[outcome],)), "at": at},
    )


def close_reasons(reference: str) -> Reply:
    """Ask why the case is closed."""
    choices = tuple(button(label, "close", reference, r) for r, label in CLOSE_REASON.items())
    return Reply(
        S_("Close {reference} because:"), params={"reference": reference}, choices=choices,
        step=STAFF_STEP,
    )  # fmt: skip


def earlier_today_options(now_local: datetime) -> list[int]:
    """Offer only the offsets that stay on the same local day."""
    midnight = now_local.replace(hour=0, minute=0, second=0, microsecond=0)
    return [m for m in ATTEMPT_OFFSETS if now_local - timedelta(minutes=m) >= midnight]


_REMINDER_TEXT = {
    Rule.UNASSIGNED: S_(
        "Case {reference} has no volunteer yet. First contact is due by {deadline}."
    ),
    Rule.DEADLINE_NEAR: S_("Reminder: first contact with {reference} is due by {deadline}."),
    Rule.DEADLINE_PASSED: S_(
        "The deadline for first contact with {reference} passed ({deadline}) and the person "
        "has not been reached."
    ),
    Rule.EVENING_MISSING: S_(
        "{reference}: no attempt in the evening yet. Please call this evening, {start}–{end}."
    ),
    Rule.VOLUNTEER_AWAY: S_(
        "{reference}: its volunteer is away when first contact is due ({deadline}). Please "
        "give it to someone who is here."
    ),
    Rule.OTHER_TIME_MISSING: S_(
        "{reference}: the seeker said only the daytime is safe to call, so no evening call. "
        "Please call at a time of day not tried yet: the morning or the afternoon, "
        "{start}–{end}."
    ),
    Rule.NOT_REACHED: S_(
        "{reference}: three attempts at different times of day without reaching the person. "
        "Close it as not reached, or try another way (SMS, e-mail)."
    ),
}


def _window(rule: Rule, p: Partnership) -> dict[str, Param]:
    """The hours a reminder asks for a call in: the daytime's or the evening's."""
    if rule is Rule.OTHER_TIME_MISSING:
        return {"start": p.quiet_end, "end": p.evening_start}
    return {"start": p.evening_start, "end": p.evening_end}


def reminder(due: Due, partnership: Partnership) -> Reply:
    """Say what is due for a case and by when, with one tap to act on it."""
    ref = due.reference
    if due.rule in (Rule.UNASSIGNED, Rule.VOLUNTEER_AWAY):
        actions = (button(S_("Assign"), "assign", ref), button(S_("Open"), "open", ref))
    elif due.rule is Rule.NOT_REACHED:
        actions = (button(S_("Close"), "close", ref), button(S_("Log attempt"), "att", ref))
    else:
        actions = (button(S_("Log attempt"), "att", ref), button(S_("Open"), "open", ref))
    return Reply(
        _REMINDER_TEXT[due.rule],
        params={
            "reference": ref,
            "deadline": due.deadline,
            **_window(due.rule, partnership),
        },
        choices=actions,
        step=STAFF_STEP,
    )


def supervision_due(volunteer: Staff, months: int) -> Reply:
    """Tell coordinators a volunteer has had no supervision for a while."""
    return Reply(
        S_(
            "{name} (staff number {id}) has had no supervision or debriefing for {months} "
            "months. Record it on the desk's Volunteers page once it has taken place."
        ),
        params={"name": volunteer.name, "id": volunteer.id, "months": months},
    )


def welcome_back(cases: Sequence[tuple[CaseRecord, FollowUp]]) -> Reply:
    """Greet a volunteer back from an absence with their open cases and what is due."""
    if not cases:
        return Reply(S_("Welcome back. You have no open cases."))
    return case_list(S_("Welcome back. Your open cases:"), cases)


def joined_notice(staff: Staff) -> Reply:
    """Tell coordinators someone joined, and how to record a volunteer's training."""
    params: dict[str, Param] = {
        "name": staff.name, "role": Translatable((ROLE[staff.role],)), "id": staff.id,
    }  # fmt: skip
    if staff.role is not StaffRole.VOLUNTEER:
        return Reply(S_("{name} joined as {role}."), params=params)
    return Reply(
        S_(
            "{name} joined as {role} (staff number {id}). When their basic training is done, "
            "press the button or write /trained {id}; their languages: /languages {id} sv ar"
        ),
        params=params,
        choices=(button(S_("Training done"), "trained", staff.id),),
        step=STAFF_STEP,
    )


def training_recorded(staff: Staff) -> Reply:
    """Confirm to the coordinator that a volunteer's training is recorded."""
    return Reply(S_("Training recorded for {name}: they can get cases now."), {"name": staff.name})


YOUR_TRAINING = Reply(
    S_("Your basic training is recorded. You can get cases now: /mycases shows yours.")
)


def closed_notice(reference: str, who: str, reason: CloseReason) -> Reply:
    """Tell the coordinators a case was closed, by whom and why."""
    return Reply(
        S_("{reference} was closed by {who}: {reason}."),
        params={
            "reference": reference,
            "who": who,
            "reason": Translatable((CLOSE_REASON[reason],)),
        },
        choices=(button(S_("Open"), "open", reference),),
        step=STAFF_STEP,
    )


def masked_phone(phone: str) -> str:
    """Show a staff member's own phone as their account page does: enough to recognise it
    (the last two digits), not enough to read it over a shoulder."""
    return "•" * max(0, len(phone) - 2) + phone[-2:]


PHONE_SAVED = S_("Your phone for calls is saved: {phone}.")
PHONE_REMOVED = Reply(S_("Your phone for calls is removed."))
NOT_A_PHONE = Reply(
    S_("That is not a phone number. Write it as 070-123 45 67 or +46 70 123 45 67.")
)
