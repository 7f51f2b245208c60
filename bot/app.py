"""Composition root: build every object from the settings, and run the service."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from telegram.ext import Application
from telegram.request import BaseRequest

from bot.channels.console import run_console
from bot.channels.telegram import ALLOWED_UPDATES, build_application
from bot.config import Settings
from bot.domain.conversation import Language
from bot.i18n import Catalogs, default_locales_dir
from bot.ports import Clock, SystemClock
from bot.services.intake import IntakeService
from bot.storage.database import Database
from bot.storage.units import Units
from bot.web import build_web, telegram_webhook

log = logging.getLogger(__name__)

TelegramApp = Application[Any, Any, Any, Any, Any, Any]


def configure_logging(level: int = logging.INFO) -> None:
    """Log event names to stderr; keep libraries that log message contents quiet."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # python-telegram-bot logs whole updates and API parameters (text, chat ids) at DEBUG,
    # and httpx logs request URLs, which carry the bot token, at INFO.
    logging.getLogger("telegram").setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # aiosqlite logs every statement with its parameters (phone numbers, notes) at DEBUG.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)


@dataclass
class Jourbot:
    settings: Settings
    database: Database
    catalogs: Catalogs
    intake: IntakeService
    telegram: TelegramApp | None
    web: Starlette

    async def close(self) -> None:
        """Close the database."""
        await self.database.close()


async def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    telegram_request: BaseRequest | None = None,
    locales_dir: Path | None = None,
) -> Jourbot:
    """Wire storage, catalogs, services, channels and web app from *settings*."""
    catalogs = Catalogs(locales_dir or default_locales_dir(), settings.partnership.timezone)
    database = await Database.open(settings.db_path)
    languages = tuple(Language(code, catalogs.native_name(code)) for code in catalogs.codes)
    intake = IntakeService(
        Units(database),
        clock or SystemClock(),
        settings.partnership,
        languages,
        settings.default_locale,
    )
    telegram: TelegramApp | None = None
    if settings.telegram_token:
        telegram = build_application(
            settings.telegram_token,
            intake,
            catalogs,
            api_url=settings.telegram_api_url,
            polling=not settings.telegram_webhook,
            request=telegram_request,
        )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if telegram is None:
            yield
            return
        async with telegram:
            await telegram.start()
            await _start_receiving(telegram, settings)
            log.info(
                "telegram.started mode=%s", "webhook" if settings.telegram_webhook else "polling"
            )
            try:
                yield
            finally:
                if telegram.updater is not None and telegram.updater.running:
                    await telegram.updater.stop()
                await telegram.stop()

    webhook = None
    if telegram is not None and settings.telegram_webhook:
        assert settings.telegram_webhook_secret is not None  # noqa: S101 - config enforces it
        webhook = telegram_webhook(telegram, settings.telegram_webhook_secret)
    web = build_web(lifespan, telegram=webhook)
    return Jourbot(settings, database, catalogs, intake, telegram, web)


async def _start_receiving(telegram: TelegramApp, settings: Settings) -> None:
    if settings.telegram_webhook:
        assert settings.public_url is not None  # noqa: S101 - telegram_webhook implies it
        await telegram.bot.set_webhook(
            url=settings.public_url.rstrip("/") + "/telegram",
            secret_token=settings.telegram_webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
        )
    elif telegram.updater is not None:
        await telegram.bot.delete_webhook()
        await telegram.updater.start_polling(allowed_updates=ALLOWED_UPDATES)


def has_channel_credentials(settings: Settings) -> bool:
    """Tell whether any channel other than the console is configured."""
    return bool(settings.telegram_token or settings.twilio_account_sid)


async def serve(settings: Settings) -> None:
    """Run the web server and every configured channel until stopped."""
    for name in settings.unconfirmed:
        log.warning("config.unconfirmed %s (marked FILL IN in the configuration)", name)
    jourbot = await build(settings)
    server = uvicorn.Server(
        uvicorn.Config(
            jourbot.web,
            host=settings.host,
            port=settings.port,
            log_level="warning",
            access_log=False,
            lifespan="on",
        )
    )
    try:
        if has_channel_credentials(settings):
            await server.serve()
            return
        log.info("channels.none_configured running the console channel")
        serving = asyncio.create_task(server.serve())
        await run_console(jourbot.intake, jourbot.catalogs)
        server.should_exit = True
        await serving
    finally:
        await jourbot.close()


async def console(settings: Settings, session: str | None = None) -> None:
    """Run only the console channel."""
    jourbot = await build(settings)
    try:
        await run_console(jourbot.intake, jourbot.catalogs, session=session)
    finally:
        await jourbot.close()
