"""The providers as the benchmarks need them: an offline Bot API that records nothing by
default, and a fake Twilio on loopback that tells who got a text and when."""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from telegram.request import RequestData

from tests.loopback import Providers
from tests.telegram_fakes import BOT_USER, DATE, OfflineBotAPI

TOKEN = "123456:BENCH"


class BenchBotAPI(OfflineBotAPI):
    """The tests' offline Bot API, optionally after a round trip, counting instead of recording.

    Recording every call (as the tests need) would slow the bare bots down and flatter us;
    *keep* records the parameters of each sendMessage, to replay the same messages elsewhere.
    """

    def __init__(self, round_trip: float = 0.0, keep: bool = False) -> None:
        super().__init__()
        self.round_trip = round_trip
        self.keep = keep
        self.kept: list[dict[str, Any]] = []
        self.counts: defaultdict[str, int] = defaultdict(int)
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
        self.counts[endpoint] += 1
        result: Any = True
        if endpoint == "getMe":
            result = BOT_USER
        elif endpoint in ("sendMessage", "editMessageText"):
            params = request_data.parameters if request_data else {}
            if self.keep and endpoint == "sendMessage":
                self.kept.append(dict(params))
            self._message_id += 1
            result = {
                "message_id": self._message_id,
                "date": DATE,
                "chat": {"id": int(str(params.get("chat_id", 1))), "type": "private"},
                "text": "",
            }
        return 200, json.dumps({"ok": True, "result": result}).encode()

    @property
    def messages(self) -> int:
        """Messages sent or edited so far."""
        return self.counts["sendMessage"] + self.counts["editMessageText"]


class Arrivals(Providers):
    """The loopback fake Bot API and Twilio (tests/loopback.py), noting when each text arrives.

    A sender waiting for the answer to its text asks `next_text(number, seen)`: it returns
    once the fake Twilio has taken more than *seen* texts for that number.
    """

    def __init__(self) -> None:
        super().__init__()
        self.texts: defaultdict[str, int] = defaultdict(int)
        self._waiting: dict[str, asyncio.Future[float]] = {}

    async def twilio(self, request: Request) -> JSONResponse:
        form = await request.form()
        to = str(form["To"])
        now = time.perf_counter()
        self.texts[to] += 1
        waiter = self._waiting.pop(to, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(now)
        return JSONResponse({"sid": f"SM{next(self._ids):032d}", "status": "queued"}, 201)

    async def next_text(self, number: str, seen: int) -> float:
        """When the text after the *seen* first for *number* arrived (perf_counter)."""
        if self.texts[number] > seen:
            return time.perf_counter()
        waiter: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting[number] = waiter
        async with asyncio.timeout(60):  # a lost answer fails the run instead of hanging it
            return await waiter
