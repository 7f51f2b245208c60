"""Issue 22's desk forms in a real headless Chromium: a volunteer records an absence on the
Account page, the coordinator sees her left out of the suggestions and records a supervision
on the Volunteers page, and the support given after first contact is recorded on the case
page. Every page watched (errors, CSP violations, other hosts); screenshots 31-33."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, expect

from bot.config import Settings
from bot.domain.cases import AttemptChannel, AttemptOutcome
from tests.browser.desk_visit import CORA, VERA, VINCE, join, seeker_intake, signed_in_page
from tests.browser.harness import LiveDesk, Watch, live_desk, shot
from tests.conftest import FakeClock
from tests.telegram_fakes import Person

SEEKER = 555123666


@pytest.fixture
async def desk(settings: Settings, clock: FakeClock) -> AsyncIterator[LiveDesk]:
    async with live_desk(settings, clock) as running:
        yield running


async def submitted(page: Page, form: str, button: str) -> str:
    async with page.expect_navigation():
        await page.locator(form).get_by_role("button", name=button, exact=True).click()
    flash = page.locator(".flash")
    await expect(flash).to_be_visible()
    return await flash.inner_text()


async def test_availability_training_and_support_in_the_browser(
    desk: LiveDesk, browser: Browser
) -> None:
    watch = Watch(desk.origin)
    ids = await join(desk)
    staff = desk.jourbot.staff
    cora = await staff.identify(CORA)
    for name in ("Vera", "Vince"):
        await staff.record_training(cora, ids[name])
    reference = await seeker_intake(desk, SEEKER)

    # Vera is away for a week from today (Tuesday 24 November).
    vera = await signed_in_page(desk, watch, browser, Person(VERA, "en", "Vera"))
    await vera.goto(f"{desk.origin}/desk/account")
    await vera.locator('input[name="from"]').fill("2026-11-24")
    await vera.locator('input[name="to"]').fill("2026-11-30")
    notice = await submitted(vera, 'form[action$="/away"]', "Add absence")
    assert notice.startswith("Vera is away from 2026-11-24 to 2026-11-30")
    await expect(vera.locator(".absences")).to_contain_text("2026-11-24 to 2026-11-30")
    await shot(vera, "31-account-away")

    # The coordinator: Vera is not offered, and why; she gives the case to Vince.
    board = await signed_in_page(desk, watch, browser, Person(CORA, "en", "Cora"))
    await board.goto(f"{desk.origin}/desk/cases/{reference}")
    await expect(board.locator(".left-out")).to_contain_text("Vera: away until 2026-11-30")
    await board.locator('select[name="volunteer"]').select_option(str(ids["Vince"]))
    await submitted(board, 'form[action$="/assign"]', "Assign")

    # ... and records Vera's supervision on the Volunteers page.
    await board.goto(f"{desk.origin}/desk/team")
    row = board.locator("tr").filter(has=board.get_by_role("rowheader", name="Vera"))
    await expect(row).to_contain_text("none yet")  # trained today: not due for three months
    await row.locator('select[name="kind"]').select_option("supervision")
    notice = await submitted(
        board, f'form[action$="/team/{ids["Vera"]}/session"]', "Record session"
    )
    assert notice == "Recorded for Vera: supervision or debriefing on 2026-11-24."
    await expect(row).to_contain_text("2026-11-24")
    await shot(board, "32-team-supervision")

    # Vince reaches the seeker and records the support given after the first contact.
    vince_staff = await staff.identify(VINCE)
    at = desk.clock.now()
    await staff.log_attempt(
        vince_staff, reference, AttemptChannel.PHONE, AttemptOutcome.REACHED, at
    )
    vince = await signed_in_page(desk, watch, browser, Person(VINCE, "en", "Vince"))
    await vince.goto(f"{desk.origin}/desk/cases/{reference}")
    form = vince.locator("form.support")
    await form.locator('select[name="how"]').select_option("meeting")
    await form.locator('input[name="minutes"]').fill("75")
    await form.get_by_label("Support conversation").check()
    await form.locator('select[name="accompaniment"]').select_option("police_report")
    await form.locator('input[name="accompaniment_on"]').fill("2026-11-24")
    await form.locator('select[name="referral"]').select_option("kvinnofridslinjen")
    notice = await submitted(vince, "form.support", "Record the contact")
    assert notice == f"Recorded for {reference}: a contact of 75 min on 2026-11-24."
    await expect(vince.locator("ul.care")).to_contain_text(
        "Accompaniment (to a police report, 2026-11-24)"
    )
    await shot(vince, "33-case-support")
    assert watch.problems == [], "\n".join(watch.problems)
