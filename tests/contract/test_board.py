"""CaseUnit.board: each section counted and paged, filtered, without personal data."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.domain.board import BoardQuery, Section
from bot.domain.cases import AttemptChannel, AttemptOutcome, CloseReason, StaffRole
from bot.ports import UnitsOfWork
from tests.conftest import FakeClock
from tests.contract.builders import add_case, add_staff, answers


async def test_sections_count_page_and_filter(
    units: UnitsOfWork, clock: FakeClock, org: str, other_org: str
) -> None:
    now = clock.now()
    day = timedelta(days=1)
    refs: dict[str, str] = {}
    async with units.begin() as unit:
        vera = await add_staff(unit, org, 9001, now, StaffRole.VOLUNTEER, "Vera")

        async def case(name: str, age: timedelta, district: str | None = "bromma",
                       language: str | None = "sv") -> int:  # fmt: skip
            told = answers(district, talk_language=language)
            case_id, refs[name] = await add_case(unit, org, now - age, told=told)
            return case_id

        await case("new old", 5 * day)  # unassigned and overdue
        await case("new fresh", day, district="jarva", language="ar")  # unassigned
        late = await case("assigned late", 4 * day)  # overdue: tried, not reached
        await unit.cases.assign(late, vera)
        await unit.cases.add_attempt(
            late, vera, now - day, AttemptChannel.PHONE, AttemptOutcome.NO_ANSWER, now
        )
        reached = await case("reached late", 4 * day)  # open, not overdue: reached
        await unit.cases.assign(reached, vera)
        await unit.cases.add_attempt(
            reached, vera, now - day, AttemptChannel.PHONE, AttemptOutcome.REACHED, now
        )
        recent = await case("closed recently", 6 * day)
        await unit.cases.close(recent, CloseReason.SUPPORTED, now - 2 * day)
        long_ago = await case("closed long ago", 60 * day)
        await unit.cases.close(long_ago, CloseReason.SUPPORTED, now - 30 * day)
        await add_case(unit, other_org, now - 5 * day)  # another organisation's

    query = BoardQuery(org, now - 3 * day, now - 14 * day)
    async with units.begin() as unit:
        board = await unit.cases.board(query)
    shown = {s: [c.reference for c in board[s].cases] for s in Section}
    counts = {s: board[s].count for s in Section}
    assert shown == {
        Section.UNASSIGNED: [refs["new old"], refs["new fresh"]],  # oldest first
        Section.OVERDUE: [refs["new old"], refs["assigned late"]],
        Section.OPEN: [refs["assigned late"], refs["reached late"]],
        Section.CLOSED: [refs["closed recently"]],
    }
    assert counts == {s: len(refs_) for s, refs_ in shown.items()}
    for section in Section:
        for record in board[section].cases:
            assert (record.phone, record.email, record.notes) == (None, None, None)
    late_record = board[Section.OPEN].cases[0]
    assert [a.outcome for a in late_record.attempts] == [AttemptOutcome.NO_ANSWER]

    async with units.begin() as unit:
        paged = await unit.cases.board(replace(query, shown=1))
        arabic = await unit.cases.board(replace(query, language="ar"))
        tensta = await unit.cases.board(replace(query, district="jarva"))
        veras = await unit.cases.board(replace(query, volunteer=vera))
    assert (paged[Section.UNASSIGNED].count, len(paged[Section.UNASSIGNED].cases)) == (2, 1)
    assert [c.reference for c in arabic[Section.UNASSIGNED].cases] == [refs["new fresh"]]
    assert arabic[Section.OPEN].count == 0
    assert [c.reference for c in tensta[Section.UNASSIGNED].cases] == [refs["new fresh"]]
    assert veras[Section.UNASSIGNED].count == 0 and veras[Section.OPEN].count == 2
