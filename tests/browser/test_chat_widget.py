"""The widget on an association's own site, in Chromium: the site (another origin, on
loopback) includes one script; its button opens the chat in a frame over the page, and quick
exit in the chat, or Escape three times on the site, replaces the site's page too, adding
nothing to the history and ending the chat on the server. With data-open="tab" the chat opens
in a tab of its own instead."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import pytest
from playwright.async_api import Browser, Page, expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from bot.config import Settings
from bot.config_file import WebChatSettings
from tests.browser.harness import LiveDesk, Watch, live_desk, shot
from tests.browser.test_chat_browser import EXIT, closed_on_the_server
from tests.conftest import FakeClock
from tests.loopback import loopback_socket, serving

SITE_PAGE = """<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>Brottsofferjouren</title>
<link rel="icon" href="data:,"></head>
<body><h1>Brottsofferjouren Västerort</h1><p>Vi hjälper dig som utsatts för brott.</p>
<script src="{chat}/chat/widget.js?lang=sv" {tab} async></script></body></html>"""


@dataclass
class Site:
    """The association's site and the chat service, each on its own loopback origin."""

    desk: LiveDesk
    origin: str


@pytest.fixture
async def site(settings: Settings, clock: FakeClock) -> AsyncIterator[Site]:
    listening = loopback_socket()
    origin = f"http://127.0.0.1:{listening.getsockname()[1]}"
    chat = WebChatSettings(title="Väder", exit_url=EXIT, embed_on=(origin,))
    async with live_desk(replace(settings, webchat=chat), clock) as desk:

        async def page(request: Request) -> HTMLResponse:
            tab = 'data-open="tab"' if request.query_params.get("open") == "tab" else ""
            # A strict site: the chat's origin for the script and the frame, nothing inline.
            policy = f"default-src 'self'; img-src data:; script-src {desk.origin}; " + (
                f"frame-src {desk.origin}; style-src 'self'"
            )
            return HTMLResponse(
                SITE_PAGE.format(chat=desk.origin, tab=tab),
                headers={"Content-Security-Policy": policy},
            )

        async with serving(Starlette(routes=[Route("/", page)]), listening):
            yield Site(desk, origin)
    listening.close()


async def opened_chat(site: Site, watch: Watch, browser: Browser) -> tuple[Page, str, int]:
    """The site's page with the chat opened in its frame and answered once; the page, the
    frame's pass, and the history's length before the chat.

    Chromium refuses storage to a frame from another site here, as browsers that block
    third-party storage do: the chat keeps its pass in memory then.
    """
    context = await watch.context(browser, viewport={"width": 1024, "height": 800})
    page = await context.new_page()
    await page.goto(site.origin)
    length = await page.evaluate("history.length")
    async with page.expect_response(lambda answer: answer.url.endswith("/chat/start")) as start:
        await page.get_by_role("button", name="Chatta med oss").click()
    chat_pass = str((await (await start.value).json())["chat"])
    chat = page.frame_locator("iframe[title='Chatta med oss']")
    await site.desk.jourbot.outbox.drain()
    await expect(chat.locator("#log li").first).to_be_visible(timeout=10_000)
    await chat.locator('#choices button[data-value="sv"]').click()
    await site.desk.jourbot.outbox.drain()
    await expect(chat.locator('#choices[data-step="consent"]')).to_be_attached(timeout=10_000)
    return page, chat_pass, length


async def test_quick_exit_in_the_frame_replaces_the_sites_page(
    site: Site, browser: Browser
) -> None:
    watch = Watch(site.desk.origin, also=(site.origin,))
    page, chat_pass, length = await opened_chat(site, watch, browser)
    await shot(page, "28-chat-widget-frame")
    await page.frame_locator("iframe").get_by_role("button", name="Lämna sidan snabbt").click()
    await page.wait_for_url(EXIT)  # the site's page, not only the frame
    assert await page.evaluate("history.length") == length
    assert await closed_on_the_server(site.desk, chat_pass)
    assert await page.context.cookies() == []
    for context in browser.contexts:
        await context.close()
    assert watch.problems == [], "\n".join(watch.problems)


async def test_escape_three_times_on_the_site_leaves_too(site: Site, browser: Browser) -> None:
    watch = Watch(site.desk.origin, also=(site.origin,))
    page, _, length = await opened_chat(site, watch, browser)
    await page.locator("h1").click()  # the site's page has the focus, not the chat
    for _ in range(3):
        await page.keyboard.press("Escape")
    await page.wait_for_url(EXIT)
    assert await page.evaluate("history.length") == length
    for context in browser.contexts:
        await context.close()
    assert watch.problems == [], "\n".join(watch.problems)


async def test_the_chat_opens_in_a_tab_of_its_own_when_the_site_asks(
    site: Site, browser: Browser
) -> None:
    watch = Watch(site.desk.origin, also=(site.origin,))
    context = await watch.context(browser)
    page = await context.new_page()
    await page.goto(f"{site.origin}/?open=tab")
    async with context.expect_page() as opening:
        await page.get_by_role("button", name="Chatta med oss").click()
    tab = await opening.value
    await tab.wait_for_load_state()
    assert tab.url == f"{site.desk.origin}/chat?lang=sv"
    assert await tab.evaluate("window.opener") is None  # the site cannot reach into it
    await site.desk.jourbot.outbox.drain()
    await expect(tab.locator("#log li").first).to_be_visible(timeout=10_000)
    await expect(page.locator("iframe")).to_have_count(0)
    await context.close()
    assert watch.problems == [], "\n".join(watch.problems)
