"""Support given after first contact, on the desk's case page (issue 22): recorded by the
case's volunteer in the agreement's kinds, a referral naming an organisation of the directory;
refused before first contact, for someone else's case, and for what no form of ours sends."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from datetime import date, time

import pytest

from bot.config import Settings
from bot.domain.care import Accompaniment, Application, CareContact, Support, SupportKind
from bot.domain.cases import AttemptChannel, AttemptOutcome, StaffRole
from tests.conftest import FakeClock
from tests.desk.world import DeskWorld, desk_world, flash


@pytest.fixture
async def world(settings: Settings, clock: FakeClock) -> AsyncIterator[DeskWorld]:
    async with desk_world(settings, clock) as running:
        await running.add_staff("Cora", StaffRole.COORDINATOR, telegram=9001)
        await running.add_staff("Vera", StaffRole.VOLUNTEER, telegram=9002)
        await running.add_staff("Vince", StaffRole.VOLUNTEER, telegram=9003)
        yield running


GIVEN = {
    "on": "2026-11-24", "how": "meeting", "minutes": "90", "conversation": "yes",
    "legal_info": "yes", "accompaniment": "trial", "accompaniment_on": "2026-12-10",
    "application": "compensation", "referral": "kvinnofridslinjen",
}  # fmt: skip


async def test_the_volunteer_records_the_support_given(world: DeskWorld) -> None:
    reference = await world.case()
    staff = world.jourbot.staff
    cora = await staff.identify(9001)
    vera = await staff.identify(9002)
    assert cora is not None and vera is not None
    await staff.assign(cora, reference, vera.id)
    page_url = f"/desk/cases/{reference}"
    browser = await world.sign_in("Vera")
    assert "Support after first contact" not in (await browser.get(page_url)).text
    await browser.post(f"{page_url}/support", GIVEN, page=page_url)  # not reached yet
    assert "once the seeker has been reached" in flash((await browser.get(page_url)).text)

    await staff.log_attempt_today(
        vera, reference, AttemptChannel.PHONE, AttemptOutcome.REACHED, time(14, 0)
    )
    await browser.post(f"{page_url}/support", GIVEN, page=page_url)
    page = html.unescape((await browser.get(page_url)).text)
    assert flash(page) == f"Recorded for {reference}: a contact of 90 min on 2026-11-24."
    assert (
        "2026-11-24 · Meeting · 90 min: Support conversation; Information about the legal "
        "process; Accompaniment (to a trial, 2026-12-10); Help to apply for compensation or "
        "damages (criminal injuries compensation); Referral to another organisation "
        "(Kvinnofridslinjen)"
    ) in page
    async with world.jourbot.units.lookup() as unit:
        case = await unit.cases.by_reference(reference)
        assert case is not None
        stored = await unit.care.of_case(case.id)
    assert stored == [
        CareContact(
            date(2026, 11, 24), AttemptChannel.MEETING, 90,
            (
                Support(SupportKind.CONVERSATION),
                Support(SupportKind.LEGAL_INFO),
                Support(SupportKind.ACCOMPANIMENT, Accompaniment.TRIAL, date(2026, 12, 10)),
                Support(SupportKind.APPLICATION, Application.COMPENSATION),
                Support(SupportKind.REFERRAL, "kvinnofridslinjen"),
            ),
        )
    ]  # fmt: skip

    for changed, answer in (
        ({"referral": "a typed name"}, "a referral an organisation from the list"),
        ({"minutes": "0"}, "in minutes (at most 720)"),
        ({"on": "2026-11-25"}, "ahead of time"),
        ({"accompaniment_on": ""}, "Give the date, how, the minutes"),
    ):
        await browser.post(f"{page_url}/support", {**GIVEN, **changed}, page=page_url)
        assert answer in flash((await browser.get(page_url)).text), changed
    nothing = {k: v for k, v in GIVEN.items() if k in ("on", "how", "minutes")}
    await browser.post(f"{page_url}/support", nothing, page=page_url)
    assert flash((await browser.get(page_url)).text) == "Choose at least one kind of support given."

    vince = await world.sign_in("Vince")  # not his case: refused as for a made-up one
    await vince.post(f"{page_url}/support", GIVEN, page="/desk/")
    assert flash((await vince.get("/desk/")).text) == "Not found, or not yours to see."
    async with world.jourbot.units.lookup() as unit:
        assert len(await unit.care.of_case(case.id)) == 1
