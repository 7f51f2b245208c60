"""A staff member's way into the desk in the browser: joining through the bot, and a browser
that signs in with the link the bot gives."""

from __future__ import annotations

import re

from playwright.async_api import Browser, BrowserContext, Page, expect

from bot.domain.cases import StaffRole
from tests.browser.harness import LiveDesk, Watch, shot
from tests.intake_script import TYPED, WHOLE_INTAKE
from tests.telegram_fakes import Person

CORA, VERA, VINCE = 9101, 9102, 9103


async def join(desk: LiveDesk) -> dict[str, int]:
    """An operator invites Cora (coordinator); she invites Vera and Vince from the bot."""
    invite = await desk.jourbot.staff.create_invite("vasterort", StaffRole.COORDINATOR)
    people = {"Cora": Person(CORA, "en", "Cora")}
    await desk.telegram(people["Cora"].message(f"/join {invite.code}"))
    for name, chat in (("Vera", VERA), ("Vince", VINCE)):
        await desk.telegram(people["Cora"].message("/invite volunteer"))
        code = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}", desk.last(CORA))
        assert code is not None, desk.last(CORA)
        people[name] = Person(chat, "en", name)
        await desk.telegram(people[name].message(f"/join {code.group(0)}"))
    ids = {}
    for name, person in people.items():
        staff = await desk.jourbot.staff.identify(person.chat_id)
        assert staff is not None and staff.locale == "en", name
        ids[name] = staff.id
    return ids


async def seeker_intake(desk: LiveDesk, chat: int) -> str:
    """A seeker asks on Telegram to be called in the evening (WHOLE_INTAKE); return the new
    case's reference, as the coordinators' notice gives it."""
    seeker = Person(chat, "sv", "Seeker")
    await desk.telegram(seeker.message("/start"))
    for step, value in WHOLE_INTAKE:
        if step in TYPED:
            await desk.telegram(seeker.message(value))
        else:
            await desk.press(seeker, f":{value}")
    found = re.search(r"New case ([0-9A-Z]{3}-[0-9A-Z]{3})", desk.last(CORA))
    assert found is not None, desk.last(CORA)
    return found.group(1)


async def watched(
    desk: LiveDesk, watch: Watch, browser: Browser, locale: str = "en-US"
) -> BrowserContext:
    """A new browser (its own cookies, its own language), watched, whose pages' timers run
    when told to."""
    context = await watch.context(browser, locale=locale)
    await context.clock.install()
    return context


async def signed_in_page(
    desk: LiveDesk, watch: Watch, browser: Browser, person: Person, name: str | None = None
) -> Page:
    """A new browser opens the link the bot gives *person* (/desk) and presses Sign in."""
    page = await (await watched(desk, watch, browser)).new_page()
    await page.goto(await desk.desk_link(person))
    await in_english(page)  # before signing in, the desk speaks the partnership's Swedish
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    if name is not None:
        await shot(page, name)
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await page.wait_for_url(f"{desk.origin}/desk/")
    (cookie,) = [c for c in await page.context.cookies() if c["name"] == "__Host-desk"]
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    return page


async def in_english(page: Page) -> None:
    """Choose English with the language form in the page's header."""
    form = page.locator("form.language")
    await form.locator("select").select_option("en")
    async with page.expect_navigation():
        await form.get_by_role("button").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
