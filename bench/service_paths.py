"""The running service: signed SMS webhooks against a bare endpoint, memory, start-up time.

`jourbot run` runs as a child process (as in production) against fake Twilio and Telegram
APIs on loopback; a load client in this process posts signed Twilio webhooks on 127.0.0.1.
The bare endpoint (bench/bare_twilio.py) checks the same signature, parses the same form and
answers the same TwiML, so the ratio is what our pipeline adds: storing the text before
answering, then the dialogue and its commit on the worker.

    .venv/bin/python -m bench --only sms
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import uvicorn

from bench.reminder_sweep import seed
from bot.storage.database import Database
from tests.loopback import PUBLIC_URL, Providers, Service, free_port, service_env
from tests.twilio_fakes import inbound, sign

URL = PUBLIC_URL + "/twilio/sms"


def forms(count: int, seekers: int) -> list[dict[str, str]]:
    """Texts from *seekers* numbers, each starting an intake and answering its questions."""
    words = ["hej", "1", "1", "1", "2", "Bromma", "0", "0", "1", "tack"]
    return [
        inbound(f"+4670{n % seekers:07d}", words[(n // seekers) % len(words)], sid=f"SMb{n:030d}")
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


async def load(port: int, bodies: list[dict[str, str]], concurrency: int) -> dict[str, Any]:
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
                writer.write(request)
                status = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - started)
                assert b" 200 " in status, status
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(bodies),
        "requests_per_second": round(len(bodies) / seconds),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(0.99 * (len(latencies) - 1))] * 1000, 2),
    }


async def healthy(client: httpx.AsyncClient, port: int) -> None:
    for _ in range(600):
        try:
            if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.01)
    raise RuntimeError("not healthy")


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


async def waiting_texts(db: Path) -> int:
    def count() -> int:
        with sqlite3.connect(db) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM inbox").fetchone()[0])

    return await asyncio.to_thread(count)


async def run(
    requests: int = 5_000, seekers: int = 1_000, stored: int = 100_000, concurrency: int = 32
) -> dict[str, Any]:
    """SMS webhook full and bare, memory with *stored* cases, and start-up to healthy."""
    import tempfile

    bodies = forms(requests, seekers)
    providers = Providers()
    fake_port = free_port()
    fake = uvicorn.Server(
        uvicorn.Config(providers.app(), host="127.0.0.1", port=fake_port, log_level="error")
    )
    fake_task = asyncio.create_task(fake.serve())
    results: dict[str, Any] = {"concurrency": concurrency, "stored_cases": stored}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            # Bare endpoint first, in its own process, same load.
            bare_port = free_port()
            bare = subprocess.Popen([sys.executable, "-m", "bench.bare_twilio", str(bare_port)])
            try:
                async with httpx.AsyncClient() as client:
                    await healthy(client, bare_port)
                results["bare_endpoint"] = await load(bare_port, bodies, concurrency)
            finally:
                bare.terminate()
                bare.wait()

            # The schema first, then *stored* cases; start-up is timed with them in place.
            db = workdir / "jourbot.db"
            database = await Database.open(db)
            await database.close()
            await asyncio.to_thread(seed, db, stored, min(2_000, stored // 2))
            port = free_port()
            env = service_env(workdir, fake_port, port)
            env["JOURBOT_LOG_LEVEL"] = "WARNING"
            service = Service(env, port)
            async with httpx.AsyncClient() as client:
                started = time.perf_counter()
                await service.start(client)
                results["startup_to_healthy_s"] = round(time.perf_counter() - started, 2)
                assert service.process is not None
                try:
                    results["jourbot"] = await load(port, bodies, concurrency)
                    started = time.perf_counter()
                    while await waiting_texts(db):
                        await asyncio.sleep(0.05)
                    drained = time.perf_counter() - started
                    results["jourbot"]["turns_done_after_burst_s"] = round(drained, 2)
                    results["peak_rss_mb"] = peak_rss_mb(service.process.pid)
                finally:
                    service.kill()  # replies still queued are paced at 1 SMS/s: not measured
    finally:
        fake.should_exit = True
        await fake_task
    bare_rps = results["bare_endpoint"]["requests_per_second"]
    # Three places, so that a ratio just past its target is not rounded onto it.
    results["throughput_ratio"] = round(results["jourbot"]["requests_per_second"] / bare_rps, 3)
    results["p99_ratio"] = round(
        results["jourbot"]["p99_ms"] / results["bare_endpoint"]["p99_ms"], 3
    )
    return results
