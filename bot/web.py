"""Starlette routes for the webhooks and the health check."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret


def telegram_webhook(
    application: Application[Any, Any, Any, Any, Any, Any], secret: str
) -> Callable[[Request], Any]:
    """Accept an update from Telegram once its secret token matches, before parsing it."""
    expected = secret.encode()

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
        await application.update_queue.put(update)
        return Response(status_code=200)

    return receive


async def healthz(request: Request) -> Response:
    """Say that the service is up."""
    return JSONResponse({"status": "ok"})


def build_web(
    lifespan: Callable[[Starlette], AbstractAsyncContextManager[None]],
    telegram: Callable[[Request], Any] | None = None,
) -> Starlette:
    """Build the ASGI app with the routes of the configured channels."""
    routes = [Route("/healthz", healthz, methods=["GET"])]
    if telegram is not None:
        routes.append(Route("/telegram", telegram, methods=["POST"]))
    return Starlette(routes=routes, lifespan=lifespan)
