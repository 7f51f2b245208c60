"""The ASGI app: the channels' webhooks, the health check and, when built, the staff desk."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.web.headers import SecurityHeaders
from bot.web.limits import TELEGRAM_BODY_LIMIT, TWILIO_BODY_LIMIT, BodyLimit
from bot.web.voice_hooks import VOICE_STEPS
from bot.web.webhooks import TwilioWebhooks, health_check


def build_web(
    lifespan: Callable[[Starlette], AbstractAsyncContextManager[None]],
    health: Callable[[], dict[str, str]],
    telegram: Callable[[Request], Awaitable[Response]] | Callable[[Request], Any] | None = None,
    twilio: TwilioWebhooks | None = None,
    desk: Sequence[BaseRoute] = (),
    chat: Sequence[BaseRoute] = (),
    chat_framed_on: Sequence[str] = (),
    voice: Sequence[BaseRoute] = (),
) -> Starlette:
    """Build the ASGI app with the routes of the configured channels, the desk and the
    web chat (which the sites *chat_framed_on* may show in a frame)."""
    routes: list[BaseRoute] = [Route("/healthz", health_check(health), methods=["GET"])]
    if telegram is not None:
        routes.append(Route("/telegram", telegram, methods=["POST"]))
    if twilio is not None:
        routes += twilio.routes()
    routes += voice
    routes += desk
    routes += chat
    limits = {
        "/telegram": TELEGRAM_BODY_LIMIT,
        "/twilio/sms": TWILIO_BODY_LIMIT,
        "/twilio/status": TWILIO_BODY_LIMIT,
        **{f"/twilio/voice/{step}": TWILIO_BODY_LIMIT for step in VOICE_STEPS},
    }
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            Middleware(SecurityHeaders, framable={"/chat": chat_framed_on}),
            Middleware(BodyLimit, limits=limits),
        ],
    )
