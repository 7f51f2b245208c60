"""Telegram: our whole pipeline against a bare python-telegram-bot echo bot, same updates.

Both bots are real python-telegram-bot Applications fed the same burst of text updates (each
seeker's messages in order, seekers interleaved) as JSON, parsed into their update queue as
the webhook or the updater would, with an offline Bot API that answers at once or after a
simulated round trip. Ours runs every update through
dedupe, the dialogue, one SQLite transaction (encrypted at rest) and the outbox; the echo bot
answers each text with sendMessage. Latency is measured from the moment an update reaches the
bot's handlers until its last handler is done, so it counts the work (and the waits for the
database or the Bot API), not the time spent queued behind the rest of the burst.

    .venv/bin/python -m bench --only telegram
"""

from __future__ import annotations

import asyncio
import gc
import json
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import RequestData

from bot.app import build
from bot.config import load_settings
from bot.storage.crypto import new_key
from tests.telegram_fakes import BOT_USER, DATE, OfflineBotAPI

TOKEN = "123456:BENCH"


class BenchBotAPI(OfflineBotAPI):
    """The tests' offline Bot API, optionally after a simulated round trip, recording nothing.

    Recording every call (as the tests need) would slow the bare bot down and flatter us.
    """

    def __init__(self, round_trip: float = 0.0) -> None:
        super().__init__()
        self.round_trip = round_trip
        self._message_id = 0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        if self.round_trip:
            await asyncio.sleep(self.round_trip)
        endpoint = url.rsplit("/", 1)[-1]
        result: Any = True
        if endpoint == "getMe":
            result = BOT_USER
        elif endpoint in ("sendMessage", "editMessageText"):
            params = request_data.parameters if request_data else {}
            self._message_id += 1
            result = {
                "message_id": self._message_id,
                "date": DATE,
                "chat": {"id": int(str(params.get("chat_id", 1))), "type": "private"},
                "text": "",
            }
        return 200, json.dumps({"ok": True, "result": result}).encode()


def update_dicts(count: int, seekers: int) -> list[dict[str, Any]]:
    """Text updates from *seekers* people: everyone's first message, then everyone's second..."""
    texts = ["hej", "1", "1", "1", "1", "2", "Bromma", "hoppa över", "1", "tack"]
    updates = []
    for n in range(count):
        seeker, turn = n % seekers, n // seekers
        chat = 10_000_000 + seeker
        user = {"id": chat, "is_bot": False, "first_name": "S", "language_code": "sv"}
        updates.append(
            {
                "update_id": n + 1,
                "message": {
                    "message_id": turn + 1,
                    "date": DATE,
                    "chat": {"id": chat, "type": "private"},
                    "from": user,
                    "text": texts[turn % len(texts)],
                },
            }
        )
    return updates


@dataclass
class Stopwatch:
    """Stamp each update as it reaches the handlers and as the last handler finishes."""

    expected: int
    started: dict[int, float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    order: dict[int, list[int]] = field(default_factory=dict)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    last: float = 0.0

    async def begin(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if isinstance(update, Update):
            self.started[update.update_id] = time.perf_counter()

    async def end(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        now = time.perf_counter()
        self.latencies.append(now - self.started.pop(update.update_id))
        self.order.setdefault(update.effective_chat.id, []).append(update.update_id)
        self.last = now
        if len(self.latencies) == self.expected:
            self.done.set()

    def in_order(self) -> bool:
        return all(ids == sorted(ids) for ids in self.order.values())


def instrument(application: Application[Any, Any, Any, Any, Any, Any], watch: Stopwatch) -> None:
    application.add_handler(TypeHandler(Update, watch.begin), group=-100)
    application.add_handler(TypeHandler(Update, watch.end), group=100)


async def feed(
    application: Application[Any, Any, Any, Any, Any, Any],
    updates: Sequence[dict[str, Any]],
    watch: Stopwatch,
) -> dict[str, Any]:
    bodies = [json.dumps(u).encode() for u in updates]
    # As `jourbot run` does once started (bot/app.py), for both bots alike: what start-up
    # built is frozen, so collections walk only what the updates make.
    gc.collect()
    gc.freeze()
    started = time.perf_counter()
    # As the webhook or the updater would: each update arrives as JSON and is parsed here,
    # yielding to the loop now and then as a stream of requests would.
    for number, body in enumerate(bodies):
        application.update_queue.put_nowait(Update.de_json(json.loads(body), application.bot))
        if number % 50 == 49:
            await asyncio.sleep(0)
    await asyncio.wait_for(watch.done.wait(), timeout=600)
    gc.unfreeze()
    seconds = watch.last - started
    latencies = sorted(watch.latencies)
    return {
        "updates": len(bodies),
        "seconds": round(seconds, 2),
        "updates_per_second": round(len(bodies) / seconds),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(0.99 * (len(latencies) - 1))] * 1000, 2),
        "each_chat_in_order": watch.in_order(),
    }


async def bare_echo(updates: Sequence[dict[str, Any]], round_trip: float) -> dict[str, Any]:
    """The floor: python-telegram-bot answering each text at once, updates concurrent."""
    api = BenchBotAPI(round_trip)
    application = (
        ApplicationBuilder().token(TOKEN).request(api).get_updates_request(api)
        .updater(None).job_queue(None).concurrent_updates(256).build()
    )  # fmt: skip

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        assert update.message.text is not None
        await update.message.reply_text(update.message.text)

    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    watch = Stopwatch(len(updates))
    instrument(application, watch)
    async with application:
        await application.start()
        result = await feed(application, updates, watch)
        await application.stop()
    return result


async def full_pipeline(
    updates: Sequence[dict[str, Any]], round_trip: float, workdir: Path
) -> dict[str, Any]:
    """Ours: dedupe, dialogue, an encrypted SQLite commit and the outbox, per update."""
    api = BenchBotAPI(round_trip)
    settings = load_settings(
        {
            "JOURBOT_DB": str(workdir / f"telegram-{round_trip}.db"),
            "JOURBOT_SECRET_KEY": new_key(),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "PUBLIC_URL": "https://bot.example.org",
            "TELEGRAM_WEBHOOK_SECRET": "bench-secret",
        }
    )
    jourbot = await build(settings, telegram_request=api, run_scheduler=False)
    application = jourbot.telegram
    assert application is not None
    watch = Stopwatch(len(updates))
    instrument(application, watch)
    try:
        async with jourbot.web.router.lifespan_context(jourbot.web):
            result = await feed(application, updates, watch)
            # Delivery is paced to Telegram's limits and is not what is measured here; drop
            # the queued replies so shutting down does not wait for them.
            async with jourbot.database.transaction() as db:
                await db.execute("DELETE FROM outbox WHERE state = 'pending'")
    finally:
        await jourbot.close()
    return result


async def run(updates: int = 20_000, seekers: int = 2_000) -> dict[str, Any]:
    """Both bots, with an instant Bot API and with a 50 ms round trip."""
    data = update_dicts(updates, seekers)
    results: dict[str, Any] = {"seekers": seekers}
    with tempfile.TemporaryDirectory() as tmp:
        for name, round_trip in (("instant", 0.0), ("round_trip_50ms", 0.05)):
            bare = await bare_echo(data, round_trip)
            ours = await full_pipeline(data, round_trip, Path(tmp))
            results[name] = {
                "bare_echo": bare,
                "jourbot": ours,
                # Three places, so that 0.499 is not shown (and judged) as 0.5.
                "throughput_ratio": round(
                    ours["updates_per_second"] / bare["updates_per_second"], 3
                ),
            }
    return results


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run()), indent=2))
