"""Delivery: our outbox sending queued replies to the offline Bot API, against a bare send loop.

The queue is made once by real intake turns (`IntakeService.handle`, the outbox able to
send but its worker not running): the questions and buttons seekers get, a few per chat.
Each run starts the service (`bot.app.build`'s lifespan, Telegram's pacing off: this
measures our work, not Telegram's limit) on a fresh copy of that database and times until
the worker has recorded every message as sent: claiming each chat's next message, rendering
it, python-telegram-bot's sendMessage, and recording it sent, 8 on their way at once. The
bare side sends the very same messages (text and buttons, as our run handed them to the Bot
API) with python-telegram-bot's `send_message`, 8 at a time, and records nothing.

Twice: with a Bot API that answers at once, and with one that takes 50 ms, where both sides
wait for the network (8 at a time: at most 160 a second either way).

    .venv/bin/python -m bench --only delivery
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from telegram import Bot, InlineKeyboardMarkup

from bench.fakes import TOKEN, BenchBotAPI
from bench.rounds import CpuClock, alternate, ratios, summary
from bot.app import Jourbot, build
from bot.config import SendLimits, load_settings
from bot.domain.dialogue import Command, CommandName, Inbound, Pick
from bot.domain.model import Channel
from bot.domain.questions import Step
from bot.services.intake import Hints
from bot.services.outbox import PARALLEL
from bot.storage.crypto import new_key

SECRET = "bench-secret"
FIGURES = ("messages_per_second", "cpu_us_per_message")
HELD, DUE = "9999-12-31T00:00:00+00:00", "2000-01-01T00:00:00+00:00"  # next_attempt_at
# The first answers of an intake: each turn queues the next question (and the introduction).
TURNS: tuple[Inbound, ...] = (
    Command(CommandName.START),
    Pick(Step.LANGUAGE, "sv"),
    Pick(Step.CONSENT, "yes"),
    Pick(Step.ROLE, "victim"),
)
# Each chat's first two messages, as many chats as it takes.
TRIM = (
    "DELETE FROM outbox WHERE id NOT IN (SELECT id FROM (SELECT id, ROW_NUMBER() OVER "
    "(PARTITION BY address_hash ORDER BY id) AS n FROM outbox) WHERE n <= 2 ORDER BY id LIMIT ?)"
)


async def service(db: Path, key: str, api: BenchBotAPI) -> Jourbot:
    """The service on *db*, unpaced, sending to *api*."""
    settings = load_settings(
        {
            "JOURBOT_DB": str(db),
            "JOURBOT_SECRET_KEY": key,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "PUBLIC_URL": "https://bot.example.org",
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
        }
    )
    settings = dataclasses.replace(settings, send_limits=SendLimits(0.0, 0.0, 0.0))
    return await build(settings, telegram_request=api, run_scheduler=False)


async def queued(db: Path, key: str, seekers: int) -> int:
    """Queue the replies to *seekers*' first turns on a new database; count them."""
    jourbot = await service(db, key, BenchBotAPI())
    try:
        for chat in range(20_000_000, 20_000_000 + seekers):
            for turn, inbound in enumerate(TURNS):
                await jourbot.intake.handle(
                    Channel.TELEGRAM, str(chat), inbound, Hints(locale="sv"),
                    message_id=f"tg{chat}-{turn}",
                )  # fmt: skip
    finally:
        await jourbot.close()
    return int(query(db, "SELECT COUNT(*) FROM outbox WHERE state = 'pending'")[0][0])


async def ours(
    template: Path, key: str, count: int, api: BenchBotAPI, workdir: Path
) -> dict[str, Any]:
    """Start the service on a copy of the queue; time until every message is recorded sent.

    The queue is held back until Telegram is up: at start-up the worker may claim messages
    before the bot is (they wait a retry), and that is start-up, not delivery.
    """
    db = workdir / f"delivery-{time.monotonic_ns()}.db"
    shutil.copy(template, db)
    query(db, "UPDATE outbox SET next_attempt_at = ? WHERE state = 'pending'", (HELD,))
    jourbot = await service(db, key, api)
    try:
        async with jourbot.web.router.lifespan_context(jourbot.web):
            async with jourbot.database.transaction() as conn:
                await conn.execute(
                    "UPDATE outbox SET next_attempt_at = ? WHERE state = 'pending'", (DUE,)
                )
            clock = CpuClock()
            jourbot.outbox.wake()
            while jourbot.outbox.delivered < count:
                await asyncio.sleep(0.002)
            cpu, wall = clock.elapsed()
    finally:
        await jourbot.close()
    return figures(count, cpu, wall)


async def bare(messages: Sequence[dict[str, Any]], api: BenchBotAPI) -> dict[str, Any]:
    """python-telegram-bot sending the same messages, PARALLEL chats at a time, each chat's in
    order (as any bot must keep them), recording nothing."""
    bot = Bot(TOKEN, request=api, get_updates_request=api)
    await bot.initialize()
    chats: dict[int, list[dict[str, Any]]] = {}
    for params in messages:
        chats.setdefault(int(params["chat_id"]), []).append(params)
    waiting = iter(chats.items())

    async def slot() -> None:
        for chat_id, queue in waiting:
            for params in queue:
                markup = params.get("reply_markup")
                if isinstance(markup, str):
                    markup = json.loads(markup)
                await bot.send_message(
                    chat_id, str(params["text"]),
                    reply_markup=InlineKeyboardMarkup.de_json(markup, bot) if markup else None,
                )  # fmt: skip

    clock = CpuClock()
    await asyncio.gather(*(slot() for _ in range(PARALLEL)))
    cpu, wall = clock.elapsed()
    await bot.shutdown()
    return figures(len(messages), cpu, wall)


def query(db: Path, sql: str, params: Sequence[object] = ()) -> list[Any]:
    """Run one statement and close the connection, so that the file alone holds the change
    (the write-ahead log is folded back on close): the file is copied next."""
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        return conn.execute(sql, params).fetchall()


def figures(count: int, cpu: float, wall: float) -> dict[str, Any]:
    return {
        "messages": count,
        "seconds": round(wall, 2),
        "messages_per_second": round(count / wall),
        "cpu_us_per_message": round(cpu * 1e6 / count),
    }


async def compare(
    template: Path, key: str, count: int, round_trip: float, rounds: int, workdir: Path
) -> dict[str, Any]:
    """Ours and the bare loop, alternating; the bare loop sends what our first run sent."""
    sent: list[dict[str, Any]] = []

    async def jourbot(number: int) -> dict[str, Any]:
        api = BenchBotAPI(round_trip, keep=not sent)
        result = await ours(template, key, count, api, workdir)
        sent.extend(api.kept)
        return result

    async def floor(number: int) -> dict[str, Any]:
        return await bare(sent[:count], BenchBotAPI(round_trip))

    # Ours first in the first round: its messages are what the bare loop sends.
    runs = await alternate({"jourbot": jourbot, "bare_send_loop": floor}, rounds)
    return {
        "round_trip_ms": round(round_trip * 1000),
        "messages": count,
        "rounds": runs,
        **{side: summary(runs[side], FIGURES) for side in runs},
        "throughput_ratio": ratios(runs["jourbot"], runs["bare_send_loop"], "messages_per_second"),
        "cpu_ratio": ratios(runs["jourbot"], runs["bare_send_loop"], "cpu_us_per_message"),
    }


async def run(seekers: int = 1_000, waiting_messages: int = 400, rounds: int = 3) -> dict[str, Any]:
    """Delivery with an instant Bot API (every queued message) and a 50 ms one (a part)."""
    key = new_key()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        template = workdir / "queued.db"
        count = await queued(template, key, seekers)
        instant = await compare(template, key, count, 0.0, rounds, workdir)
        # A smaller queue where every send waits: *waiting_messages* of it, spread over chats.
        trimmed = workdir / "queued-trimmed.db"
        shutil.copy(template, trimmed)
        query(trimmed, TRIM, (waiting_messages,))
        left = int(query(trimmed, "SELECT COUNT(*) FROM outbox WHERE state = 'pending'")[0][0])
        waiting = await compare(trimmed, key, left, 0.05, rounds, workdir)
    return {"instant": instant, "round_trip_50ms": waiting}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run()), indent=2))
