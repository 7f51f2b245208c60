"""A call from the desk's case page in a real headless Chromium (issue 21): at 14:00 the seeker
said evenings only, so the page warns before anything rings; the volunteer calls anyway, the
fake Twilio plays the call through the service on loopback, the page lists the call, and the
volunteer puts its outcome right. Screenshots 29-30 in build/screenshots/."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, expect

from bot.config import Settings
from tests.browser.desk_visit import CORA, VERA, join, seeker_intake, signed_in_page
from tests.browser.harness import VOICE_NUMBER, LiveDesk, Watch, live_desk, shot
from tests.conftest import FakeClock
from tests.telegram_fakes import Person
from tests.twilio_fakes import FakeTwilio, VoiceNetwork

SEEKER = 555123777
VERA_PHONE = "+46701112233"


@pytest.fixture
def twilio() -> FakeTwilio:
    return FakeTwilio()


@pytest.fixture
async def desk(settings: Settings, clock: FakeClock, twilio: FakeTwilio) -> AsyncIterator[LiveDesk]:
    async with live_desk(settings, clock, twilio) as running:
        yield running


async def a_case_for_vera(desk: LiveDesk, ids: dict[str, int]) -> str:
    """A seeker asks on Telegram to be called in the evening; Cora gives the case to Vera."""
    reference = await seeker_intake(desk, SEEKER)
    cora = await desk.jourbot.staff.identify(CORA)
    await desk.jourbot.staff.record_training(cora, ids["Vera"])
    answer = await desk.jourbot.staff.assign(cora, reference, ids["Vera"])
    assert answer.text == "{reference} is now with {name}.", answer
    assert await desk.jourbot.operator.set_staff_phone(ids["Vera"], VERA_PHONE)
    return reference


async def flash_after(page: Page, button: str, form: str) -> str:
    async with page.expect_navigation():
        await page.locator(form).get_by_role("button", name=button, exact=True).click()
    flash = page.locator(".flash")
    await expect(flash).to_be_visible()
    return await flash.inner_text()


async def test_a_volunteer_calls_from_the_case_page(
    desk: LiveDesk, browser: Browser, twilio: FakeTwilio
) -> None:
    watch = Watch(desk.origin)
    ids = await join(desk)
    reference = await a_case_for_vera(desk, ids)
    page = await signed_in_page(desk, watch, browser, Person(VERA, "en", "Vera"))
    await page.goto(f"{desk.origin}/desk/cases/{reference}")
    section = page.locator("section", has=page.get_by_role("heading", name="Call through"))
    await expect(section).to_contain_text("said it is safe to call in the evening")
    await expect(section).to_contain_text(re.compile("•+33"))
    await shot(page, "29-call-warning")

    notice = await flash_after(page, "Call anyway", 'form[action$="/call"]')
    assert "Your phone" in notice and "rings now" in notice
    [placed] = twilio.calls
    assert (placed.to, placed.caller) == (VERA_PHONE, VOICE_NUMBER)
    played = await VoiceNetwork(desk.client).play(placed, "human", seconds=260)
    assert played.hung_up_on_seeker is False

    await page.reload()
    calls = page.get_by_role("table", name="Calls placed for this case")
    await expect(calls).to_contain_text("Reached")
    await expect(calls.locator("tbody td").nth(2)).to_have_text("4")
    await shot(page, "30-call-logged")
    await calls.locator("select").select_option("voicemail")
    notice = await flash_after(page, "Save", 'form[action$="/outcome"]')
    assert notice == f"The call for {reference} is now logged as: Voicemail."
    await expect(page.locator(".history")).to_contain_text("put a call's outcome right")
    assert VERA_PHONE not in await page.locator("body").inner_text()  # her own, masked only
    assert watch.problems == [], "\n".join(watch.problems)
