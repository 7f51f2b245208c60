"""Composition root: build every object from the settings, and run the service."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import logging
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.routing import BaseRoute
from telegram.request import BaseRequest

from bot.channels.console import run_console
from bot.channels.senders import TelegramSender, TextSender
from bot.channels.sms import TextAdapter
from bot.channels.telegram import (
    ALLOWED_UPDATES,
    TelegramApp,
    add_handlers,
    telegram_application,
)
from bot.channels.telegram_start import TelegramStart
from bot.channels.twilio_api import TWILIO_API_URL, TwilioGateway
from bot.channels.voice import TwilioVoice
from bot.channels.webchat import Waiters, WebChatAdapter, WebChatSender
from bot.config import Settings, require_encryption
from bot.domain.conversation import Language
from bot.domain.model import Channel
from bot.i18n import Catalogs, default_locales_dir, load_information
from bot.ports import Clock, Sender, SystemClock, VoiceGateway
from bot.scheduler import build_scheduler
from bot.services.calls import CallService
from bot.services.delivery import DeliveryService
from bot.services.desk_access import DeskAccess
from bot.services.intake import IntakeService
from bot.services.operator import OperatorService
from bot.services.outbox import Outbox, Pacer
from bot.services.passkeys import Passkeys, RelyingParty
from bot.services.reminders import ReminderService
from bot.services.reports import ReportService
from bot.services.retention import RetentionService
from bot.services.staff import StaffService
from bot.services.staff_stats import StaffStats
from bot.services.web_return import WebReturn
from bot.storage.crypto import Cipher
from bot.storage.database import Database
from bot.storage.keyring import KeyringError
from bot.storage.units import Units
from bot.web.app import build_web
from bot.web.chat import ChatRoutes
from bot.web.desk.context import DeskContext
from bot.web.desk.gate import Gate
from bot.web.desk.routes import desk_routes
from bot.web.pages import Pages
from bot.web.twilio_forms import TwilioForms
from bot.web.voice_hooks import VoiceHooks
from bot.web.webhooks import TwilioWebhooks, telegram_webhook

log = logging.getLogger(__name__)


@dataclass
class Core:
    """What every process of Jourbot works with: storage, catalogs, the outbox, the services.

    The service adds its channels and web app to it; an operator command uses it as is
    (what a command queues, the running service's outbox worker sends).
    """

    settings: Settings
    clock: Clock
    database: Database
    units: Units
    catalogs: Catalogs
    outbox: Outbox
    intake: IntakeService
    staff: StaffService
    reminders: ReminderService
    retention: RetentionService
    reports: ReportService
    operator: OperatorService
    desk: DeskAccess
    calls: CallService

    async def close(self) -> None:
        """Close the database."""
        await self.database.close()


@dataclass
class Jourbot(Core):
    """The running service: the core, its channels and its web app."""

    telegram: TelegramApp | None
    texts: TextAdapter | None
    web: Starlette
    http: httpx.AsyncClient

    async def close(self) -> None:
        """Close the HTTP client and the database."""
        await self.http.aclose()
        await super().close()


async def schema_version(settings: Settings) -> int:
    """Bring the database up to date (`jourbot migrate`) and return its schema version."""
    database = await Database.open(settings.db_path)
    try:
        return await database.schema_version()
    finally:
        await database.close()


async def open_core(
    settings: Settings,
    *,
    clock: Clock | None = None,
    senders: Mapping[Channel, Sender] | None = None,
    voice: VoiceGateway | None = None,
    locales_dir: Path | None = None,
    catalogs: Catalogs | None = None,
) -> Core:
    """Open the database (checking the keys) and build the services around one outbox.

    Without *senders* (an operator command) the outbox only queues.
    """
    clock = clock or SystemClock()
    locales = locales_dir or default_locales_dir()
    catalogs = catalogs or Catalogs(locales, settings.partnership.timezone)
    database = await Database.open(settings.db_path, settings.synchronous)
    try:
        units = await Units.open(database, Cipher(list(settings.secret_keys)))
    except KeyringError:
        await database.close()
        raise
    languages = tuple(Language(code, catalogs.native_name(code)) for code in catalogs.codes)
    limits = settings.send_limits
    pacers = {
        Channel.TELEGRAM: Pacer(limits.telegram_per_second, limits.telegram_chat_interval),
        Channel.SMS: Pacer(limits.sms_per_second, 0.0),
        Channel.WHATSAPP: Pacer(limits.sms_per_second, 0.0),
    }
    outbox = Outbox(units, clock, dict(senders or {}), pacers, retries=settings.retries)
    partnership = settings.partnership
    staff = StaffService(units, clock, partnership, outbox.wake, settings=settings.staff)
    intake = IntakeService(
        units,
        clock,
        partnership,
        languages,
        settings.default_locale,
        outbox=outbox,
        listener=staff,
        screen=staff,
        label=lambda locale, msgid: catalogs.translator(locale).gettext(msgid),
        information=load_information(locales, catalogs.codes),
        retention=settings.retention,
    )
    return Core(
        settings=settings,
        clock=clock,
        database=database,
        units=units,
        catalogs=catalogs,
        outbox=outbox,
        intake=intake,
        staff=staff,
        reminders=ReminderService(units, clock, partnership, outbox.wake, settings=settings.staff),
        retention=RetentionService(units, clock, settings.retention),
        reports=ReportService(units, partnership),
        operator=OperatorService(units, clock, partnership, listener=staff),
        desk=DeskAccess(units, clock, settings.desk.limits, settings.desk.url),
        calls=CallService(
            units,
            clock,
            partnership,
            outbox.wake,
            settings=settings.staff,
            calls=settings.calls,
            voice=voice,
        ),
    )


@asynccontextmanager
async def operating(settings: Settings) -> AsyncIterator[Core]:
    """Give an operator command the core, closed when the command is done."""
    core = await open_core(settings)
    try:
        yield core
    finally:
        await core.close()


async def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    telegram_request: BaseRequest | None = None,
    http_transport: httpx.AsyncBaseTransport | None = None,
    locales_dir: Path | None = None,
    run_scheduler: bool = True,
) -> Jourbot:
    """Wire the core, the channels and the web app from *settings*."""
    # PTB 22 warns, even while building the exception, that RetryAfter.retry_after becomes a
    # timedelta in its next major version; opting in silences that (the sender reads both).
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    catalogs = Catalogs(locales_dir or default_locales_dir(), settings.partnership.timezone)
    # Created here, inside the running loop, and closed with the application.
    http = httpx.AsyncClient(transport=http_transport, timeout=httpx.Timeout(10.0))

    # The senders first: the outbox needs them, and every service needs the outbox.
    senders: dict[Channel, Sender] = {}
    telegram: TelegramApp | None = None
    starter: TelegramStart | None = None
    if settings.telegram is not None:
        telegram = telegram_application(
            settings.telegram.token,
            api_url=settings.telegram.api_url,
            polling=not settings.telegram.webhook,
            request=telegram_request,
            read_timeout=settings.telegram.read_timeout,
        )
        starter = TelegramStart(telegram, settings.telegram, ALLOWED_UPDATES)
        senders[Channel.TELEGRAM] = TelegramSender(telegram.bot, catalogs, starter.is_up)
    if settings.twilio is not None:
        t = settings.twilio
        gateway = TwilioGateway(
            http,
            account_sid=t.account_sid,
            auth_token=t.auth_token,
            from_number=t.from_number,
            messaging_service_sid=t.messaging_service_sid,
            status_callback=f"{t.public_url.rstrip('/')}/twilio/status",
            api_url=t.api_url or TWILIO_API_URL,
        )
        senders[Channel.SMS] = senders[Channel.WHATSAPP] = TextSender(gateway, catalogs)
    voice = _voice(settings, http)
    try:
        core = await open_core(
            settings, clock=clock, senders=senders, voice=voice, locales_dir=locales_dir,
            catalogs=catalogs,
        )  # fmt: skip
    except BaseException:
        await http.aclose()
        raise
    outbox, intake, staff = core.outbox, core.intake, core.staff
    # The web chat keeps what it sends in the database, so its sender comes after the core.
    waiters = Waiters()
    outbox.add_sender(Channel.WEBCHAT, WebChatSender(core.units, catalogs, core.clock, waiters))
    returns = WebReturn(core.units, outbox, core.clock)
    chat = ChatRoutes(
        WebChatAdapter(intake, core.units, waiters, returns, core.clock), core.clock,
        Pages(catalogs), settings.webchat, settings.default_locale,
        _origin(settings.desk.public_url),
    )  # fmt: skip
    reminders, retention = core.reminders, core.retention

    webhook = None
    if telegram is not None and starter is not None and settings.telegram is not None:
        stats = StaffStats(core.reports, catalogs, settings.partnership, core.clock)
        add_handlers(
            telegram, intake, catalogs, outbox, staff=staff, stats=stats, desk=core.desk,
            calls=core.calls,
        )  # fmt: skip
        if settings.telegram.webhook_secret is not None:
            webhook = telegram_webhook(telegram, settings.telegram.webhook_secret, starter.is_up)

    texts: TextAdapter | None = None
    twilio: TwilioWebhooks | None = None
    if settings.twilio is not None:
        delivery = DeliveryService(core.units, core.clock)
        texts = TextAdapter(intake, outbox, catalogs)
        twilio = TwilioWebhooks(
            settings.twilio.auth_token,
            settings.twilio.public_url.rstrip("/"),
            texts.receive,
            delivery.update_status,
        )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            # Undone in reverse on the way out: the texts accepted finish their turns, the
            # outbox delivers what is due, and only then does Telegram stop (stopped first,
            # every queued Telegram message failed as "not started" and the stop never ended).
            if starter is not None:
                stack.push_async_callback(starter.stop)
            await outbox.recover()
            worker = asyncio.create_task(outbox.run())
            stack.push_async_callback(_stop, worker, outbox)
            if texts is not None:
                stack.push_async_callback(texts.drain)  # finish what was accepted
                await texts.recover()
            if starter is not None:
                await starter.begin()
            if texts is not None:
                log.info("sms.started")
            if run_scheduler:
                scheduler = build_scheduler(
                    settings.partnership.timezone,
                    # Reminders reach staff on Telegram; without it there is no one to remind.
                    sweep=reminders.sweep_all if telegram is not None else None,
                    minutes=settings.sweep_minutes,
                    purge=retention.purge,
                )
                scheduler.start()
                stack.callback(scheduler.shutdown, wait=False)
            yield

    def health() -> dict[str, str]:
        parts = {"outbox": "failing" if outbox.failing else "ok"}
        if starter is not None:
            parts["telegram"] = starter.state
        if texts is not None:
            parts["sms"] = "up"
        return parts

    web = build_web(
        lifespan, health, telegram=webhook, twilio=twilio, desk=_desk(core), chat=chat.routes(),
        chat_framed_on=settings.webchat.embed_on, voice=_voice_hooks(core, voice),
    )  # fmt: skip
    fields = {f.name: getattr(core, f.name) for f in dataclasses.fields(Core)}
    return Jourbot(**fields, telegram=telegram, texts=texts, web=web, http=http)


def _voice(settings: Settings, http: httpx.AsyncClient) -> TwilioVoice | None:
    """Twilio Voice, when Twilio is configured and some organisation has a voice number."""
    t = settings.twilio
    if t is None or not settings.calls.numbers:
        return None
    return TwilioVoice(
        http,
        account_sid=t.account_sid,
        auth_token=t.auth_token,
        public_url=t.public_url,
        ring_seconds=settings.calls.ring_volunteer_seconds,
        api_url=t.api_url or TWILIO_API_URL,
    )


def _voice_hooks(core: Core, voice: TwilioVoice | None) -> list[BaseRoute]:
    """The routes Twilio Voice calls, when calls are placed at all."""
    t = core.settings.twilio
    if voice is None or t is None:
        return []
    forms = TwilioForms(t.auth_token, t.public_url)
    return list(VoiceHooks(forms, core.calls, t.public_url).routes())


def _origin(url: str) -> str:
    """Return the origin (scheme and host) of the service's public address."""
    public = urlsplit(url)
    return f"{public.scheme}://{public.netloc}"


def _desk(core: Core) -> list[BaseRoute]:
    """The staff desk's routes, on the core's services."""
    public = urlsplit(core.settings.desk.public_url)
    origin = _origin(core.settings.desk.public_url)
    party = RelyingParty(rp_id=public.hostname or "localhost", origin=origin)
    context = DeskContext(
        staff=core.staff,
        access=core.desk,
        passkeys=Passkeys(core.units, core.clock, core.desk, party),
        reports=core.reports,
        pages=Pages(core.catalogs),
        gate=Gate(core.desk, origin, core.clock),
        partnership=core.settings.partnership,
        clock=core.clock,
        calls=core.calls,
        supervision_months=core.settings.supervision_months,
    )
    return desk_routes(context)


async def _stop(worker: asyncio.Task[None], outbox: Outbox) -> None:
    """Stop the outbox worker after delivering what is due (the rest waits in the table)."""
    worker.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await worker
    with contextlib.suppress(Exception):  # shutting down: what is left stays queued
        await outbox.drain()


def has_channel_credentials(settings: Settings) -> bool:
    """Tell whether any channel other than the console is configured."""
    return settings.telegram is not None or settings.twilio is not None


async def serve(settings: Settings) -> None:
    """Run the web server and every configured channel until stopped."""
    require_encryption(settings)
    for name in settings.unconfirmed:
        log.warning("config.unconfirmed %s (marked FILL IN in the configuration)", name)
    jourbot = await build(settings)
    # What start-up built (catalogs, frameworks, routes) lives as long as the process. Left
    # to the collector, each full collection walks all of it with the event loop stopped:
    # 30-45 ms here, the slowest answers to Twilio's webhooks under a burst. Frozen, it is
    # never walked again; only what the running service makes is.
    gc.collect()
    gc.freeze()
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
