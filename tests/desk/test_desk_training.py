"""Further training and supervision on the desk's Volunteers page (issue 22): a coordinator
records a session for their organisation's staff; a volunteer overdue for supervision is
marked, and the coordinators are reminded once a month, in working hours."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.config import Settings
from bot.domain.cases import StaffRole
from tests.conftest import FakeClock
from tests.desk.world import OTHER_ORG, DeskWorld, desk_world, flash


@pytest.fixture
async def world(settings: Settings, clock: FakeClock) -> AsyncIterator[DeskWorld]:
    async with desk_world(settings, clock) as running:
        await running.add_staff("Cora", StaffRole.COORDINATOR, telegram=9001)
        await running.add_staff("Vera", StaffRole.VOLUNTEER, telegram=9002)  # trained 15 Jan
        await running.add_staff("Olga", StaffRole.COORDINATOR, OTHER_ORG, telegram=9004)
        yield running


async def test_supervision_is_recorded_and_reminded_of(world: DeskWorld) -> None:
    supervision = world.jourbot.reminders.supervision
    at_nine = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # 09:00 in Stockholm
    assert await supervision(datetime(2026, 11, 24, 18, 0, tzinfo=UTC)) == 0  # 19:00: later
    assert await supervision(at_nine) == 1  # none since the basic training in January
    assert await supervision(at_nine) == 0  # once a month
    cora = await world.sign_in("Cora")
    team = html.unescape((await cora.get("/desk/team")).text)
    assert "none yet" in team and "due" in team

    vera = world.staff["Vera"]
    olga = await world.sign_in("Olga")  # another organisation's coordinator
    await olga.post(f"/desk/team/{vera}/session", {"on": "2026-11-20", "kind": "supervision"},
                    page="/desk/team")  # fmt: skip
    assert flash((await olga.get("/desk/team")).text) == "Not found, or not yours to see."
    await cora.post(f"/desk/team/{vera}/session", {"on": "2026-11-25", "kind": "supervision"},
                    page="/desk/team")  # fmt: skip
    assert "once it has taken place" in flash((await cora.get("/desk/team")).text)
    await cora.post(f"/desk/team/{vera}/session", {"on": "2026-11-20", "kind": "supervision"},
                    page="/desk/team")  # fmt: skip
    team = html.unescape((await cora.get("/desk/team")).text)
    assert flash(team) == "Recorded for Vera: supervision or debriefing on 2026-11-20."
    assert "2026-11-20" in team and " due" not in team.split("Last supervision")[1]
    assert await supervision(datetime(2026, 12, 1, 8, 0, tzinfo=UTC)) == 0  # supervised now
    assert await supervision(datetime(2027, 2, 22, 8, 0, tzinfo=UTC)) == 1  # three months on
