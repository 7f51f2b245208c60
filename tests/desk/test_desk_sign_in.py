"""Signing in to the desk: links used once and only while fresh, sessions that end, forms
that need their token, and the headers every page carries."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from bot.domain.cases import StaffRole
from tests.conftest import FakeClock
from tests.desk.world import DESK_URL, DeskWorld, desk_world


@pytest.fixture
async def world(settings: Settings, clock: FakeClock) -> AsyncIterator[DeskWorld]:
    async with desk_world(settings, clock) as world:
        await world.add_staff("Cora", StaffRole.COORDINATOR, telegram=9001)
        await world.add_staff("Vera", StaffRole.VOLUNTEER, telegram=9002)
        yield world


def signed_out(answer: object) -> bool:
    """A page that sends the browser to sign in."""
    location = getattr(answer, "headers", {}).get("location", "")
    return getattr(answer, "status_code", 0) == 303 and location.startswith("/desk/sign-in")


async def test_a_link_signs_in_once(world: DeskWorld) -> None:
    link = await world.jourbot.desk.link_for(world.staff["Cora"])
    assert link is not None and link.startswith(f"{DESK_URL}/desk/sign-in/")
    path = link.removeprefix(DESK_URL)
    first, second = world.browser(), world.browser()
    # Opening the link (a preview, a scanner) does not use it up: pressing the button does.
    assert (await first.get(path)).status_code == 200
    assert (await second.get(path)).status_code == 200
    answer = await first.client.post(path)
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    for attribute in ("__Host-desk=", "HttpOnly", "Secure", "SameSite=strict", "Path=/"):
        assert attribute in cookie
    assert (await first.get("/desk/")).status_code == 200
    used = await second.client.post(path)
    assert used.status_code == 403
    assert 'role="alert"' in used.text  # said in the desk's default language, Swedish
    assert signed_out(await second.get("/desk/"))


async def test_an_old_link_is_refused(world: DeskWorld) -> None:
    link = await world.jourbot.desk.link_for(world.staff["Cora"])
    assert link is not None
    world.clock.advance(minutes=15)
    browser = world.browser()
    assert (await browser.client.post(link.removeprefix(DESK_URL))).status_code == 403
    assert signed_out(await browser.get("/desk/"))


async def test_a_made_up_link_is_refused_and_guessing_locks_the_client_out(
    world: DeskWorld,
) -> None:
    browser = world.browser()
    for _ in range(10):
        assert (await browser.client.post("/desk/sign-in/made-up")).status_code == 403
    link = await world.jourbot.desk.link_for(world.staff["Cora"])
    assert link is not None
    # Locked out: even a good link waits (the lock is per client, not per link).
    assert (await browser.client.post(link.removeprefix(DESK_URL))).status_code == 429


async def test_a_link_is_only_for_active_staff(world: DeskWorld) -> None:
    link = await world.jourbot.desk.link_for(world.staff["Vera"])
    assert link is not None
    await world.jourbot.operator.update_staff(world.staff["Vera"], active=False)
    assert await world.jourbot.desk.link_for(world.staff["Vera"]) is None
    browser = world.browser()
    assert (await browser.client.post(link.removeprefix(DESK_URL))).status_code == 403


async def test_a_session_ends_after_30_idle_minutes(world: DeskWorld) -> None:
    browser = await world.sign_in("Cora")
    world.clock.advance(minutes=29)
    assert (await browser.get("/desk/")).status_code == 200
    world.clock.advance(minutes=29)  # used a moment ago: still alive
    assert (await browser.get("/desk/")).status_code == 200
    world.clock.advance(minutes=30)
    assert signed_out(await browser.get("/desk/"))
    world.clock.advance(minutes=1)
    assert signed_out(await browser.get("/desk/"))  # ended for good, not only refused once


async def test_a_session_ends_after_12_hours_however_busy(world: DeskWorld) -> None:
    browser = await world.sign_in("Cora")
    for _ in range(12 * 3 - 1):
        world.clock.advance(minutes=20)
        assert (await browser.get("/desk/")).status_code == 200
    world.clock.advance(minutes=20)
    assert signed_out(await browser.get("/desk/"))


async def test_deactivation_ends_every_session_at_once(world: DeskWorld) -> None:
    phone, laptop = await world.sign_in("Vera"), await world.sign_in("Vera")
    assert (await phone.get("/desk/")).status_code == 200
    await world.jourbot.operator.update_staff(world.staff["Vera"], active=False)
    assert signed_out(await phone.get("/desk/"))
    assert signed_out(await laptop.get("/desk/"))


async def test_a_coordinator_deactivating_someone_ends_their_sessions(world: DeskWorld) -> None:
    coordinator, volunteer = await world.sign_in("Cora"), await world.sign_in("Vera")
    answer = await coordinator.post(
        f"/desk/team/{world.staff['Vera']}/deactivate", page="/desk/team"
    )
    assert answer.status_code == 303
    assert "deactivated" in (await coordinator.get("/desk/team")).text
    assert signed_out(await volunteer.get("/desk/"))
    async with world.jourbot.units.begin() as unit:
        assert await unit.desk.end_sessions_of(world.staff["Vera"]) == 0  # none left stored


async def test_signing_out_ends_the_session(world: DeskWorld) -> None:
    browser = await world.sign_in("Cora")
    cookie = browser.client.cookies.get("__Host-desk")
    assert (await browser.post("/desk/sign-out")).status_code == 303
    browser.client.cookies.set("__Host-desk", str(cookie), domain="desk.example")
    assert signed_out(await browser.get("/desk/"))  # the old cookie opens nothing


async def test_a_form_without_its_token_is_refused(world: DeskWorld) -> None:
    reference = await world.case()
    browser = await world.sign_in("Cora")
    target = f"/desk/cases/{reference}/assign"
    volunteer = {"volunteer": str(world.staff["Vera"])}
    assert (await browser.post(target, volunteer, csrf=None)).status_code == 403
    assert (await browser.post(target, volunteer, csrf="wrong")).status_code == 403
    other = await world.sign_in("Cora")  # another session's token is not this one's
    other_token = (await other.get("/desk/account")).text.split('name="csrf" value="')[1][:43]
    assert (await browser.post(target, volunteer, csrf=other_token)).status_code == 403
    case = await world.jourbot.staff.case_file(None, reference, None)
    assert case is None  # (nobody may read it without a staff member)
    async with world.jourbot.units.begin() as unit:
        stored = await unit.cases.by_reference(reference)
    assert stored is not None and stored.volunteer_id is None
    answer = await browser.post(target, volunteer, page=f"/desk/cases/{reference}")
    assert answer.status_code == 303
    async with world.jourbot.units.begin() as unit:
        stored = await unit.cases.by_reference(reference)
    assert stored is not None and stored.volunteer_id == world.staff["Vera"]


async def test_a_write_from_another_site_is_refused(world: DeskWorld) -> None:
    reference = await world.case()
    browser = await world.sign_in("Cora")
    page = f"/desk/cases/{reference}"
    data = {"volunteer": str(world.staff["Vera"])}
    answer = await browser.post(f"{page}/assign", data, page=page, origin="https://evil.example")
    assert answer.status_code == 403
    answer = await browser.post(
        f"{page}/assign", data, page=page, **{"sec-fetch-site": "cross-site"}
    )
    assert answer.status_code == 403


async def test_a_link_from_a_chat_reloads_itself_so_the_strict_cookie_comes_along(
    world: DeskWorld,
) -> None:
    reference = await world.case()
    browser = await world.sign_in("Cora")
    cookie = browser.client.cookies.get("__Host-desk")
    browser.client.cookies.clear()  # what a browser holds back on a cross-site navigation
    answer = await browser.get(f"/desk/cases/{reference}", **{"sec-fetch-site": "cross-site"})
    assert answer.status_code == 200
    assert '<meta http-equiv="refresh" content="0">' in answer.text
    assert reference not in answer.text.replace(f"/desk/cases/{reference}", "")
    browser.client.cookies.set("__Host-desk", str(cookie), domain="desk.example")
    page = await browser.get(f"/desk/cases/{reference}", **{"sec-fetch-site": "same-origin"})
    assert page.status_code == 200 and reference in page.text


async def test_every_page_carries_the_security_headers(world: DeskWorld) -> None:
    reference = await world.case()
    browser = await world.sign_in("Cora")
    for path in ("/desk/sign-in", "/desk/", f"/desk/cases/{reference}", "/desk/team"):
        headers = (await browser.get(path)).headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "unsafe-inline" not in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["cache-control"] == "no-store"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-frame-options"] == "DENY"
    asset = await browser.get("/desk/static/desk.js")
    assert asset.status_code == 200 and asset.headers["cache-control"] == "no-cache"


async def test_the_language_choice_is_remembered(world: DeskWorld) -> None:
    browser = await world.sign_in("Cora")
    assert "Volunteers" in (await browser.get("/desk/")).text
    answer = await browser.post("/desk/language", {"lang": "sv", "back": "/desk/team"})
    assert answer.status_code == 303 and answer.headers["location"] == "/desk/team"
    page = (await browser.get("/desk/")).text
    assert '<html lang="sv">' in page and "Volontärer" in page


async def test_a_form_posted_under_no_referrer_is_accepted_from_our_own_page(
    world: DeskWorld,
) -> None:
    """With Referrer-Policy: no-referrer, Chromium posts forms with `Origin: null`; then the
    browser's Sec-Fetch-Site must say the form is ours."""
    browser = await world.sign_in("Cora")
    ours = {"origin": "null", "sec-fetch-site": "same-origin"}
    answer = await browser.post("/desk/language", {"lang": "en", "back": "/desk/"}, **ours)
    assert answer.status_code == 303
    for headers in ({"origin": "null"}, {"origin": "null", "sec-fetch-site": "cross-site"}):
        refused = await browser.post("/desk/language", {"lang": "en"}, **headers)
        assert refused.status_code == 403


async def test_a_refresh_after_the_session_ended_says_so_instead_of_a_page(
    world: DeskWorld,
) -> None:
    browser = await world.sign_in("Cora")
    world.clock.advance(minutes=31)
    answer = await browser.get("/desk/board", **{"x-requested-with": "desk"})
    assert answer.status_code == 401 and not answer.text  # desk.js reloads the whole page


async def test_a_refresh_leaves_the_notice_for_the_next_page(world: DeskWorld) -> None:
    reference = await world.case()
    browser = await world.sign_in("Cora")
    page = f"/desk/cases/{reference}"
    await browser.post(f"{page}/assign", {"volunteer": str(world.staff["Vera"])}, page=page)
    assert "is now with Vera" not in (await browser.get(f"{page}/live")).text
    assert "is now with Vera" not in (await browser.get("/desk/board")).text
    assert "is now with Vera" in (await browser.get(page)).text


async def test_before_signing_in_the_page_speaks_the_browsers_language(world: DeskWorld) -> None:
    browser = world.browser()
    english = await browser.get("/desk/sign-in", **{"accept-language": "de-DE,en;q=0.8"})
    assert '<html lang="en">' in english.text
    swedish = await browser.get("/desk/sign-in", **{"accept-language": "fr"})
    assert '<html lang="sv">' in swedish.text  # neither: the associations' own language
