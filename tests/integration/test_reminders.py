"""The reminder sweep against SQLite over a simulated week: exact reminders, none twice."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
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
from bot.domain.model import Channel
from bot.ports import Delivered, SendError
from bot.scheduler import PURGE_JOB, SWEEP_JOB, build_scheduler
from bot.services.outbox import Outbox
from bot.services.reminders import Planned, ReminderService
from bot.storage.reminder_store import CANDIDATES
from bot.storage.units import Units
from tests.conftest import FakeClock
from tests.integration.test_staff_access import seeker_intake

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM).astimezone(UTC)


@dataclass
class RecordingSender:
    """Telegram as the outbox worker sees it: takes each message, or refuses as told."""

    sent: list[tuple[str, str, str]] = field(default_factory=list)  # (chat, text, local time)
    refuse: int = 0  # refuse this many sends, as a Telegram outage would
    catalogs: object = None
    clock: FakeClock | None = None

    async def send(
        self, channel: Channel, address: str, locale: str, replies: list[Reply], edit_of: int | None
    ) -> Delivered:
        if self.refuse:
            self.refuse -= 1
            raise SendError("telegram_unreachable")
        tr = self.catalogs.translator(locale)  # type: ignore[attr-defined]
        assert self.clock is not None
        at = self.clock.now().astimezone(STOCKHOLM).strftime("%a %H:%M")
        self.sent.append((address, render(replies[0], tr, SLASH_COMMANDS).text, at))
        return Delivered(str(len(self.sent)))


@dataclass
class World:
    jourbot: Jourbot
    service: ReminderService
    outbox: Outbox
    sender: RecordingSender
    clock: FakeClock
    reference: str
    case_id: int
    volunteer: int

    async def attempt(self, at: str, outcome: AttemptOutcome) -> None:
        async with Units(self.jourbot.database).begin() as unit:
            await unit.cases.add_attempt(
                self.case_id, self.volunteer, local(at), AttemptChannel.PHONE, outcome, local(at)
            )

    async def sweep(self) -> list[Planned]:
        """One sweep, and what it queued delivered."""
        done = await self.service.sweep()
        await self.outbox.drain()
        return done

    async def run_until(self, end: str, step: timedelta = timedelta(minutes=10)) -> None:
        while self.clock.now() < local(end):
            await self.sweep()
            self.clock.advance(seconds=step.total_seconds())


@pytest.fixture
async def world(settings: Settings) -> AsyncIterator[World]:
    clock = FakeClock(local("2026-11-24 14:00"))  # a Tuesday
    jourbot = await build(settings, clock=clock, run_scheduler=False)
    sender = RecordingSender(catalogs=jourbot.catalogs, clock=clock)
    outbox = Outbox(jourbot.units, clock, {Channel.TELEGRAM: sender}, {}, rng=random.Random(1))  # noqa: S311
    service = ReminderService(jourbot.units, clock, settings.partnership, outbox.wake)
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
    await outbox.drain()
    sender.sent.clear()  # the new-case notice; what follows are the reminders
    try:
        yield World(jourbot, service, outbox, sender, clock, reference, case.id, volunteer)
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
    assert summary(world.sender.sent) == [
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
    before = len(world.sender.sent)
    await world.sweep()
    await world.sweep()
    assert len(world.sender.sent) == before


async def test_evening_then_not_reached_then_closed(world: World) -> None:
    """Three failed calls with one in the evening ask to close; closing stops everything."""
    async with Units(world.jourbot.database).begin() as unit:
        await unit.cases.assign(world.case_id, world.volunteer)
    for at in ("2026-11-24 15:00", "2026-11-24 19:00", "2026-11-25 09:00"):
        await world.attempt(at, AttemptOutcome.NO_ANSWER)
    await world.run_until("2026-11-25 10:00")
    assert [s[1].split(":")[1].strip()[:18] for s in world.sender.sent] == [
        "no attempt in the ",  # 15:00 on Tuesday, before the evening call was made
        "three attempts, on",
    ]
    async with Units(world.jourbot.database).begin() as unit:
        await unit.cases.close(world.case_id, CloseReason.NOT_REACHED, world.clock.now())
    before = len(world.sender.sent)
    await world.run_until("2026-12-01 10:00", step=timedelta(hours=1))
    assert len(world.sender.sent) == before


async def test_a_crash_after_the_sweep_loses_no_reminder(world: World, settings: Settings) -> None:
    """Recorded and queued together: after a crash before any send, it goes once, after."""
    world.clock.moment = local("2026-11-25 08:00")
    assert [p.due.rule for p in await world.service.sweep()] == [Rule.UNASSIGNED]
    # The process dies before its worker sent anything; a new one starts on the same file.
    units = world.jourbot.units
    outbox = Outbox(units, world.clock, {Channel.TELEGRAM: world.sender}, {})
    service = ReminderService(units, world.clock, settings.partnership, outbox.wake)
    await outbox.recover()
    await outbox.drain()
    assert await service.sweep() == []  # the reminder is on record: not queued again
    await outbox.drain()
    texts = [text for _, text, _ in world.sender.sent]
    assert sum("has no volunteer" in t for t in texts) == 1


async def test_a_refused_send_is_retried_by_the_outbox_not_the_sweep(world: World) -> None:
    """Telegram down for a while: the reminder is kept, sent once it is back, never twice."""
    world.clock.moment = local("2026-11-25 08:00")
    world.sender.refuse = 3
    assert [p.due.rule for p in await world.sweep()] == [Rule.UNASSIGNED]
    for _ in range(6):
        world.clock.advance(minutes=10)
        assert await world.sweep() == []
    texts = [text for _, text, _ in world.sender.sent]
    assert sum("has no volunteer" in t for t in texts) == 1


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
