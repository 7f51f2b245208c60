"""Kill the real service (SIGKILL) again and again during a burst of intakes on both channels.

Fake Telegram and Twilio servers run on loopback; `jourbot run` runs as a child process. Like
the providers, the test sends every message until it is acknowledged. In the end every
acknowledged message has had its effect (each conversation is where its script took it), and
every reply arrived (at least once: a kill between sending and recording may repeat one).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from tests.loopback import Providers, Service, free_port, service_env
from tests.telegram_fakes import Person
from tests.twilio_fakes import inbound, sign

PUBLIC_URL = "https://bot.example.org"
SECRET = "crash-test-secret"
TOKEN = "123456:CRASH"
TELEGRAM_SCRIPT = ["/start", "lang:sv", "consent:yes", "role:victim", "age:21_plus", "area:bromma"]
SMS_SCRIPT = ["Hej", "1", "1", "1", "3", "Husby"]
LAST_TELEGRAM = "Vad har hänt? Du behöver inte berätta."


async def test_sigkill_during_a_burst_loses_nothing(tmp_path: Path) -> None:
    """Kills between and during requests: no acknowledged message and no reply is lost."""
    providers = Providers()
    fake_port, port = free_port(), free_port()
    fake = uvicorn.Server(
        uvicorn.Config(providers.app(), host="127.0.0.1", port=fake_port, log_level="error")
    )
    fake_task = asyncio.create_task(fake.serve())
    env = service_env(tmp_path, fake_port, port)
    service = Service(env, port)
    chats = [Person(777000 + n, "sv") for n in range(4)]
    phones = [f"+4670000{n:04d}" for n in range(4)]
    acknowledged = 0
    async with httpx.AsyncClient(timeout=10) as client:
        await service.start(client)

        async def deliver(path: str, **request: Any) -> None:
            """Send until the service says 200, restarting it when it is down."""
            nonlocal acknowledged
            while True:
                try:
                    response = await client.post(f"http://127.0.0.1:{port}{path}", **request)
                    if response.status_code == 200:
                        acknowledged += 1
                        return
                except httpx.TransportError:
                    pass
                if service.process is not None and service.process.poll() is not None:
                    await service.start(client)
                await asyncio.sleep(0.05)

        try:
            for step in range(len(TELEGRAM_SCRIPT)):
                for n, person in enumerate(chats):
                    action = TELEGRAM_SCRIPT[step]
                    update = person.message(action) if step == 0 else person.press(action)
                    # Telegram resends the same update (same id) until it gets a 200.
                    body = json.dumps(update)
                    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET,
                               "Content-Type": "application/json"}  # fmt: skip
                    if n == 1 and step in (2, 4):
                        # Killed while this very request is being handled.
                        pending = asyncio.create_task(
                            deliver("/telegram", content=body, headers=headers)
                        )
                        await asyncio.sleep(0.02)
                        service.kill()
                        await pending
                    else:
                        await deliver("/telegram", content=body, headers=headers)
                for n, phone in enumerate(phones):
                    form = inbound(phone, SMS_SCRIPT[step], sid=f"SMcrash{n}{step:02d}{0:020d}")
                    signed = {"X-Twilio-Signature": sign(PUBLIC_URL + "/twilio/sms", form)}
                    await deliver("/twilio/sms", data=form, headers=signed)
                    if n == 2:
                        service.kill()  # between requests: acknowledged, maybe not handled
            # Everything was acknowledged; now the replies must all come, however late.
            for _ in range(600):
                telegram_done = all(LAST_TELEGRAM in providers.telegram[p.chat_id] for p in chats)
                sms_done = all(len(set(providers.sms[p])) >= len(SMS_SCRIPT) for p in phones)
                if telegram_done and sms_done:
                    break
                if service.process is not None and service.process.poll() is not None:
                    await service.start(client)
                await asyncio.sleep(0.1)
        finally:
            service.stop()
            fake.should_exit = True
            await fake_task

    print(
        f"kills={service.kills} acknowledged={acknowledged} "
        f"telegram_messages={sum(map(len, providers.telegram.values()))} "
        f"sms={sum(map(len, providers.sms.values()))}"
    )
    assert service.kills >= 6
    for person in chats:
        received = providers.telegram[person.chat_id]
        # The conversation was never reset: every seeker reached the crime question, and
        # nothing came after it (no "start again" from a lost state).
        assert LAST_TELEGRAM in received, received
        assert received.count("Vilket språk vill du skriva på?") <= 2
    for phone in phones:
        received = providers.sms[phone]
        assert len(set(received)) == len(SMS_SCRIPT), received
        assert received[-1].startswith("Vad har hänt?") or any(
            r.startswith("Vad har hänt?") for r in received
        )
