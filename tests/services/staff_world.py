"""The staff side on the in-memory units: its service, staff, cases, and what the outbox got.

Everything here goes through the ports (bot/ports.py), so the service tests read and write
what any store would; tests/contract holds the memory units to SQLite's behaviour.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.domain.cases import (
    CaseEvent,
    CaseRecord,
    CaseSource,
    NewCase,
    Staff,
    StaffRole,
)
from bot.domain.conversation import Answers, Language
from bot.domain.dialogue import Reply
from bot.domain.model import Channel, Partnership
from bot.domain.staff_notices import StaffSettings
from bot.ports import Queued, UnitsOfWork
from bot.services.intake import IntakeService
from bot.services.staff import StaffService
from tests.conftest import FakeClock
from tests.contract.builders import answers, fresh_reference
from tests.intake_script import through_service
from tests.memory_units import MemoryUnits

LANGUAGES = (Language("sv", "Svenska"), Language("en", "English"))
ORG, OTHER_ORG, YOUNG_ORG = "vasterort", "soderort", "stodcentrum"
COORDINATOR_CHAT, VOLUNTEER_CHAT = 9001, 9002
SEEKER_CHAT = "555000111"  # a Telegram seeker's chat
TRAINED = date(2026, 3, 1)
DESK_URL = "https://bot.example.org/desk"


class Wakes:
    """Stands in for the outbox worker's wake-up call, and counts the calls."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


@dataclass(frozen=True, slots=True)
class Delivered:
    """A message the outbox handed out: where it went, what it said, and whose it is."""

    channel: Channel
    address: str
    locale: str
    replies: list[Reply]
    seeker_id: int | None


async def deliver(
    units: UnitsOfWork, now: datetime, *, failing: Collection[str] = ()
) -> list[Delivered]:
    """Hand out everything due as the outbox worker would; sends to *failing* addresses fail.

    Each send is recorded as the worker records it, so the follow-ups it triggers ("Sent",
    "Could not deliver") are queued and handed out too, in the same call.
    """
    out: list[Delivered] = []
    while True:
        async with units.begin() as unit:
            claimed: list[Queued] = await unit.outbox.claim_due(now, 100)
            for queued in claimed:
                if queued.address in failing:
                    await unit.outbox.failed(queued.id, "refused", now)
                else:
                    await unit.outbox.sent(queued.id, f"provider-{queued.id}", now)
        if not claimed:
            return out
        out += [Delivered(q.channel, q.address, q.locale, q.replies, q.seeker_id) for q in claimed]


def to_chat(delivered: list[Delivered], chat: int) -> list[Reply]:
    """Return every reply that went to the Telegram chat *chat*, in order."""
    return [
        reply
        for message in delivered
        if message.channel is Channel.TELEGRAM and message.address == str(chat)
        for reply in message.replies
    ]


def listed(reply: Reply) -> list[str]:
    """Return the references a case list shows (each has a button to open it)."""
    return [choice.value.removeprefix("open:") for choice in reply.choices]


def sections(reply: Reply) -> dict[str, list[str]]:
    """Read /cases back: each list's title and the references under it, in order."""
    found: dict[str, list[str]] = {}
    title = ""
    for line in reply.lines:
        if not line.params:
            title = line.text
            found.setdefault(title, [])
        elif "reference" in line.params:
            found[title].append(str(line.params["reference"]))
    return found


@dataclass
class StaffWorld:
    """A partnership's staff side in memory: a coordinator and a trained volunteer of ORG."""

    units: MemoryUnits
    clock: FakeClock
    partnership: Partnership
    service: StaffService
    wakes: Wakes
    intake: IntakeService
    coordinator: Staff = field(init=False)
    volunteer: Staff = field(init=False)
    # Each seeker of add_case gets a number of their own.
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1234567))

    async def add_staff(
        self,
        chat: int,
        *,
        role: StaffRole = StaffRole.VOLUNTEER,
        org_id: str = ORG,
        name: str = "Vera",
        trained: bool = True,
        active: bool = True,
    ) -> Staff:
        """Register a staff member, trained (a volunteer) and speaking Swedish unless told."""
        async with self.units.begin() as unit:
            staff_id = await unit.staff.add(
                org_id=org_id, role=role, name=name, telegram_id=chat, locale="en",
                now=self.clock.now(),
            )  # fmt: skip
            await unit.staff.update(
                staff_id,
                trained_on=TRAINED if trained else None,
                active=active,
                languages=("sv",),
            )
            staff = await unit.staff.by_id(staff_id)
        assert staff is not None
        return staff

    async def add_case(
        self,
        org_id: str = ORG,
        *,
        channel: Channel | None = Channel.SMS,
        address: str | None = None,
        received_at: datetime | None = None,
        told: Answers | None = None,
        source: CaseSource = CaseSource.BOT,
    ) -> CaseRecord:
        """Store a case through the port; with a *channel*, a seeker wrote in from *address*.

        Without an *address* each seeker gets a number of their own (+46701234567 first).
        """
        now = self.clock.now()
        async with self.units.begin() as unit:
            seeker_id = None
            if channel is not None:
                address = address or f"+4670{next(self._numbers):07d}"
                seeker_id = await unit.intake.add_seeker(channel, address, now)
            new = NewCase(
                org_id, source, "sv", received_at or now, told or answers(),
                channel=channel, seeker_id=seeker_id,
            )  # fmt: skip
            case_id, _ = await unit.cases.add(new, fresh_reference)
            case = await unit.cases.by_id(case_id)
        assert case is not None
        return case

    async def intake_case(
        self, channel: Channel = Channel.TELEGRAM, address: str = SEEKER_CHAT
    ) -> tuple[CaseRecord, int]:
        """Run a whole intake through the intake service; return the case and its seeker."""
        await through_service(self.intake, channel, address)
        async with self.units.begin() as unit:
            seeker_id = await unit.intake.find_seeker(channel, address)
            assert seeker_id is not None
            case = await unit.cases.case_of_seeker(seeker_id)
        assert case is not None
        return case, seeker_id

    async def case(self, reference: str) -> CaseRecord:
        """Load a case as stored now."""
        async with self.units.begin() as unit:
            case = await unit.cases.by_reference(reference)
        assert case is not None
        return case

    async def events(self, reference: str) -> list[tuple[str, str]]:
        """Return a case's audit trail as (event, detail)."""
        return [(e.kind, e.detail) for e in await self.trail(reference)]

    async def trail(self, reference: str) -> list[CaseEvent]:
        """Return a case's audit trail in full."""
        async with self.units.begin() as unit:
            case = await unit.cases.by_reference(reference)
            assert case is not None
            return await unit.cases.events(case.id)

    async def pending(self) -> int:
        """Count the messages queued and not yet sent."""
        async with self.units.begin() as unit:
            return await unit.outbox.pending()

    async def deliver(self, *, failing: Collection[str] = ()) -> list[Delivered]:
        """Hand out everything queued (see deliver)."""
        return await deliver(self.units, self.clock.now(), failing=failing)


async def staff_world(
    units: MemoryUnits, clock: FakeClock, partnership: Partnership, *, details: bool = False
) -> StaffWorld:
    """Build the staff service as bot/app.py does, with an intake that tells it of cases.

    With *details*, staff chats get the seeker's details (`[staff] telegram_details`).
    """
    wakes = Wakes()
    service = StaffService(
        units, clock, partnership, wakes, settings=StaffSettings(details, DESK_URL)
    )
    intake = IntakeService(
        units, clock, partnership, LANGUAGES, "sv", listener=service, screen=service
    )
    world = StaffWorld(units, clock, partnership, service, wakes, intake)
    world.coordinator = await world.add_staff(
        COORDINATOR_CHAT, role=StaffRole.COORDINATOR, name="Cora"
    )
    world.volunteer = await world.add_staff(VOLUNTEER_CHAT, name="Vera")
    return world
