"""The desk in a real headless Chromium (issue 19's "Done when"): a coordinator signs in with
a link from the bot, sees a seeker's new case arrive on the live board and assigns it; the
volunteer logs two attempts (one in the evening), writes to the seeker, who gets it on
Telegram, and closes the case; another volunteer is refused as for a made-up case; a passkey
registered through Chromium's virtual authenticator signs the coordinator in on a second
visit. Every page is watched for errors, CSP violations and requests to other hosts, and the
main pages are saved as screenshots in build/screenshots/ (look at them).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, expect

from bot.config import Settings
from tests.browser.desk_visit import (
    CORA,
    VERA,
    VINCE,
    in_english,
    join,
    signed_in_page,
    watched,
)
from tests.browser.harness import (
    LiveDesk,
    Watch,
    live_desk,
    shot,
    virtual_authenticator,
)
from tests.conftest import FakeClock
from tests.intake_script import CHAT_INTAKE, NOTE, TYPED
from tests.telegram_fakes import Person

SEEKER = 555123999
TO_SEEKER = "Hej! Jag försökte ringa dig i eftermiddag och i kväll. Hör av dig här."
FROM_SEEKER = "Tack, jag svarar i morgon."
MADE_UP = "ZZZ-ZZZ"
EXPECT_MS = 5_000  # how long a page may take to show what it should
BOARD_EVERY_MS, CASE_EVERY_MS = 10_000, 5_000  # the pages' data-every, in the page's clock


@pytest.fixture
async def desk(settings: Settings, clock: FakeClock) -> AsyncIterator[LiveDesk]:
    async with live_desk(settings, clock) as running:
        yield running


async def intake(desk: LiveDesk, seeker: Person) -> str:
    """A seeker goes through the whole intake on Telegram; return the new case's reference."""
    await desk.telegram(seeker.message("/start"))
    for step, value in CHAT_INTAKE:
        if step in TYPED:
            await desk.telegram(seeker.message(value))
        else:
            await desk.press(seeker, f":{value}")
    notice = desk.last(CORA)
    found = re.search(r"New case ([0-9A-Z]{3}-[0-9A-Z]{3})", notice)
    assert found is not None, notice
    return found.group(1)


async def submit(page: Page, action: str, fields: dict[str, str], button: str) -> str:
    """Fill the form posting to .../*action*, press *button*, return the notice shown."""
    form = page.locator(f'form[action$="/{action}"]')
    for name, value in fields.items():
        control = form.locator(f'[name="{name}"]')
        if await control.evaluate("element => element.tagName") == "SELECT":
            await control.select_option(value)
        else:
            await control.fill(value)
    async with page.expect_navigation():
        await form.get_by_role("button", name=button, exact=True).click()
    flash = page.locator(".flash")
    await expect(flash).to_be_visible()
    return await flash.inner_text()


async def opened(page: Page, url: str) -> tuple[int, str, str]:
    """Open *url*; return the status, the title and the visible text."""
    answer = await page.goto(url)
    assert answer is not None
    return answer.status, await page.title(), await page.locator("body").inner_text()


async def test_a_case_is_worked_in_the_browser_and_a_passkey_signs_in_again(
    desk: LiveDesk, browser: Browser, clock: FakeClock
) -> None:
    watch = Watch(desk.origin)
    ids = await join(desk)
    seeker = Person(SEEKER, "sv", "Seeker")

    # 1. 14:00 in Stockholm: the coordinator asks the bot for a link and signs in...
    board = await signed_in_page(desk, watch, browser, Person(CORA, "en", "Cora"), "01-link")
    await expect(board.get_by_role("heading", name="Cases", exact=True)).to_be_visible()

    # ... registers a passkey on this device (for the second visit, at the end) ...
    cdp, authenticator = await virtual_authenticator(board)
    await board.goto(f"{desk.origin}/desk/account")
    await board.get_by_role("button", name="Register a passkey on this device").click()
    await expect(board.locator("#passkey-status")).to_have_text(
        "Passkey registered. Next time, sign in with it.", timeout=EXPECT_MS
    )
    await shot(board, "08-account")
    stored = await cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    (credential,) = stored["credentials"]
    assert credential["isResidentCredential"]

    # ... and records Vera's basic training on the volunteers page.
    await board.goto(f"{desk.origin}/desk/team")
    vera_row = board.locator("tr").filter(has=board.get_by_role("rowheader", name="Vera"))
    async with board.expect_navigation():
        await vera_row.get_by_role("button", name="Training done").click()
    await expect(board.locator(".flash")).to_be_visible()
    await expect(vera_row).not_to_contain_text("not recorded")

    # 2. The board is open when a seeker's intake on Telegram ends: the case shows up by
    # the page's own refresh (desk.js, data-every="10"), not by a reload.
    await board.goto(f"{desk.origin}/desk/")
    await expect(board.locator("#board")).to_contain_text("None.")
    reference = await intake(desk, seeker)
    await expect(board.locator("#board")).not_to_contain_text(reference)
    await board.clock.run_for(BOARD_EVERY_MS + 500)
    await expect(board.locator("#board")).to_contain_text(reference, timeout=EXPECT_MS)
    await shot(board, "02-board-new-case")

    await board.get_by_role("link", name=reference).click()
    await expect(board.get_by_role("heading", name=f"Case {reference}")).to_be_visible()
    await expect(board.locator(".notes")).to_have_text(NOTE)
    await shot(board, "03-case-coordinator")
    notice = await submit(board, "assign", {"volunteer": str(ids["Vera"])}, "Assign")
    assert f"{reference} is now with Vera" in notice
    assert f"You have a new case: {reference}" in desk.last(VERA)

    # 3. 20:00: Vera signs in (the coordinator's session has long gone idle by then).
    clock.advance(hours=6)
    mine = await signed_in_page(desk, watch, browser, Person(VERA, "en", "Vera"))
    await expect(mine.get_by_role("heading", name="My cases")).to_be_visible()
    await expect(mine.locator(".mine")).to_contain_text(reference)
    await shot(mine, "04-my-cases")
    await mine.get_by_role("link", name=reference).click()
    case_url = f"{desk.origin}/desk/cases/{reference}"
    assert mine.url == case_url
    await expect(mine.get_by_role("heading", name=f"Case {reference}")).to_be_visible()
    # A link from another site (a chat): SameSite=Strict holds the cookie back, so the
    # desk answers a page that reloads itself from here, and then the case opens.
    await mine.goto("about:blank")  # an opaque origin: another site
    await mine.set_content(f'<a href="{case_url}">{reference}</a>')
    answers: list[int] = []
    mine.on("response", lambda r: answers.append(r.status) if r.url == case_url else None)
    await mine.get_by_role("link", name=reference).click()
    await expect(mine.get_by_role("heading", name=f"Case {reference}")).to_be_visible()
    assert answers == [200, 200]  # the page that reloads itself, then the case

    # Two calls logged with the form, made earlier today: this afternoon and this evening.
    attempt = {"channel": "phone", "outcome": "no_answer"}
    assert "Logged" in await submit(mine, "attempt", {**attempt, "time": "15:30"}, "Log attempt")
    assert "Logged" in await submit(mine, "attempt", {**attempt, "time": "19:10"}, "Log attempt")
    attempts = mine.locator(".attempts li")
    await expect(attempts).to_have_count(2)
    await expect(attempts.nth(0)).to_contain_text("2026-11-24 15:30")
    await expect(attempts.nth(0).locator(".evening")).to_have_count(0)
    await expect(attempts.nth(1)).to_contain_text("2026-11-24 19:10")
    await expect(attempts.nth(1).locator(".evening")).to_have_count(1)

    # She writes to the seeker, who gets it on Telegram, without her name.
    await mine.locator("#message-text").fill(TO_SEEKER)
    async with mine.expect_navigation():
        await mine.get_by_role("button", name="Send", exact=True).click()
    await expect(mine.locator(".flash")).to_be_visible()
    got = await desk.received(SEEKER, TO_SEEKER)
    assert got == f"Meddelande från din stödperson ({reference}):\n{TO_SEEKER}"
    assert "Vera" not in got
    # The seeker answers; the open case page shows it by its own refresh (data-every="5").
    await desk.telegram(seeker.message(FROM_SEEKER))
    await mine.clock.run_for(CASE_EVERY_MS + 500)
    await expect(mine.locator("#live .from-seeker")).to_contain_text(FROM_SEEKER)
    await shot(mine, "05-case-volunteer")
    await mine.set_viewport_size({"width": 320, "height": 640})
    await shot(mine, "05-case-volunteer-320px")
    assert await mine.evaluate("document.documentElement.scrollWidth") <= 320
    await mine.set_viewport_size({"width": 1280, "height": 720})

    # 4. Vince, another volunteer, gets exactly what a made-up reference gets.
    other = await signed_in_page(desk, watch, browser, Person(VINCE, "en", "Vince"))
    made_up_url = f"{desk.origin}/desk/cases/{MADE_UP}"
    watch.expected_refusals |= {case_url, made_up_url}
    theirs, made_up = await opened(other, case_url), await opened(other, made_up_url)
    assert theirs[0] == 404 and theirs == made_up, (theirs, made_up)
    assert "Not found, or not yours to see." in theirs[2] and reference not in theirs[2]
    await shot(other, "06-refused")

    # Vera closes the case with a reason; it leaves her cases; Vince still sees nothing.
    closed = await submit(mine, "close", {"reason": "supported"}, "Close")
    assert f"{reference} is closed" in closed
    await mine.goto(f"{desk.origin}/desk/")
    await expect(mine.get_by_text("You have no open cases.")).to_be_visible()
    assert await opened(other, case_url) == made_up
    async with desk.jourbot.units.begin() as unit:
        case = await unit.cases.by_reference(reference)
        assert case is not None
        events = await unit.cases.events(case.id)
    assert ids["Vince"] not in {e.staff_id for e in events}  # not even a view recorded

    # 5. A second visit: a new browser (no cookies), the same passkey, signed in again.
    again = await watched(desk, watch, browser, locale="sv-SE")  # a Swedish browser
    assert await again.cookies() == []
    page = await again.new_page()
    cdp2, authenticator2 = await virtual_authenticator(page)
    await cdp2.send(
        "WebAuthn.addCredential", {"authenticatorId": authenticator2, "credential": credential}
    )
    await page.goto(f"{desk.origin}/desk/")
    await page.wait_for_url(f"{desk.origin}/desk/sign-in?next=/desk/")
    await expect(page.locator("html")).to_have_attribute("lang", "sv")
    await shot(page, "00-sign-in-sv")
    await in_english(page)
    await shot(page, "00-sign-in")
    await page.get_by_role("button", name="Sign in with a passkey").click()
    await page.wait_for_url(f"{desk.origin}/desk/")
    await expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()
    await expect(page.get_by_role("link", name="Cora")).to_be_visible()  # her account page
    recent = page.locator("section.cases").filter(has_text="Closed in the last two weeks")
    await expect(recent).to_contain_text(reference)
    await shot(page, "02-board-closed")
    await page.goto(f"{desk.origin}/desk/team")
    await shot(page, "07-team")
    await page.goto(f"{desk.origin}/desk/report")
    assert await page.locator("img.chart").evaluate("image => image.naturalWidth") > 0
    await shot(page, "09-report")
    await page.goto(case_url)
    await expect(page.locator(".history")).to_contain_text("Vera closed it")
    await shot(page, "03-case-coordinator-closed")

    for context in browser.contexts:
        await context.close()
    assert watch.problems == [], "\n".join(watch.problems)
    assert len(watch.requests) > 40  # the watch saw the pages' requests


async def test_a_form_is_accepted_as_the_browser_posts_it(desk: LiveDesk, browser: Browser) -> None:
    """No workaround here: the link's Sign in button, as Chromium posts it."""
    await join(desk)
    watch = Watch(desk.origin)
    page = await (await watch.context(browser)).new_page()
    await page.goto(await desk.desk_link(Person(CORA, "en", "Cora")))
    async with page.expect_navigation():
        await page.locator("#use-link").click()  # "Sign in" (the page is in Swedish)
    assert page.url == f"{desk.origin}/desk/"


async def test_a_board_left_open_past_the_idle_timeout_goes_to_sign_in(
    desk: LiveDesk, browser: Browser, clock: FakeClock
) -> None:
    """The refresh learns the session is over (401) and the whole page goes to sign in, rather
    than the sign-in page being put inside the board."""
    await join(desk)
    watch = Watch(desk.origin)
    board = await signed_in_page(desk, watch, browser, Person(CORA, "en", "Cora"))
    clock.advance(minutes=31)
    async with board.expect_navigation(timeout=10_000):
        await board.clock.run_for(BOARD_EVERY_MS + 500)
    await board.wait_for_url(f"{desk.origin}/desk/sign-in?next=/desk/", timeout=10_000)
    await expect(board.locator("header")).to_have_count(1)
    await expect(board.locator("#board")).to_have_count(0)
    for context in browser.contexts:
        await context.close()
    assert watch.problems == [], "\n".join(watch.problems)
