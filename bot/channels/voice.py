"""Twilio Programmable Voice: placing a call with the Calls resource over httpx, and the TwiML
that bridges the volunteer to the seeker.

The service rings the volunteer's own phone first; when they answer, Twilio asks us what to
do and we answer with a <Dial> to the seeker, the association's number as caller id, so
neither side sees the other's number. Nothing is recorded or transcribed: no <Record>, no
`Record` parameter, no transcription anywhere.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx
from twilio.twiml.voice_response import Dial, VoiceResponse

from bot.channels.twilio_api import TWILIO_API_URL
from bot.ports import CallNotPlaced

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CallLinks:
    """Where Twilio reaches us about one call (each URL names it; Twilio signs each)."""

    base: str  # PUBLIC_URL
    call_id: int

    def _url(self, step: str) -> str:
        return f"{self.base.rstrip('/')}/twilio/voice/{step}?call={self.call_id}"

    @property
    def connect(self) -> str:
        """The volunteer answered: what to do (dial the seeker)."""
        return self._url("connect")

    @property
    def screen(self) -> str:
        """The seeker's phone answered: machine detection's verdict, before bridging."""
        return self._url("screen")

    @property
    def dialed(self) -> str:
        """The seeker's leg ended (the <Dial action>): the attempt."""
        return self._url("dialed")

    @property
    def status(self) -> str:
        """The volunteer's leg ended (its status callback)."""
        return self._url("status")


class TwilioVoice:
    """Place calls with Twilio's Calls resource."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        account_sid: str,
        auth_token: str,
        public_url: str,
        ring_seconds: int,
        api_url: str = TWILIO_API_URL,
    ) -> None:
        self._http = http
        self._auth = (account_sid, auth_token)
        self._url = f"{api_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Calls.json"
        self._public_url = public_url
        self._ring_seconds = ring_seconds

    async def place(self, to: str, caller_id: str, call_id: int) -> str:
        """Ring *to* (the volunteer) from *caller_id*; return Twilio's CallSid."""
        links, ring_seconds = CallLinks(self._public_url, call_id), self._ring_seconds
        data = {
            "To": to,
            "From": caller_id,
            "Url": links.connect,
            "Method": "POST",
            "StatusCallback": links.status,
            "StatusCallbackMethod": "POST",
            "Timeout": str(ring_seconds),
        }
        try:
            response = await self._http.post(self._url, data=data, auth=self._auth)
        except httpx.HTTPError as exc:
            raise CallNotPlaced("network") from exc
        if response.status_code not in (200, 201):
            raise CallNotPlaced(f"http {response.status_code}")
        sid = response.json().get("sid")
        if not isinstance(sid, str) or not sid:
            raise CallNotPlaced("no sid")
        return sid


def dial_seeker(
    seeker: str, caller_id: str, links: CallLinks, ring_seconds: int, *, screen: bool
) -> str:
    """TwiML bridging the volunteer (who answered) to *seeker*.

    With *screen*, machine detection runs on the seeker's leg and the screen URL decides,
    before anything is heard, whether to bridge or hang up on a machine.
    """
    response = VoiceResponse()
    dial = Dial(caller_id=caller_id, timeout=ring_seconds, action=links.dialed, method="POST")
    if screen:
        dial.number(seeker, machine_detection="Enable", url=links.screen, method="POST")
    else:
        dial.number(seeker)
    response.append(dial)
    return str(response.to_xml())


def hang_up() -> str:
    """TwiML ending the call (or, on the seeker's leg, ending it before the bridge)."""
    response = VoiceResponse()
    response.hangup()
    return str(response.to_xml())


def carry_on() -> str:
    """Empty TwiML: on the seeker's leg, go on and bridge."""
    return str(VoiceResponse().to_xml())
