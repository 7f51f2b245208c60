"""The web chat with 2,000 chats open: memory of the whole service and the time to a reply.

Each side is a child process: `jourbot run` (as in production, on the embedded SQLite, with
SMS configured so that it serves; nothing is sent) or the bare Starlette app of
`bench/bare_webchat.py`, both under uvicorn with the same settings. The client is this
process: asyncio streams and HTTP/1.1 by hand (a general-purpose client would cost more than
the servers it measures). Every seeker is a client of its own, as in life: its connections
come from an address of its own on loopback (127.0.x.y; Linux accepts any 127/8 source), so
the per-client limits count each seeker once.

A side's run (a new process, a new database):

1. open the chats, 50 pages at a time: each posts `/chat/start` ({"lang": "sv"}), then
   holds `GET /chat/events?after=0` open (Server-Sent Events, the pass in `X-Chat`) and
   reads the greeting on it; the time from the first start to the last greeting, each
   page's start to its greeting, and the service's CPU time per chat;
2. with every chat open and waiting: RSS of the process (VmRSS), then the service's CPU
   time over 20 s in which nobody writes (every stream's 20-second heartbeat falls in it);
3. posts at a steady rate, the chats in turn, at 50 a second and then at 100 (2,000 each:
   every chat posts once at each rate). Each post is a new connection from its seeker's
   address, made before the clock starts: `/chat/say` {"text": "/help"}. The service
   answers 204 and, through the turn, the outbox and the chat's stream, two events: the
   help text and the question asked again (the greeting's, step "lang"; the bare app puts
   two events of about the same size on the queue at once). Per post: the time from
   writing the request to the first event on its chat's stream (the reply), to the second
   (the whole turn), and to the 204; the service's CPU time over the posts. The posts go
   out on time whatever the answers before them (an open loop);
4. RSS again, and the peak (VmHWM). Every event is counted: a missing or extra one fails
   the run, as does a stream the server ended.

The 2,000 chats are more than the shipped configuration lets open without a puzzle
(`challenge_from = 2000`): the bench's configuration raises `challenge_from` and
`open_chats_at_most` above them, so every page opens without one.

    .venv/bin/python -m bench --only webchat --out /tmp/webchat
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from bench.history import rss_mb
from bench.rounds import alternate, child_cpu_seconds, percentile, ratios, summary
from bench.service_paths import healthy
from bot.config import load_settings
from bot.storage.crypto import new_key
from tests.loopback import free_port
from tests.twilio_fakes import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER

HOST = "127.0.0.1"
SIDES = ("jourbot", "bare")
PATHS = {
    "jourbot": {"start": "/chat/start", "events": "/chat/events", "say": "/chat/say"},
    "bare": {"start": "/start", "events": "/events", "say": "/say"},
}
OPEN_AT_ONCE = 50  # pages opening their chat at the same time
TURN_TIMEOUT = 60.0  # seconds a page waits for its events before the run fails
TURN_STEP = "lang"  # the step of the question that ends the greeting and every /help turn
FIGURES = (
    "open_seconds", "open_p50_ms", "open_p99_ms", "cpu_ms_per_open", "rss_idle_mb",
    "rss_open_mb", "cpu_share_waiting", "rss_after_mb", "rss_peak_mb",
)  # fmt: skip
STAGE_FIGURES = (
    "posts_per_second", "reply_p50_ms", "reply_p99_ms", "reply_max_ms", "turn_p50_ms",
    "turn_p99_ms", "answer_p99_ms", "cpu_ms_per_post", "cpu_share", "send_lateness_max_ms",
)  # fmt: skip


def seeker_address(n: int) -> str:
    """The loopback address seeker *n* connects from (127.0.0.1 is the bench's own)."""
    return f"127.0.{n // 250}.{n % 250 + 2}"


def request(method: str, path: str, body: bytes = b"", headers: str = "") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: bot.example.org\r\n{headers}"
    if method == "POST":
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return (head + "\r\n").encode() + body


async def head(reader: asyncio.StreamReader) -> tuple[int, dict[bytes, bytes]]:
    """The status and headers (names in lower case) of an answer."""
    status = int((await reader.readline()).split()[1])
    headers = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    return status, headers


async def answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """The status and body of an answer with a length."""
    status, headers = await head(reader)
    return status, await reader.readexactly(int(headers.get(b"content-length", b"0")))


@dataclass
class Turn:
    """One post waiting for its events."""

    sent: float
    first: float = 0.0
    done: asyncio.Future[float] = field(default_factory=asyncio.Future)


@dataclass
class Seeker:
    """One page: its address, its chat's pass and the stream it holds open."""

    address: str
    chat: str = ""
    events: int = 0
    event_bytes: int = 0
    turn: Turn | None = None
    stream: asyncio.Task[None] | None = None
    writer: asyncio.StreamWriter | None = None

    def seen(self, data: bytes, at: float) -> None:
        """An event arrived on the chat's stream."""
        self.events += 1
        self.event_bytes += len(data)
        body = json.loads(data.partition(b"\ndata: ")[2])
        turn = self.turn
        if turn is None:
            raise AssertionError(f"an event nobody waited for: {data[:80]!r}")
        if not turn.first:
            turn.first = at
        if body.get("step") == TURN_STEP:
            self.turn = None
            turn.done.set_result(at)


class Client:
    """Seekers talking to one side on *port*."""

    def __init__(self, side: str, port: int) -> None:
        self.paths = PATHS[side]
        self.port = port
        self.ended = 0  # streams the server ended before the client did

    async def connect(self, seeker: Seeker) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(HOST, self.port, local_addr=(seeker.address, 0))

    async def open(self, seeker: Seeker) -> float:
        """Start the chat and hold its stream; seconds until the greeting arrived."""
        reader, writer = await self.connect(seeker)
        started = time.perf_counter()
        seeker.turn = Turn(started)
        writer.write(request("POST", self.paths["start"], b'{"lang": "sv"}'))
        status, body = await answer(reader)
        writer.close()
        assert status == 200, (status, body)
        seeker.chat = json.loads(body)["chat"]
        reader, writer = await self.connect(seeker)
        events = f"{self.paths['events']}?after=0"
        writer.write(request("GET", events, headers=f"X-Chat: {seeker.chat}\r\n"))
        status, headers = await head(reader)
        assert status == 200, status
        assert headers.get(b"transfer-encoding") == b"chunked", headers
        seeker.writer = writer
        seeker.stream = asyncio.create_task(self.follow(seeker, reader))
        return await asyncio.wait_for(seeker.turn.done, TURN_TIMEOUT) - started

    async def follow(self, seeker: Seeker, reader: asyncio.StreamReader) -> None:
        """Read the chat's stream (chunked) until it ends; hand each event to the seeker."""
        pending = b""
        try:
            while (line := await reader.readline()) and (size := int(line, 16)):
                pending += (await reader.readexactly(size + 2))[:-2]
                while b"\n\n" in pending:
                    event, pending = pending.split(b"\n\n", 1)
                    if event.startswith(b"id: "):
                        seeker.seen(event, time.perf_counter())
        except Exception as exc:  # the turn waiting on it fails with it
            if seeker.turn is not None:
                seeker.turn.done.set_exception(exc)
            raise
        self.ended += 1
        if seeker.turn is not None:
            seeker.turn.done.set_exception(AssertionError("the stream ended"))

    async def say(self, seeker: Seeker, text: str) -> tuple[float, float, float]:
        """Post *text*; seconds from the request to its answer, to the first event and to
        the event that ends the turn."""
        assert seeker.turn is None, "the last turn of this chat is not done"
        body = json.dumps({"chat": seeker.chat, "text": text}).encode()
        said = request("POST", self.paths["say"], body)
        reader, writer = await self.connect(seeker)
        try:
            sent = time.perf_counter()
            turn = seeker.turn = Turn(sent)
            writer.write(said)
            status, _ = await answer(reader)
            answered = time.perf_counter()
            assert status == 204, status
        finally:
            writer.close()
        done = await asyncio.wait_for(turn.done, TURN_TIMEOUT)
        return answered - sent, turn.first - sent, done - sent

    def close(self, seekers: Sequence[Seeker]) -> None:
        for seeker in seekers:
            if seeker.stream is not None:
                seeker.stream.cancel()
            if seeker.writer is not None:
                seeker.writer.close()


async def open_chats(client: Client, seekers: Sequence[Seeker]) -> dict[str, float]:
    """Open every chat, OPEN_AT_ONCE at a time; how long it took and each page's wait."""
    waits: list[float] = []
    queue = iter(seekers)

    async def page() -> None:
        for seeker in queue:
            waits.append(await client.open(seeker))

    started = time.perf_counter()
    await asyncio.gather(*(page() for _ in range(min(OPEN_AT_ONCE, len(seekers)))))
    return {
        "open_seconds": round(time.perf_counter() - started, 2),
        "open_p50_ms": round(statistics.median(waits) * 1000, 2),
        "open_p99_ms": round(percentile(waits, 0.99) * 1000, 2),
    }


async def post_steadily(
    client: Client, seekers: Sequence[Seeker], posts: int, rate: float, pid: int
) -> dict[str, float]:
    """*posts* turns at *rate* a second, the chats in turn, each on time whatever the
    others wait (an open loop: a slow answer does not hold back the posts after it)."""
    timings: list[tuple[float, float, float]] = []
    lateness = 0.0

    async def one(seeker: Seeker) -> None:
        timings.append(await client.say(seeker, "/help"))

    tasks = []
    cpu = child_cpu_seconds(pid)
    started = time.perf_counter()
    for n in range(posts):
        due = started + n / rate
        wait = due - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        lateness = max(lateness, time.perf_counter() - due)
        tasks.append(asyncio.create_task(one(seekers[n % len(seekers)])))
    await asyncio.gather(*tasks)
    seconds = time.perf_counter() - started
    cpu = child_cpu_seconds(pid) - cpu
    answers, replies, turns = (sorted(t[k] for t in timings) for k in range(3))
    return {
        "posts": len(timings),
        "posts_per_second": round(len(timings) / seconds, 1),
        "send_lateness_max_ms": round(lateness * 1000, 1),
        "answer_p99_ms": round(percentile(answers, 0.99) * 1000, 2),
        "reply_p50_ms": round(statistics.median(replies) * 1000, 2),
        "reply_p99_ms": round(percentile(replies, 0.99) * 1000, 2),
        "reply_max_ms": round(replies[-1] * 1000, 2),
        "turn_p50_ms": round(statistics.median(turns) * 1000, 2),
        "turn_p99_ms": round(percentile(turns, 0.99) * 1000, 2),
        "cpu_ms_per_post": round(cpu * 1000 / posts, 2),
        "cpu_share": round(cpu / seconds, 3),
    }


async def one_side(side: str, port: int, pid: int, plan: Plan) -> dict[str, Any]:
    """Open the chats, take the memory, let them wait, post at each rate; the figures."""
    client = Client(side, port)
    seekers = [Seeker(seeker_address(n)) for n in range(plan.chats)]
    await asyncio.sleep(plan.settle_seconds)  # start-up done
    result: dict[str, Any] = {"chats": plan.chats, "rss_idle_mb": rss_mb(pid, "VmRSS")}
    try:
        cpu = child_cpu_seconds(pid)
        result |= await open_chats(client, seekers)
        result["cpu_ms_per_open"] = round((child_cpu_seconds(pid) - cpu) * 1000 / plan.chats, 2)
        await asyncio.sleep(plan.settle_seconds)  # every stream waiting
        result["rss_open_mb"] = rss_mb(pid, "VmRSS")
        cpu = child_cpu_seconds(pid)
        await asyncio.sleep(plan.waiting_seconds)
        result["cpu_share_waiting"] = round(
            (child_cpu_seconds(pid) - cpu) / plan.waiting_seconds, 3
        )
        result["stages"] = {}
        gc.collect()
        gc.freeze()  # the client's own collections stay out of the timings
        try:
            for rate, posts in plan.stages:
                result["stages"][stage_name(rate)] = await post_steadily(
                    client, seekers, posts, rate, pid
                )
        finally:
            gc.unfreeze()
        result["rss_after_mb"] = rss_mb(pid, "VmRSS")
        result["rss_peak_mb"] = rss_mb(pid, "VmHWM")
        events = sum(s.events for s in seekers)
        result["events"] = events
        result["bytes_per_event"] = round(sum(s.event_bytes for s in seekers) / events)
        result["streams_ended"] = client.ended
        expected = plan.chats + 2 * sum(posts for _, posts in plan.stages)
        assert events == expected, f"{events} events, {expected} expected"
        assert not client.ended, "a stream ended: the run took longer than a stream lasts"
    finally:
        client.close(seekers)
    return result


def stage_name(rate: float) -> str:
    return f"{rate:g}_per_second"


def chat_config(folder: Path, chats: int) -> Path:
    """The shipped configuration with room for *chats* open chats without a puzzle."""
    text = resources.files("bot").joinpath("default_config.toml").read_text(encoding="utf-8")
    room = max(chats * 2, 10_000)
    for key in ("open_chats_at_most", "challenge_from"):
        text, found = re.subn(rf"(?m)^{key} = \d+", f"{key} = {room}", text)
        assert found == 1, f"the default configuration changed ({key}): update the benchmark"
    path = folder / "webchat.toml"
    path.write_text(text, encoding="utf-8")
    chat = load_settings({"JOURBOT_CONFIG": str(path)}).webchat
    assert chat.open_chats_at_most == chat.challenge_from == room
    return path


@contextlib.asynccontextmanager
async def serving(side: str, workdir: Path, chats: int) -> AsyncIterator[tuple[int, int]]:
    """The side's server in a child process of its own; (port, pid)."""
    port = free_port()
    if side == "bare":
        command, env = [sys.executable, "-m", "bench.bare_webchat", str(port)], None
    else:
        command = [sys.executable, "-m", "bot", "run"]
        env = {
            **os.environ,
            "JOURBOT_CONFIG": str(chat_config(workdir, chats)),
            "JOURBOT_SECRET_KEY": new_key(),
            "JOURBOT_DB": str(workdir / "jourbot.db"),
            "JOURBOT_HOST": HOST,
            "JOURBOT_PORT": str(port),
            # A channel, so that `jourbot run` serves (nothing is sent to it).
            "PUBLIC_URL": "https://bot.example.org",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": OUR_NUMBER,
            "TWILIO_API_URL": f"http://{HOST}:{free_port()}",
        }
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        await healthy(port)
        yield port, server.pid
    finally:
        server.kill()
        server.wait()


@dataclass(frozen=True)
class Plan:
    """How many chats, how long they wait, and the posts: (a second, how many) per stage."""

    chats: int = 2_000
    stages: tuple[tuple[float, int], ...] = ((50.0, 2_000), (100.0, 2_000))
    waiting_seconds: float = 20.0  # a heartbeat of every stream falls in it
    settle_seconds: float = 0.5
    rounds: int = 3


async def run(plan: Plan) -> dict[str, Any]:
    """Both sides, alternating, `plan.rounds` times; every round's figures and the spread."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)

        def side(name: str) -> Any:
            async def one_round(number: int) -> dict[str, Any]:
                workdir = root / f"{name}-{number}"
                workdir.mkdir()
                async with serving(name, workdir, plan.chats) as (port, pid):
                    return await one_side(name, port, pid, plan)

            return one_round

        runs = await alternate({name: side(name) for name in SIDES}, plan.rounds)
    return summarise(plan, runs)


def summarise(plan: Plan, runs: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, Any]:
    """Each side's spread of every figure, and ours ÷ bare round by round."""
    ours, bare = runs["jourbot"], runs["bare"]
    stages = {}
    for rate, posts in plan.stages:
        name = stage_name(rate)
        by_side = {side: [run["stages"][name] for run in runs[side]] for side in SIDES}
        stages[name] = {
            "rate": rate,
            "posts": posts,
            **{side: summary(by_side[side], STAGE_FIGURES) for side in SIDES},
            "reply_p99_ratio": ratios(by_side["jourbot"], by_side["bare"], "reply_p99_ms"),
            "cpu_ratio": ratios(by_side["jourbot"], by_side["bare"], "cpu_ms_per_post"),
        }
    return {
        "chats": plan.chats,
        "open_at_once": OPEN_AT_ONCE,
        "waiting_seconds": plan.waiting_seconds,
        **{side: summary(runs[side], FIGURES) for side in SIDES},
        "stages": stages,
        "bytes_per_event": {side: runs[side][-1]["bytes_per_event"] for side in SIDES},
        "rss_open_ratio": ratios(ours, bare, "rss_open_mb"),
        "rss_peak_ratio": ratios(ours, bare, "rss_peak_mb"),
        "open_ratio": ratios(ours, bare, "open_seconds"),
        "rounds": runs,
    }
