"""The staff desk with 10,000 open cases: the board, a case page and a volunteer's cases.

One database, seeded with direct SQL the way `history.py` seeds (the schema, the keyring
check and the staff come from the service itself; contact details, message bodies and seeker
addresses are sealed with the run's key, so the service opens what was seeded). Västerort
holds every case:

- 10,000 open cases received over the last weeks: about 11 % new (unassigned), 50 %
  assigned, 39 % in contact (the cases whose page is read among them); 0-3 attempts each
  (in contact: the last one reached), over a third of them in the local evening; assigned
  to 40 volunteers, one of them with 250; each with its contact details (phone and note
  sealed), an "assigned" event and one per attempt;
- 50,000 closed cases over the two years before (about 1,900 closed in the last two
  weeks, the board's "closed recently"), with their contact details, attempts and events;
- the cases whose page is read: in contact, 3 attempts (one in the evening), a conversation
  of 20 messages (sealed) and 30 events. Opening a case page records a view in its history
  (production behaviour, kept), so each request opens a case of its own, and every request
  reads as long a history as the first.

Per page, each round sends the same requests to the service (`bot.app.build`, its lifespan
running, signed in with a sign-in link as staff are) and to a bare Starlette app on the same
database file, one side after the other, the order reversed every round; a warm-up round
goes first, unrecorded. A request's server time runs from the call into the ASGI app to its
last body byte, in this process, one request at a time.

- the board, `GET /desk/` as Västerort's coordinator: the session check, the policy,
  `StaffService.board`, the sections rendered by Jinja2 (50 rows each at most), the
  security headers; bare: one query for the organisation's open cases with their attempts
  and those closed in the last two weeks, the deadline and evening attempt worked out per
  case, the same four sections rendered from a template of about the same size;
- the case page, `GET /desk/cases/{REF}` as the coordinator: the session, the policy, the
  recorded view, the case file (contact details, conversation and attempts, events and the
  names in them) and the ranked volunteers to assign; bare: one query for the case, its
  contact details, its seeker, messages, events (with the staff's names) and attempts,
  opening the same sealed values with the same cipher, and a template of about the same size;
- a volunteer's own cases, `GET /desk/` as the volunteer with 250 open cases; bare: one
  query for their open cases with the attempts, the same list rendered.

    .venv/bin/python -m bench --only desk --out /tmp/desk
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import random
import sqlite3
import tempfile
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite
import httpx
from jinja2 import DictLoader, Environment, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message

from bench.history import NOW, Clock, History, _raw, prepare, sample_states
from bench.report import Target, mark, num, ratio, span
from bench.rounds import percentile, spread
from bot.app import Jourbot, build
from bot.config import DeskSettings, load_settings
from bot.domain.cases import StaffRole
from bot.storage.crypto import Cipher, new_key
from bot.storage.database import Database
from bot.storage.units import Units
from bot.web.desk.gate import SESSION_COOKIE

ORG = "vasterort"
VOLUNTEERS = 40  # Västerort's; history.prepare makes 23 of them
DISTRICTS = ("jarva", "bromma", "hasselby-vallingby")
LOCALES = (("sv", 70), ("en", 10), ("ar", 8), ("so", 6), ("fa", 6))
# What the bare pages show for a district or a language (the service asks its partnership
# and its catalogs).
NAMES = {
    "jarva": "Järva (Rinkeby-Kista, Spånga-Tensta)", "bromma": "Bromma",
    "hasselby-vallingby": "Hässelby-Vällingby", "sv": "Svenska", "en": "Engelska",
    "ar": "Arabiska", "so": "Somaliska", "fa": "Persiska",
}  # fmt: skip
DESK_URL = "https://desk.example"
ZONE = ZoneInfo("Europe/Stockholm")
TARGET_P99_MS = 50.0  # the board and the case page, 10,000 open cases, two cores
PAGES = ("board", "case", "mine")
SIDES = ("jourbot", "bare")
FIGURES = ("p50_ms", "p99_ms", "mean_ms", "max_ms")


@dataclass(frozen=True)
class Plan:
    """How much to seed and to ask; the full run's defaults, or tiny ones for --quick."""

    open_cases: int = 10_000
    closed_cases: int = 50_000
    mine: int = 250  # open cases of the volunteer whose list is read
    requests: int = 200  # per page, side and round
    rounds: int = 3
    messages: int = 20  # in the conversation of a case whose page is read
    events: int = 30  # in its history

    @property
    def pages_read(self) -> int:
        """Cases whose page is read: one a request, the warm-up round included."""
        return self.requests * (self.rounds + 1)


# -- seeding ------------------------------------------------------------------------------


@dataclass
class Spec:
    """One case to seed, before it has its id (ids follow the order cases arrived in)."""

    received: datetime
    status: str
    volunteer: int | None = None
    closed: datetime | None = None
    attempts: list[tuple[datetime, str, str]] = field(default_factory=list)
    read: bool = False  # its page is read: a long conversation and history


@dataclass
class Seeded:
    """What the rounds need to know of the seeded database."""

    coordinator: int
    volunteer: int  # the one with `plan.mine` open cases
    read: list[str]  # references of the cases whose page is read, one a request
    closed_recently: int
    seconds: float
    megabytes: float


class Cases(History):
    """The desk's cases, written with history.py's rows, sealed values and batches."""

    def __init__(self, db: sqlite3.Connection, cipher: Cipher, states: tuple[str, str]) -> None:
        super().__init__(db, cipher, states)
        self.rng = random.Random(10_000)

    def add(self, i: int, spec: Spec, plan: Plan) -> None:
        """Case *i*, its seeker, contact details, attempts, events and messages."""
        rows, rng = self.rows, self.rng
        channel, where = (
            ("sms", f"+4673{i:07d}") if i % 5 == 4 else ("telegram", str(50_000_000 + i))
        )
        at = _text(spec.received)
        self.seeker(i, channel, where, at, self.done_state)
        locale = rng.choices([c for c, _ in LOCALES], [w for _, w in LOCALES])[0]
        reason = rng.choice(("supported", "supported", "not_reached", "referred"))
        rows["cases"].append((
            i, f"R{i:07d}", i, "bot", channel, ORG, locale, at, spec.status, "victim",
            "21_plus", "district", rng.choice(DISTRICTS), "call", rng.choice(("woman", "man")),
            spec.volunteer, _text(spec.closed) if spec.closed else None,
            reason if spec.closed else None,
        ))  # fmt: skip
        call_time = rng.choice(("any", "daytime", "evening"))
        rows["contacts"].append(
            (i, self.phones[i % 64], call_time, i % 2, i % 3 == 0, self.notes[i % 64])
        )
        if i % 2:
            rows["needs"].append((i, "talk"))
        coordinator = self.coordinator[ORG]
        if spec.volunteer is not None:
            moment = spec.received + timedelta(minutes=40)
            rows["events"].append((i, _text(moment), coordinator, "assigned", str(spec.volunteer)))
        for moment, how, outcome in spec.attempts:
            rows["attempts"].append((i, spec.volunteer, _text(moment), how, outcome, _text(moment)))
            rows["events"].append((i, _text(moment), spec.volunteer, "attempt", f"{how}:{outcome}"))
        if spec.closed is not None:
            rows["events"].append((i, _text(spec.closed), spec.volunteer, "closed", reason))
        if spec.read:
            self.conversation(i, spec, plan)
        elif spec.status == "in_contact":
            wrote = _text(spec.attempts[-1][0] + timedelta(hours=2))
            rows["messages"].append((i, wrote, 1, None, self.bodies[i % 64]))

    def conversation(self, i: int, spec: Spec, plan: Plan) -> None:
        """A conversation of `plan.messages` and events to make `plan.events` in all."""
        rows = self.rows
        start = spec.attempts[-1][0] + timedelta(hours=1)
        written = 1 + len(spec.attempts)  # "assigned" and one event an attempt, so far
        for n in range(plan.messages):
            moment = _text(start + timedelta(hours=5 * n))
            seeker = n % 2 == 1
            body = self.bodies[(i + n) % 64]
            rows["messages"].append(
                (i, moment, int(seeker), None if seeker else spec.volunteer, body)
            )
            if written < plan.events:
                event = "seeker_answered" if seeker else "message_to_seeker"
                rows["events"].append((i, moment, None if seeker else spec.volunteer, event, ""))
                written += 1
        while written < plan.events:  # earlier views, by the coordinator and the volunteer
            moment = _text(start + timedelta(minutes=17 * written))
            who = spec.volunteer if written % 2 else self.coordinator[ORG]
            rows["events"].append((i, moment, who, "viewed", "desk"))
            written += 1


def _text(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _attempts(
    rng: random.Random, received: datetime, count: int, reached: bool
) -> list[tuple[datetime, str, str]]:
    """*count* attempts after *received*, a third of them moved into the local evening; the
    last one reached the seeker if *reached*, the others did not."""
    moments = []
    for _ in range(count):
        moment = received + (NOW - received) * rng.uniform(0.05, 0.95)
        if rng.random() < 1 / 3:
            evening = moment.astimezone(ZONE).replace(hour=rng.randint(18, 20))
            if received < evening < NOW:
                moment = evening.astimezone(NOW.tzinfo)
        moments.append(moment.replace(microsecond=0))
    moments.sort()
    return [
        (
            moment,
            "phone" if rng.random() < 0.85 else "sms",
            "reached" if reached and n == count - 1 else rng.choice(("no_answer", "voicemail")),
        )
        for n, moment in enumerate(moments)
    ]


def _read_attempts(received: datetime) -> list[tuple[datetime, str, str]]:
    """A case whose page is read: two calls unanswered the next day (one in the evening),
    reached the day after."""
    day = received.astimezone(ZONE).replace(minute=0, second=0, microsecond=0)
    at = [day.replace(hour=h) + timedelta(days=d) for d, h in ((1, 10), (1, 18), (2, 11))]
    return [
        (at[0].astimezone(NOW.tzinfo), "phone", "no_answer"),
        (at[1].astimezone(NOW.tzinfo), "phone", "voicemail"),
        (at[2].astimezone(NOW.tzinfo), "phone", "reached"),
    ]


def specs(plan: Plan, volunteers: Sequence[int], mine: int) -> list[Spec]:
    """Every case to seed, in the order they arrived."""
    rng = random.Random(plan.open_cases)
    others = [v for v in volunteers if v != mine]
    found: list[Spec] = []
    span_days = 730
    for _ in range(plan.closed_cases):
        received = NOW - timedelta(days=1 + rng.uniform(0, span_days))
        closed = min(received + timedelta(days=rng.uniform(1, 30)), NOW - timedelta(hours=1))
        attempts = _attempts(rng, received, rng.choice((1, 1, 2, 3)), reached=rng.random() < 0.8)
        found.append(Spec(received, "closed", rng.choice(volunteers), closed, attempts))
    read = min(plan.pages_read, plan.open_cases // 2)
    taken_by_mine = 0
    for n in range(plan.open_cases):
        draw = rng.random()
        is_read = n < read
        if is_read:
            status, received = "in_contact", NOW - timedelta(days=rng.uniform(8, 40))
        elif draw < 0.33:
            status, received = "in_contact", NOW - timedelta(hours=rng.uniform(24, 24 * 40))
        elif draw < 0.88:
            status, received = "assigned", NOW - timedelta(hours=rng.uniform(2, 24 * 14))
        else:
            status, received = "new", NOW - timedelta(hours=rng.uniform(0.2, 96))
        volunteer: int | None = None
        if status != "new":
            if not is_read and taken_by_mine < plan.mine:
                volunteer, taken_by_mine = mine, taken_by_mine + 1
            else:
                volunteer = others[n % len(others)]
        if is_read:
            attempts = _read_attempts(received)
        elif status == "in_contact":
            attempts = _attempts(rng, received, rng.choice((1, 2, 3)), reached=True)
        elif status == "assigned":
            attempts = _attempts(rng, received, rng.choice((0, 0, 1, 1, 2, 3)), reached=False)
        else:
            attempts = []
        found.append(Spec(received, status, volunteer, None, attempts, read=is_read))
    found.sort(key=lambda s: s.received)
    return found


def _evening(moment: datetime) -> bool:
    return 18 <= moment.astimezone(ZONE).hour < 21


async def staff(path: Path, key: str) -> tuple[int, list[int]]:
    """history.py's staff, and more of Västerort's volunteers: its coordinator, volunteers."""
    await prepare(path, key)
    database = await Database.open(path)
    units = await Units.open(database, Cipher([_raw(key)]))
    try:
        async with units.begin() as unit:
            have = [s for s in await unit.staff.of_org(ORG) if s.role is StaffRole.VOLUNTEER]
            for n in range(VOLUNTEERS - len(have)):
                staff_id = await unit.staff.add(
                    org_id=ORG, role=StaffRole.VOLUNTEER, name=f"W{n}",
                    telegram_id=9_500 + n, locale="sv", now=NOW,
                )  # fmt: skip
                await unit.staff.update(
                    staff_id, trained_on=date(2026, 1, 1), languages=("sv", "en")
                )
            everyone = await unit.staff.of_org(ORG)
    finally:
        await database.close()
    coordinator = next(s.id for s in everyone if s.role is StaffRole.COORDINATOR)
    return coordinator, [s.id for s in everyone if s.role is StaffRole.VOLUNTEER]


def seed(path: Path, key: str, states: tuple[str, str], plan: Plan, mine: int) -> list[str]:
    """Write every case in one transaction; the references of the cases whose page is read."""
    read: list[str] = []
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
        volunteers = [
            int(r[0])
            for r in db.execute(
                "SELECT id FROM staff WHERE org_id = ? AND role = 'volunteer' ORDER BY id", (ORG,)
            )
        ]
        cases = Cases(db, Cipher([_raw(key)]), states)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-1000000",
                       "temp_store=MEMORY", "foreign_keys=OFF"):  # fmt: skip
            db.execute(f"PRAGMA {pragma}")
        db.execute("BEGIN")
        for i, spec in enumerate(specs(plan, volunteers, mine), start=1):
            cases.add(i, spec, plan)
            if spec.read:
                read.append(f"R{i:07d}")
            cases.flush(at_least=20_000)
        cases.flush()
        db.execute("COMMIT")
        db.execute("PRAGMA journal_mode=WAL")
    random.Random(1).shuffle(read)
    return read


async def seeded(workdir: Path, key: str, plan: Plan) -> tuple[Path, Seeded]:
    path = workdir / "desk.db"
    started = time.perf_counter()
    states = await sample_states(workdir, key)
    coordinator, volunteers = await staff(path, key)
    mine = volunteers[0]
    read = await asyncio.to_thread(seed, path, key, states, plan, mine)
    with contextlib.closing(sqlite3.connect(path)) as db:
        since = _text(NOW - timedelta(days=14))
        (recent,) = db.execute(
            "SELECT COUNT(*) FROM cases WHERE status = 'closed' AND closed_at >= ?", (since,)
        ).fetchone()
    seconds = time.perf_counter() - started
    return path, Seeded(coordinator, mine, read, int(recent), seconds, path.stat().st_size / 1e6)


# -- requests -----------------------------------------------------------------------------


class Get:
    """GET a page of an ASGI app in process, as an HTTP server would hand it the request."""

    def __init__(self, app: ASGIApp, cookie: str = "") -> None:
        self._app = app
        self._headers = [(b"host", b"desk.example"), (b"sec-fetch-site", b"same-origin")]
        if cookie:
            self._headers.append((b"cookie", f"{SESSION_COOKIE}={cookie}".encode()))

    async def __call__(self, path: str) -> tuple[float, int, bytes]:
        """Server time (ms, the call to the last body byte), status and body of *path*."""
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "https",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": self._headers,
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 443),
            "state": {},
        }
        status, body, ended = 0, bytearray(), 0.0

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            nonlocal status, ended
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    ended = time.perf_counter()

        started = time.perf_counter()
        await self._app(scope, receive, send)
        return (ended - started) * 1000, status, bytes(body)


async def sign_in(jourbot: Jourbot, staff_id: int) -> str:
    """Sign in as staff do, with a one-time link; the session cookie's value."""
    link = await jourbot.desk.link_for(staff_id)
    assert link is not None
    path = link.removeprefix(DESK_URL)
    transport = httpx.ASGITransport(app=jourbot.web)
    async with httpx.AsyncClient(transport=transport, base_url=DESK_URL) as client:
        await client.get(path)
        answer = await client.post(path)
        assert answer.status_code == 303, answer.text
        return str(client.cookies[SESSION_COOKIE])


async def batch(get: Get, paths: Sequence[str]) -> dict[str, float]:
    """Request *paths* one after another; the spread of their server times, and the size."""
    times, size = [], 0
    for path in paths:
        took, status, body = await get(path)
        if status != 200:
            raise RuntimeError(f"{path}: {status} {body[:300]!r}")
        times.append(took)
        size = len(body)
    return {
        "requests": len(times),
        "p50_ms": round(percentile(times, 0.50), 3),
        "p99_ms": round(percentile(times, 0.99), 3),
        "mean_ms": round(sum(times) / len(times), 3),
        "max_ms": round(max(times), 3),
        "bytes": size,
    }


# -- the bare side ------------------------------------------------------------------------

# The board the plain way: per section, a count and the first fifty rows, as the desk does.
# Per section: its states, what else its cases must be, and its order. A page of several
# states is read a state at a time (each in its index's order) and merged, as the desk does.
_BARE_SECTIONS = (
    ("Unassigned", ("new",), "", "received_at, id"),
    (
        "Overdue",
        ("new", "assigned"),
        "AND received_at <= :cutoff AND NOT EXISTS (SELECT 1 FROM attempts x "
        "WHERE x.case_id = cases.id AND x.outcome IN ('declined', 'reached'))",
        "received_at, id",
    ),
    ("Open", ("assigned", "in_contact"), "", "received_at, id"),
    (
        "Closed in the last two weeks",
        ("closed",),
        "AND closed_at >= :since",
        "closed_at DESC, id DESC",
    ),
)
_BARE_PAGE = """
SELECT c.id, c.reference, c.status, c.received_at, c.closed_at, c.district_id,
       COALESCE(c.talk_language, c.locale), s.name, a.at, a.channel, a.outcome
FROM (SELECT * FROM cases WHERE {where} ORDER BY {order} LIMIT 50) c
LEFT JOIN staff s ON s.id = c.volunteer_id
LEFT JOIN attempts a ON a.case_id = c.id
ORDER BY {outer}, a.at
"""
_BARE_MINE = """
SELECT c.id, c.reference, c.status, c.received_at, a.at, a.channel, a.outcome
FROM cases c LEFT JOIN attempts a ON a.case_id = c.id
WHERE c.volunteer_id = ? AND c.status IN ('assigned', 'in_contact')
ORDER BY c.received_at, a.at
"""
# The case and its contact details and seeker, then its messages, events and attempts.
_BARE_CASE = """
WITH one AS (SELECT id FROM cases WHERE reference = ?1)
SELECT 0, c.received_at, c.reference, c.status, c.district_id, c.locale, k.phone, k.notes,
       k.call_time, k.voicemail_ok, k.sms_ok, s.address, v.name
FROM cases c JOIN one ON one.id = c.id LEFT JOIN case_contacts k ON k.case_id = c.id
LEFT JOIN seekers s ON s.id = c.seeker_id LEFT JOIN staff v ON v.id = c.volunteer_id
UNION ALL
SELECT 1, m.at, m.from_seeker, m.body, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM case_messages m JOIN one ON one.id = m.case_id
UNION ALL
SELECT 2, e.at, e.event, e.detail, w.name, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM case_events e JOIN one ON one.id = e.case_id LEFT JOIN staff w ON w.id = e.staff_id
UNION ALL
SELECT 3, a.at, a.channel, a.outcome, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM attempts a JOIN one ON one.id = a.case_id
ORDER BY 1, 2
"""

_BASE = """<!doctype html><html lang="sv"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{% endblock %} · Jourbot desk</title>
<link rel="stylesheet" href="/desk/static/desk.css">
<script src="/desk/static/desk.js" defer></script>
</head><body><a class="skip" href="#main">Skip to content</a>
<header class="top"><a class="brand" href="/desk/">Jourbot desk</a>
<nav aria-label="Desk"><ul><li><a href="/desk/">Cases</a></li>
<li><a href="/desk/team">Volunteers</a></li>
<li><a href="/desk/report">Report</a></li><li><a href="/desk/account">Cora</a></li></ul></nav>
<form class="language" method="post" action="/desk/language">
<input type="hidden" name="csrf" value="x">
<select name="lang"><option value="sv" selected>svenska</option>
<option value="en">English</option></select>
<button type="submit">Change</button></form></header>
<main id="main">{% block main %}{% endblock %}</main></body></html>
"""
_BOARD = """{% extends "base.html" %}{% block title %}Cases{% endblock %}{% block main %}
<h1>Cases</h1>
<form class="filters" method="get" action="/desk/">
<label>District <select name="district"><option value="">All</option>
{% for d in districts %}<option value="{{ d }}">{{ names[d] }}</option>{% endfor %}</select></label>
<label>Language <select name="language"><option value="">All</option>
{% for l in languages %}<option value="{{ l }}">{{ names[l] }}</option>{% endfor %}</select></label>
<label>Volunteer <select name="volunteer"><option value="">All</option>
{% for v in volunteers %}<option value="{{ v }}">{{ v }}</option>{% endfor %}</select></label>
<button type="submit">Filter</button></form>
<div id="board" data-refresh="/desk/board" data-every="10" aria-live="polite">
{% for title, rows, count in sections %}
<section class="cases" aria-labelledby="section-{{ loop.index }}">
<h2 id="section-{{ loop.index }}">{{ title }} <span class="count">({{ count }})</span></h2>
<table><thead><tr><th scope="col">Case</th><th scope="col">Status</th>
<th scope="col">First contact by</th><th scope="col">Attempts</th><th scope="col">Volunteer</th>
<th scope="col">District</th><th scope="col">Language</th></tr></thead><tbody>
{% for r in rows %}
    <tr{% if r.overdue %} class="overdue"{% endif %}>
      <th scope="row"><a href="/desk/cases/{{ r.reference }}">{{ r.reference }}</a></th>
      <td>{{ r.status }}</td>
      <td>{% if r.closed %}closed {{ r.closed }}{% else %}{{ r.deadline }}
      {%- if r.overdue %} <strong>overdue</strong>{% endif %}{% endif %}</td>
      <td>{{ r.attempts }}{% if r.evening %} <span class="evening">evening ✓</span>{% endif %}</td>
      <td>{{ r.volunteer or "-" }}</td>
      <td>{{ names.get(r.district, "-") }}</td>
      <td>{{ names[r.language] }}</td>
    </tr>
{% endfor %}
</tbody></table>
{% if count > rows|length %}
<p>{{ count - rows|length }} more: narrow the list with the filters.</p>
{% endif %}
</section>
{% endfor %}
</div>{% endblock %}
"""
_MINE = """{% extends "base.html" %}{% block title %}My cases{% endblock %}{% block main %}
<h1>My cases</h1><ul class="mine">
{% for r in rows %}
<li{% if r.overdue %} class="overdue"{% endif %}>
<a href="/desk/cases/{{ r.reference }}">{{ r.reference }}</a>
· {{ r.status }} · first contact by {{ r.deadline }}
{%- if r.overdue %} <strong>overdue</strong>{% endif %}
· attempts: {{ r.attempts }}{% if r.evening %} <span class="evening">evening ✓</span>
{%- else %} · no evening attempt yet{% endif %}</li>
{% endfor %}
</ul>{% endblock %}
"""
_CASE = """{% extends "base.html" %}{% block title %}{{ c.reference }}{% endblock %}{% block main %}
<h1>Case {{ c.reference }} <span class="status">{{ c.status }}</span></h1>
<div class="case-grid"><section aria-labelledby="facts-title">
<h2 id="facts-title">What the seeker told us</h2><dl class="facts">
<dt>Language</dt><dd>{{ c.locale }}</dd><dt>District</dt><dd>{{ c.district }}</dd>
<dt>Age</dt><dd>21 or older</dd><dt>Needs</dt><dd>someone to talk to</dd>
<dt>Contact</dt><dd>call me</dd><dt>Came through</dt><dd>the bot</dd>
<dt>Received</dt><dd>{{ c.received }}</dd><dt>First contact by</dt><dd>{{ c.deadline }}</dd>
<dt>Volunteer</dt><dd>{{ c.volunteer or "nobody yet" }}</dd></dl>
<h3>Safety</h3><dl class="facts safety">
<dt>Safe to call</dt><dd>{{ c.call_time or "not given" }}</dd>
<dt>Voicemail naming us</dt><dd>{{ "yes" if c.voicemail_ok else "no" }}</dd>
<dt>SMS naming us</dt><dd>{{ "yes" if c.sms_ok else "no" }}</dd></dl>
{% if c.phone %}
<p class="contact">Phone: <a href="tel:{{ c.phone }}">{{ c.phone }}</a></p>
{% endif %}
{% if c.notes %}<h3>Note from the seeker</h3><p class="notes">{{ c.notes }}</p>{% endif %}
</section><section id="live" data-refresh="/desk/cases/{{ c.reference }}/live" data-every="5">
<h2 id="conversation-title">Conversation</h2><ol class="conversation" aria-live="polite">
{% for m in messages %}<li class="{{ 'from-seeker' if m.seeker else 'from-support' }}">
<span class="who">{{ "Seeker" if m.seeker else "Support" }}</span> <time>{{ m.at }}</time>
<p>{{ m.body }}</p></li>
{% endfor %}</ol><h2>Attempts</h2><ol class="attempts">
{% for a in attempts %}<li>{{ a.at }} · {{ a.channel }} · {{ a.outcome }}
{%- if a.evening %} <span class="evening">evening ✓</span>{% endif %}</li>
{% endfor %}</ol></section></div>
{% for title, action in forms %}
<section aria-labelledby="{{ action }}-title"><h2 id="{{ action }}-title">{{ title }}</h2>
<form method="post" action="/desk/cases/{{ c.reference }}/{{ action }}" class="inline">
<input type="hidden" name="csrf" value="{{ csrf }}">
<label>Choose <select name="choice">
{% for o in options %}<option value="{{ o }}">{{ o }}</option>{% endfor %}</select></label>
<button type="submit">{{ title }}</button></form></section>
{% endfor %}
<section aria-labelledby="history-title"><h2 id="history-title">History</h2><ol class="history">
{% for e in events %}
<li>{{ e.at }} {{ e.who or "the seeker" }} {{ e.kind }} {{ e.detail }}</li>
{% endfor %}
</ol></section>{% endblock %}
"""


@dataclass(frozen=True, slots=True)
class BareRow:
    reference: str
    status: str
    deadline: str
    overdue: bool
    attempts: int
    evening: bool
    volunteer: str | None
    district: str | None
    language: str
    closed: str | None


def _local(text: str) -> str:
    return datetime.fromisoformat(text).astimezone(ZONE).strftime("%Y-%m-%d %H:%M")


def _rows(found: Sequence[Sequence[Any]], now: datetime, at: int, first: int) -> list[Any]:
    """Fold the joined attempts (columns from *at*) into one entry per case (*first* columns
    each): the deadline (three days, local), the count and whether one was in the evening."""
    cases: dict[int, list[Any]] = {}
    for row in found:
        entry = cases.get(row[0])
        if entry is None:
            entry = cases[row[0]] = [*row[:first], 0, False, False]
        if row[at] is not None:
            entry[first] += 1
            moment = datetime.fromisoformat(row[at])
            entry[first + 1] |= row[at + 1] == "phone" and 18 <= moment.astimezone(ZONE).hour < 21
            entry[first + 2] |= row[at + 2] in ("reached", "declined")
    shaped = []
    for entry in cases.values():
        received = datetime.fromisoformat(entry[3]).astimezone(ZONE).replace(tzinfo=None)
        deadline = (received + timedelta(hours=72)).replace(tzinfo=ZONE)
        reached = entry[first + 2] or entry[2] == "in_contact"
        shaped.append((entry, deadline, not reached and now >= deadline))
    return shaped


def bare_app(path: Path, key: str) -> Starlette:
    """The bare framework on the same database: no session, no policy, one query a page."""
    cipher = Cipher([_raw(key)])
    env = Environment(
        loader=DictLoader({"base.html": _BASE, "board.html": _BOARD, "mine.html": _MINE,
                           "case.html": _CASE}),
        autoescape=select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True,
        auto_reload=False,
    )  # fmt: skip
    db: list[aiosqlite.Connection] = []

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        db.append(await aiosqlite.connect(path))
        try:
            yield
        finally:
            await db[0].close()

    def html(name: str, **context: Any) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**context))

    async def board(request: Request) -> HTMLResponse:
        args = {
            "org": ORG, "cutoff": _text(NOW - timedelta(hours=72)),
            "since": _text(NOW - timedelta(days=14)),
        }  # fmt: skip
        sections = []
        for title, states, extra, order in _BARE_SECTIONS:
            named = ", ".join(f"'{state}'" for state in states)
            where = f"org_id = :org AND status IN ({named}) {extra}"
            counting = f"SELECT COUNT(*) FROM cases WHERE {where}"  # noqa: S608 - fixed text
            counted = await db[0].execute_fetchall(counting, args)
            (count,) = next(iter(counted))
            outer = ", ".join(f"c.{part.strip()}" for part in order.split(","))
            found: list[Any] = []
            for state in states:
                one = f"org_id = :org AND status = '{state}' {extra}"
                page = _BARE_PAGE.format(where=one, order=order, outer=outer)
                found += await db[0].execute_fetchall(page, args)
            shaped = _rows(found, NOW, 8, 8)
            if len(states) > 1:
                shaped = sorted(shaped, key=lambda r: (r[0][3], r[0][0]))[:50]
            rows = []
            for entry, deadline, overdue in shaped:
                closed = _local(entry[4]) if entry[4] else None
                rows.append(BareRow(
                    entry[1], entry[2], deadline.strftime("%Y-%m-%d %H:%M"),
                    overdue and not closed, entry[8], entry[9], entry[7], entry[5], entry[6],
                    closed,
                ))  # fmt: skip
            sections.append((title, rows, int(count)))
        staff = await db[0].execute_fetchall(
            "SELECT name FROM staff WHERE org_id = ? AND active = 1 ORDER BY id", (ORG,)
        )
        return html(
            "board.html", sections=sections, names=NAMES, districts=DISTRICTS,
            languages=[code for code, _ in LOCALES], volunteers=[row[0] for row in staff],
        )  # fmt: skip

    async def mine(request: Request) -> HTMLResponse:
        found = await db[0].execute_fetchall(_BARE_MINE, (int(request.path_params["staff"]),))
        rows = [
            BareRow(e[1], e[2], d.strftime("%Y-%m-%d %H:%M"), o, e[4], e[5], None, None, "", None)
            for e, d, o in sorted(_rows(list(found), NOW, 4, 4), key=lambda x: x[1])
        ]
        return html("mine.html", rows=rows)

    async def case(request: Request) -> HTMLResponse:
        found = await db[0].execute_fetchall(_BARE_CASE, (request.path_params["reference"],))
        head = next(r for r in found if r[0] == 0)
        received = datetime.fromisoformat(head[1])
        deadline = received.astimezone(ZONE).replace(tzinfo=None) + timedelta(hours=72)
        c = {
            "reference": head[2], "status": head[3], "district": head[4], "locale": head[5],
            "phone": cipher.open(head[6], "case_contacts.phone"),
            "notes": cipher.open(head[7], "case_contacts.notes"),
            "call_time": head[8], "voicemail_ok": head[9], "sms_ok": head[10],
            "address": cipher.open(head[11], "seekers.address"), "volunteer": head[12],
            "received": _local(head[1]), "deadline": deadline.strftime("%Y-%m-%d %H:%M"),
        }  # fmt: skip
        messages = [
            {"at": _local(r[1]), "seeker": bool(int(r[2])),
             "body": cipher.open(r[3], "case_messages.body")}
            for r in found if r[0] == 1
        ]  # fmt: skip
        events = [
            {"at": _local(r[1]), "kind": r[2], "detail": r[3], "who": r[4]}
            for r in found if r[0] == 2
        ]  # fmt: skip
        attempts = [
            {"at": _local(r[1]), "channel": r[2], "outcome": r[3],
             "evening": r[2] == "phone" and _evening(datetime.fromisoformat(r[1]))}
            for r in found if r[0] == 3
        ]  # fmt: skip
        forms = [("Log an attempt", "attempt"), ("Assign", "assign"), ("Move", "transfer"),
                 ("Close the case", "close")]  # fmt: skip
        options = [f"Volunteer {n}" for n in range(VOLUNTEERS)]
        return html(
            "case.html", c=c, messages=messages, events=events, attempts=attempts, forms=forms,
            options=options, csrf="x" * 43,
        )  # fmt: skip

    return Starlette(
        routes=[
            Route("/bare/", board),
            Route("/bare/mine/{staff:int}", mine),
            Route("/bare/cases/{reference:str}", case),
        ],
        lifespan=lifespan,
    )


# -- the rounds ---------------------------------------------------------------------------


async def run(plan: Plan | None = None) -> dict[str, Any]:
    """Seed, run the rounds, and summarise."""
    with tempfile.TemporaryDirectory() as tmp:
        return await _run(plan or Plan(), new_key(), Path(tmp))


async def _run(plan: Plan, key: str, workdir: Path) -> dict[str, Any]:
    path, seeds = await seeded(workdir, key, plan)
    settings = load_settings({"JOURBOT_DB": str(path), "JOURBOT_SECRET_KEY": key})
    settings = replace(settings, desk=DeskSettings(DESK_URL))
    jourbot = await build(settings, clock=Clock(), run_scheduler=False)
    bare = bare_app(path, key)
    try:
        async with (
            jourbot.web.router.lifespan_context(jourbot.web),
            bare.router.lifespan_context(bare),
        ):
            coordinator = Get(jourbot.web, await sign_in(jourbot, seeds.coordinator))
            volunteer = Get(jourbot.web, await sign_in(jourbot, seeds.volunteer))
            plain = Get(bare)
            # As `jourbot run` does once it is built: what start-up made is never walked by the
            # collector again (both sides live in this process).
            gc.collect()
            gc.freeze()
            runs = await rounds(plan, seeds, coordinator, volunteer, plain)
    finally:
        await jourbot.close()
    return summarise(plan, seeds, runs)


async def rounds(
    plan: Plan, seeds: Seeded, coordinator: Get, volunteer: Get, plain: Get
) -> dict[str, dict[str, list[dict[str, float]]]]:
    """Every page's sides one after the other, the order reversed every round; round 0 warms
    up and is not recorded."""
    n = plan.requests
    runs: dict[str, dict[str, list[dict[str, float]]]] = {
        page: {side: [] for side in SIDES} for page in PAGES
    }
    for number in range(plan.rounds + 1):
        read = seeds.read[number * n : (number + 1) * n]
        work = {
            "board": {"jourbot": (coordinator, ["/desk/"] * n), "bare": (plain, ["/bare/"] * n)},
            "case": {
                "jourbot": (coordinator, [f"/desk/cases/{r}" for r in read]),
                "bare": (plain, [f"/bare/cases/{r}" for r in read]),
            },
            "mine": {
                "jourbot": (volunteer, ["/desk/"] * n),
                "bare": (plain, [f"/bare/mine/{seeds.volunteer}"] * n),
            },
        }
        for page in PAGES:
            for side in SIDES if number % 2 == 0 else tuple(reversed(SIDES)):
                get, paths = work[page][side]
                figures = await batch(get, paths)
                if number:
                    runs[page][side].append(figures)
    return runs


def summarise(
    plan: Plan, seeds: Seeded, runs: Mapping[str, Mapping[str, Sequence[Mapping[str, float]]]]
) -> dict[str, Any]:
    """Each page's spread of every figure per side, and ours ÷ bare round by round."""
    pages: dict[str, Any] = {}
    for page in PAGES:
        ours, bare = runs[page]["jourbot"], runs[page]["bare"]
        pages[page] = {
            **{
                side: {k: spread([float(r[k]) for r in runs[page][side]]) for k in FIGURES}
                | {"bytes": int(runs[page][side][-1]["bytes"])}
                for side in SIDES
            },
            **{
                f"{k.removesuffix('_ms')}_ratio": spread(
                    [float(a[k]) / float(b[k]) for a, b in zip(ours, bare, strict=True)], 3
                )
                for k in ("p50_ms", "p99_ms")
            },
            "rounds": runs[page],
        }
    return {
        "open_cases": plan.open_cases,
        "closed_cases": plan.closed_cases,
        "closed_recently": seeds.closed_recently,
        "volunteers": VOLUNTEERS,
        "mine": plan.mine,
        "messages": plan.messages,
        "events": plan.events,
        "requests_per_round": plan.requests,
        "rounds_measured": plan.rounds,
        "seed_seconds": round(seeds.seconds, 1),
        "database_mb": round(seeds.megabytes),
        "target_p99_ms": TARGET_P99_MS,
        "pages": pages,
    }


# -- the report ---------------------------------------------------------------------------

LABELS = {
    "board": "the board, `GET /desk/` (coordinator)",
    "case": "a case page, `GET /desk/cases/{REF}` (coordinator)",
    "mine": "my cases, `GET /desk/` (volunteer, {mine} open)",
}


def targets(results: Mapping[str, Any]) -> list[Target]:
    """p99 server time under the target for the board and the case page, on the median."""
    desk = results.get("desk")
    if not desk:
        return []
    found = []
    for page in ("board", "case"):
        p99 = desk["pages"][page]["jourbot"]["p99_ms"]
        found.append(
            Target(
                "Desk",
                f"{LABELS[page].split(',')[0]}: p99 < {desk['target_p99_ms']:g} ms with "
                f"{desk['open_cases']:,} open cases",
                p99["median"] < desk["target_p99_ms"],
                f"{num(p99['median'])} ms (worst round {num(p99['max'])})",
            )
        )
    return found


def table(desk: Mapping[str, Any]) -> list[str]:
    """The desk's section of RESULTS.md: its targets and the figures."""
    found = targets({"desk": desk})
    lines = [
        f"## Staff desk ({desk['open_cases']:,} open cases and {desk['closed_cases']:,} closed, "
        f"{desk['closed_recently']:,} of them in the last two weeks, {desk['volunteers']} "
        f"volunteers; {desk['requests_per_round']} requests a page, side and round, one at a "
        "time; server time from the ASGI call to the last body byte)",
        "",
        "| target | judged on | met |",
        "|---|---|---|",
        *[f"| {t.what} | {t.judged} | {mark(t.met)} |" for t in found],
        "",
        "| page | figure | jourbot | bare Starlette, one query | ours ÷ bare |",
        "|---|---|---|---|---|",
    ]
    for page in PAGES:
        figures = desk["pages"][page]
        label = LABELS[page].replace("{mine}", f"{desk['mine']:,}")
        ours, bare = figures["jourbot"], figures["bare"]
        lines += [
            f"| {label} | p50 (ms) | {span(ours['p50_ms'])} | {span(bare['p50_ms'])} | "
            f"{ratio(figures['p50_ratio'])} |",
            f"| | p99 (ms) | {span(ours['p99_ms'])} | {span(bare['p99_ms'])} | "
            f"{ratio(figures['p99_ratio'])} |",
            f"| | page (bytes) | {ours['bytes']:,} | {bare['bytes']:,} | - |",
        ]
    lines += [
        "",
        f"Seeding {num(desk['seed_seconds'])} s, database {desk['database_mb']:,} MB.",
    ]
    return lines
