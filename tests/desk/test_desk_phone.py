"""A staff member's own phone for calls (issue 21, first part): entered on their account page
or by an operator, sealed, shown back only masked, never to anyone else; forgotten when they
are taken off the service."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from bot.domain.cases import StaffRole
from tests.conftest import FakeClock
from tests.desk.world import DeskWorld, desk_world


@pytest.fixture
async def world(settings: Settings, clock: FakeClock) -> AsyncIterator[DeskWorld]:
    async with desk_world(settings, clock) as running:
        await running.add_staff("Cora", StaffRole.COORDINATOR, telegram=9001)
        await running.add_staff("Vera", StaffRole.VOLUNTEER, telegram=9002)
        yield running


async def stored(world: DeskWorld, name: str) -> str | None:
    async with world.jourbot.units.lookup() as unit:
        return await unit.staff.phone(world.staff[name])


async def test_a_volunteer_keeps_their_phone_and_sees_it_only_masked(world: DeskWorld) -> None:
    vera = await world.sign_in("Vera")
    answer = await vera.post("/desk/account/phone", {"phone": "070-123 45 67"})
    assert answer.status_code == 303
    page = (await vera.get("/desk/account")).text
    assert "67" in page and "•" in page  # recognisable by its last two digits
    for whole in ("070-123 45 67", "+46701234567", "0701234567", "123 45"):
        assert whole not in page
    assert await stored(world, "Vera") == "+46701234567"  # E.164, as Twilio dials it
    assert await stored(world, "Cora") is None  # her own only

    refused = await vera.post("/desk/account/phone", {"phone": "not a number"})
    assert refused.status_code == 303
    assert "not a phone number" in (await vera.get("/desk/account")).text
    assert await stored(world, "Vera") == "+46701234567"  # unchanged

    await vera.post("/desk/account/phone", {"phone": ""})
    assert "removed" in (await vera.get("/desk/account")).text
    assert await stored(world, "Vera") is None


async def test_an_operator_sets_a_phone_and_deactivation_forgets_it(world: DeskWorld) -> None:
    operator = world.jourbot.operator
    assert await operator.set_staff_phone(world.staff["Vera"], "+46 70 765 43 21")
    assert await stored(world, "Vera") == "+46707654321"
    with pytest.raises(ValueError, match="not a phone number"):
        await operator.set_staff_phone(world.staff["Vera"], "12")
    assert not await operator.set_staff_phone(9999, "+46707654321")
    await operator.update_staff(world.staff["Vera"], active=False)  # by the operator
    assert await stored(world, "Vera") is None

    await operator.update_staff(world.staff["Vera"], active=True)
    await operator.set_staff_phone(world.staff["Vera"], "0701112233")
    await operator.set_staff_phone(world.staff["Cora"], "0707654321")
    cora = await world.sign_in("Cora")
    answer = await cora.post(f"/desk/team/{world.staff['Vera']}/deactivate", page="/desk/team")
    assert answer.status_code == 303  # by her coordinator
    assert await stored(world, "Vera") is None
    assert await stored(world, "Cora") == "+46707654321"  # someone else's stays
