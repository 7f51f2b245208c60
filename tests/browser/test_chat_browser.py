"""The web chat in Debian's Chromium: the intake in Swedish and in Arabic (right to left), the
case reaching the coordinator and her message reaching the page, quick exit leaving no trace
(history, cookies, storage, the pass on the server), and coming back in another browser with
the case number and the code, wrong codes refused and locked out."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from playwright.async_api import Browser, Page, expect

from bot.channels.webchat import pass_hash
from bot.config import Settings
from bot.config_file import WebChatSettings
from bot.domain.questions import Step
from tests.browser.desk_visit import CORA, join, signed_in_page
from tests.browser.harness import LiveDesk, Watch, live_desk, shot
from tests.conftest import FakeClock
from tests.intake_script import CHAT_INTAKE, TYPED
from tests.telegram_fakes import Person

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
    watch.expected_refusals.add(f"{desk.origin}/favicon.ico")  # /healthz is JSON: no icon named
    await check.goto(f"{desk.origin}/healthz")
    assert await check.evaluate("localStorage.length") == 0
    assert await check.evaluate("sessionStorage.length") == 0
    for context in browser.contexts:
        await context.close()
    assert watch.problems == [], "\n".join(watch.problems)


TO_SEEKER = "Hej! Jag heter Cora och är din stödperson. Skriv här när det passar dig."
LATER = "Jag skriver igen i morgon förmiddag."
CODE = re.compile(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}")
REFERENCE = re.compile(r"\b[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}\b")


async def answer_intake(desk: LiveDesk, page: Page, lang: str) -> tuple[str, str]:
    """Answer the whole intake in the page, asking to be written to here; return the case
    reference and the code the page shows at the end."""
    for step, value in CHAT_INTAKE:
        if step is Step.LANGUAGE:
            value = lang
        await expect(page.locator(f'#choices[data-step="{step}"]')).to_be_attached(timeout=10_000)
        if step in TYPED:
            await page.locator("#text").fill(value)
            await page.locator("#say button[type=submit]").click()
        else:
            await page.locator(f'#choices button[data-value="{value}"]').click()
        await desk.jourbot.outbox.drain()
    code = page.locator("#log li").filter(has_text=CODE)
    await expect(code).to_have_count(1, timeout=10_000)
    text = await code.inner_text()
    found, reference = (
        CODE.search(text),
        re.search(r"\b[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}\b", text),
    )
    assert found is not None and reference is not None, text
    return reference.group(0), found.group(0)


async def closed_on_the_server(desk: LiveDesk, chat_pass: str) -> bool:
    """Whether the pass the page held is over (the page's last request may still be on its way)."""
    for _ in range(100):
        async with desk.jourbot.units.lookup() as unit:
            if await unit.webchat.holder(pass_hash(chat_pass)) is None:
                return True
        await asyncio.sleep(0.05)
    return False


@pytest.mark.parametrize("lang", ["sv", "ar"])
async def test_a_seeker_is_answered_leaves_and_comes_back_in_another_browser(
    desk: LiveDesk, browser: Browser, lang: str
) -> None:
    """The whole intake in the browser; the case reaches the coordinator; her message comes
    to the page; quick exit leaves nothing and ends the chat on the server; another browser
    opens the conversation again with the case number and the code, after wrong codes are
    refused and then locked out."""
    ids = await join(desk)
    watch = Watch(desk.origin)
    page = await opened(desk, watch, browser, lang, 390)
    reference, code = await answer_intake(desk, page, lang)
    await expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    await shot(page, f"25-chat-{lang}-case-and-code")

    # The coordinator hears of it on Telegram and sees it on her board.
    await desk.received(CORA, f"New case {reference}")
    board = await signed_in_page(desk, watch, browser, Person(CORA, "en", "Cora"))
    await expect(board.locator("#board")).to_contain_text(reference)
    cora = await desk.jourbot.staff.identify(CORA)
    assert cora is not None and cora.id == ids["Cora"]
    await desk.jourbot.staff.relay(cora, reference, TO_SEEKER)
    await desk.jourbot.outbox.drain()
    await expect(page.locator("#log")).to_contain_text(TO_SEEKER, timeout=10_000)
    await shot(page, f"26-chat-{lang}-volunteer")

    # The seeker asks for a copy of what we keep about them: it comes to the page.
    title = desk.jourbot.catalogs.translator(lang).gettext("What we keep about you:")
    await page.locator("#text").fill("/mydata")
    await page.locator("#say button[type=submit]").click()
    await desk.jourbot.outbox.drain()
    copy = page.locator("#log li").filter(has_text=title)
    await expect(copy).to_contain_text(reference, timeout=10_000)
    await expect(page.locator("#log")).to_contain_text(TO_SEEKER)
    await copy.scroll_into_view_if_needed()
    await shot(page, f"34-chat-{lang}-my-data")

    # Quick exit: the page is replaced, nothing is left in the browser, the pass is over.
    chat_pass = await page.evaluate("sessionStorage.getItem('chat')")
    length = await page.evaluate("history.length")
    for _ in range(3):
        await page.keyboard.press("Escape")
    await page.wait_for_url(EXIT)
    assert await page.evaluate("history.length") == length
    assert await page.context.cookies() == []
    check = await page.context.new_page()
    watch.expected_refusals.add(f"{desk.origin}/favicon.ico")
    await check.goto(f"{desk.origin}/healthz")
    assert await check.evaluate("localStorage.length + sessionStorage.length") == 0
    assert await closed_on_the_server(desk, chat_pass)
    await desk.jourbot.staff.relay(cora, reference, LATER)  # written while they are away
    await desk.jourbot.outbox.drain()

    # Another browser: wrong codes are refused, then locked out for an hour; then the right
    # one opens the conversation and what was written meanwhile is there.
    elsewhere = await opened(desk, watch, browser, lang, 390)
    watch.expected_refusals.add(f"{desk.origin}/chat/return")  # the wrong codes
    await elsewhere.locator("#back summary").click()
    problem = elsewhere.locator("#back-problem")
    wrong = "2222-2222" if code != "2222-2222" else "3333-3333"
    for attempt in range(5):
        await elsewhere.locator("#reference").fill(reference)
        await elsewhere.locator("#code").fill(wrong)
        await elsewhere.locator("#back-form button[type=submit]").click()
        told = "data-locked" if attempt == 4 else "data-wrong"
        await expect(problem).to_have_text(str(await problem.get_attribute(told)))
        await problem.evaluate("p => { p.textContent = ''; }")
    await elsewhere.locator("#code").fill(code)
    await elsewhere.locator("#back-form button[type=submit]").click()
    await expect(problem).to_have_text(str(await problem.get_attribute("data-locked")))
    desk.clock.advance(hours=1, minutes=1)
    await elsewhere.locator("#back-form button[type=submit]").click()
    await expect(elsewhere.locator("#log")).to_contain_text(LATER, timeout=10_000)
    await expect(elsewhere.locator("#log")).not_to_contain_text(TO_SEEKER)  # shown before
    await elsewhere.locator("#text").fill("Tack!")
    await elsewhere.locator("#say button[type=submit]").click()
    await desk.jourbot.outbox.drain()
    await desk.received(CORA, reference)
    await shot(elsewhere, f"27-chat-{lang}-back")
    for context in browser.contexts:
        await context.close()
    assert watch.problems == [], "\n".join(watch.problems)


async def test_under_load_the_page_solves_the_puzzle_before_the_chat_opens(
    settings: Settings, clock: FakeClock, browser: Browser
) -> None:
    """With the puzzle asked of every new chat, the page solves it (SHA-256 in the browser)
    and the chat opens as usual."""
    busy = WebChatSettings(title="Väder", exit_url=EXIT, challenge_from=1, challenge_bits=12)
    async with live_desk(replace(settings, webchat=busy), clock) as running:
        watch = Watch(running.origin)
        first = await opened(running, watch, browser, "sv", 390)  # no one else: no puzzle
        await running.jourbot.outbox.drain()
        await expect(first.locator("#log li").first).to_be_visible(timeout=10_000)
        watch.expected_refusals.add(f"{running.origin}/chat/start")  # 428: the puzzle first
        context = await watch.context(browser, viewport={"width": 390, "height": 800})
        second = await context.new_page()
        statuses: list[int] = []
        second.on(
            "response",
            lambda answer: statuses.append(answer.status) if "/chat/start" in answer.url else None,
        )
        async with second.expect_response(
            lambda answer: answer.url.endswith("/chat/start") and answer.status == 200
        ) as started:
            await second.goto(f"{running.origin}/chat?lang=ar")
        assert "chat" in await (await started.value).json()
        assert statuses == [428, 200]  # asked for the puzzle, then solved it
        await running.jourbot.outbox.drain()
        await expect(second.locator("#log li").first).to_be_visible(timeout=10_000)
        for context in browser.contexts:
            await context.close()
        assert watch.problems == [], "\n".join(watch.problems)
