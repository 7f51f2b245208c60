"""Reassignment and hand-registered cases tell the people concerned (issue 22): the former
volunteer learns the case left them (its reference, nothing more); a case registered by hand
reaches the coordinators at once, as a bot intake does, also from the command line."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

from bot.config import Settings
from bot.domain.cases import CaseSource, StaffRole
from bot.domain.model import ContactMethod
from bot.services.operator import ReferredCase
from bot.storage.database import Database
from bot.storage.units import Units
from tests.conftest import FakeClock
from tests.integration.test_admin_cli import jourbot
from tests.integration.test_staff_flow import (
    COORDINATOR,
    SEEKER_PHONE,
    VOLUNTEER,
    assign_new_case,
    running,
    staff_and_a_case,
)
from tests.telegram_fakes import Person

VINCE = 9003


async def test_the_former_volunteer_is_told_the_case_left_them(
    settings: Settings, clock: FakeClock
) -> None:
    async with running(settings, clock) as w:
        coordinator, volunteer, _, volunteer_id = await staff_and_a_case(w)
        reference = await assign_new_case(w, coordinator, "Ring efter sex", volunteer_id)
        async with w.jourbot.units.begin() as unit:
            vince = await unit.staff.add(
                org_id="vasterort", role=StaffRole.VOLUNTEER, name="Vince", telegram_id=VINCE,
                locale="en", now=clock.now(),
            )  # fmt: skip
            await unit.staff.update(vince, trained_on=date(2026, 1, 10), languages=("sv",))
        before = len(w.api.sent(VOLUNTEER))
        await w.telegram(coordinator.message(f"/assign {reference}"))
        await w.press(coordinator, f"to:{reference}:{vince}")
        assert f"{reference} is now with Vince" in w.last(COORDINATOR)
        assert w.last(VINCE).startswith(f"You have a new case: {reference}")
        told = [str(m["text"]) for m in w.api.sent(VOLUNTEER)[before:]]
        assert told == [
            f"{reference} is no longer yours: a coordinator gave it to another volunteer."
        ]
        # And it is no longer hers to open.
        await w.telegram(volunteer.message(f"/case {reference}"))
        assert "Not found" in w.last(VOLUNTEER)


async def test_a_case_registered_by_hand_reaches_the_coordinators_at_once(
    settings: Settings, clock: FakeClock
) -> None:
    async with running(settings, clock) as w:
        coordinator = Person(COORDINATOR, "en")
        invite = await w.jourbot.staff.create_invite("vasterort", StaffRole.COORDINATOR)
        await w.telegram(coordinator.message(f"/join {invite.code}"))
        reference = await w.jourbot.operator.register_case(
            ReferredCase(
                "vasterort", CaseSource.POLICE, "sv", phone=SEEKER_PHONE,
                contact=ContactMethod.CALL,
            )
        )  # fmt: skip
        await w.jourbot.outbox.drain()
        notice = w.last(COORDINATOR)
        assert notice.startswith(f"New case {reference}"), notice
        assert SEEKER_PHONE not in notice


async def test_jourbot_case_add_queues_the_coordinators_notice(tmp_path: Path) -> None:
    """From the command line too: the running service's outbox sends what the command queued."""
    db = tmp_path / "jourbot.db"
    database = await Database.open(db)
    try:
        async with Units(database).begin() as unit:
            await unit.staff.add(
                org_id="vasterort", role=StaffRole.COORDINATOR, name="Cora", telegram_id=9001,
                locale="en", now=datetime(2026, 11, 1, tzinfo=UTC),
            )  # fmt: skip
    finally:
        await database.close()
    added = jourbot(db, "case", "add", "--org", "vasterort", "--source", "phone", "--language",
                    "sv", "--phone", "0701234567")  # fmt: skip
    assert added.returncode == 0, added.stderr
    with sqlite3.connect(db) as conn:
        queued = conn.execute("SELECT address, state FROM outbox").fetchall()
    assert queued == [("9001", "pending")]
