"""Supervision reminders: counted from the last supervision or the basic training, in
calendar months, and only for active, trained volunteers."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.cases import Staff, StaffRole
from bot.domain.training import Session, SessionKind, months_before, supervision_overdue

VERA = Staff(7, "vasterort", StaffRole.VOLUNTEER, "Vera", "sv", trained_on=date(2026, 3, 1))


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 12, 6), 3, date(2026, 9, 6)),
        (date(2026, 5, 31), 3, date(2026, 2, 28)),  # February is shorter
        (date(2028, 5, 31), 3, date(2028, 2, 29)),  # a leap year
        (date(2027, 1, 15), 3, date(2026, 10, 15)),  # across the new year
        (date(2026, 12, 6), 24, date(2024, 12, 6)),
    ],
)
def test_months_before(day: date, months: int, expected: date) -> None:
    assert months_before(day, months) == expected


def supervised(*days: date, kind: SessionKind = SessionKind.SUPERVISION) -> list[Session]:
    return [Session(VERA.id, day, kind) for day in days]


@pytest.mark.parametrize(
    ("sessions", "today", "overdue"),
    [
        ([], date(2026, 5, 31), False),  # trained 1 March: not three months yet
        ([], date(2026, 6, 1), True),  # three months after the basic training
        (supervised(date(2026, 5, 20)), date(2026, 8, 19), False),
        (supervised(date(2026, 5, 20)), date(2026, 8, 20), True),
        (supervised(date(2026, 5, 20), date(2026, 7, 1)), date(2026, 9, 30), False),
        # Further training is not supervision.
        (supervised(date(2026, 7, 1), kind=SessionKind.FURTHER_TRAINING), date(2026, 6, 1), True),
        # Someone else's supervision does not count for her.
        ([Session(8, date(2026, 7, 1), SessionKind.SUPERVISION)], date(2026, 8, 1), True),
    ],
)
def test_supervision_is_due_after_the_configured_months(
    sessions: list[Session], today: date, overdue: bool
) -> None:
    assert supervision_overdue(VERA, sessions, today, 3) is overdue


def test_only_active_trained_volunteers_are_reminded_of() -> None:
    today = date(2027, 1, 1)
    untrained = Staff(9, "vasterort", StaffRole.VOLUNTEER, "New", "sv")
    inactive = Staff(
        10, "vasterort", StaffRole.VOLUNTEER, "Gone", "sv", trained_on=date(2026, 1, 1),
        active=False,
    )  # fmt: skip
    coordinator = Staff(
        11, "vasterort", StaffRole.COORDINATOR, "Cora", "sv", trained_on=date(2026, 1, 1)
    )
    for person in (untrained, inactive, coordinator):
        assert not supervision_overdue(person, [], today)
    assert supervision_overdue(VERA, [], today, months=6)
    assert not supervision_overdue(VERA, [], date(2026, 8, 31), months=6)
