"""The seeker's own copy, written from what is stored: every answer as they chose it, the
case's number and state, the messages, and the erasure that applies."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.domain.cases import CaseMessage, CaseStatus
from bot.domain.conversation import Answers
from bot.domain.model import CallTime, ContactMethod, Partnership, Role
from bot.domain.my_data import my_data

AT = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)


def test_a_closed_case_says_the_day_it_is_erased(partnership: Partnership) -> None:
    answers = Answers(
        role=Role.VICTIM, district_id="bromma", contact=ContactMethod.CALL,
        phone="+46701234567", call_time=CallTime.DAYTIME, voicemail_ok=False,
    )  # fmt: skip
    conversation = [CaseMessage(AT, False, "Hej"), CaseMessage(AT, True, "Tack")]
    copy = my_data(
        answers, partnership, reference="ABC-234", status=CaseStatus.CLOSED, received_at=AT,
        conversation=conversation, erased_on=date(2027, 5, 26), kept_days=183,
    )  # fmt: skip
    head, messages, keeping = copy
    lines = {line.text: line.params for line in head.lines}
    assert lines["Case number: {value}"] == {"value": "ABC-234"}
    assert lines["Where: {value}"] == {"value": "Bromma"}
    assert lines["Safe to call: daytime ({from}–{to})"] == {"from": "8", "to": "18"}
    assert "Phone: {value}" in lines and "Age: {value}" not in lines  # never answered
    assert [line.text for line in messages.lines] == [
        "Your support person, {at}: {text}", "You, {at}: {text}",
    ]  # fmt: skip
    assert keeping.params == {"date": "2027-05-26"}


def test_nothing_kept_and_an_unfinished_intake(partnership: Partnership) -> None:
    (nothing,) = my_data(None, partnership)
    assert nothing.text == "We keep nothing about you."
    head, keeping = my_data(Answers(role=Role.WITNESS), partnership, kept_days=7)
    assert [line.text for line in head.lines] == ["About you: {value}"]
    assert keeping.text.startswith("You have not finished.") and keeping.params == {"days": 7}
