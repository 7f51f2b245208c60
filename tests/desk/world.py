"""A running service with its desk, staff made through the storage port, and browsers as
httpx clients that keep their own cookies."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import date

import httpx

from bot.app import Jourbot, build
from bot.config import DeskSettings, Settings, TwilioSettings
from bot.config_file import CallSettings
from bot.domain.cases import CaseSource, StaffRole
from bot.domain.model import CallTime, ContactMethod
from bot.services.operator import ReferredCase
from tests.conftest import FakeClock
from tests.twilio_fakes import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, FakeTwilio

DESK_URL = "https://desk.example"
ORG, OTHER_ORG = "vasterort", "stodcentrum"
VOICE_NUMBER = "+46850000000"  # the organisation's Twilio number with Voice
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def flash(page: str) -> str:
    """The notice a page shows after a form was sent (empty if none)."""
    found = re.search(r'<p class="flash" role="status">(.*?)</p>', page, re.S)
    return html.unescape(found.group(1)) if found else ""


@dataclass
class Browser:
    """One browser: its own cookie jar, talking to the app in process."""

    client: httpx.AsyncClient

    async def get(self, path: str, **headers: str) -> httpx.Response:
        return await self.client.get(path, headers=headers)

    async def post(
        self, path: str, data: dict[str, str] | None = None, *, csrf: str | None = "page",
        page: str | None = None, **headers: str,
    ) -> httpx.Response:  # fmt: skip
        """Post a form; with csrf="page", the token is read off *page* (or the board)."""
        form = dict(data or {})
        if csrf == "page":
            html = (await self.get(page or "/desk/account")).text
            found = CSRF.search(html)
            assert found is not None, "no form token on the page"
            form["csrf"] = found.group(1)
        elif csrf is not None:
            form["csrf"] = csrf
        return await self.client.post(path, data=form, headers=headers)


@dataclass
class DeskWorld:
    jourbot: Jourbot
    clock: FakeClock
    staff: dict[str, int] = field(default_factory=dict)
    _clients: list[httpx.AsyncClient] = field(default_factory=list)

    def browser(self) -> Browser:
        transport = httpx.ASGITransport(app=self.jourbot.web)
        client = httpx.AsyncClient(transport=transport, base_url=DESK_URL)
        self._clients.append(client)
        return Browser(client)

    async def add_staff(
        self, name: str, role: StaffRole, org: str = ORG, *, telegram: int, trained: bool = True
    ) -> int:
        async with self.jourbot.units.begin() as unit:
            staff_id = await unit.staff.add(
                org_id=org, role=role, name=name, telegram_id=telegram, locale="en",
                now=self.clock.now(),
            )  # fmt: skip
            if trained:
                await unit.staff.update(staff_id, trained_on=date(2026, 1, 15), languages=("sv",))
        self.staff[name] = staff_id
        return staff_id

    async def case(self, org: str = ORG) -> str:
        """Register a case by hand, with a number to call and safety answers."""
        return await self.jourbot.operator.register_case(
            ReferredCase(
                org_id=org, source=CaseSource.PHONE, locale="sv", phone="+46701234567",
                district_id="jarva", contact=ContactMethod.CALL, call_time=CallTime.DAYTIME,
                voicemail_ok=False, sms_ok=True,
            )
        )  # fmt: skip

    async def sign_in(self, name: str) -> Browser:
        """A staff member opens a fresh link in a new browser and presses Sign in."""
        browser = self.browser()
        link = await self.jourbot.desk.link_for(self.staff[name])
        assert link is not None
        path = link.removeprefix(DESK_URL)
        assert (await browser.get(path)).status_code == 200
        answer = await browser.client.post(path)
        assert answer.status_code == 303, answer.text
        return browser

    async def events(self, reference: str) -> list[tuple[str, str, int | None]]:
        async with self.jourbot.units.begin() as unit:
            case = await unit.cases.by_reference(reference)
            assert case is not None
            return [(e.kind, e.detail, e.staff_id) for e in await unit.cases.events(case.id)]


@asynccontextmanager
async def desk_world(
    settings: Settings, clock: FakeClock, *, twilio: FakeTwilio | None = None
) -> AsyncIterator[DeskWorld]:
    """The service with its desk; with *twilio*, SMS and calls through that fake, the
    organisation placing calls from VOICE_NUMBER."""
    configured = replace(settings, desk=DeskSettings(DESK_URL))
    if twilio is not None:
        configured = replace(
            configured,
            twilio=TwilioSettings(ACCOUNT_SID, AUTH_TOKEN, DESK_URL, OUR_NUMBER),
            calls=CallSettings(numbers=((ORG, VOICE_NUMBER),)),
        )
    transport = twilio.transport() if twilio is not None else None
    jourbot = await build(configured, clock=clock, run_scheduler=False, http_transport=transport)
    world = DeskWorld(jourbot, clock)
    try:
        async with jourbot.web.router.lifespan_context(jourbot.web):
            yield world
    finally:
        for client in world._clients:
            await client.aclose()
        await jourbot.close()
