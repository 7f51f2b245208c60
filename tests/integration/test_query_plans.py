"""Every statement the hot paths run finds its rows through an index, never by reading a
table whose size grows with history (cases, attempts, messages, the outbox, ...).

The paths run for real against SQLite with the statements recorded; each recorded statement
is then asked for its plan. A full SCAN of a history table fails the test and names it.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import Core, open_core
from bot.channels.webchat import Waiters, WebChatAdapter, pass_hash
from bot.config import Settings
from bot.config_file import CallSettings
from bot.domain.cases import AttemptChannel, AttemptOutcome, CloseReason, Staff, StaffRole
from bot.domain.dialogue import Command, CommandName, Pick, Reply, Text
from bot.domain.model import Channel
from bot.domain.questions import Step
from bot.ports import Delivered
from bot.services.calls import CallService
from bot.services.outbox import Outbox
from bot.services.web_return import WebReturn, hash_code
from bot.storage.connection import Connection
from tests.conftest import FakeClock
from tests.intake_script import CHAT_INTAKE, TYPED, through_service

# Tables that stay small (the staff, their invites, the key check): reading them whole is fine.
SMALL = {"staff", "invites", "keyring", "CONSTANT"}  # CONSTANT: SQLite's "SCAN CONSTANT ROW"
SCAN = re.compile(r"^SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?")


def unbounded(step: str, partial: set[str]) -> bool:
    """A step that reads a whole table (or a whole index of it) that grows with history.

    Reading a partial index is bounded by the open work it holds (the cases waiting for
    contact, the messages waiting to go), however long the history grows.
    """
    found = SCAN.match(step)
    if found is None:
        return False
    table, index = found.groups()
    return index not in partial and table not in SMALL


class Taken:
    """A sender that takes everything at once."""

    async def send(
        self, channel: Channel, address: str, locale: str, replies: list[Reply], edit_of: int | None
    ) -> Delivered:
        return Delivered(f"m{address}")


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    statements: list[tuple[str, Any]] = []
    fetch, many = Connection._fetch, Connection._executemany

    def record_fetch(self: Connection, sql: str, params: Any) -> Any:
        statements.append((sql, params))
        return fetch(self, sql, params)

    def record_many(self: Connection, sql: str, rows: list[Any]) -> None:
        if rows:
            statements.append((sql, rows[0]))
        many(self, sql, rows)

    monkeypatch.setattr(Connection, "_fetch", record_fetch)
    monkeypatch.setattr(Connection, "_executemany", record_many)
    return statements


async def hot_paths(core: Core, clock: FakeClock) -> None:
    """Intakes that make a case, end without one and are erased; the relay both ways; an
    attempt and a closure; the desk's sign-in, board and case page; the reminder sweep;
    delivery; the report; an erasure on request; the web chat.
    (The daily retention purge reads the live seekers whole, once a day: not a hot path.)"""
    async with core.units.begin() as unit:
        coordinator = await unit.staff.add(
            org_id="vasterort", role=StaffRole.COORDINATOR, name="Cora", telegram_id=9001,
            locale="en", now=clock.now(),
        )  # fmt: skip
    coordinator_staff = await core.staff.identify(9001)
    assert coordinator_staff is not None
    for n in range(3):
        await through_service(core.intake, Channel.TELEGRAM, f"70{n}")
    await core.intake.handle(Channel.TELEGRAM, "800", Command(CommandName.START))
    await core.intake.handle(Channel.TELEGRAM, "800", Pick(Step.LANGUAGE, "sv"))
    await core.intake.handle(Channel.TELEGRAM, "800", Command(CommandName.STOP))
    await core.intake.handle(Channel.TELEGRAM, "801", Command(CommandName.START))
    await core.intake.handle(Channel.TELEGRAM, "801", Command(CommandName.ERASE))
    await core.intake.handle(Channel.TELEGRAM, "700", Text("Kan ni ringa i kväll?"))
    async with core.units.begin() as unit:
        seeker = await unit.intake.find_seeker(Channel.TELEGRAM, "700")
        assert seeker is not None
        case = await unit.cases.case_of_seeker(seeker)
    assert case is not None
    await core.staff.open_case(coordinator_staff, case.reference)
    # The desk: signing in, the board (whole and filtered), a case page, a volunteer's cases.
    link = await core.desk.link_for(coordinator)
    assert link is not None
    signed_in = await core.desk.redeem(link.rsplit("/", 1)[1], "client")
    assert signed_in is not None and await core.desk.user(signed_in.token) is not None
    await core.staff.board(coordinator_staff)
    await core.staff.board(coordinator_staff, district="bromma", language="ar", volunteer=1)
    await core.staff.case_file(coordinator_staff, case.reference, "desk")
    await core.staff.my_board(coordinator_staff)
    await core.staff.relay(coordinator_staff, case.reference, "Ja, vi ringer.")
    await core.intake.handle(Channel.TELEGRAM, "700", Text("Tack!"))
    await core.staff.log_attempt(
        coordinator_staff, case.reference, AttemptChannel.PHONE, AttemptOutcome.REACHED,
        clock.now(),
    )  # fmt: skip
    await core.staff.close(coordinator_staff, case.reference, CloseReason.SUPPORTED)
    await core.intake.handle(Channel.TELEGRAM, "701", Command(CommandName.ERASE))
    clock.advance(days=3)
    await core.reminders.sweep()
    outbox = Outbox(core.units, clock, {Channel.TELEGRAM: Taken()}, {})
    await outbox.recover()
    await outbox.drain()
    today = clock.now().date()
    await core.reports.report("vasterort", today - timedelta(days=365), today)
    await core.retention.erase_case(case.reference)  # an erasure on request
    await web_chat(core, clock)
    await a_call(core, clock, coordinator_staff)
    await core.reports.report("vasterort", today - timedelta(days=365), today)
    del coordinator


class Rings:
    """A voice gateway that takes every call."""

    async def place(self, to: str, caller_id: str, call_id: int) -> str:
        return f"CA{call_id}"


async def a_call(core: Core, clock: FakeClock, actor: Staff) -> None:
    """A call through the association's number, followed through its callbacks and put right."""
    settings = replace(core.settings.staff, calling_orgs=frozenset({"vasterort"}))
    numbers = CallSettings(numbers=(("vasterort", "+46850000000"),))
    calls = CallService(
        core.units, clock, core.settings.partnership, core.outbox.wake, settings=settings,
        calls=numbers, voice=Rings(),
    )  # fmt: skip
    async with core.units.begin() as unit:
        seeker = await unit.intake.find_seeker(Channel.TELEGRAM, "702")
        assert seeker is not None
        case = await unit.cases.case_of_seeker(seeker)
        await unit.staff.set_phone(actor.id, "+46709998877")
    assert case is not None
    answer = await calls.request(actor, case.reference, confirmed=True)
    assert answer.text.startswith("Your phone ({phone}) rings now"), answer
    assert await calls.connect(1, "CA1") is not None
    assert await calls.screen(1, "human") is False
    await calls.dialed(1, "completed", 60)
    await calls.ended(1, "completed", 70)
    await calls.correct(actor, case.reference, 1, AttemptOutcome.VOICEMAIL)
    await core.staff.case_file(actor, case.reference, "desk")


async def web_chat(core: Core, clock: FakeClock) -> None:
    """A whole intake through a page's pass; reading; quick exit; coming back with a code."""
    returns = WebReturn(core.units, core.outbox, clock)
    chat = WebChatAdapter(core.intake, core.units, Waiters(), returns, clock)
    chat_pass = await chat.start("sv")
    for step, value in CHAT_INTAKE:
        if step in TYPED:
            assert await chat.write(chat_pass, value)
        else:
            assert await chat.press(chat_pass, step, value)
    assert await chat.read(chat_pass, 0, 0) is not None
    async with core.units.lookup() as unit:
        held = await unit.webchat.holder(pass_hash(chat_pass))
    assert held is not None
    async with core.units.begin() as unit:
        case = await unit.cases.case_of_seeker(held.seeker_id)
        assert case is not None
        await unit.webchat.set_return(held.seeker_id, hash_code("K7MQ4XP2"), clock.now())
    assert await chat.read(chat_pass, 1, 0) is not None
    assert await chat.close(chat_pass, 1)
    assert isinstance(await chat.come_back("client", case.reference, "K7MQ-4XP2"), str)


def plans(db: Path, statements: list[tuple[str, Any]]) -> dict[str, list[str]]:
    """The plan of each distinct statement that reads or changes rows."""
    found: dict[str, list[str]] = {}
    with sqlite3.connect(db) as conn:
        for sql, params in statements:
            head = sql.lstrip().split(None, 1)[0].upper()
            if head not in ("SELECT", "UPDATE", "DELETE", "INSERT", "WITH") or sql in found:
                continue
            try:
                rows = conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
            except sqlite3.Error:
                continue  # a statement only its own transaction can plan (none so far)
            found[sql] = [str(row[3]) for row in rows]
    return found


async def test_no_hot_statement_reads_a_history_table_whole(
    settings: Settings, clock: FakeClock, recorded: list[tuple[str, Any]]
) -> None:
    core = await open_core(settings, clock=clock)
    recorded.clear()  # start-up's one-off checks (the keyring's probes) are not hot paths
    try:
        await hot_paths(core, clock)
    finally:
        await core.close()
    assert len(recorded) > 100  # the paths ran
    assert any("AND c.district_id = ?" in sql for sql, _ in recorded)  # the board ran
    for table in ("webchat_passes", "webchat_returns", "webchat_messages", "calls"):
        assert any(table in sql for sql, _ in recorded), table  # the web chat and calls ran
    with sqlite3.connect(settings.db_path) as conn:
        partial = {
            str(name)
            for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type='index'")
            if sql and " WHERE " in str(sql).upper()
        }
    scans = {
        sql: [step for step in steps if unbounded(step, partial)]
        for sql, steps in plans(settings.db_path, recorded).items()
    }
    offenders = {" ".join(sql.split()): steps for sql, steps in scans.items() if steps}
    assert offenders == {}, "\n".join(f"{steps}: {sql}" for sql, steps in offenders.items())
    # The report reads the cases of its period, found by day, not all the organisation's.
    period = [
        steps for sql, steps in plans(settings.db_path, recorded).items()
        if "FROM cases WHERE org_id = ? AND received_at >= ?" in " ".join(sql.split())
    ]  # fmt: skip
    assert period, "the report ran"
    for steps in period:
        assert any("received_at>? AND received_at<?" in step for step in steps), steps
    # A board page follows its index in order: thousands of open cases are never sorted.
    pages = [
        steps for sql, steps in plans(settings.db_path, recorded).items()
        if "FROM cases c WHERE c.org_id = ?" in sql and "LIMIT ?" in sql
    ]  # fmt: skip
    assert pages, "the board ran"
    for steps in pages:
        assert not any("TEMP B-TREE" in step for step in steps), steps
    # The outbox holds every message ever sent: a busy chat's history must never be waded
    # through to find what is waiting. Only the partial indexes (open work) or the row id.
    for sql, steps in plans(settings.db_path, recorded).items():
        for step in steps:
            on_outbox = re.match(r"(SEARCH|SCAN) outbox\b", step)
            by_open_work = any(f"INDEX {name} " in f"{step} " for name in partial)
            if on_outbox and not (by_open_work or "INTEGER PRIMARY KEY" in step):
                raise AssertionError(f"{step}: {' '.join(sql.split())}")
