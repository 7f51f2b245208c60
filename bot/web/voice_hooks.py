"""Twilio Voice's requests about a call we placed: what to do when the volunteer answers, what
answered the seeker's phone, how the seeker's leg ended, how the whole call ended.

Each is refused (403) unless Twilio signed it for our public URL, which names the call; the
service moves a call forward once, so a request sent twice or late changes nothing.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.channels.voice import CallLinks, carry_on, dial_seeker, hang_up
from bot.services.calls import CallService
from bot.web.twilio_forms import TwilioForms

log = logging.getLogger(__name__)

VOICE = "/twilio/voice"
VOICE_STEPS = ("connect", "screen", "dialed", "status")
TWIML = "text/xml"


def _call_id(request: Request) -> int | None:
    given = request.query_params.get("call", "")
    return int(given) if given.isdigit() and len(given) < 12 else None


def _seconds(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 8 else None


class VoiceHooks:
    """The routes Twilio Voice calls for the calls we place."""

    def __init__(self, forms: TwilioForms, calls: CallService, public_url: str) -> None:
        self._forms = forms
        self._calls = calls
        self._public_url = public_url

    async def _read(self, request: Request) -> tuple[int, dict[str, str]] | Response:
        form = await self._forms.read(request)
        if isinstance(form, Response):
            return form
        call_id = _call_id(request)
        if call_id is None:
            log.warning("voice.no_call path=%s", request.url.path)
            return Response(status_code=400)
        return call_id, form

    async def connect(self, request: Request) -> Response:
        """The volunteer answered their phone: dial the seeker, or hang up."""
        read = await self._read(request)
        if isinstance(read, Response):
            return read
        call_id, form = read
        bridge = await self._calls.connect(call_id, form.get("CallSid", ""))
        if bridge is None:
            return Response(hang_up(), media_type=TWIML)
        links = CallLinks(self._public_url, call_id)
        twiml = dial_seeker(
            bridge.seeker, bridge.caller_id, links, bridge.ring_seconds, screen=bridge.screen
        )
        return Response(twiml, media_type=TWIML)

    async def screen(self, request: Request) -> Response:
        """Machine detection's verdict on the seeker's leg, before the two are bridged."""
        read = await self._read(request)
        if isinstance(read, Response):
            return read
        call_id, form = read
        if await self._calls.screen(call_id, form.get("AnsweredBy", "unknown")):
            return Response(hang_up(), media_type=TWIML)
        return Response(carry_on(), media_type=TWIML)

    async def dialed(self, request: Request) -> Response:
        """The seeker's leg ended: the attempt is logged; the volunteer's leg ends too."""
        read = await self._read(request)
        if isinstance(read, Response):
            return read
        call_id, form = read
        status = form.get("DialCallStatus", "")
        await self._calls.dialed(call_id, status, _seconds(form.get("DialCallDuration", "")))
        return Response(hang_up(), media_type=TWIML)

    async def status(self, request: Request) -> Response:
        """The whole call ended (the volunteer's leg's status callback)."""
        read = await self._read(request)
        if isinstance(read, Response):
            return read
        call_id, form = read
        status = form.get("CallStatus", "")
        if status in ("completed", "busy", "no-answer", "failed", "canceled"):
            await self._calls.ended(call_id, status, _seconds(form.get("CallDuration", "")))
        return Response(status_code=204)

    def routes(self) -> list[Route]:
        """Return the routes to mount."""
        return [
            Route(f"{VOICE}/connect", self.connect, methods=["POST"]),
            Route(f"{VOICE}/screen", self.screen, methods=["POST"]),
            Route(f"{VOICE}/dialed", self.dialed, methods=["POST"]),
            Route(f"{VOICE}/status", self.status, methods=["POST"]),
        ]
