"""Every staff command and button, for every kind of actor: allowed, or refused leaking nothing."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date

import httpx
import pytest

from bot.app import Jourbot, build
from bot.channels.render import SLASH_COMMANDS, render
from bot.channels.telegram_staff import TelegramStaffAdapter
from bot.config import Settings
from bot.domain.cases import CaseSource, Staff, StaffRole
from bot.domain.dialogue import Pick, Reply
from bot.domain.model import Channel
from bot.domain.staff_views import FOR_COORDINATORS, NO_CHAT, NOT_STAFF, REFUSED
from bot.services.operator import ReferredCase
from bot.services.reports import ReportService
from bot.services.staff_stats import StaffStats
from bot.storage.units import Units
from tests.conftest import FakeClock
from tests.desk.world import Browser
from tests.intake_script import through_service

ACTORS = (
    "non-staff",
    "volunteer of the case",
    "other volunteer",
    "coordinator of the org",
    "coordinator of another org",
)
OWN = {"volunteer of the case", "coordinator of the org"}
COORDINATOR = {"coordinator of the org"}
ANY_COORDINATOR = {"coordinator of the org", "coordinator of another org"}
ANY_STAFF = set(ACTORS) - {"non-staff"}

# (kind, name or button value with {ref} and {vol}, who may)
CALLS = [
    ("command", "case {ref}", OWN),
    ("command", "assign {ref}", COORDINATOR),
    ("command", "attempt {ref}", OWN),
    ("command", "attempt {ref} phone no_answer 13:30", OWN),
    ("command", "reply {ref}", OWN),
    ("command", "reply {ref} Hello there", OWN),
    ("command", "close {ref}", OWN),
    ("command", "cases", ANY_COORDINATOR),
    ("command", "mycases", ANY_STAFF),
    ("command", "invite volunteer", ANY_COORDINATOR),
    ("command", "stats", ANY_COORDINATOR),
    ("command", "transfer {ref}", COORDINATOR),
    ("button", "open:{ref}", OWN),
    ("button", "assign:{ref}", COORDINATOR),
    ("button", "to:{ref}:{vol}", COORDINATOR),
    ("button", "move:{ref}", COORDINATOR),
    ("button", "move:{ref}:stodcentrum", COORDINATOR),
    ("button", "move:{ref}:stodcentrum:area", COORDINATOR),
    ("button", "att:{ref}", OWN),
    ("button", "att:{ref}:phone", OWN),
    ("button", "att:{ref}:phone:no_answer", OWN),
    ("button", "att:{ref}:phone:no_answer:0", OWN),
    ("button", "reply:{ref}", OWN),
    ("button", "close:{ref}", OWN),
    ("button", "close:{ref}:supported", OWN),
    ("command", "call {ref}", OWN),
    ("button", "call:{ref}", OWN),
    ("button", "call:{ref}:yes", OWN),
    ("command", "away", ANY_STAFF),
    ("command", "away 2026-12-20 2026-12-24", ANY_STAFF),
    ("command", "maxcases 3", ANY_STAFF),
    # Someone else's availability: the person themselves or their coordinator.
    ("command", "away {vol} 2026-12-20 2026-12-24", {"volunteer of the case", *COORDINATOR}),
    ("command", "maxcases {vol} 3", {"volunteer of the case", *COORDINATOR}),
]


@dataclass
class World:
    jourbot: Jourbot
    adapter: TelegramStaffAdapter
    actors: dict[str, Staff | None]
    reference: str
    volunteer_id: int
    browsers: dict[int, str] = field(default_factory=dict)

    def actors_by_browser(self, browser: Browser) -> Staff | None:
        return self.actors[self.browsers[id(browser)]]

    async def run(self, actor: str, kind: str, call: str, reference: str) -> list[str]:
        text = call.format(ref=reference, vol=self.volunteer_id)
        staff = self.actors[actor]
        if kind == "command":
            name, *rest = text.split(maxsplit=2)
            replies = await self.adapter.command(staff, name, rest)
        elif staff is None:
            replies = [NOT_STAFF]  # the Telegram adapter answers every non-staff button so
        else:
            replies = await self.adapter.button(staff, Pick("s", text))
        return [self.text(r) for r in replies]

    def text(self, reply: Reply) -> str:
        tr = self.jourbot.catalogs.translator("en")
        return render(reply, tr, SLASH_COMMANDS).text

    async def relayed_by_staff(self) -> int:
        async with self.jourbot.units.begin() as unit:
            case = await unit.cases.by_reference(self.reference)
            assert case is not None
            return sum(not m.from_seeker for m in await unit.cases.messages(case.id))


async def seeker_intake(jourbot: Jourbot, address: str = "777") -> str:
    """Run a seeker through the intake on Telegram and return the case reference."""
    answer = await through_service(jourbot.intake, Channel.TELEGRAM, address)
    reference = answer.replies[0].params["reference"]
    assert isinstance(reference, str)
    return reference


@pytest.fixture
async def world(settings: Settings, clock: FakeClock) -> AsyncIterator[World]:
    jourbot = await build(settings, clock=clock)
    units = Units(jourbot.database)
    people = {
        "volunteer of the case": ("vasterort", StaffRole.VOLUNTEER),
        "other volunteer": ("vasterort", StaffRole.VOLUNTEER),
        "coordinator of the org": ("vasterort", StaffRole.COORDINATOR),
        "coordinator of another org": ("soderort", StaffRole.COORDINATOR),
    }
    actors: dict[str, Staff | None] = {"non-staff": None}
    async with units.begin() as unit:
        for number, (who, (org, role)) in enumerate(people.items(), start=1):
            staff_id = await unit.staff.add(
                org_id=org, role=role, name=who, telegram_id=1000 + number, locale="en",
                now=clock.now(),
            )  # fmt: skip
            await unit.staff.update(staff_id, trained_on=date(2026, 1, 1), languages=("sv",))
            actors[who] = await unit.staff.by_id(staff_id)
    reference = await seeker_intake(jourbot)
    volunteer = actors["volunteer of the case"]
    assert volunteer is not None
    async with units.begin() as unit:
        record = await unit.cases.by_reference(reference)
        assert record is not None
        await unit.cases.assign(record.id, volunteer.id)
    partnership = settings.partnership
    reports = ReportService(jourbot.units, partnership)
    stats = StaffStats(reports, jourbot.catalogs, partnership, clock)
    try:
        yield World(
            jourbot,
            TelegramStaffAdapter(
                jourbot.staff, jourbot.catalogs, jourbot.outbox, stats, calls=jourbot.calls
            ),
            actors,
            reference,
            volunteer.id,
        )  # fmt: skip
    finally:
        await jourbot.close()


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("kind", "call", "who"), CALLS, ids=[c[1] for c in CALLS])
async def test_access(world: World, actor: str, kind: str, call: str, who: set[str]) -> None:
    """Allowed for those in the table; everyone else gets the same refusal as for no case."""
    answer = await world.run(actor, kind, call, world.reference)
    if actor == "non-staff":
        refusal = world.text(NOT_STAFF)
    elif who <= ANY_COORDINATOR and "volunteer" in actor:
        refusal = world.text(FOR_COORDINATORS)  # the role says no, not the case
    else:
        refusal = world.text(REFUSED)
    if actor in who:
        assert refusal not in answer
        if not answer:  # relayed: "Sent" is queued for the sender once the seeker has it
            assert call == "reply {ref} Hello there"
            assert await world.relayed_by_staff() == 1
    else:
        assert answer == [refusal]
        if "{ref}" in call:
            missing = await world.run(actor, kind, call, "ZZZ-ZZZ")
            assert missing == answer  # not even whether the case exists


async def test_forged_button_for_another_case(world: World, clock: FakeClock) -> None:
    """A volunteer cannot reach a case that is not theirs by editing callback data."""
    case = ReferredCase("vasterort", CaseSource.PHONE, "sv", phone="+46707654321")
    other = await world.jourbot.operator.register_case(case)
    volunteer = world.actors["volunteer of the case"]
    assert volunteer is not None
    for value in (f"open:{other}", f"close:{other}:supported", f"att:{other}:phone:reached:0"):
        (answer,) = await world.adapter.button(volunteer, Pick("s", value))
        assert world.text(answer) == world.text(REFUSED)
    for value in ("open", "to:x:y", "att:{ref}:fax", "close::", "att:{ref}:phone:no_answer:-5"):
        (answer,) = await world.adapter.button(
            volunteer, Pick("s", value.format(ref=world.reference))
        )
        assert world.text(answer) == world.text(REFUSED)


async def test_untrained_volunteer_cannot_be_assigned(world: World, clock: FakeClock) -> None:
    """Even a hand-made button cannot give a case to someone without basic training."""
    units = Units(world.jourbot.database)
    async with units.begin() as unit:
        untrained = await unit.staff.add(
            org_id="vasterort", role=StaffRole.VOLUNTEER, name="New", telegram_id=2000,
            locale="en", now=clock.now(),
        )  # fmt: skip
    coordinator = world.actors["coordinator of the org"]
    menu = await world.adapter.button(coordinator, Pick("s", f"assign:{world.reference}"))  # type: ignore[arg-type]
    assert f"to:{world.reference}:{untrained}" not in [c.value for c in menu[0].choices]
    (answer,) = await world.adapter.button(
        coordinator,  # type: ignore[arg-type]
        Pick("s", f"to:{world.reference}:{untrained}"),
    )
    assert "cannot take cases" in world.text(answer)
    async with units.begin() as unit:
        record = await unit.cases.by_reference(world.reference)
    assert record is not None
    assert record.volunteer_id == world.volunteer_id


async def test_registered_case_is_worked_like_any_other(world: World, clock: FakeClock) -> None:
    """A police referral shows among the unassigned, can be assigned, and has no chat."""
    case = ReferredCase("vasterort", CaseSource.POLICE, "ar", phone="+46707654321")
    reference = await world.jourbot.operator.register_case(case)
    coordinator = world.actors["coordinator of the org"]
    (unassigned,) = await world.adapter.command(coordinator, "cases", [])
    assert reference in world.text(unassigned)
    (done,) = await world.adapter.button(
        coordinator,  # type: ignore[arg-type]
        Pick("s", f"to:{reference}:{world.volunteer_id}"),
    )
    assert f"{reference} is now with" in world.text(done)
    volunteer = world.actors["volunteer of the case"]
    (mine,) = await world.adapter.command(volunteer, "mycases", [])
    assert reference in world.text(mine)
    (no_chat,) = await world.adapter.command(volunteer, "reply", [reference])
    assert "no chat" in world.text(no_chat)
    (view,) = await world.adapter.command(volunteer, "case", [reference])
    assert "police referral" in world.text(view)
    assert "+46707654321" not in world.text(view)  # on the desk, not in Telegram


async def test_no_chat_with_a_seeker_on_a_channel_that_cannot_be_written_to(
    world: World,
) -> None:
    """A case made at the console has no chat: the staff's message is refused, not queued."""
    answer = await through_service(world.jourbot.intake, Channel.CONSOLE, "terminal")
    reference = answer.replies[0].params["reference"]
    assert isinstance(reference, str)
    coordinator = world.actors["coordinator of the org"]
    assert coordinator is not None
    async with world.jourbot.units.begin() as unit:
        queued = await unit.outbox.pending()  # the coordinators' new-case notices
    assert await world.jourbot.staff.start_reply(coordinator, reference) == NO_CHAT
    assert await world.jourbot.staff.relay(coordinator, reference, "Hej") == [NO_CHAT]
    async with world.jourbot.units.begin() as unit:
        assert await unit.outbox.pending() == queued


# The desk: the same table over its routes. (method, path, who may)
DESK_CALLS = [
    ("GET", "/desk/cases/{ref}", OWN),
    ("GET", "/desk/cases/{ref}/live", OWN),
    ("POST", "/desk/cases/{ref}/assign", COORDINATOR),
    ("POST", "/desk/cases/{ref}/attempt", OWN),
    ("POST", "/desk/cases/{ref}/message", OWN),
    ("POST", "/desk/cases/{ref}/close", OWN),
    ("POST", "/desk/cases/{ref}/transfer", COORDINATOR),
    ("GET", "/desk/", ANY_STAFF),
    ("GET", "/desk/board", ANY_COORDINATOR),
    ("GET", "/desk/team", ANY_COORDINATOR),
    ("POST", "/desk/team/invite", ANY_COORDINATOR),
    ("GET", "/desk/report", ANY_COORDINATOR),
    ("GET", "/desk/report.csv", ANY_COORDINATOR),
    ("POST", "/desk/account/phone", ANY_STAFF),
    ("POST", "/desk/cases/{ref}/call", OWN),
    ("POST", "/desk/account/away", ANY_STAFF),
    ("POST", "/desk/account/max-open", ANY_STAFF),
    ("POST", "/desk/cases/{ref}/support", OWN),
    ("POST", "/desk/team/{vol}/session", COORDINATOR),
]
DESK_FORM = {
    "volunteer": "{vol}", "channel": "phone", "outcome": "no_answer", "time": "13:30",
    "text": "Hello there", "org": "stodcentrum", "role": "volunteer", "phone": "070-123 45 67",
    "from": "2026-12-20", "to": "2026-12-24", "max_open": "3",
    "on": "2026-11-24", "how": "phone", "minutes": "30", "conversation": "yes",
    "kind": "supervision",
}  # fmt: skip


async def desk_browser(world: World, actor: str) -> Browser:
    """A browser signed in as *actor* (none for someone not staff)."""
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=world.jourbot.web), base_url="https://desk.test"
    )
    staff = world.actors[actor]
    if staff is not None:
        link = await world.jourbot.desk.link_for(staff.id)
        assert link is not None
        assert (await client.post(link[link.index("/desk/") :])).status_code == 303
    return Browser(client)


async def desk_call(
    world: World, browser: Browser, method: str, path: str, reference: str
) -> tuple[int, str]:
    """Make one desk request; return its status and what the reader is shown."""
    target = path.format(ref=reference, vol=world.volunteer_id)
    if method == "GET":
        answer = await browser.get(target)
        return answer.status_code, answer.text
    form = {k: v.format(vol=world.volunteer_id) for k, v in DESK_FORM.items()}
    form["reason"] = "age" if target.endswith("/transfer") else "supported"
    csrf = None if world.actors_by_browser(browser) is None else "page"
    answer = await browser.post(target, form, csrf=csrf, page="/desk/")
    if answer.status_code != 303:
        return answer.status_code, answer.text
    shown = await browser.get("/desk/account")
    flash = re.search(r'<p class="flash" role="status">(.*?)</p>', shown.text, re.S)
    return answer.status_code, html.unescape(flash.group(1)) if flash else ""


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("method", "path", "who"), DESK_CALLS, ids=[c[1] for c in DESK_CALLS])
async def test_desk_access(world: World, actor: str, method: str, path: str, who: set[str]) -> None:
    """The desk asks the same policy: allowed for those in the table; everyone else gets the
    bot's refusal, the same for a case that does not exist."""
    browser = await desk_browser(world, actor)
    world.browsers[id(browser)] = actor
    try:
        status, shown = await desk_call(world, browser, method, path, world.reference)
        if actor == "non-staff":
            assert status in (303, 403)  # sent to sign in, or refused unread
            assert world.reference not in shown
            return
        if who <= ANY_COORDINATOR and "volunteer" in actor:
            refusals = {world.text(FOR_COORDINATORS), world.text(REFUSED)}
        else:
            refusals = {world.text(REFUSED)}
        if actor in who:
            assert status in (200, 303)
            assert not any(refusal in shown for refusal in refusals)
            return
        if method == "GET":
            assert status == 404
            assert world.text(REFUSED) in shown
        else:
            assert shown in refusals
        if "{ref}" in path:
            assert (status, shown) == await desk_call(world, browser, method, path, "ZZZ-ZZZ")
    finally:
        await browser.client.aclose()
