"""What a long history costs: the same actions with 10,000, 100,000 and 1,000,000 stored cases.

Each size gets a database of its own, seeded with direct SQL in one transaction (the
schema, the keyring check and the staff come from the service itself; every sealed value
is sealed with the run's key, and every lookup hash is the real one, so the service finds
and opens what was seeded). Per stored case, the history holds:

- the case (half of them Västerort's, arriving at CASES_A_YEAR a year up to now, so every
  size has the same last year and only more years before it), its contact details (phone
  and notes sealed), a need for every second case, 0-3 attempts, two events (assigned,
  closed; a tenth also "seeker answered"), a sent reminder for every second case;
- its seeker (four in five on Telegram, the rest on SMS), their finished conversation
  (sealed), a message they wrote (sealed), three sent outbox rows (two to them, one notice
  about them to a coordinator) and, on SMS, two delivery records;
- an anonymous intake outcome for every third case.

Independent of the size, as retention keeps them: the 2,000 open cases the reminder sweep
reads (new or assigned, from the last five days, half with an attempt), 30 days of
provider message ids, and the seekers the actions below are tried on.

Actions, each through the services as the channels call them (`bot.app.open_core`, the
outbox queueing as in production; its worker is not running, and what the actions queue is
delivered between them by the production `Outbox`, unpaced, to a sender that takes all):

- an intake turn: a seeker in the middle of an intake answers a question (a button);
- an intake ended without a case: /stop in the middle of an intake (counted, forgotten);
- an erasure: /delete from a seeker whose case is closed (their outbox history, contact
  details and messages go, the case keeps its statistics; the WAL is scrubbed);
- a relay message: a seeker whose case is in contact writes; it is kept with the case and
  queued for their volunteer;
- the delivery of a notice to Västerort's coordinator (whose chat has had a notice of every
  one of its cases): the production outbox claims it, hands it to a sender that takes it at
  once, and records it sent (not in the issue's list; a turn's messages all go this way);
- the reminder sweep, with nothing new due (what it costs every five minutes);
- the follow-up report for one year (`ReportService.report`), while a writer commits small
  units of work beside it: how long the longest of them waited, against the same writer
  alone.

Every round runs every size, the order of the sizes reversed every other round; each
action's figure for a round is the median of its repetitions. After the rounds, each size
also starts `jourbot run` on its database (start-up to healthy, RSS when idle) and takes a
text from each of 10,000 new SMS numbers (RSS after, and the peak).

    .venv/bin/python -m bench --only history --sizes 10000,100000
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from bench.fakes import Arrivals
from bench.rounds import spread
from bench.service_paths import load, waiting_texts
from bot.app import Core, open_core
from bot.config import load_settings
from bot.domain.cases import StaffRole
from bot.domain.dialogue import N_, Command, CommandName, Inbound, Pick, Reply, Text
from bot.domain.model import Channel
from bot.domain.questions import Step
from bot.ports import Delivered, Recipient, Sender, Unit
from bot.services.intake import Hints
from bot.services.outbox import Outbox
from bot.storage.crypto import Cipher, new_key
from bot.storage.database import Database
from bot.storage.units import Units
from tests.intake_script import through_service
from tests.loopback import Service, free_port, service_env
from tests.twilio_fakes import inbound

NOW = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
CASES_A_YEAR = 8_000  # all organisations together; Västerort has half
OPEN = 2_000  # cases waiting for first contact, whatever the size
INBOUND_IDS = CASES_A_YEAR * 17 * 30 // 365  # 30 days of provider ids, ~17 messages a case
ORGANISATIONS = ("vasterort", "stodcentrum", "innerstaden", "soderort")
VOLUNTEERS = 46
SMS_SENDERS = 10_000
HINTS = Hints(locale="sv")
ACTIONS = (
    "intake_turn", "intake_stopped", "erasure", "relay_message", "staff_notice_delivered",
    "sweep", "report",
)  # fmt: skip
COORDINATOR_CHAT = "9000"  # Västerort's coordinator: a notice of every one of its cases


class Clock:
    """Always NOW: every size sees the same moment."""

    def now(self) -> datetime:
        return NOW


class Taken:
    """A sender the outbox can send on; its worker does not run here, so nothing is sent."""

    async def send(
        self, channel: Channel, address: str, locale: str, replies: list[Reply], edit_of: int | None
    ) -> Delivered:
        return Delivered("m")


@dataclass
class Subjects:
    """The seekers the actions are tried on, by their address; each is used once."""

    turn: list[str] = field(default_factory=list)  # in the middle of an intake (Telegram)
    stop: list[str] = field(default_factory=list)  # the same, to /stop
    relay: list[str] = field(default_factory=list)  # a case in contact (Telegram)
    erase: list[str] = field(default_factory=list)  # a closed case (Telegram)


@dataclass
class Seeded:
    """A seeded database: its size, file, subjects, and what seeding it took."""

    stored: int
    path: Path
    subjects: Subjects
    seconds: float
    megabytes: float


async def open_service(path: Path, key: str) -> Core:
    """The services on *path*, with an outbox that queues as in production."""
    settings = load_settings({"JOURBOT_DB": str(path), "JOURBOT_SECRET_KEY": key})
    senders: dict[Channel, Sender] = {Channel.TELEGRAM: Taken(), Channel.SMS: Taken()}
    return await open_core(settings, clock=Clock(), senders=senders)


async def sample_states(workdir: Path, key: str) -> tuple[str, str]:
    """Sealed conversations as the service writes them: mid-intake (at the role question) and
    finished; seeded seekers share them (each opens with the run's key)."""
    path = workdir / "samples.db"
    core = await open_service(path, key)
    try:
        for inbound_ in (Command(CommandName.START), Pick(Step.LANGUAGE, "sv"),
                         Pick(Step.CONSENT, "yes")):  # fmt: skip
            await core.intake.handle(Channel.TELEGRAM, "1", inbound_, HINTS)
        await through_service(core.intake, Channel.TELEGRAM, "2")
    finally:
        await core.close()
    with contextlib.closing(sqlite3.connect(path)) as db:
        rows = db.execute("SELECT state FROM conversations ORDER BY seeker_id").fetchall()
    return str(rows[0][0]), str(rows[1][0])


async def prepare(path: Path, key: str) -> None:
    """The schema and keyring check, then the staff, all through the service."""
    database = await Database.open(path)
    units = await Units.open(database, Cipher([_raw(key)]))
    try:
        async with units.begin() as unit:
            for n, org_id in enumerate(ORGANISATIONS):
                await unit.staff.add(
                    org_id=org_id, role=StaffRole.COORDINATOR, name=f"C{n}",
                    telegram_id=9_000 + n, locale="sv", now=NOW,
                )  # fmt: skip
            for n in range(VOLUNTEERS):
                staff_id = await unit.staff.add(
                    org_id=_organisation(n), role=StaffRole.VOLUNTEER,
                    name=f"V{n}", telegram_id=9_100 + n, locale="sv", now=NOW,
                )  # fmt: skip
                await unit.staff.update(staff_id, trained_on=date(2026, 1, 1), languages=("sv",))
    finally:
        await database.close()


def _organisation(n: int) -> str:
    """Half for Västerort, the rest shared by the other three."""
    return "vasterort" if n % 2 == 0 else ORGANISATIONS[1 + n % 3]


def _raw(key: str) -> bytes:
    """The key as bytes, from JOURBOT_SECRET_KEY's base64url."""
    return base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))


# Where each kind of seeded row goes, in the order it is written.
TABLES = {
    "seekers": "seekers (id, channel, address, address_hash, created_at)",
    "conversations": "conversations (seeker_id, state, updated_at)",
    "cases": "cases (id, reference, seeker_id, source, channel, org_id, locale, received_at, "
    "status, role, age_group, area_kind, district_id, contact, gender, volunteer_id, closed_at, "
    "close_reason)",
    "contacts": "case_contacts (case_id, phone, call_time, voicemail_ok, sms_ok, notes)",
    "needs": "case_needs (case_id, need)",
    "attempts": "attempts (case_id, staff_id, at, channel, outcome, recorded_at)",
    "events": "case_events (case_id, at, staff_id, event, detail)",
    "reminders": "reminders (case_id, rule, period, state, claimed_at, sent_at)",
    "outbox": "outbox (channel, address, address_hash, seeker_id, locale, message, state, "
    "attempts, next_attempt_at, created_at, sent_at, provider_id)",
    "messages": "case_messages (case_id, at, from_seeker, staff_id, body)",
    "outbound": "outbound_messages (channel, seeker_id, provider_id, status, encoding, segments, "
    "created_at, updated_at)",
    "outcomes": "intake_outcomes (outcome, channel, locale, at)",
    "inbound": "inbound_messages (channel, provider_id, received_at)",
}
Row = tuple[object, ...]


def address(i: int) -> tuple[str, str]:
    """The channel and address of the seeker of case *i*: one in five texts, the rest chat."""
    return ("sms", f"+4676{i:07d}") if i % 5 == 4 else ("telegram", str(30_000_000 + i))


class History:
    """The rows of a seeded history, written in batches with executemany."""

    def __init__(self, db: sqlite3.Connection, cipher: Cipher, states: tuple[str, str]) -> None:
        self.db, self.cipher = db, cipher
        self.mid_state, self.done_state = states
        self.rows: dict[str, list[Row]] = {name: [] for name in TABLES}
        staff = db.execute("SELECT id, org_id, role FROM staff ORDER BY id").fetchall()
        self.coordinator = {org: i for i, org, role in staff if role == "coordinator"}
        self.volunteers: dict[str, list[int]] = {}
        for i, org, role in staff:
            if role == "volunteer":
                self.volunteers.setdefault(org, []).append(i)
        self.coordinator_hash = {
            org: cipher.lookup(f"telegram:{9_000 + n}", "outbox.address")
            for n, org in enumerate(ORGANISATIONS)
        }
        # Sealed once, stored many times: each opens (the column is its associated data).
        self.phones = [cipher.seal(f"070-{n:03d} 45 67", "case_contacts.phone") for n in range(64)]
        self.notes = [
            cipher.seal(f"Ring efter sex ({n})", "case_contacts.notes") for n in range(64)
        ]
        self.bodies = [cipher.seal(f"Kan ni ringa? ({n})", "case_messages.body") for n in range(64)]

    def seeker(self, i: int, channel: str, where: str, at: str, state: str) -> None:
        """A seeker (address sealed, found by its keyed hash) and their conversation."""
        sealed = self.cipher.seal(where, "seekers.address")
        hashed = self.cipher.lookup(where, "seekers.address")
        self.rows["seekers"].append((i, channel, sealed, hashed, at))
        self.rows["conversations"].append((i, state, at))

    def case(self, i: int, kind: str, received: datetime) -> None:
        """Case *i* with everything that comes with it; *kind* is closed, open or contact."""
        rows = self.rows
        org = _organisation(i)
        channel, where = address(i)
        at = received.isoformat(timespec="seconds")
        later = (received + timedelta(days=1)).isoformat(timespec="seconds")
        volunteer = self.volunteers[org][i % len(self.volunteers[org])]
        status = {"open": "assigned" if i % 3 else "new", "contact": "in_contact"}.get(
            kind, "closed"
        )
        closed = status == "closed"
        self.seeker(i, channel, where, later, self.done_state)
        rows["cases"].append((
            i, f"R{i:07d}", i, "bot", channel, org, "sv", at, status, "victim", "21_plus",
            "district", "bromma" if org == "vasterort" else None, "call", "woman",
            None if status == "new" else volunteer, later if closed else None,
            "supported" if closed else None,
        ))  # fmt: skip
        rows["contacts"].append((i, self.phones[i % 64], "evening", 0, 0, self.notes[i % 64]))
        if i % 4 < 2:  # every second case, Västerort's as much as the others'
            rows["needs"].append((i, "talk"))
        if kind == "open":  # half tried once, as the sweep's rules expect
            if i % 2:
                tried = (NOW - timedelta(hours=30)).isoformat()
                rows["attempts"].append((i, volunteer, tried, "phone", "no_answer", tried))
        else:
            for n in range(i % 4):
                outcome = "reached" if n == i % 4 - 1 else "no_answer"
                rows["attempts"].append((i, volunteer, later, "phone", outcome, later))
        if status != "new":
            rows["events"].append((i, at, self.coordinator[org], "assigned", str(volunteer)))
        if closed:
            rows["events"].append((i, later, volunteer, "closed", "supported"))
            if i % 4 < 2:
                rows["reminders"].append((i, "deadline_near", "-", "sent", later, later))
        if i % 10 == 0:
            rows["events"].append((i, later, None, "seeker_answered", ""))
        # Sent messages keep no text and no address, only the hash they are found by.
        hashed = self.cipher.lookup(f"{channel}:{where}", "outbox.address")
        for n in range(2):
            provider = f"SM{i:012d}{n:020d}" if channel == "sms" else str(2 * i + n)
            rows["outbox"].append(
                (channel, "", hashed, i, "sv", "", "sent", 1, at, at, at, provider)
            )
            if channel == "sms":
                rows["outbound"].append(("sms", i, provider, "delivered", "GSM-7", 1, at, at))
        notice = (self.coordinator_hash[org], i, "sv", "", "sent", 1, at, at, at, str(i))
        rows["outbox"].append(("telegram", "", *notice))
        rows["messages"].append((i, later, 1, None, self.bodies[i % 64]))
        if i % 3 == 0:
            rows["outcomes"].append(("stopped", channel, "sv", at))

    def flush(self, at_least: int = 0) -> None:
        """Write what is buffered, once there are *at_least* cases of it."""
        if len(self.rows["cases"]) < at_least:
            return
        for name, into in TABLES.items():
            rows = self.rows[name]
            if rows:
                marks = ",".join("?" * len(rows[0]))
                self.db.executemany(f"INSERT INTO {into} VALUES ({marks})", rows)  # noqa: S608
                rows.clear()


def seed(
    path: Path,
    stored: int,
    key: str,
    states: tuple[str, str],
    subjects_each: int,
    open_cases: int = OPEN,
) -> Subjects:
    """Write the history of *stored* cases (see the module's docstring) in one transaction."""
    rng = random.Random(stored)
    spacing = timedelta(days=365) / CASES_A_YEAR
    relay, erase, special = _pick(rng, stored, subjects_each, open_cases)
    # Seekers in the middle of an intake: abandoned ones go after a week, so there are as
    # many at every size.
    mid = [(stored + n, str(40_000_000 + n)) for n in range(1, 2 * subjects_each + 1)]
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
        history = History(db, Cipher([_raw(key)]), states)
        # Bulk loading: nothing else has the file open, and a failure only loses the seed.
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-1000000",
                       "temp_store=MEMORY", "foreign_keys=OFF"):  # fmt: skip
            db.execute(f"PRAGMA {pragma}")
        db.execute("BEGIN")
        for i in range(1, stored + 1):
            kind = special.get(i, "closed")
            if kind == "open":
                received = NOW - timedelta(hours=rng.randint(1, 120))
            elif kind == "contact":
                received = NOW - timedelta(hours=rng.randint(24, 24 * 20))
            else:
                received = NOW - spacing * (stored - i)
            history.case(i, kind, received)
            history.flush(at_least=20_000)
        for i, where in mid:
            history.seeker(i, "telegram", where, NOW.isoformat(), history.mid_state)
        history.rows["inbound"] = [
            ("telegram", f"tg{n}", (NOW - timedelta(days=30) * n / INBOUND_IDS).isoformat())
            for n in range(INBOUND_IDS)
        ]
        history.flush()
        db.execute("COMMIT")
        db.execute("PRAGMA journal_mode=WAL")
    return Subjects(
        turn=[where for _, where in mid[:subjects_each]],
        stop=[where for _, where in mid[subjects_each:]],
        relay=[address(i)[1] for i in relay],
        erase=[address(i)[1] for i in erase],
    )


def _pick(
    rng: random.Random, stored: int, each: int, open_cases: int
) -> tuple[list[int], list[int], dict[int, str]]:
    """Cases for the actions (Telegram seekers: a case in contact, a closed case) and the
    open cases the sweep reads, drawn across the whole history."""
    taken: set[int] = set()

    def draw(telegram: bool) -> int:
        while True:
            i = rng.randint(1, stored)
            if i not in taken and not (telegram and i % 5 == 4):
                taken.add(i)
                return i

    relay = [draw(telegram=True) for _ in range(each)]
    erase = [draw(telegram=True) for _ in range(each)]
    special = dict.fromkeys(relay, "contact")
    special |= {draw(telegram=False): "open" for _ in range(open_cases)}
    return relay, erase, special


@dataclass(frozen=True)
class Plan:
    """How much of each thing to do; the full run's defaults, or tiny ones for --quick."""

    sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000)
    rounds: int = 3
    reps: int = 20  # of each per-turn action, per size and round
    sweeps: int = 5  # per size and round
    reports: int = 2  # per size and round
    open_cases: int = OPEN
    sms_senders: int = SMS_SENDERS

    @property
    def subjects_each(self) -> int:
        return (self.rounds + 1) * self.reps  # a warm-up round before the measured ones


@dataclass
class Size:
    """One size's database, the services on it and the seekers not yet used."""

    seeded: Seeded
    core: Core
    turn: Iterator[str]
    stop: Iterator[str]
    relay: Iterator[str]
    erase: Iterator[str]
    message_ids: Iterator[int]
    # The production outbox with a sender that takes everything and no pacing: pacing is
    # Telegram's limit, not our work.
    outbox: Outbox


async def delivered(core: Core) -> None:
    """Mark everything queued as sent, as the outbox worker (not running here) would have:
    the first sweep's thousands of reminders are setup, not what is measured.

    Heads are cleared first, so the triggers that hand each chat its next message do not run:
    with a staff chat's long history each of them costs a scan (see the delivery row).
    """
    async with core.database.transaction() as db:
        # Through the partial index of unsent messages, not the whole history.
        unsent = "state IN ('pending', 'sending', 'erasing') AND state = 'pending'"
        await db.execute(f"UPDATE outbox SET head = 0 WHERE {unsent}")  # noqa: S608 - ours
        await db.execute(
            "UPDATE outbox SET state = 'sent', message = '', address = '', sent_at = ? "  # noqa: S608
            f"WHERE {unsent}",
            (NOW.isoformat(),),
        )


async def ms(action: Awaitable[object]) -> float:
    started = time.perf_counter()
    await action
    return (time.perf_counter() - started) * 1000


async def per_turn(size: Size, reps: int) -> dict[str, float]:
    """The median of *reps* of each per-turn action, each on a seeker of its own."""
    intake, ids = size.core.intake, size.message_ids

    def handle(address: str, message: Inbound) -> Awaitable[object]:
        return intake.handle(
            Channel.TELEGRAM, address, message, HINTS, message_id=f"tg-bench-{next(ids)}"
        )

    actions: dict[str, Callable[[], Awaitable[object]]] = {
        "intake_turn": lambda: handle(next(size.turn), Pick(Step.ROLE, "victim")),
        "intake_stopped": lambda: handle(next(size.stop), Command(CommandName.STOP)),
        "erasure": lambda: handle(next(size.erase), Command(CommandName.ERASE)),
        "relay_message": lambda: handle(next(size.relay), Text("Kan ni ringa mig i kväll?")),
    }
    timings: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(reps):  # interleaved, so a slow moment falls on every action alike
        for name, action in actions.items():
            timings[name].append(await ms(action()))
    return {name: statistics.median(values) for name, values in timings.items()}


async def deliveries(size: Size, reps: int) -> float:
    """The median of *reps* deliveries of one notice to Västerort's coordinator (claimed,
    sent, recorded as sent), each alone in the queue.

    A block of its own, after the per-turn actions: at a large size each delivery reads
    much of the database, and the turns after it would pay for reading it back.
    """
    await size.outbox.drain()  # what the actions queued goes first
    coordinator = Recipient(Channel.TELEGRAM, COORDINATOR_CHAT, "sv")
    timings = []
    for rep in range(reps):
        notice = Reply(N_("New case {reference}"), params={"reference": f"R-{rep}"})
        await size.core.outbox.enqueue(coordinator, [notice])
        timings.append(await ms(size.outbox.deliver_due()))
    return statistics.median(timings)


async def writes_beside(
    core: Core, ids: Iterator[int], work: Callable[[], Awaitable[object]] | None, alone_s: float
) -> tuple[float, float]:
    """Run *work* (or wait *alone_s*) while a writer commits small units one after another;
    return how long *work* took and the longest wait of a write that overlapped it (ms)."""
    stop = asyncio.Event()
    writes: list[tuple[float, float]] = []

    def write(provider_id: str) -> Callable[[Unit], Coroutine[Any, Any, bool]]:
        return lambda unit: unit.intake.claim_inbound(Channel.TELEGRAM, provider_id, NOW)

    async def writer() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            await core.units.run(write(f"tg-writer-{next(ids)}"))
            writes.append((started, time.perf_counter()))
            await asyncio.sleep(0.001)

    task = asyncio.create_task(writer())
    await asyncio.sleep(0.02)  # the writer is going
    begun = time.perf_counter()
    await (work() if work is not None else asyncio.sleep(alone_s))
    ended = time.perf_counter()
    stop.set()
    await task
    overlapping = [end - start for start, end in writes if end > begun and start < ended]
    return (ended - begun) * 1000, max(overlapping, default=0.0) * 1000


async def whole(size: Size, plan: Plan) -> dict[str, float]:
    """The sweep (median of a few) and the report beside a writer (the worst of a few)."""
    core = size.core
    sweeps = [await ms(core.reminders.sweep(NOW)) for _ in range(plan.sweeps)]
    start, end = (NOW - timedelta(days=365)).date(), NOW.date()
    reports, waits, alone = [], [], []
    for _ in range(plan.reports):
        took, waited = await writes_beside(
            core, size.message_ids, lambda: core.reports.report("vasterort", start, end), 0
        )
        reports.append(took)
        waits.append(waited)
        alone.append((await writes_beside(core, size.message_ids, None, took / 1000))[1])
    return {
        "sweep": statistics.median(sweeps),
        "report": statistics.median(reports),
        "writer_wait_during_report": max(waits),
        "writer_wait_alone": max(alone),
    }


def rss_mb(pid: int, field_name: str) -> float:
    """VmRSS (now) or VmHWM (the peak) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


async def memory(seeded: Seeded, key: str, fake_port: int, senders: int) -> dict[str, float]:
    """`jourbot run` on the seeded database: start-up, RSS idle, and after *senders* texts."""
    port = free_port()
    env = service_env(seeded.path.parent, fake_port, port)
    env |= {"JOURBOT_DB": str(seeded.path), "JOURBOT_SECRET_KEY": key}
    service = Service(env, port)
    async with httpx.AsyncClient() as client:
        started = time.perf_counter()
        await service.start(client)
        startup = time.perf_counter() - started
    assert service.process is not None
    pid = service.process.pid
    try:
        await asyncio.sleep(1.0)  # settled, its catch-up sweep at start-up done
        idle = rss_mb(pid, "VmRSS")
        texts = [inbound(f"+4677{n:07d}", "hej", sid=f"SMrss{n:029d}") for n in range(senders)]
        await load(port, texts, 32)
        while await waiting_texts(seeded.path):
            await asyncio.sleep(0.05)
        return {
            "startup_to_healthy_s": round(startup, 2),
            "rss_idle_mb": idle,
            "rss_after_sms_mb": rss_mb(pid, "VmRSS"),
            "rss_peak_mb": rss_mb(pid, "VmHWM"),
        }
    finally:
        service.kill()  # replies still queued are paced at 1 SMS/s: not measured


async def run(plan: Plan | None = None) -> dict[str, Any]:
    """Seed every size, run the rounds, then the memory of each; figures and ratios."""
    with tempfile.TemporaryDirectory() as tmp:
        return await _run(plan or Plan(), new_key(), Path(tmp))


async def _run(plan: Plan, key: str, workdir: Path) -> dict[str, Any]:
    states = await sample_states(workdir, key)
    sizes: dict[int, Size] = {}
    ids = iter(range(1, 2**62))
    try:
        for stored in plan.sizes:
            path = workdir / f"history-{stored}.db"
            started = time.perf_counter()
            await prepare(path, key)
            subjects = await asyncio.to_thread(
                seed, path, stored, key, states, plan.subjects_each, plan.open_cases
            )
            seconds = time.perf_counter() - started
            seeded = Seeded(stored, path, subjects, seconds, path.stat().st_size / 1e6)
            core = await open_service(path, key)
            taken: dict[Channel, Sender] = {Channel.TELEGRAM: Taken(), Channel.SMS: Taken()}
            sizes[stored] = Size(
                seeded, core, iter(subjects.turn), iter(subjects.stop), iter(subjects.relay),
                iter(subjects.erase), ids, Outbox(core.units, Clock(), taken, {}),
            )  # fmt: skip
            # The first sweep sends what is due, as after a restart; the rounds time the
            # sweeps after it, with nothing new due.
            await core.reminders.sweep(NOW)
            await delivered(core)
        rounds: dict[int, list[dict[str, float]]] = {stored: [] for stored in sizes}
        started = time.perf_counter()
        for number in range(plan.rounds + 1):  # round 0 warms every size up, unrecorded
            order = list(sizes) if number % 2 else list(reversed(sizes))
            for stored in order:
                figures = await per_turn(sizes[stored], plan.reps)
                figures["staff_notice_delivered"] = await deliveries(sizes[stored], plan.reps)
                figures |= await whole(sizes[stored], plan)
                if number:
                    rounds[stored].append(figures)
        rounds_seconds = time.perf_counter() - started
    finally:
        for size in sizes.values():
            await size.core.close()
    started = time.perf_counter()
    memories = await _memories([size.seeded for size in sizes.values()], key, plan.sms_senders)
    summary = summarise(plan, sizes, rounds, memories)
    summary["seconds"] = {
        "seeding": round(sum(size.seeded.seconds for size in sizes.values()), 1),
        "rounds": round(rounds_seconds, 1),
        "memory": round(time.perf_counter() - started, 1),
    }
    return summary


async def _memories(seeded: Sequence[Seeded], key: str, senders: int) -> dict[int, Any]:
    providers = Arrivals()
    fake_port = free_port()
    fake = uvicorn.Server(
        uvicorn.Config(providers.app(), host="127.0.0.1", port=fake_port, log_level="error")
    )
    task = asyncio.create_task(fake.serve())
    try:
        return {s.stored: await memory(s, key, fake_port, senders) for s in seeded}
    finally:
        fake.should_exit = True
        await task


def summarise(
    plan: Plan,
    sizes: dict[int, Size],
    rounds: dict[int, list[dict[str, float]]],
    memories: dict[int, Any],
) -> dict[str, Any]:
    """Each size's spread of every figure, and the largest size against the smallest, round by
    round (the sizes ran side by side in each round)."""
    names = (*ACTIONS, "writer_wait_during_report", "writer_wait_alone")
    small, large = min(sizes), max(sizes)
    return {
        "sizes": list(sizes),
        "rounds_measured": plan.rounds,
        "reps_per_round": plan.reps,
        "sweeps_per_round": plan.sweeps,
        "reports_per_round": plan.reports,
        "open_cases": plan.open_cases,
        "sms_senders": plan.sms_senders,
        "cases_a_year": CASES_A_YEAR,
        "by_size": {
            str(stored): {
                "seed_seconds": round(size.seeded.seconds, 1),
                "database_mb": round(size.seeded.megabytes),
                "rounds": rounds[stored],
                **{name: spread([r[name] for r in rounds[stored]]) for name in names},
                **memories[stored],
            }
            for stored, size in sizes.items()
        },
        "largest_to_smallest": {
            name: spread(
                [b[name] / a[name] for a, b in zip(rounds[small], rounds[large], strict=True)]
            )
            for name in ACTIONS
        },
    }
