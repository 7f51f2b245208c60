"""A fake Twilio REST API behind an httpx transport, and requests signed as Twilio signs them."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import httpx
from twilio.request_validator import RequestValidator

AUTH_TOKEN = "test-auth-token-0123456789abcdef"
ACCOUNT_SID = "AC00000000000000000000000000000000"
OUR_NUMBER = "+46700000000"


@dataclass
class Sent:
    url: str
    to: str
    sender: str | None
    body: str
    status_callback: str | None


@dataclass
class FakeTwilio:
    """Record every Messages.json request; answer as Twilio does, or with a chosen error."""

    sent: list[Sent] = field(default_factory=list)
    errors: dict[str, tuple[int, int]] = field(default_factory=dict)  # To -> (http, code)
    _sids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def handler(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        assert request.headers["Authorization"].startswith("Basic ")
        to = form["To"]
        if to in self.errors:
            http, code = self.errors[to]
            return httpx.Response(http, json={"code": code, "message": "error", "status": http})
        self.sent.append(
            Sent(str(request.url), to, form.get("From"), form["Body"], form.get("StatusCallback"))
        )
        sid = f"SM{next(self._sids):032d}"
        return httpx.Response(201, json={"sid": sid, "status": "queued", "to": to})

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    def inbox(self, to: str) -> list[str]:
        return [s.body for s in self.sent if s.to == to]


def sign(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """Return the X-Twilio-Signature Twilio would send for this request."""
    return str(RequestValidator(token).compute_signature(url, params))


_message_ids = itertools.count(1)


def inbound(sender: str, body: str, sid: str | None = None) -> dict[str, str]:
    """Return the form Twilio posts for an incoming message."""
    return {
        "MessageSid": sid or f"SMin{next(_message_ids):030d}",
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": OUR_NUMBER,
        "Body": body,
        "NumSegments": "1",
    }
