"""Who may see and do what, and who may take a case."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from bot.domain.cases import (
    Attempt,
    AttemptChannel,
    AttemptOutcome,
    CaseRecord,
    CaseSource,
    CaseStatus,
    Staff,
    StaffRole,
)
from bot.domain.followup import follow_up, in_evening
from bot.domain.model import Channel, ContactMethod, Partnership
from bot.domain.policy import Action, allowed, may_receive, may_see_phone
from bot.domain.routing import suggest_volunteers

RECEIVED = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
TRAINED = date(2026, 1, 15)

VOLUNTEER = Staff(1, "vasterort", StaffRole.VOLUNTEER, "Vera", "sv", ("sv", "ar"), TRAINED)
OTHER_VOLUNTEER = Staff(2, "vasterort", StaffRole.VOLUNTEER, "Omar", "sv", ("ar",), TRAINED)
COORDINATOR = Staff(3, "vasterort", StaffRole.COORDINATOR, "Cecilia", "sv")
OTHER_COORDINATOR = Staff(4, "soderort", StaffRole.COORDINATOR, "Sam", "en")
CASE = CaseRecord(
    id=10,
    reference="K7M-4QX",
    org_id="vasterort",
    source=CaseSource.BOT,
    status=CaseStatus.ASSIGNED,
    received_at=RECEIVED,
    locale="ar",
    channel=Channel.TELEGRAM,
    volunteer_id=1,
    contact=ContactMethod.CALL,
    phone="+46701234567",
)
ACTORS = {
    "non-staff": None,
    "volunteer of the case": VOLUNTEER,
    "other volunteer": OTHER_VOLUNTEER,
    "coordinator of the org": COORDINATOR,
    "coordinator of another org": OTHER_COORDINATOR,
}
ON_A_CASE = {
    # action: who may, among ACTORS
    Action.VIEW: {"volunteer of the case", "coordinator of the org"},
    Action.LOG_ATTEMPT: {"volunteer of the case", "coordinator of the org"},
    Action.RELAY: {"volunteer of the case", "coordinator of the org"},
    Action.CLOSE: {"volunteer of the case", "coordinator of the org"},
    Action.ASSIGN: {"coordinator of the org"},
}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("action", ON_A_CASE)
def test_actions_on_a_case(actor: str, action: Action) -> None:
    """The table of DESIGN section 4: own cases, own organisation, nothing else."""
    assert allowed(ACTORS[actor], action, CASE) is (actor in ON_A_CASE[action])


@pytest.mark.parametrize("actor", ACTORS)
def test_organisation_wide_actions(actor: str) -> None:
    """Only coordinators list their organisation's cases and invite; all staff see their own."""
    staff = ACTORS[actor]
    is_coordinator = staff is not None and staff.role is StaffRole.COORDINATOR
    assert allowed(staff, Action.ORG_CASES) is is_coordinator
    assert allowed(staff, Action.INVITE) is is_coordinator
    assert allowed(staff, Action.MY_CASES) is (staff is not None)


def test_inactive_staff_may_do_nothing() -> None:
    """Deactivated staff lose every right at once."""
    for staff in (replace(VOLUNTEER, active=False), replace(COORDINATOR, active=False)):
        assert not any(allowed(staff, action, CASE) for action in Action)


def test_closed_and_erased_cases() -> None:
    """A closed case can be read but not worked; an erased one not even read."""
    closed = replace(CASE, status=CaseStatus.CLOSED)
    assert allowed(COORDINATOR, Action.VIEW, closed)
    assert not allowed(COORDINATOR, Action.LOG_ATTEMPT, closed)
    erased = replace(CASE, status=CaseStatus.ERASED)
    assert not allowed(COORDINATOR, Action.VIEW, erased)


def test_phone_only_when_given_to_be_called() -> None:
    """The number shows to those who may see the case, and only if the seeker wants a call."""
    assert may_see_phone(VOLUNTEER, CASE)
    assert not may_see_phone(OTHER_VOLUNTEER, CASE)
    assert not may_see_phone(COORDINATOR, replace(CASE, contact=ContactMethod.CHAT))


def test_untrained_or_inactive_volunteers_cannot_receive() -> None:
    """Rule 9: no case for anyone without basic training; none across organisations."""
    assert may_receive(VOLUNTEER, CASE)
    assert not may_receive(replace(VOLUNTEER, trained_on=None), CASE)
    assert not may_receive(replace(VOLUNTEER, active=False), CASE)
    assert not may_receive(replace(VOLUNTEER, org_id="soderort"), CASE)
    assert not may_receive(COORDINATOR, CASE)


def test_suggestions_by_language_then_load() -> None:
    """Arabic speakers first, the least loaded of them first; the untrained never."""
    untrained = replace(OTHER_VOLUNTEER, id=5, trained_on=None)
    swedish_only = replace(OTHER_VOLUNTEER, id=6, languages=("sv",))
    ranked = suggest_volunteers(
        CASE, [swedish_only, VOLUNTEER, untrained, OTHER_VOLUNTEER], {1: 3, 2: 1, 6: 0}
    )
    assert [v.id for v in ranked] == [2, 1, 6]


def test_follow_up_counts_attempts_and_evenings(partnership: Partnership) -> None:
    """Evening means 18:00-21:00 in Stockholm, whatever the season."""
    summer_evening = datetime(2026, 7, 1, 16, 30, tzinfo=UTC)  # 18:30 CEST
    winter_afternoon = datetime(2026, 11, 24, 16, 30, tzinfo=UTC)  # 17:30 CET
    assert in_evening(summer_evening, partnership)
    assert not in_evening(winter_afternoon, partnership)
    case = replace(
        CASE,
        attempts=(
            Attempt(winter_afternoon, AttemptChannel.PHONE, AttemptOutcome.NO_ANSWER),
            Attempt(
                datetime(2026, 11, 25, 18, 0, tzinfo=UTC),
                AttemptChannel.PHONE,
                AttemptOutcome.REACHED,
            ),
        ),
    )
    due = follow_up(case, partnership)
    assert (due.attempts, due.evening_attempt, due.reached) == (2, True, True)
    assert due.deadline == datetime(2026, 11, 27, 13, 0, tzinfo=UTC)
    assert not due.overdue(datetime(2026, 12, 1, tzinfo=UTC))
    assert follow_up(replace(CASE, attempts=()), partnership).overdue(
        datetime(2026, 12, 1, tzinfo=UTC)
    )
