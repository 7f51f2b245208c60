"""AbsenceUnit and the staff's ceiling on open cases: recorded, read for the days that matter,
removed only by their owner, and a welcome back remembered once."""

from __future__ import annotations

from datetime import date

from bot.domain.availability import Absence
from bot.ports import UnitsOfWork
from tests.conftest import FakeClock
from tests.contract.builders import add_staff


async def test_absences_are_read_from_a_day_on_and_removed_by_their_owner(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    now = clock.now()
    async with units.begin() as unit:
        vera = await add_staff(unit, "vasterort", 1, now)
        vince = await add_staff(unit, "vasterort", 2, now)
        past = await unit.absences.add(vera, date(2026, 11, 1), date(2026, 11, 5), now)
        coming = await unit.absences.add(vera, date(2026, 12, 20), date(2027, 1, 6), now)
        his = await unit.absences.add(vince, date(2026, 11, 20), date(2026, 11, 30), now)
    async with units.begin() as unit:
        assert await unit.absences.current([vera, vince], date(2026, 11, 24)) == [
            Absence(his, vince, date(2026, 11, 20), date(2026, 11, 30)),
            Absence(coming, vera, date(2026, 12, 20), date(2027, 1, 6)),
        ]
        assert await unit.absences.current([vera], date(2026, 11, 5)) == [
            Absence(past, vera, date(2026, 11, 1), date(2026, 11, 5)),
            Absence(coming, vera, date(2026, 12, 20), date(2027, 1, 6)),
        ]
        assert await unit.absences.current([], date(2026, 1, 1)) == []
        assert not await unit.absences.remove(vince, coming)  # not his
        assert await unit.absences.remove(vera, coming)
        assert not await unit.absences.remove(vera, coming)
    async with units.begin() as unit:
        assert [a.id for a in await unit.absences.current([vera], date(2026, 11, 1))] == [past]


async def test_a_welcome_back_is_remembered_once(units: UnitsOfWork, clock: FakeClock) -> None:
    now = clock.now()
    async with units.begin() as unit:
        vera = await add_staff(unit, "vasterort", 1, now)
        ended = await unit.absences.add(vera, date(2026, 11, 10), date(2026, 11, 20), now)
        await unit.absences.add(vera, date(2026, 11, 20), date(2026, 11, 24), now)  # ends today
        await unit.absences.add(vera, date(2026, 10, 1), date(2026, 10, 3), now)  # long ago
    async with units.begin() as unit:
        back = await unit.absences.back(date(2026, 11, 17), date(2026, 11, 24))
        assert [a.id for a in back] == [ended]
        await unit.absences.welcomed(ended, now)
    async with units.begin() as unit:
        assert await unit.absences.back(date(2026, 11, 17), date(2026, 11, 24)) == []


async def test_a_ceiling_on_open_cases_is_kept_and_lifted(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    async with units.begin() as unit:
        vera = await add_staff(unit, "vasterort", 1, clock.now())
        assert await unit.staff.update(vera, max_open=4)
    async with units.begin() as unit:
        staff = await unit.staff.by_id(vera)
        assert staff is not None and staff.max_open == 4
        await unit.staff.update(vera, max_open=0)
    async with units.begin() as unit:
        staff = await unit.staff.by_id(vera)
        assert staff is not None and staff.max_open is None
