"""Fake Telegram and Twilio servers on loopback, `jourbot run` as a child process, and an app
served by uvicorn in the test's own event loop (for a stream read as it comes, a browser)."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp

from bot.config import SendLimits, load_settings
from bot.storage.crypto import new_key
from tests.twilio_fakes import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER

PUBLIC_URL = "https://bot.example.org"
SECRET = "crash-test-secret"
TOKEN = "123456:CRASH"


def service_env(
    tmp_path: Path, fake_port: int, port: int, *, paced: bool = False
) -> dict[str, str]:
    """Configure the child service for both channels against the fake providers.

    Unless *paced*, the service sends as fast as it can (as in-process tests do): a test of
    what survives a fault should not wait a second for each SMS. Pacing is tested on its own.
    """
    config = {} if paced else {"JOURBOT_CONFIG": str(unpaced_config(tmp_path))}
    return {
        **os.environ,
        **config,
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
        # A failed send is tried again within a second (due times are kept to the second):
        # a test waits for what comes after a fault, not for a backoff of up to ten minutes.
        "JOURBOT_RETRY_FIRST_SECONDS": "0.05",
        "JOURBOT_RETRY_LONGEST_SECONDS": "0.5",
    }


def unpaced_config(folder: Path) -> Path:
    """Write the shipped configuration with every [sending] limit off; return its path."""
    text = resources.files("bot").joinpath("default_config.toml").read_text(encoding="utf-8")
    for key in ("telegram_per_second", "telegram_chat_interval", "sms_per_second"):
        text, found = re.subn(rf"(?m)^{key} = .*$", f"{key} = 0", text)
        assert found == 1, key
    path = folder / "unpaced.toml"
    path.write_text(text, encoding="utf-8")
    assert load_settings({"JOURBOT_CONFIG": str(path)}).send_limits == SendLimits(0, 0, 0)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Providers:
    """Fake Bot API and Twilio REST API on one loopback server, recording what they got.

    `telegram_failures` and `sms_failures` make the next sends fail: "502", "503", "500",
    "429" (with retry_after), or "slow" (answer only after *stall* seconds, when a client with
    a shorter read timeout has given up).
    """

    def __init__(self, stall: float = 6.0) -> None:
        self.stall = stall
        self.telegram: dict[int, list[str]] = defaultdict(list)
        self.sms: dict[str, list[str]] = defaultdict(list)
        self.telegram_failures: list[str] = []
        self.sms_failures: list[str] = []
        self.refused = 0
        self.bot_api_down = False  # every Bot API method answers 502, getMe included
        self.first_at: dict[int, float] = {}  # when each chat got its first message
        self._ids = itertools.count(1)

    async def _fail(self, failures: list[str], telegram: bool) -> JSONResponse | None:
        if not failures:
            return None
        failure = failures.pop(0)
        self.refused += 1
        if failure == "slow":
            await asyncio.sleep(self.stall)  # nothing is delivered
            return JSONResponse({"ok": False, "error_code": 504}, 504)
        if failure == "429":
            body = {"ok": False, "error_code": 429, "description": "Too Many Requests",
                    "parameters": {"retry_after": 1}} if telegram else {"code": 20429}  # fmt: skip
            return JSONResponse(body, 429)
        return JSONResponse({"ok": False, "error_code": int(failure)}, int(failure))

    async def bot_api(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        form = dict(await request.form())
        if self.bot_api_down:
            self.refused += 1
            return JSONResponse({"ok": False, "error_code": 502, "description": "Bad Gateway"}, 502)
        if method == "getMe":
            user = {"id": 1, "is_bot": True, "first_name": "Jourbot", "username": "jb_bot"}
            return JSONResponse({"ok": True, "result": user})
        if method in ("sendMessage", "editMessageText"):
            failed = await self._fail(self.telegram_failures, telegram=True)
            if failed is not None:
                return failed
            chat = int(str(form["chat_id"]))
            text = str(form["text"])
            self.telegram[chat].append(text)
            self.first_at.setdefault(chat, time.monotonic())
            message_id = int(str(form.get("message_id", next(self._ids))))
            result = {"message_id": message_id, "date": 0, "text": text,
                      "chat": {"id": chat, "type": "private"}}  # fmt: skip
            return JSONResponse({"ok": True, "result": result})
        return JSONResponse({"ok": True, "result": True})

    async def twilio(self, request: Request) -> JSONResponse:
        form = dict(await request.form())
        failed = await self._fail(self.sms_failures, telegram=False)
        if failed is not None:
            return failed
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

    async def start(self, client: httpx.AsyncClient, healthy: bool = True) -> None:
        """Start the service and wait until it is healthy (or, unless *healthy*, serving)."""
        self.process = subprocess.Popen(  # noqa: ASYNC220 - started once, waited on below
            [sys.executable, "-m", "bot", "run"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(300):
            try:
                status = (await client.get(f"http://127.0.0.1:{self.port}/healthz")).status_code
                if status == 200 or not healthy:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None:
                raise AssertionError(f"the service exited with {self.process.returncode}")
            await asyncio.sleep(0.05)
        raise AssertionError("the service did not become healthy")

    def peak_rss_kib(self) -> int:
        """Return the most memory the running service has held (VmHWM), in KiB."""
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(
            next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1]
        )

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


def loopback_socket() -> socket.socket:
    """Bind a socket on 127.0.0.1 with a free port (known before the app is built)."""
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.bind(("127.0.0.1", 0))
    return listening


@asynccontextmanager
async def serving(app: ASGIApp, listening: socket.socket) -> AsyncIterator[str]:
    """Serve *app* on *listening* until the block ends; yield its http://127.0.0.1:PORT."""
    port = int(listening.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, lifespan="off", log_level="warning",
            access_log=False, timeout_graceful_shutdown=2,  # a failed test may leave a page open
        )
    )  # fmt: skip
    running = asyncio.create_task(server.serve(sockets=[listening]))
    try:
        while not server.started:
            assert not running.done(), "the server did not start"
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await running
