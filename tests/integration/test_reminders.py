"""The reminder sweep against SQLite over a simulated week: exact reminders, none twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import aiosqlite
import pytest

from bot.app import Jourbot, build
from bot.channels.render import SLASH_COMMANDS, render
from bot.config import Settings
from bot.domain.cases import AttemptChannel, AttemptOutcome, CloseReason, StaffRole
from bot.domain.dialogue import Reply
from bot.domain.followup import Rule
from bot.ports import Recipient
from bot.scheduler import PURGE_JOB, SWEEP_JOB, build_scheduler
from bot.services.reminders import ReminderService
from bot.storage.reminder_store import CANDIDATES
from bot.storage.units import Units
from tests.conftest import FakeClock
from tests.integration.test_staff_access import seeker_intake

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM).astimezone(UTC)


class Crash(BaseException):
    """The process dies: nothing after this runs."""


@dataclass
class RecordingDispatcher:
    sent: list[tuple[str, str, str]] = field(default_factory=list)  # (chat, text, local time)
    crash_once_on: str | None = None
    fail: bool = False
    catalogs: object = None
    clock: FakeClock | None = None

    def wake(self) -> None:
        pass

    async def send(
        self, to: Recipient, replies: Sequence[Reply], edit_of: int | None = None
    ) -> bool:
        if self.fail:
            return False
        tr = self.catalogs.translator(to.locale)  # type: ignore[attr-defined]
        assert self.clock is not None
        at = self.clock.now().astimezone(STOCKHOLM).strftime("%a %H:%M")
        for reply in replies:
            self.sent.append((to.address, render(reply, tr, SLASH_COMMANDS).text, at))
        if self.crash_once_on and self.crash_once_on in self.sent[-1][1]:
            self.crash_once_on = None
            raise Crash
        return True


@dataclass
class World:
    jourbot: Jourbot
    service: ReminderService
    dispatcher: RecordingDispatcher
    clock: FakeClock
    reference: str
    case_id: int
    volunteer: int

    async def attempt(self, at: str, outcome: AttemptOutcome) -> None:
        async with Units(self.jourbot.database).begin() as unit:
            await unit.cases.add_attempt(
                self.case_id, self.volunteer, local(at), AttemptChannel.PHONE, outcome, local(at)
            )

    async def run_until(self, end: str, step: timedelta = timedelta(minutes=10)) -> None:
        while self.clock.now() < local(end):
            await self.service.sweep()
            self.clock.advance(seconds=step.total_seconds())


@pytest.fixture
async def world(settings: Settings) -> AsyncIterator[World]:
    clock = FakeClock(local("2026-11-24 14:00"))  # a Tuesday
    jourbot = await build(settings, clock=clock, run_scheduler=False)
    dispatcher = RecordingDispatcher(catalogs=jourbot.catalogs, clock=clock)
    service = ReminderService(Units(jourbot.database), clock, settings.partnership, dispatcher)
    async with Units(jourbot.database).begin() as unit:
        coordinator = await unit.staff.add(
            org_id="vasterort", role=StaffRole.COORDINATOR, name="C", telegram_id=100,
            locale="en", now=clock.now(),
        )  # fmt: skip
        volunteer = await unit.staff.add(
            org_id="vasterort", role=StaffRole.VOLUNTEER, name="V", telegram_id=200,
            locale="en", now=clock.now(),
        )  # fmt: skip
        await unit.staff.update(volunteer, trained_on=date(2026, 1, 1))
    assert coordinator
    reference = await seeker_intake(jourbot)
    async with Units(jourbot.database).begin() as unit:
        case = await unit.cases.by_reference(reference)
        assert case is not None
    try:
        yield World(jourbot, service, dispatcher, clock, reference, case.id, volunteer)
    finally:
        await jourbot.close()


def summary(sent: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """(recipient, first words, local time) of each reminder."""
    return [(chat, " ".join(text.split()[:4]), at) for chat, text, at in sent]


async def test_a_week_of_sweeps(world: World) -> None:
    """Unassigned overnight, assigned, one failed daytime call, then silence: exact reminders."""
    await world.run_until("2026-11-25 09:00")
    async with Units(world.jourbot.database).begin() as unit:
        await unit.cases.assign(world.case_id, world.volunteer)
    await world.attempt("2026-11-25 10:00", AttemptOutcome.NO_ANSWER)
    await world.run_until("2026-12-01 09:00")
    assert summary(world.dispatcher.sent) == [
        ("100", f"Case {world.reference} has no", "Wed 08:00"),
        ("200", f"{world.reference}: no attempt in", "Wed 15:00"),
        ("200", "Reminder: first contact with", "Thu 14:00"),
        ("200", f"{world.reference}: no attempt in", "Thu 15:00"),
        ("200", "The deadline for first", "Fri 14:00"),
        ("100", "The deadline for first", "Fri 14:00"),
        ("200", f"{world.reference}: no attempt in", "Fri 15:00"),
        ("200", f"{world.reference}: no attempt in", "Sat 15:00"),
        ("200", f"{world.reference}: no attempt in", "Sun 15:00"),
        ("200", f"{world.reference}: no attempt in", "Mon 15:00"),
    ]
    # A second sweep at the same moment sends nothing more.
    before = len(world.dispatcher.sent)
    await world.service.sweep()
    await world.service.sweep()
    assert len(world.dispatcher.sent) == before


async def test_evening_then_not_reached_then_closed(world: World) -> None:
    """Three failed calls with one in the evening ask to close; closing stops everything."""
    async with Units(world.jourbot.database).begin() as unit:
        await unit.cases.assign(world.case_id, world.volunteer)
    for at in ("2026-11-24 15:00", "2026-11-24 19:00", "2026-11-25 09:00"):
        await world.attempt(at, AttemptOutcome.NO_ANSWER)
    await world.run_until("2026-11-25 10:00")
    assert [s[1].split(":")[1].strip()[:18] for s in world.dispatcher.sent] == [
        "no attempt in the ",  # 15:00 on Tuesday, before the evening call was made
        "three attempts, on",
    ]
    async with Units(world.jourbot.database).begin() as unit:
        await unit.cases.close(world.case_id, CloseReason.NOT_REACHED, world.clock.now())
    before = len(world.dispatcher.sent)
    await world.run_until("2026-12-01 10:00", step=timedelta(hours=1))
    assert len(world.dispatcher.sent) == before


async def test_crash_between_send_and_record_repeats_that_one_reminder(world: World) -> None:
    """At least once: a crash after sending sends that reminder again, once; nothing is lost."""
    world.dispatcher.crash_once_on = "has no volunteer"
    world.clock.moment = local("2026-11-25 08:00")
    with pytest.raises(Crash):
        await world.service.sweep()
    await world.service.sweep()  # the restarted process
    await world.service.sweep()
    texts = [text for _, text, _ in world.dispatcher.sent]
    assert sum("has no volunteer" in t for t in texts) == 2
    async with (
        aiosqlite.connect(world.jourbot.settings.db_path) as db,
        db.execute("SELECT rule, state FROM reminders") as cursor,
    ):
        assert await cursor.fetchall() == [(Rule.UNASSIGNED.value, "sent")]


async def test_failed_send_is_retried_at_the_next_sweep(world: World) -> None:
    """A send the provider refused leaves no record, so the next sweep tries again."""
    world.clock.moment = local("2026-11-25 08:00")
    world.dispatcher.fail = True
    assert await world.service.sweep() == []
    world.dispatcher.fail = False
    assert [p.due.rule for p in await world.service.sweep()] == [Rule.UNASSIGNED]


async def test_candidate_query_uses_the_partial_index(world: World) -> None:
    """The sweep reads open cases through an index, never by scanning every case."""
    async with (
        aiosqlite.connect(world.jourbot.settings.db_path) as db,
        db.execute("EXPLAIN QUERY PLAN " + CANDIDATES) as cursor,
    ):
        plan = " ".join(str(row[-1]) for row in await cursor.fetchall())
    assert "COVERING INDEX cases_awaiting_contact" in plan
    assert "SCAN cases\n" not in plan + "\n"


async def test_scheduler_runs_the_sweep_at_start_and_then_periodically() -> None:
    """The APScheduler job runs at once, then on its interval (a fake sweep counts)."""
    calls: list[float] = []
    twice = asyncio.Event()

    async def sweep() -> None:
        calls.append(asyncio.get_running_loop().time())
        if len(calls) >= 2:
            twice.set()

    async def purge() -> None:
        pass

    scheduler = build_scheduler("Europe/Stockholm", sweep=sweep, minutes=0.1 / 60, purge=purge)
    nightly = scheduler.get_job(PURGE_JOB)
    assert (str(nightly.trigger.fields[5]), str(nightly.trigger.fields[6])) == ("3", "30")
    job = scheduler.get_job(SWEEP_JOB)
    assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 3600)
    assert str(scheduler.timezone) == "Europe/Stockholm"
    scheduler.start()
    try:
        await asyncio.wait_for(twice.wait(), timeout=10)
    finally:
        scheduler.shutdown(wait=False)
    assert len(calls) >= 2
