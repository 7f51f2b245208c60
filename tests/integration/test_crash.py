"""Kill the real service (SIGKILL) again and again during a burst of intakes on both channels.

Fake Telegram and Twilio servers run on loopback; `jourbot run` runs as a child process. Like
the providers, the test sends every message until it is acknowledged. In the end every
acknowledged message has had its effect (each conversation is where its script took it), and
every reply arrived (at least once: a kill between sending and recording may repeat one).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.storage.crypto import new_key
from tests.telegram_fakes import Person
from tests.twilio_fakes import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, inbound, sign

PUBLIC_URL = "https://bot.example.org"
SECRET = "crash-test-secret"
TOKEN = "123456:CRASH"
TELEGRAM_SCRIPT = ["/start", "lang:sv", "consent:yes", "role:victim", "age:21_plus", "area:bromma"]
SMS_SCRIPT = ["Hej", "1", "1", "1", "3", "Husby"]
LAST_TELEGRAM = "Vad har hänt? Du behöver inte berätta."


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Providers:
    """Fake Bot API and Twilio REST API on one loopback server, recording what they got."""

    def __init__(self) -> None:
        self.telegram: dict[int, list[str]] = defaultdict(list)
        self.sms: dict[str, list[str]] = defaultdict(list)
        self._ids = itertools.count(1)

    async def bot_api(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        form = dict(await request.form())
        if method == "getMe":
            user = {"id": 1, "is_bot": True, "first_name": "Jourbot", "username": "jb_bot"}
            return JSONResponse({"ok": True, "result": user})
        if method in ("sendMessage", "editMessageText"):
            chat = int(str(form["chat_id"]))
            text = str(form["text"])
            self.telegram[chat].append(text)
            message_id = int(str(form.get("message_id", next(self._ids))))
            result = {"message_id": message_id, "date": 0, "text": text,
                      "chat": {"id": chat, "type": "private"}}  # fmt: skip
            return JSONResponse({"ok": True, "result": result})
        return JSONResponse({"ok": True, "result": True})

    async def twilio(self, request: Request) -> JSONResponse:
        form = dict(await request.form())
        self.sms[str(form["To"])].append(str(form["Body"]))
        return JSONResponse({"sid": f"SM{next(self._ids):032d}", "status": "queued"}, 201)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/bot{token}/{method}", self.bot_api, methods=["GET", "POST"]),
                Route("/2010-04-01/Accounts/{sid}/Messages.json", self.twilio, methods=["POST"]),
            ]
        )


class Service:
    """`jourbot run` as a child process that can be killed outright."""

    def __init__(self, env: dict[str, str], port: int) -> None:
        self.env, self.port = env, port
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0

    async def start(self, client: httpx.AsyncClient) -> None:
        self.process = subprocess.Popen(  # noqa: ASYNC220 - started once, waited on below
            [sys.executable, "-m", "bot", "run"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(300):
            try:
                if (await client.get(f"http://127.0.0.1:{self.port}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
        raise AssertionError("the service did not become healthy")

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.kills += 1

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


async def test_sigkill_during_a_burst_loses_nothing(tmp_path: Path) -> None:
    """Kills between and during requests: no acknowledged message and no reply is lost."""
    providers = Providers()
    fake_port, port = free_port(), free_port()
    fake = uvicorn.Server(
        uvicorn.Config(providers.app(), host="127.0.0.1", port=fake_port, log_level="error")
    )
    fake_task = asyncio.create_task(fake.serve())
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": f"http://127.0.0.1:{fake_port}",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "PUBLIC_URL": PUBLIC_URL,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": OUR_NUMBER,
        "TWILIO_API_URL": f"http://127.0.0.1:{fake_port}",
        "JOURBOT_SECRET_KEY": new_key(),
        "JOURBOT_DB": str(tmp_path / "jourbot.db"),
        "JOURBOT_HOST": "127.0.0.1",
        "JOURBOT_PORT": str(port),
    }
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
