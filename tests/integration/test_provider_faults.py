"""The real service against fake Telegram and Twilio servers that fail for a while, then recover.

The servers answer 5xx, 429 with retry_after, and too slowly; for a while they are not there
at all. Afterwards every reply must have arrived exactly once.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import httpx
import uvicorn

from tests.loopback import PUBLIC_URL, SECRET, Providers, Service, free_port, service_env
from tests.telegram_fakes import Person
from tests.twilio_fakes import inbound, sign

# The service gives up on an unanswered Bot API call after this long; a "slow" fake answers
# only after twice as long. Not the 5 s of production: the test would wait for it.
READ_TIMEOUT = 1.5
TELEGRAM_EXPECTED = [
    "Vilket språk vill du skriva på?",
    "Hej! Det här är brottsofferstödet i Stockholm",
    "Bra att veta:",
    "Får vi spara det du berättar",
]


def serve(providers: Providers, port: int) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    server = uvicorn.Server(
        uvicorn.Config(providers.app(), host="127.0.0.1", port=port, log_level="error")
    )
    return server, asyncio.create_task(server.serve())


async def test_outages_and_refusals_end_with_every_reply_once(tmp_path: Path) -> None:
    """5xx, 429, timeouts and an unreachable provider: nothing lost, nothing doubled."""
    providers = Providers(stall=2 * READ_TIMEOUT)
    fake_port, port = free_port(), free_port()
    server, task = serve(providers, fake_port)
    env = {
        **service_env(tmp_path, fake_port, port),
        "TELEGRAM_READ_TIMEOUT_SECONDS": str(READ_TIMEOUT),
    }
    service = Service(env, port)
    chats = [Person(888000 + n, "sv") for n in range(2)]
    phones = ["+46700009001", "+46700009002"]
    db = Path(service.env["JOURBOT_DB"])
    async with httpx.AsyncClient(timeout=10) as client:
        await service.start(client)
        try:
            # The providers go away entirely for a while...
            server.should_exit = True
            await task
            for person in chats:
                await post_telegram(client, port, person.message("/start"))
                await post_telegram(client, port, person.press("lang:sv"))
            for n, phone in enumerate(phones):
                for step, body in enumerate(("Hej", "1")):
                    form = inbound(phone, body, sid=f"SMfault{n}{step}{0:024d}")
                    signed = {"X-Twilio-Signature": sign(PUBLIC_URL + "/twilio/sms", form)}
                    response = await client.post(
                        f"http://127.0.0.1:{port}/twilio/sms", data=form, headers=signed
                    )
                    assert response.status_code == 200
            # ...long enough for every reply waiting to have failed twice to connect...
            await settle(lambda: refused_twice(db) == len(chats) + len(phones))
            # ...then come back, still refusing and stalling for a while.
            providers.telegram_failures = ["502", "429", "slow", "500"]
            providers.sms_failures = ["503", "429", "500"]
            server, task = serve(providers, fake_port)

            def arrived() -> bool:
                telegram_done = all(
                    len(providers.telegram[p.chat_id]) >= len(TELEGRAM_EXPECTED) for p in chats
                )
                return telegram_done and all(len(providers.sms[p]) >= 2 for p in phones)

            await settle(arrived, seconds=90)
            # Room for a duplicate to show itself: the service has nothing left to send, and
            # anything handed out again would be due within a second (see service_env).
            await settle(lambda: unsent(db) == 0)
            await asyncio.sleep(1)
        finally:
            service.stop()
            server.should_exit = True
            await task
    expected = len(chats) * len(TELEGRAM_EXPECTED) + 2 * len(phones)
    received = sum(map(len, providers.telegram.values())) + sum(map(len, providers.sms.values()))
    lost = expected - len(
        {(c, t) for c, texts in providers.telegram.items() for t in texts}
        | {(p, t) for p, texts in providers.sms.items() for t in texts}
    )
    print(f"sent={received} refused_then_retried={providers.refused} lost={lost}")
    assert lost == 0
    assert received == expected  # exactly once
    for person in chats:
        texts = providers.telegram[person.chat_id]
        assert [t.split("\n")[0][: len(e)] for t, e in zip(texts, TELEGRAM_EXPECTED, strict=True)] \
            == TELEGRAM_EXPECTED  # fmt: skip
    assert providers.refused == 7


async def settle(check: Callable[[], bool], seconds: float = 10.0) -> None:
    """Wait until *check()* holds, or give up quietly: the assertions say what went wrong."""
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)


def refused_twice(db: Path) -> int:
    """Count the people whose next message has been tried at least twice."""
    with sqlite3.connect(db) as conn:
        (count,) = conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE head = 1 AND state = 'pending' AND attempts >= 2"
        ).fetchone()
    return int(count)


def unsent(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        (count,) = conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'sending', 'erasing')"
        ).fetchone()
    return int(count)


async def post_telegram(client: httpx.AsyncClient, port: int, update: dict[str, object]) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    response = await client.post(
        f"http://127.0.0.1:{port}/telegram", content=json.dumps(update), headers=headers
    )
    assert response.status_code == 200
