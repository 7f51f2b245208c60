"""The SMS floor: a bare Starlette endpoint that checks Twilio's signature and answers TwiML.

python -m bench.bare_twilio PORT
"""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from tests.loopback import PUBLIC_URL
from tests.twilio_fakes import AUTH_TOKEN

TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def app() -> Starlette:
    validator = RequestValidator(AUTH_TOKEN)
    url = PUBLIC_URL + "/twilio/sms"

    async def sms(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        if not validator.validate(url, form, request.headers.get("X-Twilio-Signature", "")):
            return Response(status_code=403)
        return Response(TWIML, media_type="application/xml")

    async def health(request: Request) -> Response:
        return Response("ok")

    return Starlette(
        routes=[Route("/twilio/sms", sms, methods=["POST"]), Route("/healthz", health)]
    )


if __name__ == "__main__":
    uvicorn.run(app(), host="127.0.0.1", port=int(sys.argv[1]), log_level="error")
