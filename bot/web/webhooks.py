"""The channels' webhooks and the health check."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

from bot.channels.ordering import KeyedLocks
from bot.channels.sms import InboundText, is_text_address
from bot.channels.twilio_api import OPTED_OUT
from bot.web.twilio_forms import TwilioForms

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret


def telegram_webhook(
    application: Application[Any, Any, Any, Any, Any, Any], secret: str, up: Callable[[], bool]
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
        if not up():
            return Response(status_code=503)  # Telegram sends it again later
        update = _parse_update(await request.body(), application)
        if update is None:
            log.warning("telegram.webhook_malformed")
            return Response(status_code=400)
        if update.message is None and update.callback_query is None:
            return Response(status_code=200)  # edits and other kinds: nothing to do, no retry
        chat = update.effective_chat
        async with chats.hold(chat.id if chat is not None else 0):
            await application.process_update(update)
        return Response(status_code=200)

    return receive


def _parse_update(
    body: bytes, application: Application[Any, Any, Any, Any, Any, Any]
) -> Update | None:
    """Return the update in *body*, or None if it is not one Telegram could have sent."""
    try:
        update = Update.de_json(json.loads(body), application.bot)
    # Deliberately broad: whatever a malformed body makes the parser raise (a date of 1e20
    # overflows, JSON nested thousands deep recurses) is the sender's error, answered 400.
    except Exception:
        return None
    if not isinstance(update, Update) or not _is_id(update.update_id):
        return None
    chat, user = update.effective_chat, update.effective_user
    if chat is not None and not _is_id(chat.id):
        return None
    if user is not None and not _is_id(user.id):
        return None
    return update


def _is_id(value: object) -> bool:
    """Tell whether *value* is an integer id as Telegram sends them (never a bool or text)."""
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**63


EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class TwilioWebhooks:
    """Twilio's inbound message and status callbacks, refused unless signed for our URL."""

    def __init__(
        self,
        auth_token: str,
        public_url: str,
        on_message: Callable[[InboundText], Awaitable[None]],
        on_status: Callable[[str, str, int | None, bool], Awaitable[None]],
    ) -> None:
        self._signed_form = TwilioForms(auth_token, public_url).read
        self._on_message = on_message
        self._on_status = on_status

    async def message(self, request: Request) -> Response:
        """Accept an SMS or WhatsApp message; answer with empty TwiML at once."""
        params = await self._signed_form(request)
        if isinstance(params, Response):
            return params
        sender, sid = params.get("From", ""), params.get("MessageSid", "")
        if not sid:
            return Response(status_code=400)
        if not is_text_address(sender):
            # Nobody could ever be answered there (a SIP client, a short code, garbage):
            # Twilio hears "received", and nothing is stored.
            log.warning("twilio.sender_not_a_number")
            return Response(EMPTY_TWIML, media_type="text/xml")
        await self._on_message(InboundText(sender, params.get("Body", ""), sid))
        return Response(EMPTY_TWIML, media_type="text/xml")

    async def status(self, request: Request) -> Response:
        """Store the delivery state Twilio reports for a message we sent."""
        params = await self._signed_form(request)
        if isinstance(params, Response):
            return params
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


HEALTHY = frozenset({"ok", "up"})


def health_check(parts: Callable[[], dict[str, str]]) -> Callable[[Request], Awaitable[Response]]:
    """Answer 200 when every part works, else 503; the body names each part's state."""

    async def healthz(request: Request) -> Response:
        states = parts()
        healthy = all(state in HEALTHY for state in states.values())
        body = {"status": "ok" if healthy else "degraded", **states}
        return JSONResponse(body, status_code=200 if healthy else 503)

    return healthz
