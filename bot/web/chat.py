"""The web chat's endpoints: open a chat, say something, read what the service said (as a
stream of Server-Sent Events, or by long polling), leave, come back.

JSON in and out. The page's pass travels in a header or the body, never in a URL (which
proxies log and browsers keep in their history); nothing is set on the device.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.channels.webchat import ChatBusy, ChatMessage, WebChatAdapter, looks_like_chat
from bot.config_file import WebChatSettings
from bot.domain.rate_limit import RateLimit
from bot.ports import Clock
from bot.services.web_return import Refused
from bot.web.challenge import Challenges
from bot.web.clients import ClientKeys
from bot.web.pages import Pages

log = logging.getLogger(__name__)

CHAT_STATIC = Path(__file__).resolve().parent / "static" / "chat"
CHAT_HEADER = "X-Chat"
# Per client (a keyed daily hash of its address) and per chat; a person in crisis writing
# fast stays far below them, a script opening chats or flooding one does not.
SAID_PER_MINUTE = 30  # per chat
REQUESTS_PER_MINUTE = 240  # per client, every chat endpoint together
WAIT_SECONDS = 20.0  # a page's read waits this long for news before it asks again
STREAM_SECONDS = 300.0  # a stream of events ends after this; the page opens the next one
TEXT_LIMIT = 4000  # characters of one message from the seeker
FULL_RETRY_SECONDS = 60


async def _json(request: Request) -> dict[str, Any] | None:
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def _event(message: ChatMessage) -> bytes:
    data = json.dumps({"n": message.number, **message.body}, ensure_ascii=False)
    return f"id: {message.number}\ndata: {data}\n\n".encode()


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) <= 18 else None


class ChatRoutes:
    """The routes a seeker's page talks to."""

    def __init__(
        self,
        chat: WebChatAdapter,
        clock: Clock,
        pages: Pages,
        settings: WebChatSettings,
        default_locale: str,
        origin: str,
        wait_seconds: float = WAIT_SECONDS,
    ) -> None:
        self._chat = chat
        self._origin = origin  # the service's public origin: where the widget opens the chat
        self._pages = pages
        self._settings = settings
        self._default_locale = default_locale
        self._clock = clock
        self._wait = wait_seconds
        self._clients = ClientKeys(clock)
        self._challenges = Challenges(clock, settings.challenge_bits)
        self._opened = RateLimit(settings.new_chats_per_hour, timedelta(hours=1))
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

    def _client_over(self, request: Request) -> Response | None:
        return self._over(self._requests, self._clients.key(request))

    async def page(self, request: Request) -> Response:
        """The chat page, in the language `?lang=` names, else in the default one; the chat
        greets in it and offers the others first."""
        chosen = self._chosen(request)
        return self._pages.seeker_page(
            "chat/page.html",
            chosen or self._default_locale,
            {"title": self._settings.title, "exit_url": self._settings.exit_url, "chosen": chosen},
        )

    def _chosen(self, request: Request) -> str:
        asked = request.query_params.get("lang", "")
        return asked if asked in self._pages.seeker_languages else ""

    async def start(self, request: Request) -> Response:
        """Open a chat; its pass is the page's to keep for the open tab only.

        With many chats open a page first solves a small puzzle (428 hands it one); with too
        many, new chats wait (503), so the open ones stay fast.
        """
        refused = self._client_over(request)
        if refused is not None:
            return refused
        body = await _json(request) or {}
        open_now = self._chat.open_chats
        if open_now >= self._settings.open_chats_at_most:
            log.info("webchat.full")
            return JSONResponse(
                {"full": True}, 503, headers={"Retry-After": str(FULL_RETRY_SECONDS)}
            )
        if open_now >= self._settings.challenge_from:
            challenge, answer = body.get("challenge"), body.get("answer")
            solved = isinstance(challenge, str) and isinstance(answer, str)
            if not (solved and self._challenges.take(str(challenge), str(answer))):
                return JSONResponse(
                    {"challenge": self._challenges.new(), "bits": self._challenges.bits}, 428
                )
        refused = self._over(self._opened, self._clients.key(request))
        if refused is not None:
            return refused
        lang = body.get("lang")
        chat_pass = await self._chat.start(
            lang if isinstance(lang, str) and len(lang) < 8 else None
        )
        return JSONResponse({"chat": chat_pass})

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

    def _reader(self, request: Request) -> tuple[str, int] | Response:
        """The pass and the number read up to, from a read's header and query."""
        refused = self._client_over(request)
        if refused is not None:
            return refused
        token = request.headers.get(CHAT_HEADER, "")
        after = _number(request.query_params.get("after", "0"))
        if not looks_like_chat(token) or after is None:
            return Response(status_code=400)
        return token, after

    async def news(self, request: Request) -> Response:
        """Return what the service said after number `after`, waiting a while for news
        (`wait` seconds, at most WAIT_SECONDS): the long-polling way to read."""
        reader = self._reader(request)
        if isinstance(reader, Response):
            return reader
        token, after = reader
        wait = request.query_params.get("wait", "")
        # A page may ask not to wait (the first read after opening it again).
        seconds = min(self._wait, float(wait)) if wait.isdigit() and len(wait) < 4 else self._wait
        try:
            messages = await self._chat.read(token, after, seconds)
        except ChatBusy:
            return Response(status_code=503, headers={"Retry-After": "5"})
        if messages is None:
            return Response(status_code=404)  # ended, erased, or never was: start over
        return JSONResponse({"messages": [{"n": m.number, **m.body} for m in messages]})

    async def events(self, request: Request) -> Response:
        """Stream what the service says after number `after` as Server-Sent Events, each
        with its number as id; a comment now and then keeps proxies from closing it, and it
        ends after STREAM_SECONDS (or with an event `gone` once the pass has ended)."""
        reader = self._reader(request)
        if isinstance(reader, Response):
            return reader
        token, after = reader
        first = await self._chat.read(token, after, 0)
        if first is None:
            return Response(status_code=404)
        return StreamingResponse(
            self._stream(token, after, first),
            media_type="text/event-stream",
            headers={"X-Accel-Buffering": "no"},  # a proxy must pass each event at once
        )

    async def _stream(
        self, token: str, after: int, first: list[ChatMessage]
    ) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        ends = loop.time() + STREAM_SECONDS
        yield b"retry: 3000\n\n"
        events = [_event(message) for message in first]
        after = first[-1].number if first else after
        del first  # a waiting stream keeps bytes to send, not the decoded messages
        while True:
            quiet = not events
            while events:
                yield events.pop(0)
            left = ends - loop.time()
            if left <= 0:
                return
            if quiet:
                yield b": -\n\n"
            try:
                messages = await self._chat.read(token, after, min(self._wait, left))
            except ChatBusy:
                return  # the page opens the next stream after `retry`
            if messages is None:
                yield b"event: gone\ndata: {}\n\n"
                return
            events = [_event(message) for message in messages]
            after = messages[-1].number if messages else after
            del messages

    async def close(self, request: Request) -> Response:
        """End the page's pass (quick exit): what it has shown (`seen`) is dropped."""
        refused = self._client_over(request)
        if refused is not None:
            return refused
        body = await _json(request) or {}
        token, seen = body.get("chat"), body.get("seen", 0)
        if not isinstance(token, str) or not looks_like_chat(token) or not isinstance(seen, int):
            return Response(status_code=400)
        await self._chat.close(token, max(0, seen))
        return Response(status_code=204)  # the same whether there was a pass or not

    async def come_back(self, request: Request) -> Response:
        """Open a conversation again with its case reference and code; a new pass for it."""
        refused = self._client_over(request)
        if refused is not None:
            return refused
        body = await _json(request) or {}
        reference, code = body.get("reference"), body.get("code")
        if not isinstance(reference, str) or not isinstance(code, str):
            return Response(status_code=400)
        if len(reference) > 40 or len(code) > 40:
            return JSONResponse({"wrong": True}, 403)
        found = await self._chat.come_back(self._clients.key(request), reference, code)
        if found is Refused.LOCKED:
            return Response(status_code=429, headers={"Retry-After": "3600"})
        if found is Refused.WRONG:
            return JSONResponse({"wrong": True}, 403)
        return JSONResponse({"chat": found})

    async def widget(self, request: Request) -> Response:
        """The script an association's site includes to offer the chat: a button that
        opens it in a frame over the site, or in a new tab."""
        chosen = self._chosen(request)
        return self._pages.seeker_page(
            "chat/widget.js",
            chosen or self._default_locale,
            {
                "origin": self._origin,
                "chat_url": f"{self._origin}/chat" + (f"?lang={chosen}" if chosen else ""),
                "exit_url": self._settings.exit_url,
            },
            media_type="text/javascript",
        )

    def routes(self) -> list[BaseRoute]:
        """Return the chat's routes and its page's assets."""
        return [
            Route("/chat", self.page, methods=["GET"]),
            Mount("/chat/static", StaticFiles(directory=CHAT_STATIC), name="chat-static"),
            Route("/chat/widget.js", self.widget, methods=["GET"]),
            Route("/chat/start", self.start, methods=["POST"]),
            Route("/chat/say", self.say, methods=["POST"]),
            Route("/chat/news", self.news, methods=["GET"]),
            Route("/chat/events", self.events, methods=["GET"]),
            Route("/chat/close", self.close, methods=["POST"]),
            Route("/chat/return", self.come_back, methods=["POST"]),
        ]
