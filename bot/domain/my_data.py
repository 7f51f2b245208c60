"""A seeker's own copy of what we keep about them (right of access, issue 23): their answers,
the case number and its state, the messages relayed, and when it is all erased; nothing about
staff. Sent on their own channel, in their language, only when they ask (/mydata, MYDATA)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from bot.domain import questions as q
from bot.domain.cases import CaseMessage, CaseStatus
from bot.domain.conversation import Answers
from bot.domain.dialogue import N_, LanguageNames, Line, Param, Reply, Translatable
from bot.domain.model import CallTime, Partnership

TITLE = N_("What we keep about you:")
NOTHING = N_("We keep nothing about you.")
_STATUS = {
    CaseStatus.NEW: N_("waiting for a support person"),
    CaseStatus.ASSIGNED: N_("with a support person"),
    CaseStatus.IN_CONTACT: N_("in contact with your support person"),
    CaseStatus.CLOSED: N_("closed"),
}
_CALL_TIME = {
    CallTime.ANY: N_("Safe to call: any time"),
    CallTime.DAYTIME: N_("Safe to call: daytime ({from}–{to})"),
    CallTime.EVENING: N_("Safe to call: evening ({from}–{to})"),
}
_YES_NO = {True: N_("Yes"), False: N_("No")}


def _chosen(*values: object) -> Translatable:
    return Translatable(tuple(q.ANSWER_LABELS.get(str(v), str(v)) for v in values))


def answer_lines(a: Answers, partnership: Partnership) -> list[Line]:
    """One line for each answer the seeker gave, in their words (the options they chose)."""
    lines: list[Line] = []

    def add(msgid: str, value: Param | None) -> None:
        if value is not None:
            lines.append(Line(msgid, {"value": value}))

    add(N_("About you: {value}"), _chosen(a.role) if a.role else None)
    add(N_("Age: {value}"), _chosen(a.age_group) if a.age_group else None)
    district = partnership.district(a.district_id).name if a.district_id else None
    add(N_("Where: {value}"), district)
    add(N_("What happened: {value}"), _chosen(a.crime) if a.crime else None)
    add(N_("Also: {value}"), _chosen(*sorted(a.circumstances)) if a.circumstances else None)
    add(N_("Help you asked for: {value}"), _chosen(*sorted(a.needs)) if a.needs else None)
    add(N_("How we contact you: {value}"), _chosen(a.contact) if a.contact else None)
    add(N_("Phone: {value}"), a.phone)
    add(N_("E-mail: {value}"), a.email)
    if a.call_time is not None:
        hours = q.call_time_hours(partnership).get(a.call_time, {})
        lines.append(Line(_CALL_TIME[a.call_time], dict(hours)))
    add(N_("When it suits you: {value}"), a.call_time_note)
    voicemail = Translatable((_YES_NO[a.voicemail_ok],)) if a.voicemail_ok is not None else None
    add(N_("A voicemail that says who we are: {value}"), voicemail)
    sms = Translatable((_YES_NO[a.sms_ok],)) if a.sms_ok is not None else None
    add(N_("An SMS that says who we are: {value}"), sms)
    if a.talk_language_other:
        add(N_("Language for the talk: {value}"), a.talk_language_other)
    elif a.talk_language:
        add(N_("Language for the talk: {value}"), LanguageNames((a.talk_language,)))
    add(N_("Gender: {value}"), _chosen(a.gender) if a.gender else None)
    add(N_("Your note: {value}"), a.notes)
    return lines


def my_data(
    answers: Answers | None,
    partnership: Partnership,
    *,
    reference: str | None = None,
    status: CaseStatus | None = None,
    received_at: datetime | None = None,
    conversation: Sequence[CaseMessage] = (),
    erased_on: date | None = None,
    kept_days: int = 0,
) -> list[Reply]:
    """Write the seeker's own copy: what they answered and, with a case, its number, state
    and the messages relayed; then how long it is kept. *erased_on* is the day a closed
    case's data goes; *kept_days*, how long it is kept otherwise (after the case closes, or
    after the last message of an unfinished intake)."""
    if answers is None:
        return [Reply(NOTHING)]
    lines: list[Line] = []
    if reference is not None and status is not None:
        lines.append(Line(N_("Case number: {value}"), {"value": reference}))
        lines.append(Line(N_("State: {value}"), {"value": Translatable((_STATUS[status],))}))
    if received_at is not None:
        lines.append(Line(N_("Received: {value}"), {"value": received_at}))
    lines += answer_lines(answers, partnership)
    replies = [Reply(TITLE, lines=tuple(lines))]
    if conversation:
        replies.append(_messages(conversation))
    replies.append(_keeping(reference, status, erased_on, kept_days))
    return replies


def _messages(conversation: Iterable[CaseMessage]) -> Reply:
    said = tuple(
        Line(
            N_("You, {at}: {text}") if m.from_seeker else N_("Your support person, {at}: {text}"),
            {"at": m.at, "text": m.body},
        )
        for m in conversation
    )
    return Reply(N_("Messages between you and your support person:"), lines=said)


def _keeping(
    reference: str | None, status: CaseStatus | None, erased_on: date | None, days: int
) -> Reply:
    if erased_on is not None:
        return Reply(
            N_("We keep this until {date}, then erase it. {delete} erases it now."),
            params={"date": erased_on.isoformat()},
        )
    if reference is not None and status is not CaseStatus.CLOSED:
        return Reply(
            N_(
                "We keep this until {days} days after your case is closed, then erase it. "
                "{delete} erases it now."
            ),
            params={"days": days},
        )
    return Reply(
        N_(
            "You have not finished. We keep your answers {days} days after your last message, "
            "then erase them. {delete} erases them now."
        ),
        params={"days": days},
    )
