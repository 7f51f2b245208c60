"""The real service against fake Telegram and Twilio servers that fail for a while, then recover.

The servers answer 5xx, 429 with retry_after, and too slowly; for a few seconds they are not
there at all. Afterwards every reply must have arrived exactly once.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import uvicorn

from tests.loopback import PUBLIC_URL, SECRET, Providers, Service, free_port, service_env
from tests.telegram_fakes import Person
from tests.twilio_fakes import inbound, sign

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
    providers = Providers()
    fake_port, port = free_port(), free_port()
    server, task = serve(providers, fake_port)
    service = Service(service_env(tmp_path, fake_port, port), port)
    chats = [Person(888000 + n, "sv") for n in range(2)]
    phones = ["+46700009001", "+46700009002"]
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
            await asyncio.sleep(3)
            # ...then come back, still refusing and stalling for a while.
            providers.telegram_failures = ["502", "429", "slow", "500"]
            providers.sms_failures = ["503", "429", "500"]
            server, task = serve(providers, fake_port)
            for _ in range(900):
                telegram_done = all(
                    len(providers.telegram[p.chat_id]) >= len(TELEGRAM_EXPECTED) for p in chats
                )
                if telegram_done and all(len(providers.sms[p]) >= 2 for p in phones):
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(2)  # room for a duplicate to show itself
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


async def post_telegram(client: httpx.AsyncClient, port: int, update: dict[str, object]) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    response = await client.post(
        f"http://127.0.0.1:{port}/telegram", content=json.dumps(update), headers=headers
    )
    assert response.status_code == 200
