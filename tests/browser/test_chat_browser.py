"""The web chat in Debian's Chromium: the intake's first steps in Swedish and in Arabic
(right to left), and quick exit leaving no trace (history, cookies, storage)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from playwright.async_api import Browser, Page, expect

from bot.config import Settings
from bot.config_file import WebChatSettings
from tests.browser.harness import LiveDesk, Watch, live_desk, shot
from tests.conftest import FakeClock

EXIT = "about:blank"  # in production an https:// site; the test's network is closed


@pytest.fixture
async def desk(settings: Settings, clock: FakeClock) -> AsyncIterator[LiveDesk]:
    neutral = replace(settings, webchat=WebChatSettings("Väder", EXIT))
    async with live_desk(neutral, clock) as running:
        yield running


async def opened(desk: LiveDesk, watch: Watch, browser: Browser, lang: str, width: int) -> Page:
    context = await watch.context(browser, viewport={"width": width, "height": 800})
    page = await context.new_page()
    await page.goto(f"{desk.origin}/chat?lang={lang}")
    return page


async def test_the_intake_begins_in_swedish_and_in_arabic_right_to_left(
    desk: LiveDesk, browser: Browser
) -> None:
    watch = Watch(desk.origin)
    swedish = await opened(desk, watch, browser, "sv", 1024)
    await desk.jourbot.outbox.drain()
    await expect(swedish.locator("#log li").first).to_be_visible(timeout=10_000)
    await expect(swedish.locator("html")).to_have_attribute("dir", "ltr")
    buttons = swedish.locator("#choices button")
    await expect(buttons.first).to_be_visible()
    before = await swedish.locator("#log li").count()
    await buttons.first.click()  # the seeker answers with a button
    await desk.jourbot.outbox.drain()
    await expect(swedish.locator("#log li")).not_to_have_count(before, timeout=10_000)
    await shot(swedish, "20-chat-sv")

    arabic = await opened(desk, watch, browser, "ar", 320)
    await desk.jourbot.outbox.drain()
    await expect(arabic.locator("#log li").first).to_be_visible(timeout=10_000)
    await expect(arabic.locator("html")).to_have_attribute("dir", "rtl")
    await expect(arabic.locator("#log li").first).to_have_attribute("dir", "rtl")
    width = await arabic.evaluate("document.documentElement.scrollWidth")
    assert width <= 320  # nothing scrolls sideways on a small phone
    await shot(arabic, "21-chat-ar-320px")
    for context in browser.contexts:
        await context.close()
    assert watch.problems == [], "\n".join(watch.problems)


async def test_quick_exit_leaves_no_trace(desk: LiveDesk, browser: Browser) -> None:
    watch = Watch(desk.origin)
    page = await opened(desk, watch, browser, "sv", 1024)
    await desk.jourbot.outbox.drain()
    await expect(page.locator("#log li").first).to_be_visible(timeout=10_000)
    assert await page.evaluate("sessionStorage.length") == 1  # the open tab's chat token
    length = await page.evaluate("history.length")
    await page.keyboard.press("Escape")
    await page.keyboard.press("Escape")
    await page.keyboard.press("Escape")  # three times: out
    await page.wait_for_url(EXIT)
    assert await page.evaluate("history.length") == length  # replaced, not a new entry
    assert await page.context.cookies() == []
    check = await page.context.new_page()  # the chat's own origin, in the same browser
    watch.expected_404.add(f"{desk.origin}/favicon.ico")  # /healthz is JSON: no icon named
    await check.goto(f"{desk.origin}/healthz")
    assert await check.evaluate("localStorage.length") == 0
    assert await check.evaluate("sessionStorage.length") == 0
    for context in browser.contexts:
        await context.close()
    assert watch.problems == [], "\n".join(watch.problems)
