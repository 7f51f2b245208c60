"""SMS on the running service: signed Twilio webhooks, and whole turns end to end.

`jourbot run` runs as a child process (as in production) against the loopback fake Twilio
and Bot API (bench/fakes.py, in this process); a bare asyncio client here posts signed
webhooks on 127.0.0.1. Against it, the bare endpoint (bench/bare_twilio.py, a child process
too) checks the same signature, parses the same form and answers the same TwiML.

- webhook only: 5,000 texts from 1,000 numbers over 32 keep-alive connections; requests a
  second and the p50 / p99 of Twilio's wait. Ours stores each text before answering and runs
  the turns behind (their replies paced at the default 1 SMS a second, as in production).
- end to end: 64 numbers each writing 10 texts, each only once the answer to the last has
  reached the fake Twilio: the signed webhook, the turn with its commit, and the reply sent
  (Twilio's REST API, over loopback HTTP). The bare endpoint sends a reply of its own from
  a background task, as we do. Pacing is off for this row (`sms_per_second = 0`): it
  measures our work, not a long code's one SMS a second. Turns a second, the p50 / p99 from
  posting a text until its reply arrived, and the server's CPU time per turn.

    .venv/bin/python -m bench --only sms
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import uvicorn

from bench.fakes import Arrivals
from bench.rounds import alternate, child_cpu_seconds, percentile, ratios, summary
from tests.loopback import PUBLIC_URL, Service, free_port, service_env
from tests.twilio_fakes import inbound, sign

URL = PUBLIC_URL + "/twilio/sms"
WORDS = ("hej", "1", "1", "1", "2", "Bromma", "0", "0", "1", "tack")
WEBHOOK_FIGURES = ("requests_per_second", "p50_ms", "p99_ms")
E2E_FIGURES = ("turns_per_second", "p50_ms", "p99_ms", "cpu_ms_per_turn")


def forms(count: int, seekers: int, tag: str) -> list[dict[str, str]]:
    """Texts from *seekers* numbers, each starting an intake and answering its questions."""
    return [
        inbound(
            f"+4670{n % seekers:07d}", WORDS[(n // seekers) % len(WORDS)], sid=f"SM{tag}{n:028d}"
        )
        for n in range(count)
    ]


def request_bytes(form: dict[str, str]) -> bytes:
    """One signed webhook as HTTP/1.1 bytes, built before the clock starts."""
    body = urlencode(form).encode()
    head = (
        "POST /twilio/sms HTTP/1.1\r\nHost: bot.example.org\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"X-Twilio-Signature: {sign(URL, form)}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> None:
    """Send one request on a keep-alive connection and read its whole answer (a 200)."""
    writer.write(request)
    status = await reader.readline()
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    await reader.readexactly(length)
    assert b" 200 " in status, status


async def load(port: int, bodies: Sequence[dict[str, str]], concurrency: int) -> dict[str, Any]:
    """Post every signed form over *concurrency* keep-alive connections; time each request.

    A bare asyncio client: a general-purpose one (httpx) spends more time per request than
    the servers it should be measuring.
    """
    requests = [request_bytes(form) for form in bodies]
    latencies: list[float] = []
    next_request = iter(requests)

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for request in next_request:
                started = time.perf_counter()
                await exchange(reader, writer, request)
                latencies.append(time.perf_counter() - started)
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    return {
        "requests": len(bodies),
        "requests_per_second": round(len(bodies) / seconds),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
    }


async def conversations(
    port: int, pid: int, arrivals: Arrivals, senders: int, turns: int, tag: str
) -> dict[str, Any]:
    """*senders* numbers writing *turns* texts each, the next once the last was answered."""
    numbers = [f"+4673{tag}{n:05d}" for n in range(senders)]
    requests = {
        number: [
            request_bytes(inbound(number, WORDS[t % len(WORDS)], sid=f"SM{tag}{n:08d}{t:020d}"))
            for t in range(turns)
        ]
        for n, number in enumerate(numbers)
    }
    latencies: list[float] = []

    async def converse(number: str) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for request in requests[number]:
                seen = arrivals.texts[number]
                started = time.perf_counter()
                await exchange(reader, writer, request)
                latencies.append(await arrivals.next_text(number, seen) - started)
        finally:
            writer.close()

    cpu = child_cpu_seconds(pid)
    started = time.perf_counter()
    await asyncio.gather(*(converse(number) for number in numbers))
    seconds = time.perf_counter() - started
    cpu = child_cpu_seconds(pid) - cpu
    texts = sum(arrivals.texts[number] for number in numbers)
    await asyncio.sleep(0.2)  # a second text for one turn would arrive by now
    return {
        "turns": len(latencies),
        "texts_sent_back": texts,
        "more_texts_after": sum(arrivals.texts[number] for number in numbers) - texts,
        "turns_per_second": round(len(latencies) / seconds),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "cpu_ms_per_turn": round(cpu * 1000 / len(latencies), 3),
    }


async def healthy(port: int) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(600):
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.01)
    raise RuntimeError("not healthy")


@contextlib.asynccontextmanager
async def bare_process(reply_to: str | None = None) -> AsyncIterator[tuple[int, int]]:
    """The bare endpoint in a child process of its own; (port, pid)."""
    port = free_port()
    command = [sys.executable, "-m", "bench.bare_twilio", str(port)]
    bare = subprocess.Popen([*command, *([reply_to] if reply_to else [])])
    try:
        await healthy(port)
        yield port, bare.pid
    finally:
        bare.terminate()
        bare.wait()


@contextlib.asynccontextmanager
async def jourbot_process(
    fake_port: int, unpaced: bool, workdir: Path
) -> AsyncIterator[tuple[int, int, Path]]:
    """`jourbot run` on a new database in a child process; (port, pid, database)."""
    port = free_port()
    env = service_env(workdir, fake_port, port)
    if unpaced:
        env["JOURBOT_CONFIG"] = str(unpaced_config(workdir))
    service = Service(env, port)
    async with httpx.AsyncClient() as client:
        await service.start(client)
    assert service.process is not None
    try:
        yield port, service.process.pid, workdir / "jourbot.db"
    finally:
        service.kill()  # replies still queued are not measured


def unpaced_config(workdir: Path) -> Path:
    """The default configuration with SMS pacing off."""
    text = resources.files("bot").joinpath("default_config.toml").read_text(encoding="utf-8")
    paced = "sms_per_second = 1.0"
    assert paced in text, "the default configuration changed: update the benchmark"
    path = workdir / "unpaced.toml"
    path.write_text(text.replace(paced, "sms_per_second = 0"), encoding="utf-8")
    return path


async def waiting_texts(db: Path) -> int:
    def count() -> int:
        with contextlib.closing(sqlite3.connect(db)) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM inbox").fetchone()[0])

    return await asyncio.to_thread(count)


async def run(
    requests: int = 5_000,
    seekers: int = 1_000,
    concurrency: int = 32,
    senders: int = 64,
    turns: int = 10,
    rounds: int = 3,
) -> dict[str, Any]:
    """The webhook alone and whole turns, each ours against the bare endpoint, alternating."""
    arrivals = Arrivals()
    fake_port = free_port()
    fake = uvicorn.Server(
        uvicorn.Config(arrivals.app(), host="127.0.0.1", port=fake_port, log_level="error")
    )
    fake_task = asyncio.create_task(fake.serve())
    while not fake.started:
        await asyncio.sleep(0.01)
    api = f"http://127.0.0.1:{fake_port}"
    tags = iter(range(10, 100))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)

            async def bare_webhook(_: int) -> dict[str, Any]:
                async with bare_process() as (port, _pid):
                    return await load(port, forms(requests, seekers, str(next(tags))), concurrency)

            async def jourbot_webhook(number: int) -> dict[str, Any]:
                workdir = root / f"webhook-{number}"
                workdir.mkdir()
                async with jourbot_process(fake_port, False, workdir) as (port, _pid, db):
                    result = await load(
                        port, forms(requests, seekers, str(next(tags))), concurrency
                    )
                    started = time.perf_counter()
                    while await waiting_texts(db):
                        await asyncio.sleep(0.05)
                    result["turns_done_after_burst_s"] = round(time.perf_counter() - started, 2)
                return result

            async def bare_e2e(_: int) -> dict[str, Any]:
                async with bare_process(api) as (port, pid):
                    return await conversations(port, pid, arrivals, senders, turns, str(next(tags)))

            async def jourbot_e2e(number: int) -> dict[str, Any]:
                workdir = root / f"e2e-{number}"
                workdir.mkdir()
                async with jourbot_process(fake_port, True, workdir) as (port, pid, _db):
                    return await conversations(port, pid, arrivals, senders, turns, str(next(tags)))

            webhook = await alternate(
                {"bare_endpoint": bare_webhook, "jourbot": jourbot_webhook}, rounds
            )
            e2e = await alternate({"bare_end_to_end": bare_e2e, "jourbot": jourbot_e2e}, rounds)
    finally:
        fake.should_exit = True
        await fake_task
    return {
        "webhook": {
            "requests": requests,
            "concurrency": concurrency,
            "rounds": webhook,
            **{side: summary(webhook[side], WEBHOOK_FIGURES) for side in webhook},
            "throughput_ratio": ratios(
                webhook["jourbot"], webhook["bare_endpoint"], "requests_per_second"
            ),
            "p99_ratio": ratios(webhook["jourbot"], webhook["bare_endpoint"], "p99_ms"),
        },
        "end_to_end": {
            "senders": senders,
            "turns_each": turns,
            "rounds": e2e,
            **{side: summary(e2e[side], E2E_FIGURES) for side in e2e},
            "throughput_ratio": ratios(e2e["jourbot"], e2e["bare_end_to_end"], "turns_per_second"),
            "p99_ratio": ratios(e2e["jourbot"], e2e["bare_end_to_end"], "p99_ms"),
        },
    }
