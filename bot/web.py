"""Starlette routes for the webhooks and the health check."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application
from twilio.request_validator import RequestValidator

from bot.channels.ordering import KeyedLocks
from bot.channels.sms import InboundText
from bot.channels.twilio_api import OPTED_OUT

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret


def telegram_webhook(
    application: Application[Any, Any, Any, Any, Any, Any], secret: str
) -> Callable[[Request], Any]:
    """Accept an update from Telegram once its secret token matches, before parsing it.

    The update is handled before the answer, so Telegram's 200 means its effects (and the
    replies, queued in the outbox) are committed; on an error Telegram sends it again, and
    its update id makes the second time change nothing. Updates of one chat go in order.
    """
    expected = secret.encode()
    chats = KeyedLocks()

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            log.warning("telegram.webhook_rejected")
            return Response(status_code=403)
        try:
            data = json.loads(await request.body())
            update = Update.de_json(data, application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            log.warning("telegram.webhook_malformed")
            return Response(status_code=400)
        chat = update.effective_chat
        async with chats.hold(chat.id if chat is not None else 0):
            await application.process_update(update)
        return Response(status_code=200)

    return receive


EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
TWILIO_SIGNATURE = "X-Twilio-Signature"


class TwilioWebhooks:
    """Twilio's inbound message and status callbacks, refused unless signed for our URL."""

    def __init__(
        self,
        auth_token: str,
        public_url: str,
        on_message: Callable[[InboundText], Awaitable[None]],
        on_status: Callable[[str, str, int | None, bool], Awaitable[None]],
    ) -> None:
        self._validator = RequestValidator(auth_token)
        self._public_url = public_url.rstrip("/")
        self._on_message = on_message
        self._on_status = on_status

    async def _signed_form(self, request: Request) -> dict[str, str] | None:
        # Twilio signs the exact public URL it called, so check against PUBLIC_URL, not
        # whatever host a proxy passed on.
        url = self._public_url + request.url.path
        if request.url.query:
            url += "?" + request.url.query
        signature = request.headers.get(TWILIO_SIGNATURE, "")
        form = await request.form()
        params = {key: str(value) for key, value in form.items()}
        if not signature or not self._validator.validate(url, params, signature):
            log.warning("twilio.webhook_rejected path=%s", request.url.path)
            return None
        return params

    async def message(self, request: Request) -> Response:
        """Accept an SMS or WhatsApp message; answer with empty TwiML at once."""
        params = await self._signed_form(request)
        if params is None:
            return Response(status_code=403)
        sender, sid = params.get("From", ""), params.get("MessageSid", "")
        if not sender or not sid:
            return Response(status_code=400)
        await self._on_message(InboundText(sender, params.get("Body", ""), sid))
        return Response(EMPTY_TWIML, media_type="text/xml")

    async def status(self, request: Request) -> Response:
        """Store the delivery state Twilio reports for a message we sent."""
        params = await self._signed_form(request)
        if params is None:
            return Response(status_code=403)
        code = params.get("ErrorCode", "")
        error_code = int(code) if code.isdigit() and len(code) < 10 else None
        sid, status = params.get("MessageSid", ""), params.get("MessageStatus", "")
        if sid and status:
            await self._on_status(sid, status, error_code, error_code == OPTED_OUT)
        return Response(status_code=204)

    def routes(self) -> list[Route]:
        """Return the routes to mount."""
        return [
            Route("/twilio/sms", self.message, methods=["POST"]),
            Route("/twilio/status", self.status, methods=["POST"]),
        ]


async def healthz(request: Request) -> Response:
    """Say that the service is up."""
    return JSONResponse({"status": "ok"})


def build_web(
    lifespan: Callable[[Starlette], AbstractAsyncContextManager[None]],
    telegram: Callable[[Request], Any] | None = None,
    twilio: TwilioWebhooks | None = None,
) -> Starlette:
    """Build the ASGI app with the routes of the configured channels."""
    routes = [Route("/healthz", healthz, methods=["GET"])]
    if telegram is not None:
        routes.append(Route("/telegram", telegram, methods=["POST"]))
    if twilio is not None:
        routes += twilio.routes()
    return Starlette(routes=routes, lifespan=lifespan)
