"""The web chat's endpoints: open a chat, say something, read what the service said.

JSON in and out. The chat's token travels in a header or the body, never in a URL (which
proxies log and browsers keep in their history); nothing is set on the device.
"""

from __future__ import annotations

import json
import logging
import math
from datetime import timedelta
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.channels.webchat import WebChatAdapter, looks_like_chat
from bot.config_file import WebChatLook
from bot.domain.rate_limit import RateLimit
from bot.ports import Clock
from bot.web.clients import ClientKeys
from bot.web.pages import Pages

log = logging.getLogger(__name__)

CHAT_STATIC = Path(__file__).resolve().parent / "static" / "chat"
CHAT_HEADER = "X-Chat"
# Per client (a keyed daily hash of its address) and per chat; a person in crisis writing
# fast stays far below them, a script opening chats or flooding one does not.
CHATS_PER_HOUR = 10
SAID_PER_MINUTE = 30  # per chat
REQUESTS_PER_MINUTE = 240  # per client, every chat endpoint together
WAIT_SECONDS = 20.0  # a page's read waits this long for news before it asks again
TEXT_LIMIT = 4000  # characters of one message from the seeker


async def _json(request: Request) -> dict[str, Any] | None:
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


class ChatRoutes:
    """The routes a seeker's page talks to."""

    def __init__(
        self,
        chat: WebChatAdapter,
        clock: Clock,
        pages: Pages,
        look: WebChatLook,
        default_locale: str,
        wait_seconds: float = WAIT_SECONDS,
    ) -> None:
        self._chat = chat
        self._pages = pages
        self._look = look
        self._default_locale = default_locale
        self._clock = clock
        self._wait = wait_seconds
        self._clients = ClientKeys(clock)
        self._opened = RateLimit(CHATS_PER_HOUR, timedelta(hours=1))
        self._said = RateLimit(SAID_PER_MINUTE, timedelta(minutes=1))
        self._requests = RateLimit(REQUESTS_PER_MINUTE, timedelta(minutes=1))

    def _over(self, limit: RateLimit, key: str) -> Response | None:
        """Count one more for *key*; the answer refusing it once over *limit*, else None."""
        now = self._clock.now()
        if limit.allow(key, now):
            return None
        wait = max(1, math.ceil(limit.retry_after(key, now).total_seconds()))
        log.info("webchat.limited")
        return Response(status_code=429, headers={"Retry-After": str(wait)})

    def _client_over(self, request: Request, limit: RateLimit | None = None) -> Response | None:
        client = self._clients.key(request)
        refused = self._over(self._requests, client)
        if refused is None and limit is not None:
            refused = self._over(limit, client)
        return refused

    async def page(self, request: Request) -> Response:
        """The chat page, in the language `?lang=` names (then it skips asking), else in the
        default language with the question which language the seeker wants."""
        asked = request.query_params.get("lang", "")
        chosen = asked if asked in self._pages.seeker_languages else ""
        return self._pages.seeker_page(
            "chat/page.html",
            chosen or self._default_locale,
            {"title": self._look.title, "exit_url": self._look.exit_url, "chosen": chosen},
        )

    async def start(self, request: Request) -> Response:
        """Open a chat; its token is the page's to keep for the open tab only."""
        refused = self._client_over(request, self._opened)
        if refused is not None:
            return refused
        body = await _json(request) or {}
        lang = body.get("lang")
        token = await self._chat.start(lang if isinstance(lang, str) and len(lang) < 8 else None)
        return JSONResponse({"chat": token})

    async def say(self, request: Request) -> Response:
        """Take what the seeker wrote or pressed."""
        refused = self._client_over(request)
        if refused is not None:
            return refused
        body = await _json(request)
        token = body.get("chat") if body else None
        if body is None or not isinstance(token, str) or not looks_like_chat(token):
            return Response(status_code=400)
        refused = self._over(self._said, token)
        if refused is not None:
            return refused
        text, step, value = body.get("text"), body.get("step"), body.get("value")
        if isinstance(text, str) and text.strip():
            known = await self._chat.write(token, text[:TEXT_LIMIT])
        elif isinstance(step, str) and isinstance(value, str) and len(step + value) < 200:
            known = await self._chat.press(token, step, value)
        else:
            return Response(status_code=400)
        return Response(status_code=204 if known else 404)

    async def news(self, request: Request) -> Response:
        """Return what the service said after number `after`, waiting a while for news
        (`wait` seconds, at most WAIT_SECONDS)."""
        refused = self._client_over(request)
        if refused is not None:
            return refused
        token = request.headers.get(CHAT_HEADER, "")
        after = request.query_params.get("after", "0")
        wait = request.query_params.get("wait", "")
        if not looks_like_chat(token) or not after.isdigit() or len(after) > 18:
            return Response(status_code=400)
        # A page may ask not to wait (the first read after opening it again).
        seconds = min(self._wait, float(wait)) if wait.isdigit() and len(wait) < 4 else self._wait
        messages = await self._chat.read(token, int(after), seconds)
        if messages is None:
            return Response(status_code=404)  # erased, or never was: the page starts over
        return JSONResponse({"messages": [{"n": m.number, **m.body} for m in messages]})

    def routes(self) -> list[BaseRoute]:
        """Return the chat's routes and its page's assets."""
        return [
            Route("/chat", self.page, methods=["GET"]),
            Mount("/chat/static", StaticFiles(directory=CHAT_STATIC), name="chat-static"),
            Route("/chat/start", self.start, methods=["POST"]),
            Route("/chat/say", self.say, methods=["POST"]),
            Route("/chat/news", self.news, methods=["GET"]),
        ]
