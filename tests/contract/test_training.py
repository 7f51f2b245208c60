"""TrainingUnit: sessions per staff member and per organisation and period; a reminder about
a staff member is recorded once per rule and period."""

from __future__ import annotations

from datetime import date

from bot.domain.training import Session, SessionKind
from bot.ports import UnitsOfWork
from tests.conftest import FakeClock
from tests.contract.builders import add_staff


async def test_sessions_by_staff_and_by_period(units: UnitsOfWork, clock: FakeClock) -> None:
    now = clock.now()
    async with units.begin() as unit:
        vera = await add_staff(unit, "vasterort", 1, now)
        sofia = await add_staff(unit, "soderort", 2, now, name="Sofia")
        sessions = [
            Session(vera, date(2026, 3, 10), SessionKind.SUPERVISION),
            Session(vera, date(2026, 1, 20), SessionKind.FURTHER_TRAINING),
            Session(sofia, date(2026, 2, 1), SessionKind.SUPERVISION),
            Session(vera, date(2025, 12, 31), SessionKind.STAFF_TALK),
        ]
        for session in sessions:
            await unit.training.add(session, None, now)
    async with units.begin() as unit:
        assert await unit.training.of_staff([vera]) == [sessions[3], sessions[1], sessions[0]]
        assert await unit.training.of_staff([]) == []
        in_2026 = await unit.training.in_period("vasterort", date(2026, 1, 1), date(2026, 12, 31))
        assert in_2026 == [sessions[1], sessions[0]]


async def test_a_reminder_about_someone_is_recorded_once(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    now = clock.now()
    async with units.begin() as unit:
        vera = await add_staff(unit, "vasterort", 1, now)
        assert await unit.training.claim_reminder(vera, "supervision_due", "2026-11", now)
        assert not await unit.training.claim_reminder(vera, "supervision_due", "2026-11", now)
        assert await unit.training.claim_reminder(vera, "supervision_due", "2026-12", now)
