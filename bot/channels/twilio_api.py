"""Twilio's Messaging REST API over httpx: the gateway for SMS and WhatsApp."""

from __future__ import annotations

import httpx

from bot.domain.model import DeliveryStatus
from bot.ports import DeliveryError, SentMessage

TWILIO_API_URL = "https://api.twilio.com"
OPTED_OUT = 21610
# Errors no retry can mend: opted out, not a valid or reachable number, channel refuses.
PERMANENT_ERRORS = frozenset(
    {21211, 21212, 21408, 21606, 21610, 21612, 21614, 30003, 30005, 30006, 63016}
)
WHATSAPP = "whatsapp:"


class TwilioGateway:
    """Send messages with Twilio's Messages resource.

    WhatsApp goes through the same resource with `whatsapp:` addresses. Outside the 24-hour
    window after the person's last message, WhatsApp only accepts approved templates (error
    63016); replies to an inbound message are always inside it.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str | None,
        messaging_service_sid: str | None,
        status_callback: str | None,
        api_url: str = TWILIO_API_URL,
    ) -> None:
        self._http = http
        self._auth = (account_sid, auth_token)
        self._url = f"{api_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._from = from_number
        self._service = messaging_service_sid
        self._status_callback = status_callback

    async def send(self, to: str, body: str) -> SentMessage:
        """Hand *body* to Twilio for *to*, or raise DeliveryError."""
        data = {"To": to, "Body": body}
        if self._service is not None:
            data["MessagingServiceSid"] = self._service
        elif self._from is not None:
            data["From"] = (WHATSAPP + self._from) if to.startswith(WHATSAPP) else self._from
        if self._status_callback is not None:
            data["StatusCallback"] = self._status_callback
        try:
            response = await self._http.post(self._url, data=data, auth=self._auth)
        except httpx.HTTPError as exc:
            raise DeliveryError(None, 0, permanent=False, opted_out=False) from exc
        if response.status_code in (200, 201):
            answer = response.json()
            status = (
                DeliveryStatus.from_provider(str(answer.get("status", ""))) or DeliveryStatus.QUEUED
            )
            return SentMessage(str(answer["sid"]), status)
        code = _error_code(response)
        temporary = response.status_code == 429 or response.status_code >= 500
        raise DeliveryError(
            code,
            response.status_code,
            permanent=not temporary and (code in PERMANENT_ERRORS or response.status_code < 500),
            opted_out=code == OPTED_OUT,
        )


def _error_code(response: httpx.Response) -> int | None:
    try:
        code = response.json().get("code")
    except ValueError:
        return None
    text = str(code)
    return int(text) if isinstance(code, int | str) and text.isdigit() and len(text) < 10 else None
