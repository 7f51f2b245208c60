"""Absences and the open cases one can carry, on the desk's Account page (issue 22); the case
page's assign form leaves out the absent and the full, and says why."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from bot.domain.cases import StaffRole
from tests.conftest import FakeClock
from tests.desk.world import DeskWorld, desk_world, flash


@pytest.fixture
async def world(settings: Settings, clock: FakeClock) -> AsyncIterator[DeskWorld]:
    async with desk_world(settings, clock) as running:
        await running.add_staff("Cora", StaffRole.COORDINATOR, telegram=9001)
        await running.add_staff("Vera", StaffRole.VOLUNTEER, telegram=9002)
        await running.add_staff("Vince", StaffRole.VOLUNTEER, telegram=9003)
        yield running


async def test_a_volunteer_records_an_absence_and_a_ceiling(world: DeskWorld) -> None:
    vera = await world.sign_in("Vera")
    answer = await vera.post("/desk/account/away", {"from": "2026-11-24", "to": "2026-11-30"})
    assert answer.status_code == 303
    page = (await vera.get("/desk/account")).text
    assert flash(page).startswith("Vera is away from 2026-11-24 to 2026-11-30")
    assert "2026-11-24 to 2026-11-30" in page
    await vera.post("/desk/account/away", {"from": "2026-11-30", "to": "2026-11-01"})
    assert flash((await vera.get("/desk/account")).text) == (
        "An absence cannot end before it starts."
    )
    await vera.post("/desk/account/max-open", {"max_open": "2"})
    page = (await vera.get("/desk/account")).text
    assert flash(page) == "Vera is offered new cases while they have fewer than 2 open."
    assert 'name="max_open" min="0" max="50" value="2"' in page

    # The coordinator's assign form: Vera left out, and why; Vince offered.
    reference = await world.case()
    cora = await world.sign_in("Cora")
    page = html.unescape((await cora.get(f"/desk/cases/{reference}")).text)
    assert "Vera: away until 2026-11-30" in page
    assert re.search(r'<option value="\d+">Vince', page) and '">Vera ·' not in page

    # Someone else's absence cannot be removed; her own can.
    [absence] = re.findall(r'name="absence" value="(\d+)"', (await vera.get("/desk/account")).text)
    vince = await world.sign_in("Vince")
    await vince.post("/desk/account/back", {"absence": absence})
    assert flash((await vince.get("/desk/account")).text) == "Not found, or not yours to see."
    await vera.post("/desk/account/back", {"absence": absence})
    assert flash((await vera.get("/desk/account")).text) == "The absence is removed."
    page = html.unescape((await cora.get(f"/desk/cases/{reference}")).text)
    assert "away until" not in page and re.search(r'<option value="\d+">Vera', page)
