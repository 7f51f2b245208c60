"""Twilio's signed form posts: each webhook reads its form only once the signature holds."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from twilio.request_validator import RequestValidator

log = logging.getLogger(__name__)

TWILIO_SIGNATURE = "X-Twilio-Signature"
FORM = "application/x-www-form-urlencoded"


class TwilioForms:
    """Read the forms Twilio signed for our public URL, refusing everything else."""

    def __init__(self, auth_token: str, public_url: str) -> None:
        self._validator = RequestValidator(auth_token)
        self._public_url = public_url.rstrip("/")

    async def read(self, request: Request) -> dict[str, str] | Response:
        """Return the form if Twilio signed it for our URL; else the response refusing it.

        Twilio posts small url-encoded forms: anything else (multipart uploads above all) is
        refused unread, and the body (already bounded in size) is parsed here, in memory.
        """
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != FORM:
            log.warning("twilio.webhook_refused_content_type path=%s", request.url.path)
            return Response(status_code=415)
        signature = request.headers.get(TWILIO_SIGNATURE, "")
        if not signature:
            log.warning("twilio.webhook_rejected path=%s", request.url.path)
            return Response(status_code=403)
        try:
            fields = parse_qsl(
                (await request.body()).decode(), keep_blank_values=True, max_num_fields=100
            )
        except (UnicodeDecodeError, ValueError):
            log.warning("twilio.webhook_malformed path=%s", request.url.path)
            return Response(status_code=400)
        params = dict(fields)
        # Twilio signs the exact public URL it called, so check against PUBLIC_URL, not
        # whatever host a proxy passed on.
        url = self._public_url + request.url.path
        if request.url.query:
            url += "?" + request.url.query
        if not self._validator.validate(url, params, signature):
            log.warning("twilio.webhook_rejected path=%s", request.url.path)
            return Response(status_code=403)
        return params
