"""The SMS floor: a bare Starlette endpoint that checks Twilio's signature and answers TwiML.

With an API URL it also answers each text as a service must, after Twilio has its TwiML: one
reply through Twilio's REST API (Messages.json, form-encoded, basic auth), from a task in
the background, over one keep-alive httpx client, as ours sends.

python -m bench.bare_twilio PORT [TWILIO_API_URL]
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from tests.loopback import PUBLIC_URL
from tests.twilio_fakes import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER

TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
# About as long as one of our questions with its numbered options.
REPLY = "Tack. Vilket passar dig bäst? " + " ".join(f"{n}. Ett svar att välja" for n in range(6))


def app(api_url: str | None = None) -> Starlette:
    validator = RequestValidator(AUTH_TOKEN)
    url = PUBLIC_URL + "/twilio/sms"
    messages = f"{api_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    http: list[httpx.AsyncClient] = []
    replying: set[asyncio.Task[None]] = set()

    async def reply(to: str) -> None:
        data = {"To": to, "From": OUR_NUMBER, "Body": REPLY,
                "StatusCallback": PUBLIC_URL + "/twilio/status"}  # fmt: skip
        response = await http[0].post(messages, data=data, auth=(ACCOUNT_SID, AUTH_TOKEN))
        response.raise_for_status()

    async def sms(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        if not validator.validate(url, form, request.headers.get("X-Twilio-Signature", "")):
            return Response(status_code=403)
        if api_url is not None:
            task = asyncio.create_task(reply(form["From"]))
            replying.add(task)
            task.add_done_callback(replying.discard)
        return Response(TWIML, media_type="application/xml")

    async def health(request: Request) -> Response:
        return Response("ok")

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # Keep-alive for every reply in flight (up to one per number writing): past httpx's
        # default 20 it would reconnect for each reply beyond. Ours sends 8 at a time.
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
        async with httpx.AsyncClient(timeout=httpx.Timeout(10.0), limits=limits) as client:
            http.append(client)
            yield

    return Starlette(
        routes=[Route("/twilio/sms", sms, methods=["POST"]), Route("/healthz", health)],
        lifespan=lifespan,
    )


if __name__ == "__main__":
    api = sys.argv[2] if len(sys.argv) > 2 else None
    uvicorn.run(app(api), host="127.0.0.1", port=int(sys.argv[1]), log_level="error")
