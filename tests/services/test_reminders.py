"""ReminderService on the in-memory units: what is due, to whom, when, and never twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain import staff_views as views
from bot.domain.cases import (
    AttemptChannel,
    AttemptOutcome,
    CaseSource,
    CloseReason,
    NewCase,
    StaffRole,
)
from bot.domain.followup import Due, Rule
from bot.domain.model import Channel, Partnership
from bot.domain.staff_notices import StaffSettings
from bot.services.reminders import Planned, ReminderService
from tests.conftest import FakeClock
from tests.contract.builders import answers, references
from tests.memory_units import MemoryOutbox, MemoryReminders, MemoryUnits
from tests.services.staff_world import DESK_URL, Wakes, deliver

STOCKHOLM = ZoneInfo("Europe/Stockholm")
REFERENCE = "K7M-4QX"
COORDINATOR, VOLUNTEER = "100", "200"  # their Telegram chats


def local(text: str) -> datetime:
    """Return a Stockholm wall-clock time as the UTC moment it is."""
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM).astimezone(UTC)


def rule_of(text: str, partnership: Partnership) -> Rule:
    """Name the rule a reminder's message speaks for."""
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    for rule in Rule:
        if views.reminder(Due(0, "", rule, (), "", moment), partnership).text == text:
            return rule
    raise AssertionError(f"not a reminder: {text!r}")


async def broken(*_: object, **__: object) -> None:
    """A store that fails mid-way: whatever was written with it must not hold."""
    raise RuntimeError("store unavailable")


@dataclass
class Week:
    """One case of Västerort, its coordinator and volunteer, and every reminder they got."""

    units: MemoryUnits
    clock: FakeClock
    partnership: Partnership
    service: ReminderService
    wakes: Wakes
    case_id: int
    coordinator: int
    volunteer: int
    told: list[tuple[str, Rule, str]] = field(default_factory=list)  # chat, rule, local time

    async def sweep(self, now: datetime | None = None) -> list[Planned]:
        """One sweep, and what it queued handed out (as the outbox worker would)."""
        done = await self.service.sweep(now)
        at = self.clock.now().astimezone(STOCKHOLM).strftime("%a %H:%M")
        for message in await deliver(self.units, self.clock.now()):
            (reply,) = message.replies
            assert reply.params["reference"] == REFERENCE
            self.told.append((message.address, rule_of(reply.text, self.partnership), at))
        return done

    async def run_until(self, end: str, step: timedelta = timedelta(minutes=10)) -> None:
        """Sweep every *step* until the local time *end*."""
        while self.clock.now() < local(end):
            await self.sweep()
            self.clock.advance(seconds=step.total_seconds())

    async def assign(self) -> None:
        async with self.units.begin() as unit:
            await unit.cases.assign(self.case_id, self.volunteer)

    async def attempt(self, at: str, outcome: AttemptOutcome) -> None:
        """Record a phone call made at the local time *at*."""
        async with self.units.begin() as unit:
            await unit.cases.add_attempt(
                self.case_id, self.volunteer, local(at), AttemptChannel.PHONE, outcome, local(at)
            )

    async def add_staff(self, chat: int, role: StaffRole, org_id: str = "vasterort") -> int:
        async with self.units.begin() as unit:
            return await unit.staff.add(
                org_id=org_id, role=role, name="S", telegram_id=chat, locale="en",
                now=self.clock.now(),
            )  # fmt: skip

    async def sent_rules(self) -> list[str]:
        """Every reminder on record as sent, by rule (what the report counts)."""
        async with self.units.begin() as unit:
            return sorted(
                await unit.stats.reminders("vasterort", local("2026-11-01"), local("2027-01-01"))
            )


async def week_from(
    received: str, units: MemoryUnits, partnership: Partnership, org_id: str = "vasterort"
) -> Week:
    """A case received at the local time *received*; Västerort's coordinator and volunteer."""
    clock = FakeClock(local(received))
    wakes = Wakes()
    service = ReminderService(
        units, clock, partnership, wakes, settings=StaffSettings(False, DESK_URL)
    )
    async with units.begin() as unit:
        seeker = await unit.intake.add_seeker(Channel.TELEGRAM, "555000111", clock.now())
        new = NewCase(
            org_id, CaseSource.BOT, "sv", clock.now(), answers(),
            channel=Channel.TELEGRAM, seeker_id=seeker,
        )  # fmt: skip
        case_id, _ = await unit.cases.add(new, references(REFERENCE))
    week = Week(units, clock, partnership, service, wakes, case_id, 0, 0)
    week.coordinator = await week.add_staff(int(COORDINATOR), StaffRole.COORDINATOR)
    week.volunteer = await week.add_staff(int(VOLUNTEER), StaffRole.VOLUNTEER)
    async with units.begin() as unit:
        await unit.staff.update(week.volunteer, trained_on=date(2026, 1, 1))
    return week


@pytest.fixture
async def week(units: MemoryUnits, partnership: Partnership) -> Week:
    return await week_from("2026-11-24 14:00", units, partnership)  # a Tuesday


async def test_a_week_of_sweeps(week: Week) -> None:
    """Unassigned overnight, assigned, one failed daytime call, then silence: exact reminders."""
    await week.run_until("2026-11-25 09:00")
    await week.assign()
    await week.attempt("2026-11-25 10:00", AttemptOutcome.NO_ANSWER)
    await week.run_until("2026-12-01 09:00")
    assert week.told == [
        (COORDINATOR, Rule.UNASSIGNED, "Wed 08:00"),  # due at 02:00, held for the night
        (VOLUNTEER, Rule.EVENING_MISSING, "Wed 15:00"),
        (VOLUNTEER, Rule.DEADLINE_NEAR, "Thu 14:00"),
        (VOLUNTEER, Rule.EVENING_MISSING, "Thu 15:00"),
        (VOLUNTEER, Rule.DEADLINE_PASSED, "Fri 14:00"),
        (COORDINATOR, Rule.DEADLINE_PASSED, "Fri 14:00"),
        (VOLUNTEER, Rule.EVENING_MISSING, "Fri 15:00"),
        (VOLUNTEER, Rule.EVENING_MISSING, "Sat 15:00"),
        (VOLUNTEER, Rule.EVENING_MISSING, "Sun 15:00"),
        (VOLUNTEER, Rule.EVENING_MISSING, "Mon 15:00"),
    ]
    # Each reminder is on record once; the worker was woken once per sweep that queued.
    assert await week.sent_rules() == sorted(
        ["unassigned", "deadline_near", "deadline_passed"] + ["evening_missing"] * 6
    )
    assert week.wakes.count == 9
    # Sweeps at the same moment queue nothing more.
    assert await week.sweep() == []
    assert await week.sweep() == []
    assert len(week.told) == 10


async def test_evening_then_not_reached_then_closed(week: Week) -> None:
    """Three failed calls with one in the evening ask to close; closing stops everything."""
    await week.assign()
    for at in ("2026-11-24 15:00", "2026-11-24 19:00", "2026-11-25 09:00"):
        await week.attempt(at, AttemptOutcome.NO_ANSWER)
    await week.run_until("2026-11-25 10:00")
    assert week.told == [
        (VOLUNTEER, Rule.EVENING_MISSING, "Tue 15:00"),  # before the evening call was made
        (VOLUNTEER, Rule.NOT_REACHED, "Wed 09:00"),
    ]
    async with week.units.begin() as unit:
        await unit.cases.close(week.case_id, CloseReason.NOT_REACHED, week.clock.now())
    await week.run_until("2026-12-01 10:00", step=timedelta(hours=1))
    assert len(week.told) == 2


async def test_reaching_the_seeker_ends_the_reminders(week: Week) -> None:
    """Once reached, nothing more is due for the case, deadline or not."""
    await week.assign()
    await week.attempt("2026-11-24 15:00", AttemptOutcome.REACHED)
    await week.run_until("2026-12-01 10:00", step=timedelta(hours=1))
    assert week.told == []


async def test_quiet_hours_hold_reminders_until_the_morning(
    units: MemoryUnits, partnership: Partnership
) -> None:
    """A case received at 22:00: what falls due at night is sent at 08:00, nothing before."""
    week = await week_from("2026-11-24 22:00", units, partnership)
    await week.assign()
    await week.run_until("2026-11-28 09:00")
    assert week.told == [
        (VOLUNTEER, Rule.DEADLINE_NEAR, "Fri 08:00"),  # due Thursday 22:00
        (VOLUNTEER, Rule.DEADLINE_PASSED, "Sat 08:00"),  # due Friday 22:00
        (COORDINATOR, Rule.DEADLINE_PASSED, "Sat 08:00"),
    ]


async def test_an_unassigned_case_goes_to_every_active_coordinator_daily(week: Week) -> None:
    """Coordinators of the case's organisation, active ones only: each morning, then late."""
    await week.add_staff(101, StaffRole.COORDINATOR)
    resigned = await week.add_staff(102, StaffRole.COORDINATOR)
    await week.add_staff(103, StaffRole.COORDINATOR, org_id="soderort")
    async with week.units.begin() as unit:
        await unit.staff.update(resigned, active=False)
    await week.run_until("2026-11-28 09:00")
    assert week.told == [
        (chat, rule, at)
        for rule, at in (
            (Rule.UNASSIGNED, "Wed 08:00"),
            (Rule.UNASSIGNED, "Thu 08:00"),
            (Rule.UNASSIGNED, "Fri 08:00"),
            (Rule.DEADLINE_PASSED, "Fri 14:00"),  # nobody has it: the coordinators alone
            (Rule.UNASSIGNED, "Sat 08:00"),
        )
        for chat in (COORDINATOR, "101")
    ]


async def test_plan_tells_what_is_due_and_changes_nothing(week: Week) -> None:
    """The dry run names the reminder and its recipients; nothing is queued or recorded."""
    assert await week.service.plan(local("2026-11-25 01:00")) == []  # quiet hours
    (planned,) = await week.service.plan(local("2026-11-25 08:00"))
    assert planned.as_json() == {
        "case": REFERENCE,
        "rule": "unassigned",
        "period": "2026-11-25",
        "recipients": [week.coordinator],
    }
    (coordinator, chat) = planned.staff[0]
    assert (coordinator.id, chat) == (week.coordinator, int(COORDINATOR))
    async with week.units.begin() as unit:
        assert await unit.outbox.pending() == 0
        assert await unit.reminders.sent() == {}
    assert week.wakes.count == 0
    # What was planned is still sent by the sweep, for the moment asked.
    assert [p.due.rule for p in await week.sweep(local("2026-11-25 08:00"))] == [Rule.UNASSIGNED]
    assert await week.service.plan(local("2026-11-25 08:00")) == []


async def test_a_reminder_with_no_one_to_tell_waits_for_someone(
    units: MemoryUnits, partnership: Partnership
) -> None:
    """No staff in the organisation yet: nothing is claimed; the first coordinator gets it."""
    week = await week_from("2026-11-24 14:00", units, partnership, org_id="soderort")
    week.clock.moment = local("2026-11-25 08:00")
    assert await week.sweep() == []
    async with week.units.begin() as unit:
        assert await unit.reminders.sent() == {}
    assert week.wakes.count == 0
    await week.add_staff(300, StaffRole.COORDINATOR, org_id="soderort")
    week.clock.advance(minutes=10)
    assert [p.due.rule for p in await week.sweep()] == [Rule.UNASSIGNED]
    assert week.told == [("300", Rule.UNASSIGNED, "Wed 08:10")]


@pytest.mark.parametrize("failing", [(MemoryOutbox, "add"), (MemoryReminders, "mark_sent")])
async def test_a_reminder_is_recorded_only_with_its_messages(
    week: Week, monkeypatch: pytest.MonkeyPatch, failing: tuple[type, str]
) -> None:
    """Claim, queue and record are one unit of work: a failure in it leaves nothing behind."""
    week.clock.moment = local("2026-11-25 08:00")
    with monkeypatch.context() as patched:
        patched.setattr(*failing, broken)
        with pytest.raises(RuntimeError, match="unavailable"):
            await week.sweep()
    async with week.units.begin() as unit:
        assert await unit.reminders.sent() == {}
        assert await unit.outbox.pending() == 0
    assert week.wakes.count == 0
    assert [p.due.rule for p in await week.sweep()] == [Rule.UNASSIGNED]
    assert week.told == [(COORDINATOR, Rule.UNASSIGNED, "Wed 08:00")]
    assert await week.sweep() == []


async def test_each_organisations_coordinators_hear_of_their_own_cases(
    week: Week, units: MemoryUnits
) -> None:
    """Two partners with a case due at once: each case goes to its own coordinators only."""
    theirs = await week.add_staff(103, StaffRole.COORDINATOR, org_id="soderort")
    async with units.begin() as unit:
        new = NewCase("soderort", CaseSource.POLICE, "sv", week.clock.now(), answers())
        await unit.cases.add(new, references("S0D-3RT"))
    done = await week.service.sweep(local("2026-11-25 08:00"))
    assert sorted((p.due.reference, [s.id for s, _ in p.staff]) for p in done) == [
        (REFERENCE, [week.coordinator]),
        ("S0D-3RT", [theirs]),
    ]
    told = await deliver(units, week.clock.now())
    assert sorted((m.address, m.replies[0].params["reference"]) for m in told) == [
        (COORDINATOR, REFERENCE),
        ("103", "S0D-3RT"),
    ]
