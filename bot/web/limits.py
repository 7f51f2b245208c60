"""Bound every request body before anything reads it.

Nothing here trusts the sender: a declared Content-Length over the limit is refused before
a byte is read, and a body that grows past it while streaming (chunked, or lying about its
length) is refused the moment it does. Bodies are read into memory only up to the limit, so
an unauthenticated upload can neither fill the disk nor the memory.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

KIB = 1024
# Twilio's webhook forms are a few kilobytes (a 1,600-character body percent-encoded is
# under 20 KiB); Telegram's updates are at most a few hundred KiB.
TWILIO_BODY_LIMIT = 64 * KIB
TELEGRAM_BODY_LIMIT = 1024 * KIB
# Everything else is a desk form: a message to a seeker of 4,000 characters in a non-Latin
# script is up to 36 KiB percent-encoded.
DEFAULT_BODY_LIMIT = 48 * KIB


class _TooLarge(Exception):
    """The body grew past its route's limit while it was being read."""


class BodyLimit:
    """ASGI middleware: answer 413 to a body larger than its path's limit."""

    def __init__(
        self, app: ASGIApp, limits: Mapping[str, int], default: int = DEFAULT_BODY_LIMIT
    ) -> None:
        self._app = app
        self._limits = dict(limits)
        self._default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse an oversized body at once; count the bytes of any other as they arrive."""
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        limit = self._limits.get(scope["path"], self._default)
        declared = _content_length(scope)
        if declared is None:
            await _answer(send, 400)
            return
        if declared > limit:
            log.warning("web.body_too_large path=%s", scope["path"])
            await _answer(send, 413)
            return
        received = 0
        started = False

        async def bounded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._app(scope, bounded_receive, watched_send)
        except _TooLarge:
            log.warning("web.body_too_large path=%s", scope["path"])
            if not started:
                await _answer(send, 413)


def _content_length(scope: Scope) -> int | None:
    """Return the declared length (0 if none), or None if the header is malformed."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() and len(text) < 19 else None
    return 0


async def _answer(send: Send, status: int) -> None:
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": b""})
