"""Bring the Telegram bot up beside the running service, retrying while the Bot API fails.

A Bot API that answers 5xx at start-up must not take the whole service down with it: SMS
and the health check are served meanwhile, and Telegram comes up when the Bot API does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from telegram.error import TelegramError

from bot.channels.telegram import TelegramApp
from bot.config import TelegramSettings

log = logging.getLogger(__name__)

FIRST_RETRY = 1.0  # seconds
LAST_RETRY = 60.0


class TelegramStart:
    """Initialise the bot, start it and register the webhook (or start polling), with backoff."""

    def __init__(
        self,
        application: TelegramApp,
        settings: TelegramSettings,
        allowed_updates: list[str],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._application = application
        self._settings = settings
        self._allowed = allowed_updates
        self._sleep = sleep
        self._task: asyncio.Task[None] | None = None
        self._tried = asyncio.Event()  # the first attempt is over, however it went
        self._started = False
        self.state = "starting"  # then "up", or "retrying" while the Bot API fails

    def is_up(self) -> bool:
        """Tell whether updates can be handled and messages sent."""
        return self.state == "up"

    async def begin(self) -> None:
        """Try to bring the bot up now; if that fails, keep trying in the background."""
        self._task = asyncio.create_task(self._run())
        await self._tried.wait()

    async def _run(self) -> None:
        delay = FIRST_RETRY
        while True:
            try:
                await self._start_once()
            # Swallowed on purpose, and retried: the service serves its other channels
            # meanwhile, and /healthz says Telegram is retrying.
            except (TelegramError, OSError) as error:
                self.state = "retrying"
                log.warning(
                    "telegram.start_failed error=%s retry_in_s=%.0f", type(error).__name__, delay
                )
                self._tried.set()
                await self._sleep(delay)
                delay = min(delay * 2, LAST_RETRY)
                continue
            self.state = "up"
            self._tried.set()
            log.info("telegram.started mode=%s", "webhook" if self._settings.webhook else "polling")
            return

    async def _start_once(self) -> None:
        application = self._application
        await application.initialize()  # getMe; does nothing once it has succeeded
        if not self._started:
            await application.start()
            self._started = True
        if self._settings.public_url is not None:
            await application.bot.set_webhook(
                url=self._settings.public_url.rstrip("/") + "/telegram",
                secret_token=self._settings.webhook_secret,
                allowed_updates=self._allowed,
            )
        elif application.updater is not None and not application.updater.running:
            await application.bot.delete_webhook()
            await application.updater.start_polling(allowed_updates=self._allowed)

    async def stop(self) -> None:
        """Stop trying, and stop the bot if it came up."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        application = self._application
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if self._started:
            await application.stop()
        await application.shutdown()
