"""A fake Twilio REST API behind an httpx transport, and requests signed as Twilio signs them."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections.abc import Callable
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
class PlacedCall:
    """A Calls.json request: whom Twilio is to ring, from which number, and where it asks."""

    sid: str
    to: str
    caller: str
    url: str
    status_callback: str
    timeout: int
    form: dict[str, str]


@dataclass
class FakeTwilio:
    """Record every Messages.json and Calls.json request; answer as Twilio does, or with a
    chosen error."""

    sent: list[Sent] = field(default_factory=list)
    calls: list[PlacedCall] = field(default_factory=list)
    errors: dict[str, tuple[int, int]] = field(default_factory=dict)  # To -> (http, code)
    _sids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def handler(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        assert request.headers["Authorization"].startswith("Basic ")
        if request.url.path.endswith("/Calls.json"):
            return self._call(form)
        to = form["To"]
        if to in self.errors:
            http, code = self.errors[to]
            return httpx.Response(http, json={"code": code, "message": "error", "status": http})
        self.sent.append(
            Sent(str(request.url), to, form.get("From"), form["Body"], form.get("StatusCallback"))
        )
        sid = f"SM{next(self._sids):032d}"
        return httpx.Response(201, json={"sid": sid, "status": "queued", "to": to})

    def _call(self, form: dict[str, str]) -> httpx.Response:
        if form["To"] in self.errors:
            http, code = self.errors[form["To"]]
            return httpx.Response(http, json={"code": code, "message": "error", "status": http})
        sid = f"CA{next(self._sids):032d}"
        self.calls.append(
            PlacedCall(
                sid, form["To"], form["From"], form["Url"], form["StatusCallback"],
                int(form["Timeout"]), form,
            )
        )  # fmt: skip
        return httpx.Response(201, json={"sid": sid, "status": "queued", "to": form["To"]})

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


@dataclass
class Played:
    """What our webhooks answered while Twilio played a call through."""

    twiml: list[str] = field(default_factory=list)  # every TwiML document we returned
    dial: ET.Element | None = None  # the <Dial> we answered the volunteer's pick-up with
    screened: bool = False  # machine detection ran on the seeker's leg
    hung_up_on_seeker: bool = False  # the screen answered <Hangup/>

    @property
    def number(self) -> ET.Element | None:
        return self.dial.find("Number") if self.dial is not None else None


class VoiceNetwork:
    """Twilio's side of a call we placed: it rings the volunteer, asks our webhooks what to
    do, rings the seeker, and posts the dial action and the status callback, each signed."""

    def __init__(self, client: httpx.AsyncClient, token: str = AUTH_TOKEN) -> None:
        self._client = client
        self._token = token
        self._child = itertools.count(1)

    async def post(self, url: str, form: dict[str, str], *, signed: bool = True) -> httpx.Response:
        headers = {"X-Twilio-Signature": sign(url, form, self._token) if signed else "x"}
        return await self._client.post(url, data=form, headers=headers)

    async def play(
        self,
        call: PlacedCall,
        seeker: str,
        *,
        seconds: int = 0,
        volunteer_answers: bool = True,
        ringing: Callable[[], None] = lambda: None,
    ) -> Played:
        """Play *call* through: *seeker* is "human", "machine", "no-answer", "busy" or
        "failed"; *seconds*, how long the two talked (or the machine's leg lasted);
        *ringing* runs while the seeker's phone rings (a test moves its clock there)."""
        played = Played()
        base = {"AccountSid": ACCOUNT_SID, "CallSid": call.sid, "From": call.caller, "To": call.to}
        if not volunteer_answers:
            await self.status(call, "no-answer", 0)
            return played
        answer = await self.post(call.url, {**base, "CallStatus": "in-progress"})
        assert answer.status_code == 200, answer.text
        played.twiml.append(answer.text)
        dial = ET.fromstring(answer.text).find("Dial")  # noqa: S314 - our own TwiML
        if dial is None:
            await self.status(call, "completed", 1)
            return played
        played.dial = dial
        ringing()
        number = dial.find("Number")
        assert number is not None and number.text
        child = {**base, "DialCallSid": f"CA{next(self._child):030d}c"}
        status, duration = seeker, 0
        if seeker in ("human", "machine"):
            status, duration = "completed", seconds
            if number.get("url"):
                played.screened = True
                answered_by = "human" if seeker == "human" else "machine_start"
                screen = await self.post(
                    number.get("url", ""), {**child, "AnsweredBy": answered_by}
                )
                played.twiml.append(screen.text)
                played.hung_up_on_seeker = "<Hangup" in screen.text
        action = dial.get("action", "")
        form = {**child, "DialCallStatus": status, "DialCallDuration": str(duration)}
        done = await self.post(action, form)
        assert done.status_code == 200, done.text
        played.twiml.append(done.text)
        await self.status(call, "completed", duration + 5)
        return played

    async def status(self, call: PlacedCall, status: str, seconds: int) -> httpx.Response:
        """Post the volunteer's leg's status callback."""
        form = {
            "AccountSid": ACCOUNT_SID, "CallSid": call.sid, "CallStatus": status,
            "CallDuration": str(seconds),
        }  # fmt: skip
        return await self.post(call.status_callback, form)
