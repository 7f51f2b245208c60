"""Telegram: whole intakes through POST /telegram, against bare python-telegram-bot webhooks.

Every side gets the same requests, in process over ASGI (bench/asgi.py): seekers' whole
intakes, /start and then every answer (14 of them buttons, two typed) until a case is
stored, 32 chats at a time, each chat's next update sent once the last was answered (as
Telegram does). Each webhook checks the secret token, parses the update with
python-telegram-bot and runs its handlers before answering 200:

- ours (`bot.app.build`, as `jourbot run` serves it): dedupe, the staff check, the dialogue
  and one encrypted SQLite commit (synchronous=FULL) with the replies queued in the outbox,
  whose worker meanwhile delivers at Telegram's pace (25 a second, the default);
- the acknowledge-only bare bot: answers a pressed button (answerCallbackQuery, as ours
  does) and nothing else;
- the echo bare bot: that, and a sendMessage for every update, so it does a round of I/O
  per update as we do.

Figures: updates and intakes a second, the p50 / p99 of the webhook's answer (what Telegram
waits for) and the CPU time per update (every thread of the process). Delivering the queued
replies is measured on its own (bench/delivery.py).

    .venv/bin/python -m bench --only telegram
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hmac
import json
import sqlite3
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bench.asgi import AsgiClient
from bench.fakes import TOKEN, BenchBotAPI
from bench.rounds import CpuClock, alternate, percentile, ratios, summary
from bot.app import build
from bot.config import load_settings
from bot.domain.cases import StaffRole
from bot.storage.crypto import new_key
from bot.web.webhooks import SECRET_HEADER
from tests.intake_script import TYPED, WHOLE_INTAKE
from tests.telegram_fakes import Person

SECRET = "bench-secret"
HEADERS = (
    (b"content-type", b"application/json"),
    (SECRET_HEADER.lower().encode(), SECRET.encode()),
)
CONCURRENCY = 32  # chats in flight; Telegram opens up to 40 webhook connections
FIGURES = ("updates_per_second", "intakes_per_second", "p50_ms", "p99_ms", "cpu_ms_per_update")
ORGANISATIONS = ("vasterort", "stodcentrum", "innerstaden", "soderort")


def intakes(count: int, first_chat: int) -> list[list[bytes]]:
    """Each seeker's updates as Telegram posts them: /start, then every answer in order."""
    seekers = []
    for n in range(count):
        person = Person(first_chat + n, "sv")
        updates = [person.message("/start")]
        for step, value in WHOLE_INTAKE:
            if step in TYPED:
                updates.append(person.message(value))
            else:
                updates.append(person.press(f"{step.value}:{value}", message_id=1))
        seekers.append([json.dumps(update).encode() for update in updates])
    return seekers


async def drive(client: AsgiClient, seekers: Sequence[Sequence[bytes]]) -> dict[str, Any]:
    """Post every seeker's updates, CONCURRENCY chats at once; time each webhook's answer."""
    latencies: list[float] = []
    waiting = iter(seekers)

    async def chat() -> None:
        for updates in waiting:
            for body in updates:
                started = time.perf_counter()
                status = await client.post("/telegram", body, HEADERS)
                latencies.append(time.perf_counter() - started)
                assert status == 200, status

    clock = CpuClock()
    await asyncio.gather(*(chat() for _ in range(CONCURRENCY)))
    cpu, wall = clock.elapsed()
    return {
        "intakes": len(seekers),
        "updates": len(latencies),
        "seconds": round(wall, 2),
        "updates_per_second": round(len(latencies) / wall),
        "intakes_per_second": round(len(seekers) / wall, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "cpu_ms_per_update": round(cpu * 1000 / len(latencies), 3),
    }


def bare_webhook(application: Application[Any, Any, Any, Any, Any, Any]) -> Starlette:
    """POST /telegram as a bare python-telegram-bot app serves it: check, parse, handle, 200."""
    expected = SECRET.encode()

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return Response(status_code=403)
        update = Update.de_json(json.loads(await request.body()), application.bot)
        await application.process_update(update)
        return Response(status_code=200)

    return Starlette(routes=[Route("/telegram", receive, methods=["POST"])])


@asynccontextmanager
async def frozen() -> AsyncIterator[None]:
    """As `jourbot run` does once started: what start-up built is frozen for the collector."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


async def bare(seekers: Sequence[Sequence[bytes]], echo: bool) -> dict[str, Any]:
    """A bare python-telegram-bot webhook: acknowledge only, or echo every update."""
    api = BenchBotAPI()
    application = (
        ApplicationBuilder().token(TOKEN).request(api).get_updates_request(api)
        .updater(None).job_queue(None).build()
    )  # fmt: skip

    async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if echo and update.message is not None and update.message.text is not None:
            await update.message.reply_text(update.message.text)

    async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        assert query.message is not None
        await query.answer()
        if echo:
            await context.bot.send_message(query.message.chat.id, query.data or "")

    application.add_handler(MessageHandler(filters.ALL, on_message))
    application.add_handler(CallbackQueryHandler(on_button))
    client = AsgiClient(bare_webhook(application))
    async with application, frozen():
        result = await drive(client, seekers)
    result["bot_api_calls"] = sum(api.counts.values())
    return result


async def jourbot(seekers: Sequence[Sequence[bytes]], workdir: Path) -> dict[str, Any]:
    """Ours, as served: POST /telegram of `bot.app.build` with its outbox worker running."""
    api = BenchBotAPI()
    db = workdir / f"telegram-{time.monotonic_ns()}.db"
    settings = load_settings(
        {
            "JOURBOT_DB": str(db),
            "JOURBOT_SECRET_KEY": new_key(),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "PUBLIC_URL": "https://bot.example.org",
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
        }
    )
    service = await build(settings, telegram_request=api, run_scheduler=False)
    # Coordinators to tell of each new case, as every organisation has. (Compressed into
    # seconds, the intakes' notices outrun one chat's pace of a message a second: past 200
    # waiting the outbox drops the rest, as it would in production.)
    async with service.units.begin() as unit:
        for number, org_id in enumerate(ORGANISATIONS):
            await unit.staff.add(
                org_id=org_id, role=StaffRole.COORDINATOR, name="C", telegram_id=9000 + number,
                locale="sv", now=datetime.now(UTC),
            )  # fmt: skip
    try:
        async with service.web.router.lifespan_context(service.web):
            async with frozen():
                result = await drive(AsgiClient(service.web), seekers)
            result["replies_delivered_meanwhile"] = api.messages
            # What is still queued is delivered at Telegram's pace; delivery has a row of its
            # own, so shutting down does not wait for it.
            async with service.database.transaction() as conn:
                await conn.execute("DELETE FROM outbox WHERE state = 'pending'")
    finally:
        await service.close()
    with contextlib.closing(sqlite3.connect(db)) as conn:
        result["cases_stored"] = int(conn.execute("SELECT COUNT(*) FROM cases").fetchone()[0])
    assert result["cases_stored"] == len(seekers), result
    return result


async def run(intakes_per_round: int = 300, rounds: int = 3) -> dict[str, Any]:
    """Ours against both bare bots, alternating, *rounds* times; fresh chats every run."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        chats = iter(range(10_000_000, 2**40, 1_000_000))

        async def ours(_: int) -> dict[str, Any]:
            return await jourbot(intakes(intakes_per_round, next(chats)), workdir)

        async def ack(_: int) -> dict[str, Any]:
            return await bare(intakes(intakes_per_round, next(chats)), echo=False)

        async def echo(_: int) -> dict[str, Any]:
            return await bare(intakes(intakes_per_round, next(chats)), echo=True)

        runs = await alternate({"bare_ack": ack, "jourbot": ours, "bare_echo": echo}, rounds)
    return {
        "intakes_per_round": intakes_per_round,
        "updates_per_intake": len(WHOLE_INTAKE) + 1,
        "concurrency": CONCURRENCY,
        "rounds": runs,
        **{side: summary(runs[side], FIGURES) for side in runs},
        "ratio_to_ack": ratios(runs["jourbot"], runs["bare_ack"], "updates_per_second"),
        "ratio_to_echo": ratios(runs["jourbot"], runs["bare_echo"], "updates_per_second"),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run()), indent=2))
