"""The service on loopback for a real browser, Telegram through the offline Bot API, and a
watch on every page the browser opens (console errors, CSP violations, requests elsewhere).

The app runs in the test's own event loop under uvicorn, on a socket bound before the app is
built, so the desk's origin (http://localhost:PORT, a name WebAuthn accepts) is known to the
settings. Chromium is Debian's; nothing is downloaded and nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from playwright.async_api import (
    Browser,
    BrowserContext,
    CDPSession,
    ConsoleMessage,
    Page,
    Request,
)

from bot.app import Jourbot, build
from bot.config import DeskSettings, Settings, TelegramSettings, TwilioSettings
from bot.config_file import CallSettings
from bot.web.webhooks import SECRET_HEADER
from tests.conftest import ROOT, FakeClock
from tests.loopback import loopback_socket, serving
from tests.telegram_fakes import OfflineBotAPI, Person
from tests.twilio_fakes import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, FakeTwilio

CHROMIUM = "/usr/bin/chromium"  # Debian's package; a browser is never downloaded
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SCREENSHOTS = ROOT / "build" / "screenshots"
PUBLIC_URL = "https://bot.example.org"  # where Telegram would post; the tests post themselves
SECRET = "browser-webhook-secret"
VOICE_NUMBER = "+46850000000"  # Västerort's Twilio number with Voice, when calls are on
LINK = re.compile(r"http://localhost:\d+/desk/sign-in/[A-Za-z0-9_-]+")

# Reports a violation of the Content-Security-Policy to the test, whatever the console says.
# Playwright adds it through the DevTools protocol, outside the page's CSP.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolation(event.violatedDirective + " " + event.blockedURI);
});
"""


@dataclass
class LiveDesk:
    """The running service, the Bot API it talks to, and a client that posts as Telegram."""

    jourbot: Jourbot
    api: OfflineBotAPI
    clock: FakeClock
    origin: str  # http://localhost:PORT, the desk's origin
    client: httpx.AsyncClient  # to the loopback address, as Telegram's webhook calls come

    async def telegram(self, update: dict[str, Any]) -> None:
        """Post an update to /telegram and wait until its effects and replies are out."""
        answer = await self.client.post("/telegram", json=update, headers={SECRET_HEADER: SECRET})
        assert answer.status_code == 200, answer.text
        assert self.jourbot.telegram is not None
        await self.jourbot.telegram.update_queue.join()
        await self.jourbot.outbox.drain()

    def last(self, chat: int) -> str:
        """The last text the bot sent to *chat*."""
        return str(self.api.sent(chat)[-1]["text"])

    async def press(self, person: Person, value: str) -> None:
        """Press the button on the last message to *person* whose data ends with *value*."""
        buttons = self.api.buttons(person.chat_id)
        data = next((d for label, d in buttons if value in (label, d) or d.endswith(value)), None)
        assert data is not None, f"no {value!r} in {buttons}"
        message_id = int(self.api.sent(person.chat_id)[-1].get("message_id", 1))
        await self.telegram(person.press(data, message_id))

    async def desk_link(self, person: Person) -> str:
        """Ask the bot for a sign-in link (/desk) and read it off the answer."""
        await self.telegram(person.message("/desk"))
        found = LINK.search(self.last(person.chat_id))
        assert found is not None, self.last(person.chat_id)
        assert found.group(0).startswith(self.origin)
        return found.group(0)

    async def received(self, chat: int, text: str, seconds: float = 5.0) -> str:
        """Wait until the bot sent *chat* a message containing *text*; return it."""
        deadline = asyncio.get_running_loop().time() + seconds
        while True:
            await self.jourbot.outbox.drain()
            sent = [str(m.get("text", "")) for m in self.api.sent(chat)]
            found = [s for s in sent if text in s]
            if found:
                return found[-1]
            assert asyncio.get_running_loop().time() < deadline, f"{text!r} never came: {sent}"
            await asyncio.sleep(0.05)


@asynccontextmanager
async def live_desk(
    settings: Settings, clock: FakeClock, twilio: FakeTwilio | None = None
) -> AsyncIterator[LiveDesk]:
    """Run the service with Telegram (offline Bot API) and the desk on a loopback port; with
    *twilio*, calls too (Västerort's from VOICE_NUMBER), through that fake."""
    listening = loopback_socket()
    port = int(listening.getsockname()[1])
    origin = f"http://localhost:{port}"
    api = OfflineBotAPI()
    configured = replace(
        settings,
        telegram=TelegramSettings("123456:BROWSER-TOKEN", None, PUBLIC_URL, SECRET),
        desk=DeskSettings(origin),
    )
    if twilio is not None:
        configured = replace(
            configured,
            twilio=TwilioSettings(ACCOUNT_SID, AUTH_TOKEN, origin, OUR_NUMBER),
            calls=CallSettings(numbers=(("vasterort", VOICE_NUMBER),)),
        )
    jourbot = await build(
        configured, clock=clock, telegram_request=api, run_scheduler=False,
        http_transport=twilio.transport() if twilio is not None else None,
    )  # fmt: skip
    try:
        async with (
            jourbot.web.router.lifespan_context(jourbot.web),
            serving(jourbot.web, listening) as base,
            httpx.AsyncClient(base_url=base) as client,
        ):
            yield LiveDesk(jourbot, api, clock, origin, client)
    finally:
        listening.close()
        await jourbot.close()


@dataclass
class Watch:
    """What went wrong in the browser, on any page: errors, CSP violations, other hosts."""

    origin: str
    problems: list[str] = field(default_factory=list)
    # Addresses meant to be refused (404, 403, 429): the browser logs it, nothing is wrong.
    expected_refusals: set[str] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)
    also: tuple[str, ...] = ()  # other origins the test itself serves (a site with the widget)

    async def context(self, browser: Browser, **options: Any) -> BrowserContext:
        """A new browser context (its own cookies), watched."""
        context = await browser.new_context(**options)
        await context.expose_binding("__cspViolation", self._violation)
        await context.add_init_script(script=_CSP_LISTENER)
        context.on("request", self._request)
        context.on("console", self._console)
        context.on("weberror", lambda error: self.problems.append(f"page error: {error.error}"))
        return context

    def _violation(self, source: Any, what: str) -> None:
        self.problems.append(f"CSP violation: {what}")

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if f"{parts.scheme}://{parts.netloc}" not in (self.origin, *self.also):
            self.problems.append(f"request outside the desk: {request.url}")

    def _console(self, message: ConsoleMessage) -> None:
        text, where = message.text, str(message.location.get("url", ""))
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.problems.append(f"CSP: {text} ({where})")
        elif message.type == "error":
            if "status of 4" in text and where in self.expected_refusals:
                return
            refresh = where.endswith(("/live", "/desk/board"))
            if "status of 401" in text and refresh:
                return  # a page left open past its session: it reloads itself to sign in
            self.problems.append(f"console error: {text} ({where})")


async def shot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under build/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def virtual_authenticator(page: Page) -> tuple[CDPSession, str]:
    """Give *page* Chromium's virtual passkey authenticator (DevTools WebAuthn domain)."""
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("WebAuthn.enable", {"enableUI": False})
    added = await cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
                "hasUserVerification": True, "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )  # fmt: skip
    return cdp, str(added["authenticatorId"])
