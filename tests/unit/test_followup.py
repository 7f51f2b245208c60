"""The reminder rules over simulated time: boundaries, evenings, quiet hours, DST."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.availability import Absence
from bot.domain.cases import (
    Attempt,
    AttemptChannel,
    AttemptOutcome,
    CaseRecord,
    CaseSource,
    CaseStatus,
)
from bot.domain.confirmation import first_contact_deadline
from bot.domain.followup import (
    Audience,
    DayPart,
    Rule,
    day_part,
    due_reminders,
    follow_up,
    in_quiet_hours,
)
from bot.domain.model import CallTime, Channel, Partnership

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local(text: str) -> datetime:
    """A Stockholm wall-clock time, e.g. '2026-11-24 14:00', as an aware UTC moment."""
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM).astimezone(UTC)


RECEIVED = local("2026-11-24 14:00")  # a Tuesday


def case(
    volunteer: int | None = 7,
    status: CaseStatus = CaseStatus.ASSIGNED,
    attempts: tuple[tuple[str, AttemptOutcome], ...] = (),
    received: datetime = RECEIVED,
    channel: AttemptChannel = AttemptChannel.PHONE,
    call_time: CallTime | None = None,
) -> CaseRecord:
    return CaseRecord(
        id=1,
        reference="ABC-234",
        org_id="vasterort",
        source=CaseSource.BOT,
        status=status,
        received_at=received,
        locale="sv",
        channel=Channel.TELEGRAM,
        volunteer_id=volunteer,
        attempts=tuple(Attempt(local(at), channel, outcome) for at, outcome in attempts),
        call_time=call_time,
    )


def rules(
    record: CaseRecord,
    at: str,
    partnership: Partnership,
    sent: frozenset[tuple[Rule, str]] = frozenset(),
) -> set[Rule]:
    return {d.rule for d in due_reminders(record, sent, local(at), partnership)}


NO = AttemptOutcome.NO_ANSWER


@pytest.mark.parametrize(
    ("record", "at", "expected"),
    [
        # Unassigned: coordinators after 12 h, once a day, never in quiet hours.
        (case(volunteer=None, status=CaseStatus.NEW), "2026-11-24 20:00", set()),
        (case(volunteer=None, status=CaseStatus.NEW), "2026-11-25 01:59", set()),  # quiet
        (case(volunteer=None, status=CaseStatus.NEW), "2026-11-25 08:00", {Rule.UNASSIGNED}),
        (case(volunteer=None, status=CaseStatus.NEW), "2026-11-25 07:59", set()),  # quiet
        # Deadline near: 24 h before 2026-11-27 14:00.
        (case(), "2026-11-26 13:59", set()),
        (case(), "2026-11-26 14:00", {Rule.DEADLINE_NEAR}),
        # Exactly 72 h: passed.
        (case(), "2026-11-27 13:59", {Rule.DEADLINE_NEAR}),
        (case(), "2026-11-27 14:00", {Rule.DEADLINE_PASSED}),
        (case(volunteer=None, status=CaseStatus.NEW), "2026-11-27 14:00",
         {Rule.DEADLINE_PASSED, Rule.UNASSIGNED}),
        # A failed daytime call: remind from 15:00 before the evening...
        (case(attempts=(("2026-11-25 10:00", NO),)), "2026-11-25 14:59", set()),
        (case(attempts=(("2026-11-25 10:00", NO),)), "2026-11-25 15:00", {Rule.EVENING_MISSING}),
        # ...17:59 is not evening, 18:00 is, 21:00 is not.
        (case(attempts=(("2026-11-25 17:59", NO),)), "2026-11-25 18:30", {Rule.EVENING_MISSING}),
        (case(attempts=(("2026-11-25 18:00", NO),)), "2026-11-25 18:30", set()),
        (case(attempts=(("2026-11-25 20:59", NO),)), "2026-11-26 10:00", set()),
        (case(attempts=(("2026-11-25 21:00", NO),)), "2026-11-26 13:00", set()),
        (case(attempts=(("2026-11-25 21:00", NO),)), "2026-11-26 15:00",
         {Rule.EVENING_MISSING, Rule.DEADLINE_NEAR}),
        # After the evening window the next reminder is for tomorrow's evening.
        (case(attempts=(("2026-11-25 10:00", NO),)), "2026-11-26 09:00", set()),
        # Three failed attempts including an evening one: close or try another way.
        (case(attempts=(("2026-11-25 10:00", NO), ("2026-11-25 19:00", NO))),
         "2026-11-26 09:00", set()),
        (case(attempts=(("2026-11-25 10:00", NO), ("2026-11-25 19:00", NO),
                        ("2026-11-26 09:00", AttemptOutcome.VOICEMAIL))),
         "2026-11-26 09:30", {Rule.NOT_REACHED}),
        # Reached on the first attempt: nothing, ever.
        (case(attempts=(("2026-11-24 16:00", AttemptOutcome.REACHED),)), "2026-11-28 10:00", set()),
        (case(status=CaseStatus.IN_CONTACT), "2026-11-28 10:00", set()),
        # Declining support is being reached.
        (case(attempts=(("2026-11-24 16:00", AttemptOutcome.DECLINED),)), "2026-11-28 10:00",
         set()),
        # Closed mid-way: nothing.
        (case(status=CaseStatus.CLOSED, attempts=(("2026-11-25 10:00", NO),)),
         "2026-11-28 10:00", set()),
        # Attempts by chat do not count for the evening rule.
        (case(attempts=(("2026-11-25 10:00", NO),), channel=AttemptChannel.CHAT),
         "2026-11-25 16:00", set()),
    ],
)  # fmt: skip
def test_rules(partnership: Partnership, record: CaseRecord, at: str, expected: set[Rule]) -> None:
    """Each rule at its boundaries."""
    assert rules(record, at, partnership) == expected


def test_audiences(partnership: Partnership) -> None:
    """A missed deadline goes to the volunteer and the coordinators; a near one only to them."""
    passed = due_reminders(case(), frozenset(), local("2026-11-27 15:00"), partnership)
    assert [(d.rule, d.audience) for d in passed] == [
        (Rule.DEADLINE_PASSED, (Audience.VOLUNTEER, Audience.COORDINATORS))
    ]
    unassigned = due_reminders(
        case(None, CaseStatus.NEW), frozenset(), local("2026-11-25 09:00"), partnership
    )
    assert unassigned[0].audience == (Audience.COORDINATORS,)
    assert unassigned[0].deadline == local("2026-11-27 14:00")


def test_a_simulated_week_sends_each_reminder_once(partnership: Partnership) -> None:
    """Sweeping every 5 minutes for a week: the exact reminders, each once, none in quiet hours."""
    record = case(attempts=(("2026-11-25 10:00", NO),))
    sent: dict[tuple[Rule, str], datetime] = {}
    moment = RECEIVED
    while moment < RECEIVED + timedelta(days=7):
        for due in due_reminders(record, frozenset(sent), moment, partnership):
            assert (due.rule, due.period) not in sent
            assert not in_quiet_hours(moment, partnership)
            sent[(due.rule, due.period)] = moment
        moment += timedelta(minutes=5)
    assert {key: at.astimezone(STOCKHOLM).strftime("%a %H:%M") for key, at in sent.items()} == {
        (Rule.EVENING_MISSING, "2026-11-25"): "Wed 15:00",
        (Rule.EVENING_MISSING, "2026-11-26"): "Thu 15:00",
        (Rule.DEADLINE_NEAR, "once"): "Thu 14:00",
        (Rule.EVENING_MISSING, "2026-11-27"): "Fri 15:00",
        (Rule.DEADLINE_PASSED, "once"): "Fri 14:00",
        (Rule.EVENING_MISSING, "2026-11-28"): "Sat 15:00",
        (Rule.EVENING_MISSING, "2026-11-29"): "Sun 15:00",
        (Rule.EVENING_MISSING, "2026-11-30"): "Mon 15:00",
    }


def test_deadline_falling_in_quiet_hours_waits_for_the_morning(partnership: Partnership) -> None:
    """A case received at 22:00 is due 22:00 three days later; the escalation goes at 08:00."""
    record = case(received=local("2026-11-24 22:00"))
    assert rules(record, "2026-11-27 22:00", partnership) == set()
    assert rules(record, "2026-11-28 08:00", partnership) == {Rule.DEADLINE_PASSED}


@pytest.mark.parametrize(
    ("received", "deadline"),
    [
        # Autumn: clocks go back at 03:00 on 25 October 2026; the deadline keeps wall time.
        ("2026-10-23 14:00", "2026-10-26 14:00"),
        # Spring: clocks go forward at 02:00 on 29 March 2026.
        ("2026-03-27 14:00", "2026-03-30 14:00"),
    ],
)
def test_deadline_keeps_wall_clock_time_across_dst(
    partnership: Partnership, received: str, deadline: str
) -> None:
    """Three calendar days: the deadline does not move an hour when the clocks change."""
    assert first_contact_deadline(partnership, local(received)) == local(deadline)


@pytest.mark.parametrize("day", ["2026-10-25", "2026-03-29"])
def test_dst_days_neither_shift_nor_double_a_reminder(partnership: Partnership, day: str) -> None:
    """On the days the clocks change, the evening reminder comes once, at 15:00 local."""
    before = (datetime.fromisoformat(day) - timedelta(days=1)).date().isoformat()
    record = case(received=local(f"{before} 09:00"), attempts=((f"{before} 10:00", NO),))
    record = replace(record, status=CaseStatus.ASSIGNED)
    sent: dict[tuple[Rule, str], datetime] = {}
    moment = local(f"{day} 00:00")
    while moment < local(f"{day} 23:59"):
        for due in due_reminders(record, frozenset(sent), moment, partnership):
            sent[(due.rule, due.period)] = moment
        moment += timedelta(minutes=5)
    evening = [at for (rule, _), at in sent.items() if rule is Rule.EVENING_MISSING]
    assert [at.astimezone(STOCKHOLM).strftime("%H:%M") for at in evening] == ["15:00"]


def test_quiet_hours_that_do_not_cross_midnight(partnership: Partnership) -> None:
    """A configured window inside one day works too."""
    lunch = replace(partnership, quiet_start=datetime(2026, 1, 1, 12).time(),
                    quiet_end=datetime(2026, 1, 1, 13).time())  # fmt: skip
    assert in_quiet_hours(local("2026-11-24 12:30"), lunch)
    assert not in_quiet_hours(local("2026-11-24 22:30"), lunch)


DAYTIME = CallTime.DAYTIME


def daytime(*attempts: tuple[str, AttemptOutcome]) -> CaseRecord:
    """A seeker who said only the daytime is safe to call."""
    return case(attempts=attempts, call_time=DAYTIME)


@pytest.mark.parametrize(
    ("at", "part"),
    [
        ("2026-11-25 07:59", DayPart.NIGHT), ("2026-11-25 08:00", DayPart.MORNING),
        ("2026-11-25 11:59", DayPart.MORNING), ("2026-11-25 12:00", DayPart.AFTERNOON),
        ("2026-11-25 17:59", DayPart.AFTERNOON), ("2026-11-25 18:00", DayPart.EVENING),
        ("2026-11-25 20:59", DayPart.EVENING), ("2026-11-25 21:00", DayPart.NIGHT),
        # The DST week, on the wall clock: clocks forward on 29 March, back on 25 October.
        ("2026-03-29 11:30", DayPart.MORNING), ("2026-03-29 12:30", DayPart.AFTERNOON),
        ("2026-10-25 11:30", DayPart.MORNING), ("2026-10-25 18:30", DayPart.EVENING),
    ],
)  # fmt: skip
def test_the_parts_of_the_day_are_read_on_the_stockholm_clock(
    partnership: Partnership, at: str, part: DayPart
) -> None:
    assert day_part(local(at), partnership) is part


@pytest.mark.parametrize(
    ("record", "at", "expected"),
    [
        # No evening reminder ever, however the calls went...
        (daytime(("2026-11-25 10:00", NO)), "2026-11-25 15:00", set()),
        (daytime(("2026-11-25 10:00", NO)), "2026-11-25 18:30", set()),
        # ...but the next morning, a call at a time of day not tried yet.
        (daytime(("2026-11-25 10:00", NO)), "2026-11-26 07:59", set()),
        (daytime(("2026-11-25 10:00", NO)), "2026-11-26 08:00", {Rule.OTHER_TIME_MISSING}),
        (daytime(("2026-11-25 14:00", NO), ("2026-11-25 16:00", NO)), "2026-11-26 08:00",
         {Rule.OTHER_TIME_MISSING}),
        # Morning and afternoon tried: nothing to ask until the third attempt...
        (daytime(("2026-11-25 10:00", NO), ("2026-11-25 14:00", NO)), "2026-11-26 09:00", set()),
        # ...which makes the case "not reached, rule satisfied" without an evening call.
        (daytime(("2026-11-25 10:00", NO), ("2026-11-25 14:00", NO), ("2026-11-26 09:00", NO)),
         "2026-11-26 09:30", {Rule.NOT_REACHED}),
        # Three morning calls are not spread over the day: the afternoon is asked for.
        (daytime(("2026-11-25 09:00", NO), ("2026-11-25 10:00", NO), ("2026-11-25 11:00", NO)),
         "2026-11-26 08:00", {Rule.OTHER_TIME_MISSING}),
        # An evening call (outside what the seeker said is safe) does not stand in for it.
        (daytime(("2026-11-25 09:00", NO), ("2026-11-25 19:00", NO), ("2026-11-25 20:00", NO)),
         "2026-11-26 08:00", {Rule.OTHER_TIME_MISSING}),
        # An evening-only seeker, or one who said any time: the evening rule as before.
        (case(attempts=(("2026-11-25 10:00", NO),), call_time=CallTime.EVENING),
         "2026-11-25 15:00", {Rule.EVENING_MISSING}),
        (case(attempts=(("2026-11-25 10:00", NO),), call_time=CallTime.ANY),
         "2026-11-25 15:00", {Rule.EVENING_MISSING}),
    ],
)  # fmt: skip
def test_a_daytime_only_seeker_is_never_the_subject_of_an_evening_reminder(
    partnership: Partnership, record: CaseRecord, at: str, expected: set[Rule]
) -> None:
    assert rules(record, at, partnership) == expected


def test_a_daytime_only_seeker_across_a_whole_deadline(partnership: Partnership) -> None:
    """Sweeping every 5 minutes from the case to a week on, with the volunteer calling at
    10:00 on Wednesday, 10:30 on Thursday and 14:00 on Friday: no evening reminder at all;
    each morning after a day of morning calls, the afternoon is asked for; after Friday's
    third call, at a different time of day, the case may be closed as not reached."""
    calls = ("2026-11-25 10:00", "2026-11-26 10:30", "2026-11-27 14:00")
    sent: dict[tuple[Rule, str], datetime] = {}
    moment = RECEIVED
    while moment < RECEIVED + timedelta(days=7):
        made = tuple((at, NO) for at in calls if local(at) <= moment)
        for due in due_reminders(daytime(*made), frozenset(sent), moment, partnership):
            assert due.rule is not Rule.EVENING_MISSING
            assert not in_quiet_hours(moment, partnership)
            sent[(due.rule, due.period)] = moment
        moment += timedelta(minutes=5)
    assert {key: at.astimezone(STOCKHOLM).strftime("%a %H:%M") for key, at in sent.items()} == {
        (Rule.OTHER_TIME_MISSING, "2026-11-26"): "Thu 08:00",
        (Rule.DEADLINE_NEAR, "once"): "Thu 14:00",
        (Rule.OTHER_TIME_MISSING, "2026-11-27"): "Fri 08:00",
        (Rule.NOT_REACHED, "once"): "Fri 14:00",
        (Rule.DEADLINE_PASSED, "once"): "Fri 14:00",
    }
    state = follow_up(daytime(*((at, NO) for at in calls)), partnership)
    assert (state.evening_safe, state.evening_attempt, state.varied) == (False, False, True)


@pytest.mark.parametrize("day", ["2026-03-28", "2026-10-24"])
def test_the_daytime_rule_across_a_dst_night(partnership: Partnership, day: str) -> None:
    """Calls the day before the clocks change: the next morning's reminder comes at 08:00 on
    the wall clock, once."""
    first = datetime.fromisoformat(day)
    record = case(
        attempts=((f"{day} 09:00", NO),), received=local(f"{day} 08:00"), call_time=DAYTIME
    )
    next_morning = (first + timedelta(days=1)).date().isoformat()
    assert rules(record, f"{next_morning} 07:55", partnership) == set()
    due = due_reminders(record, frozenset(), local(f"{next_morning} 08:00"), partnership)
    assert [(d.rule, d.period) for d in due] == [(Rule.OTHER_TIME_MISSING, next_morning)]


def away(starts: str, ends: str, staff_id: int = 7) -> Absence:
    return Absence(1, staff_id, date.fromisoformat(starts), date.fromisoformat(ends))


def test_an_absence_over_the_deadline_goes_to_the_coordinators_once_in_working_hours(
    partnership: Partnership,
) -> None:
    """The case came in Tuesday 14:00 (deadline Friday 14:00); its volunteer is away Thursday
    to Sunday. Sweeping every 5 minutes: the coordinators hear of it on Thursday at 08:00,
    once; nothing before the absence begins."""
    record = case(attempts=(("2026-11-25 10:00", NO),))
    absences = [away("2026-11-26", "2026-11-29")]
    sent: dict[tuple[Rule, str], datetime] = {}
    moment = RECEIVED
    while moment < RECEIVED + timedelta(days=5):
        for due in due_reminders(record, frozenset(sent), moment, partnership, absences):
            if due.rule is Rule.VOLUNTEER_AWAY:
                assert due.audience == (Audience.COORDINATORS,)
            sent[(due.rule, due.period)] = moment
        moment += timedelta(minutes=5)
    when = {key: at.astimezone(STOCKHOLM).strftime("%a %H:%M") for key, at in sent.items()}
    assert when[(Rule.VOLUNTEER_AWAY, "away:2026-11-26")] == "Thu 08:00"
    assert [key for key in sent if key[0] is Rule.VOLUNTEER_AWAY] == [
        (Rule.VOLUNTEER_AWAY, "away:2026-11-26")
    ]


@pytest.mark.parametrize(
    ("absences", "at", "expected"),
    [
        # Recorded after it began, in the evening: it waits for the next working hours.
        ([away("2026-11-24", "2026-11-30")], "2026-11-24 19:00", False),
        ([away("2026-11-24", "2026-11-30")], "2026-11-25 07:59", False),
        ([away("2026-11-24", "2026-11-30")], "2026-11-25 08:00", True),
        ([away("2026-11-24", "2026-11-30")], "2026-11-25 17:59", True),
        # Back before the deadline (Friday 27th): nothing to hand over.
        ([away("2026-11-25", "2026-11-26")], "2026-11-25 10:00", False),
        # Away from the day after the deadline: nothing either.
        ([away("2026-11-28", "2026-12-05")], "2026-11-28 10:00", False),
        # Someone else's absence: nothing.
        ([away("2026-11-24", "2026-11-30", staff_id=8)], "2026-11-25 10:00", False),
    ],
)
def test_only_an_absence_that_has_begun_and_covers_the_deadline_counts(
    partnership: Partnership, absences: list[Absence], at: str, expected: bool
) -> None:
    found = rules(case(), at, partnership) != rules_with(case(), at, partnership, absences)
    assert found is expected


def rules_with(
    record: CaseRecord, at: str, partnership: Partnership, absences: list[Absence]
) -> set[Rule]:
    return {d.rule for d in due_reminders(record, frozenset(), local(at), partnership, absences)}


@pytest.mark.parametrize("day", ["2026-03-29", "2026-10-25"])
def test_an_absence_beginning_on_a_dst_day_escalates_at_eight_on_the_wall_clock(
    partnership: Partnership, day: str
) -> None:
    start = date.fromisoformat(day)
    record = case(received=local(f"{start - timedelta(days=1)} 12:00"))
    absences = [away(day, (start + timedelta(days=5)).isoformat())]
    assert Rule.VOLUNTEER_AWAY not in rules_with(record, f"{day} 07:55", partnership, absences)
    assert Rule.VOLUNTEER_AWAY in rules_with(record, f"{day} 08:00", partnership, absences)
