"""A key for the client behind a request, for rate limits only.

It is a keyed hash of the client's address under a key made in memory and changed every day,
never stored or logged: limits can count by it, and nobody can turn it back into an address.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date

from starlette.requests import Request

from bot.ports import Clock


class ClientKeys:
    """Keys for clients, under today's secret."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._today: tuple[date, bytes] | None = None

    def key(self, request: Request) -> str:
        """Return the client's key for today."""
        today = self._clock.now().date()
        if self._today is None or self._today[0] != today:
            self._today = (today, secrets.token_bytes(32))
        host = request.client.host if request.client else ""
        return hmac.new(self._today[1], host.encode(), hashlib.sha256).hexdigest()
