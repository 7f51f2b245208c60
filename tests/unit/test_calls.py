"""Calls through the association's number: the seeker's safe time and voicemail answer as
rules, and what a finished call says about the attempt (explicit Stockholm times, a DST
week included)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.domain.calls import (
    CallPlan,
    CallRefusal,
    call_refusal,
    day_start,
    outcome_of,
    plan_call,
    safe_to_call,
)
from bot.domain.cases import AttemptOutcome, CaseRecord, CaseSource, CaseStatus
from bot.domain.model import CallTime, Channel, ContactMethod, Partnership

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local(text: str) -> datetime:
    """A Stockholm wall-clock time, as the seeker and the volunteer see it."""
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM)


@pytest.mark.parametrize(
    ("status", "answered_by", "expected"),
    [
        ("completed", None, AttemptOutcome.REACHED),
        ("answered", "human", AttemptOutcome.REACHED),
        ("completed", "machine_end_beep", AttemptOutcome.VOICEMAIL),
        ("completed", "machine_start", AttemptOutcome.VOICEMAIL),
        ("completed", "fax", AttemptOutcome.VOICEMAIL),
        ("no-answer", None, AttemptOutcome.NO_ANSWER),
        ("canceled", None, AttemptOutcome.NO_ANSWER),
        ("busy", None, AttemptOutcome.BUSY),
        ("failed", None, AttemptOutcome.FAILED),
        ("ringing", None, None),
        ("queued", None, None),
    ],
)
def test_a_finished_call_is_an_attempt_with_its_outcome(
    status: str, answered_by: str | None, expected: AttemptOutcome | None
) -> None:
    assert outcome_of(status, answered_by) is expected


@pytest.mark.parametrize(
    ("call_time", "at", "safe"),
    [
        (CallTime.DAYTIME, "2026-11-24 08:00", True),
        (CallTime.DAYTIME, "2026-11-24 17:59", True),
        (CallTime.DAYTIME, "2026-11-24 18:00", False),  # the evening is not the day
        (CallTime.DAYTIME, "2026-11-24 07:59", False),  # quiet hours
        (CallTime.EVENING, "2026-11-24 18:00", True),
        (CallTime.EVENING, "2026-11-24 20:59", True),
        (CallTime.EVENING, "2026-11-24 21:00", False),
        (CallTime.EVENING, "2026-11-24 12:00", False),
        (CallTime.ANY, "2026-11-24 12:00", True),
        (CallTime.ANY, "2026-11-24 23:30", False),  # never in the quiet hours
        (None, "2026-11-24 19:00", True),
        (None, "2026-11-25 03:00", False),
        # The DST week: 29 March 2026 (clocks forward) and 25 October 2026 (back), in local time.
        (CallTime.EVENING, "2026-03-29 18:30", True),
        (CallTime.DAYTIME, "2026-03-29 18:30", False),
        (CallTime.EVENING, "2026-10-25 20:30", True),
        (CallTime.DAYTIME, "2026-10-25 08:30", True),
    ],
)
def test_the_seekers_safe_time_is_local(
    partnership: Partnership, call_time: CallTime | None, at: str, safe: bool
) -> None:
    assert safe_to_call(call_time, local(at), partnership) is safe


def test_the_safe_time_follows_the_wall_clock_not_utc(partnership: Partnership) -> None:
    """16:30 UTC is 18:30 in Stockholm in summer and 17:30 in winter: the evening is read on
    the local clock."""
    summer = datetime(2026, 6, 10, 16, 30, tzinfo=ZoneInfo("UTC"))  # 18:30 in Stockholm
    winter = datetime(2026, 12, 10, 16, 30, tzinfo=ZoneInfo("UTC"))  # 17:30 in Stockholm
    assert safe_to_call(CallTime.EVENING, summer, partnership)
    assert not safe_to_call(CallTime.EVENING, winter, partnership)


def test_a_call_outside_the_safe_time_waits_for_the_volunteer_to_confirm(
    partnership: Partnership,
) -> None:
    noon = local("2026-11-24 12:00")
    assert plan_call(CallTime.EVENING, True, noon, partnership) == CallPlan(
        confirm_first=True, hang_up_on_machine=False, outside_safe_time=True
    )
    confirmed = plan_call(CallTime.EVENING, True, noon, partnership, confirmed=True)
    assert not confirmed.confirm_first and confirmed.outside_safe_time
    assert not plan_call(CallTime.DAYTIME, True, noon, partnership).confirm_first


@pytest.mark.parametrize(("voicemail_ok", "hang_up"), [(True, False), (False, True), (None, True)])
def test_a_machine_is_hung_up_on_unless_the_seeker_said_a_voicemail_is_safe(
    partnership: Partnership, voicemail_ok: bool | None, hang_up: bool
) -> None:
    evening = local("2026-11-24 19:00")
    plan = plan_call(CallTime.EVENING, voicemail_ok, evening, partnership)
    assert plan.hang_up_on_machine is hang_up


def a_case(
    contact: ContactMethod | None = ContactMethod.CALL, phone: str | None = "+46701234567"
) -> CaseRecord:
    return CaseRecord(
        1, "ABC-123", "vasterort", CaseSource.BOT, CaseStatus.ASSIGNED,
        local("2026-11-24 10:00"), "sv", Channel.TELEGRAM, contact=contact, phone=phone,
    )  # fmt: skip


def refusal(case: CaseRecord, **changed: object) -> CallRefusal | None:
    given: dict[str, Any] = {
        "voice": True, "staff_phone": True, "placed_today": 0, "per_day": 40, "open_call": False,
    }  # fmt: skip
    return call_refusal(case, **(given | changed))


def test_a_call_only_for_a_seeker_who_asked_to_be_called_and_within_the_limits() -> None:
    assert refusal(a_case()) is None
    assert refusal(a_case(), voice=False) is CallRefusal.NO_VOICE
    assert refusal(a_case(ContactMethod.SMS)) is CallRefusal.NOT_ASKED  # a number for texts
    assert refusal(a_case(ContactMethod.MEET)) is CallRefusal.NOT_ASKED
    assert refusal(a_case(phone=None)) is CallRefusal.NOT_ASKED  # erased, or never given
    assert refusal(a_case(), staff_phone=False) is CallRefusal.NO_STAFF_PHONE
    assert refusal(a_case(), open_call=True) is CallRefusal.IN_PROGRESS
    assert refusal(a_case(), placed_today=39) is None
    assert refusal(a_case(), placed_today=40) is CallRefusal.DAILY_CAP


@pytest.mark.parametrize(
    ("at", "start"),
    [
        ("2026-11-24 00:30", "2026-11-23 23:00"),  # 00:30 in Stockholm is 23:30 UTC the eve
        ("2026-11-24 23:59", "2026-11-23 23:00"),
        ("2026-03-29 12:00", "2026-03-28 23:00"),  # clocks forward that night: from CET
        ("2026-03-30 12:00", "2026-03-29 22:00"),  # and the next day starts at CEST midnight
        ("2026-10-25 12:00", "2026-10-24 22:00"),  # clocks back that night: from CEST
    ],
)
def test_the_daily_cap_counts_a_stockholm_day(
    partnership: Partnership, at: str, start: str
) -> None:
    expected = datetime.fromisoformat(start).replace(tzinfo=ZoneInfo("UTC"))
    assert day_start(local(at), partnership) == expected
