"""Working a case in the desk: the same services and policy as the bot, every view recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from bot.domain.cases import StaffRole
from tests.conftest import FakeClock
from tests.desk.world import OTHER_ORG, DeskWorld, desk_world


@pytest.fixture
async def world(settings: Settings, clock: FakeClock) -> AsyncIterator[DeskWorld]:
    async with desk_world(settings, clock) as world:
        await world.add_staff("Cora", StaffRole.COORDINATOR, telegram=9001)
        await world.add_staff("Vera", StaffRole.VOLUNTEER, telegram=9002)
        await world.add_staff("Vince", StaffRole.VOLUNTEER, telegram=9003)
        await world.add_staff("Otto", StaffRole.COORDINATOR, OTHER_ORG, telegram=9004)
        yield world


async def test_a_case_is_worked_from_the_board_to_closed(world: DeskWorld) -> None:
    reference = await world.case()
    cora = await world.sign_in("Cora")
    board = (await cora.get("/desk/")).text
    assert reference in board and "Unassigned" in board
    page = f"/desk/cases/{reference}"
    case = (await cora.get(page)).text
    assert "+46701234567" in case  # asked to be called: the number is shown to those who may
    assert "Vera" in case and "Vince" in case  # the ranked suggestions
    assert await cora.post(f"{page}/assign", {"volunteer": str(world.staff["Vera"])}, page=page)
    assert "is now with Vera" in (await cora.get(page)).text

    world.clock.advance(hours=5)  # 19:00 in Stockholm
    vera = await world.sign_in("Vera")
    mine = (await vera.get("/desk/")).text
    assert reference in mine and "My cases" in mine
    await vera.post(
        f"{page}/attempt", {"channel": "phone", "outcome": "no_answer", "time": "14:10"}, page=page
    )
    await vera.post(
        f"{page}/attempt", {"channel": "phone", "outcome": "reached", "time": "18:40"}, page=page
    )
    case = (await vera.get(page)).text
    assert case.count('class="evening"') == 1
    assert "no chat to write in" in case  # registered by hand: call them
    await vera.post(f"{page}/close", {"reason": "supported"}, page=page)
    assert f"{reference} is closed" in (await vera.get(page)).text
    assert reference not in (await vera.get("/desk/")).text

    kinds = [kind for kind, _, _ in await world.events(reference)]
    assert kinds == [
        "registered", "viewed", "viewed", "assigned", "viewed", "viewed", "attempt", "viewed",
        "attempt", "viewed", "viewed", "closed", "viewed",
    ]  # fmt: skip


async def test_page_views_are_in_the_case_history(world: DeskWorld) -> None:
    reference = await world.case()
    cora = await world.sign_in("Cora")
    await cora.get(f"/desk/cases/{reference}")
    await cora.get(f"/desk/cases/{reference}/live")  # a refresh of the open page: not a view
    events = await world.events(reference)
    assert events[-1] == ("viewed", "desk", world.staff["Cora"])
    assert [e for e in events if e[0] == "viewed"] == [events[-1]]
    history = (await cora.get(f"/desk/cases/{reference}")).text
    # Opened twice in a row by the same person: one line says how often, and until when.
    assert history.count("Cora opened it (in the desk), 2 times until") == 1
    vera = await world.sign_in("Vera")
    await cora.post(f"/desk/cases/{reference}/assign", {"volunteer": str(world.staff["Vera"])},
                    page=f"/desk/cases/{reference}")  # fmt: skip
    await vera.get(f"/desk/cases/{reference}")
    history = (await cora.get(f"/desk/cases/{reference}")).text
    assert "Vera opened it (in the desk)" in history
    assert history.index("assigned it to Vera") < history.index("Vera opened it")


@pytest.mark.parametrize(
    "path",
    ["", "/live", "/assign", "/attempt", "/message", "/close", "/transfer"],
)
async def test_another_volunteer_is_refused_as_for_a_made_up_case(
    world: DeskWorld, path: str
) -> None:
    reference = await world.case()
    cora = await world.sign_in("Cora")
    page = f"/desk/cases/{reference}"
    await cora.post(f"{page}/assign", {"volunteer": str(world.staff["Vera"])}, page=page)
    before = await world.events(reference)
    for name in ("Vince", "Otto"):
        browser = await world.sign_in(name)
        if path in ("", "/live"):
            theirs = await browser.get(page + path)
            made_up = await browser.get(f"/desk/cases/ZZZ-ZZZ{path}")
            assert theirs.status_code == made_up.status_code == 404
            assert theirs.text == made_up.text
            assert reference not in theirs.text and "+4670" not in theirs.text
        else:
            data = {"volunteer": "2", "channel": "phone", "outcome": "reached", "time": "12:00",
                    "text": "hello", "org": "vasterort",
                    "reason": "age" if path == "/transfer" else "supported"}  # fmt: skip
            answer = await browser.post(page + path, data, page="/desk/")
            assert answer.status_code == 303
            notice = (await browser.get("/desk/account")).text
            refusals = ["Not found, or not yours to see."]
            if name == "Vince" and path in ("/assign", "/transfer"):
                refusals.append("This is for coordinators.")  # as the bot says
            assert any(refusal in notice for refusal in refusals)
    assert await world.events(reference) == before  # nothing changed, no view recorded


async def test_volunteers_see_neither_the_board_nor_the_office(world: DeskWorld) -> None:
    vera = await world.sign_in("Vera")
    for path in ("/desk/board", "/desk/team", "/desk/report", "/desk/report.csv"):
        assert (await vera.get(path)).status_code == 404


async def test_a_report_download_is_recorded(world: DeskWorld) -> None:
    cora = await world.sign_in("Cora")
    page = await cora.get("/desk/report?period=year")
    assert page.status_code == 200
    assert "<title>Report · Jourbot desk</title>" in page.text
    csv = await cora.get("/desk/report.csv?period=year")
    assert csv.status_code == 200 and "attachment" in csv.headers["content-disposition"]
    async with world.jourbot.units.begin() as unit:
        accesses = await unit.desk.accesses(world.clock.now().replace(year=2000))
    assert [(a.staff_id, a.what, a.detail) for a in accesses] == [
        (world.staff["Cora"], "report_download", "vasterort:2026-01-01:2026-11-24:csv")
    ]
    shown = (await cora.get("/desk/report?period=year")).text
    assert "Cora · vasterort:2026-01-01:2026-11-24:csv" in shown  # who took what, and when


async def test_a_long_message_in_a_non_latin_script_fits_a_form(world: DeskWorld) -> None:
    reference = await world.case()
    cora = await world.sign_in("Cora")
    page = f"/desk/cases/{reference}"
    answer = await cora.post(f"{page}/message", {"text": "ش" * 4000}, page=page)
    assert answer.status_code == 303  # read, not refused as too large (no chat: said so)
