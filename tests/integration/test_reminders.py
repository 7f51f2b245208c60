"""The reminder sweep on SQLite with the outbox worker: a crash or an outage loses none.

What is due, to whom and when is specified on the in-memory units, in
tests/services/test_reminders.py; here are what needs the database file or the worker.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import aiosqlite
import pytest

from bot.app import Jourbot, build
from bot.channels.render import SLASH_COMMANDS, render
from bot.config import Settings
from bot.domain.cases import StaffRole
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

    async def sweep(self) -> list[Planned]:
        """One sweep, and what it queued delivered."""
        done = await self.service.sweep()
        await self.outbox.drain()
        return done


@pytest.fixture
async def world(settings: Settings) -> AsyncIterator[World]:
    clock = FakeClock(local("2026-11-24 14:00"))  # a Tuesday
    jourbot = await build(settings, clock=clock, run_scheduler=False)
    sender = RecordingSender(catalogs=jourbot.catalogs, clock=clock)
    outbox = Outbox(jourbot.units, clock, {Channel.TELEGRAM: sender}, {}, rng=random.Random(1))  # noqa: S311
    service = ReminderService(
        jourbot.units, clock, settings.partnership, outbox.wake, settings=settings.staff
    )
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
    await seeker_intake(jourbot)  # a Västerort case, unassigned
    await outbox.drain()
    sender.sent.clear()  # the new-case notice; what follows are the reminders
    try:
        yield World(jourbot, service, outbox, sender, clock)
    finally:
        await jourbot.close()


async def test_a_crash_after_the_sweep_loses_no_reminder(world: World, settings: Settings) -> None:
    """Recorded and queued together: after a crash before any send, it goes once, after."""
    world.clock.moment = local("2026-11-25 08:00")
    assert [p.due.rule for p in await world.service.sweep()] == [Rule.UNASSIGNED]
    # The process dies before its worker sent anything; a new one starts on the same file.
    units = world.jourbot.units
    outbox = Outbox(units, world.clock, {Channel.TELEGRAM: world.sender}, {})
    service = ReminderService(
        units, world.clock, settings.partnership, outbox.wake, settings=settings.staff
    )
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
