"""The web chat for everyone: axe-core (vendored, run inside the page) finds nothing serious
in Swedish or Arabic, on a small phone or a desktop, as it opens, after an answer and with
the connection lost; a seeker with only a keyboard can leave, answer and write, and sees
where the focus is."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, Route, expect
from playwright.async_api import Error as PlaywrightError

from bot.config import Settings
from bot.config_file import WebChatSettings
from tests.browser.harness import LiveDesk, Watch, live_desk, shot
from tests.conftest import FakeClock

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
EXIT = "about:blank"  # in production an https:// site; the test's network is closed
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
OWN_NAME = {"sv": "Svenska", "ar": "العربية"}  # the first question asks for a language
NAMED = re.compile(r"\S")
# axe.run's promise, awaited by Playwright; only what a failure message needs comes back.
_RUN_AXE = """
async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((n) => n.target.join(" ")),
  }));
}
"""
# The focused element's outline, and the colour it is drawn on (the nearest ancestor with a
# background: the outline sits outside the element, 2px away).
_FOCUS = """
() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  let under = element.parentElement;
  while (under && getComputedStyle(under).backgroundColor === "rgba(0, 0, 0, 0)") {
    under = under.parentElement;
  }
  return {
    id: element.id, tag: element.tagName.toLowerCase(), text: element.textContent,
    style: style.outlineStyle, width: style.outlineWidth, colour: style.outlineColor,
    under: under ? getComputedStyle(under).backgroundColor : "rgb(255, 255, 255)",
  };
}
"""


@dataclass
class News:
    """Stands between the page and GET /chat/news: holds its answers, or loses them."""

    flowing: asyncio.Event = field(default_factory=asyncio.Event)
    lost: bool = False

    def __post_init__(self) -> None:
        self.flowing.set()

    async def relay(self, route: Route) -> None:
        """Fetch the answer, wait while held, then hand it on (or fail as a lost network)."""
        try:
            answer = await route.fetch()
            await self.flowing.wait()
            if self.lost:
                await route.abort()
            else:
                await route.fulfill(response=answer)
        # Swallowed on purpose: a read still waiting when the page closes has no one to answer.
        except PlaywrightError:
            pass


@pytest.fixture
async def desk(settings: Settings, clock: FakeClock) -> AsyncIterator[LiveDesk]:
    neutral = replace(settings, webchat=WebChatSettings("Väder", EXIT))
    async with live_desk(neutral, clock) as running:
        yield running


async def opened(
    desk: LiveDesk, watch: Watch, browser: Browser, news: News, lang: str, width: int
) -> Page:
    """The chat page in *lang* at *width* pixels, its reads through *news*, the first
    question and its buttons shown."""
    context = await watch.context(browser, viewport={"width": width, "height": 800})
    page = await context.new_page()
    # The page's stream of events is refused, so it reads by long polling, which the test
    # can hold back or lose one answer at a time.
    await page.route("**/chat/events?*", lambda route: route.abort())
    await page.route("**/chat/news?*", news.relay)
    response = await page.goto(f"{desk.origin}/chat?lang={lang}")
    assert response is not None
    assert "script-src 'self';" in response.headers["content-security-policy"]  # in force
    await desk.jourbot.outbox.drain()
    await expect(page.locator("#log li").first).to_be_visible(timeout=10_000)
    await expect(page.locator("#choices button").first).to_be_visible()
    return page


async def closed(browser: Browser, watch: Watch) -> list[str]:
    """Close every page; return what went wrong, but for reads the test itself cut off."""
    for context in browser.contexts:
        for page in context.pages:
            await page.unroute_all(behavior="ignoreErrors")
        await context.close()
    cut = re.compile(
        r"console error: Failed to load resource: net::ERR_FAILED \(.*/chat/(news|events)\?"
    )
    return [problem for problem in watch.problems if not cut.match(problem)]


async def answered(desk: LiveDesk, page: Page, key: str = "", name: str = "") -> None:
    """Press *key* on the focused choice, or click the one called *name*; wait for the next
    question and its choices."""
    before = await page.locator("#log li").count()
    if name:
        await page.get_by_role("button", name=name, exact=True).click()
    else:
        await page.keyboard.press(key)
    await desk.jourbot.outbox.drain()
    await expect(page.locator("#log li")).not_to_have_count(before, timeout=10_000)
    await expect(page.locator("#choices button").first).to_be_visible()


async def serious(page: Page) -> str:
    """What axe-core finds serious or critical on *page*, a paragraph a rule, else ''.

    The script goes in through DevTools (evaluate), so the page's Content-Security-Policy
    stays in force: no script tag is added and nothing bypasses the policy."""
    if await page.evaluate("typeof axe === 'undefined'"):
        await page.evaluate(AXE.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = await page.evaluate(_RUN_AXE, TAGS)
    return "\n".join(
        f"{v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(v["targets"])
        for v in found
        if v["impact"] in ("serious", "critical")
    )


def contrast(one: str, other: str) -> float:
    """The WCAG contrast ratio of two CSS rgb() colours."""

    def luminance(colour: str) -> float:
        red, green, blue = (int(c) / 255 for c in re.findall(r"\d+", colour)[:3])
        linear = [
            c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)
        ]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


async def focused(page: Page) -> dict[str, str]:
    """The focused element, after checking that its focus shows (3:1 against what is under)."""
    focus: dict[str, str] = await page.evaluate(_FOCUS)
    assert focus["tag"] != "body", "the focus was lost"
    assert focus["style"] != "none" and focus["width"] != "0px", focus
    assert contrast(focus["colour"], focus["under"]) >= 3, focus
    return focus


async def tabbed(page: Page, key: str, to: str) -> None:
    """Press *key* (Tab or Shift+Tab) until the element with id *to* has the focus, each stop
    on the way showing it."""
    for _ in range(40):
        if (await focused(page))["id"] == to:
            return
        await page.keyboard.press(key)
    raise AssertionError(f"{key} never reached #{to}")


@pytest.mark.parametrize("lang", ["sv", "ar"])
@pytest.mark.parametrize("width", [320, 1280])
async def test_axe_finds_nothing_serious(
    desk: LiveDesk, browser: Browser, lang: str, width: int
) -> None:
    """As the page opens, after an answer (several messages) and with the connection lost."""
    watch, news = Watch(desk.origin), News()
    page = await opened(desk, watch, browser, news, lang, width)
    assert await serious(page) == ""

    await answered(desk, page, name=OWN_NAME[lang])
    assert await page.locator("#log li").count() > 2
    assert await serious(page) == ""
    assert await page.evaluate("document.documentElement.scrollWidth") <= width
    await shot(page, f"22-chat-axe-{lang}-{width}px")

    news.lost = True  # the answer to the next press never comes
    before = await page.locator("#log li").count()
    await page.locator("#choices button").first.click()
    await expect(page.locator("#status")).not_to_be_empty(timeout=10_000)
    assert await serious(page) == ""
    assert await page.evaluate("document.documentElement.scrollWidth") <= width
    await shot(page, f"23-chat-lost-{lang}-{width}px")
    news.lost = False  # the page asks again, and the lost answer comes
    await expect(page.locator("#status")).to_be_empty(timeout=10_000)
    await expect(page.locator("#log li")).not_to_have_count(before)
    assert await closed(browser, watch) == []


async def test_a_keyboard_alone_leaves_answers_and_writes(desk: LiveDesk, browser: Browser) -> None:
    """Tab, Shift+Tab, Enter, Space and typing reach everything; the focus always shows,
    follows the seeker's answers, and stays where they type."""
    watch, news = Watch(desk.origin), News()
    page = await opened(desk, watch, browser, news, "sv", 1280)
    await expect(page.locator("#log")).to_have_attribute("aria-live", "polite")
    await expect(page.locator("#log")).to_have_accessible_name(NAMED)
    await expect(page.locator("#text")).to_have_accessible_name(NAMED)
    await expect(page.locator("#status")).to_have_attribute("role", "status")
    for button in await page.get_by_role("button").all():
        await expect(button).to_have_accessible_name(NAMED)

    await page.keyboard.press("Tab")
    assert (await focused(page))["id"] == "exit"
    await page.keyboard.press("Tab")
    assert (await focused(page))["text"] == "Svenska"
    await answered(desk, page, key="Enter")
    await expect(page.locator("#choices button")).to_have_text(["Ja", "Nej"])
    assert (await focused(page))["text"] == "Ja"  # the focus moved to the new choices
    await shot(page, "24-chat-keyboard")
    await answered(desk, page, key="Space")
    first = await page.locator("#choices button").first.text_content()
    assert (await focused(page))["text"] == first

    news.flowing.clear()  # the next answer waits until the seeker is typing
    before = await page.locator("#log li").count()
    await page.keyboard.press("Enter")
    await tabbed(page, "Tab", "text")
    await page.keyboard.type("Jag vill inte")
    news.flowing.set()
    await desk.jourbot.outbox.drain()
    await expect(page.locator("#log li")).not_to_have_count(before, timeout=10_000)
    assert (await focused(page))["id"] == "text"  # not taken away while typing
    await expect(page.locator("#text")).to_have_value("Jag vill inte")

    await page.keyboard.press("Tab")
    assert (await focused(page))["text"] == "Skicka"
    await page.keyboard.press("Enter")
    await expect(page.locator("#log li.mine")).to_have_text(["Jag vill inte"])
    await expect(page.locator("#text")).to_have_value("")
    await page.keyboard.press("Shift+Tab")
    assert (await focused(page))["id"] == "text"
    await tabbed(page, "Shift+Tab", "exit")
    await page.keyboard.press("Enter")  # quick exit
    await page.wait_for_url(EXIT)
    assert await closed(browser, watch) == []
