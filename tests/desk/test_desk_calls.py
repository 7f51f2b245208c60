"""Calls from the desk's case page (issue 21): the button rings the volunteer, then the seeker;
outside the seeker's safe time the page warns and asks again; the call's outcome can be put
right on the page; a volunteer who is not the case's can do neither."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.config import Settings
from bot.domain.cases import AttemptOutcome, CaseStatus, StaffRole
from tests.conftest import FakeClock
from tests.desk.world import VOICE_NUMBER, Browser, DeskWorld, desk_world, flash
from tests.twilio_fakes import FakeTwilio, VoiceNetwork

VERA_PHONE = "+46701112233"


@pytest.fixture
def twilio() -> FakeTwilio:
    return FakeTwilio()


@pytest.fixture
async def world(
    settings: Settings, clock: FakeClock, twilio: FakeTwilio
) -> AsyncIterator[DeskWorld]:
    async with desk_world(settings, clock, twilio=twilio) as running:
        await running.add_staff("Cora", StaffRole.COORDINATOR, telegram=9001)
        await running.add_staff("Vera", StaffRole.VOLUNTEER, telegram=9002)
        await running.add_staff("Vince", StaffRole.VOLUNTEER, telegram=9003)
        await running.jourbot.operator.set_staff_phone(running.staff["Vera"], VERA_PHONE)
        yield running


async def vera_case(world: DeskWorld) -> str:
    """A case registered by hand (daytime calls only, no voicemail), with Vera."""
    reference = await world.case()
    async with world.jourbot.units.begin() as unit:
        case = await unit.cases.by_reference(reference)
        assert case is not None
        await unit.cases.assign(case.id, world.staff["Vera"])
    return reference


async def test_a_volunteer_calls_from_the_case_page_and_puts_the_outcome_right(
    world: DeskWorld, twilio: FakeTwilio
) -> None:
    reference = await vera_case(world)
    vera = await world.sign_in("Vera")
    page = (await vera.get(f"/desk/cases/{reference}")).text
    assert "Call the seeker" in page and "Call anyway" not in page
    assert VERA_PHONE not in page and re.search("•+33", page)

    answer = await vera.post(f"/desk/cases/{reference}/call", page=f"/desk/cases/{reference}")
    assert answer.status_code == 303
    assert "rings now" in flash((await vera.get(f"/desk/cases/{reference}")).text)
    [placed] = twilio.calls
    assert (placed.to, placed.caller) == (VERA_PHONE, VOICE_NUMBER)

    played = await VoiceNetwork(world.browser().client).play(placed, "human", seconds=150)
    assert played.screened and not played.hung_up_on_seeker
    page = (await vera.get(f"/desk/cases/{reference}")).text
    row = page[page.index("Calls placed for this case") :]
    assert "Reached" in row and "<td>2</td>" in row.replace(
        " ", ""
    )  # 2.5 minutes, rounded to even as Python does

    path = f"/desk/cases/{reference}/calls/1/outcome"
    vince = await world.sign_in("Vince")  # not his case: refused, nothing changes
    await vince.post(path, {"outcome": "voicemail"}, page="/desk/")
    assert flash((await vince.get("/desk/")).text) == "Not found, or not yours to see."
    assert await outcomes(world, reference) == ([AttemptOutcome.REACHED], CaseStatus.IN_CONTACT)

    await vera.post(path, {"outcome": "voicemail"}, page=f"/desk/cases/{reference}")
    page = (await vera.get(f"/desk/cases/{reference}")).text
    assert flash(page) == f"The call for {reference} is now logged as: Voicemail."
    assert await outcomes(world, reference) == ([AttemptOutcome.VOICEMAIL], CaseStatus.ASSIGNED)
    assert "put a call&#39;s outcome right: Voicemail" in page  # the history says so


async def outcomes(world: DeskWorld, reference: str) -> tuple[list[AttemptOutcome], CaseStatus]:
    async with world.jourbot.units.lookup() as unit:
        case = await unit.cases.by_reference(reference)
    assert case is not None
    return [a.outcome for a in case.attempts], case.status


async def test_outside_the_safe_time_the_page_warns_and_asks_again(
    world: DeskWorld, clock: FakeClock, twilio: FakeTwilio
) -> None:
    clock.moment = datetime(2026, 11, 24, 18, 30, tzinfo=UTC)  # 19:30: the seeker said daytime
    reference = await vera_case(world)
    vera = await world.sign_in("Vera")
    page = (await vera.get(f"/desk/cases/{reference}")).text
    assert "said it is safe to call in the daytime" in page and "Call anyway" in page
    case_page = f"/desk/cases/{reference}"
    # Without the page's confirmation (a stale page, a forged form): nothing rings.
    await vera.post(f"{case_page}/call", {}, page=case_page)
    assert "Call anyway?" in flash((await vera.get(case_page)).text)
    assert twilio.calls == []
    await vera.post(f"{case_page}/call", {"confirmed": "yes"}, page=case_page)
    assert "rings now" in flash((await vera.get(case_page)).text)
    assert len(twilio.calls) == 1


async def test_no_call_button_without_a_phone_or_for_someone_else(
    world: DeskWorld, twilio: FakeTwilio
) -> None:
    reference = await vera_case(world)
    cora = await world.sign_in("Cora")  # may call (her organisation's case), has no phone
    page = (await cora.get(f"/desk/cases/{reference}")).text
    assert "Add your phone on the Account page" in page and "Call the seeker" not in page
    answer = await cora.post(f"/desk/cases/{reference}/call", page=f"/desk/cases/{reference}")
    assert answer.status_code == 303
    assert "rings your own phone first" in flash((await cora.get("/desk/")).text)
    vince: Browser = await world.sign_in("Vince")
    assert (await vince.get(f"/desk/cases/{reference}")).status_code == 404
    assert twilio.calls == []


async def test_the_case_page_warns_where_a_voicemail_is_not_safe(world: DeskWorld) -> None:
    """The case registered by hand said no voicemail, and an SMS naming us is safe: the page
    warns about the voicemail where one could be left (the call and the attempt), not SMS."""
    reference = await vera_case(world)
    vera = await world.sign_in("Vera")
    page = html.unescape((await vera.get(f"/desk/cases/{reference}")).text)
    assert page.count("the seeker did not say a voicemail naming us is safe") == 2
    assert "an SMS naming us is safe" not in page
