"""StaffUnit: staff records, invites, what a staff member replies to, and their load."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.domain.cases import CaseStatus, CloseReason, Staff, StaffRole
from bot.ports import UnitsOfWork
from tests.conftest import FakeClock
from tests.contract.builders import add_case, add_staff


async def test_staff_are_found_by_id_and_telegram(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    async with units.begin() as unit:
        staff_id = await add_staff(unit, org, 9001, clock.now(), StaffRole.COORDINATOR, "Cora")
    expected = Staff(staff_id, org, StaffRole.COORDINATOR, "Cora", "sv")
    async with units.begin() as unit:
        assert await unit.staff.by_id(staff_id) == expected
        assert await unit.staff.by_telegram(9001) == expected
        assert await unit.staff.telegram_id(staff_id) == 9001
        assert await unit.staff.by_id(staff_id + 1) is None
        assert await unit.staff.by_telegram(9002) is None
        assert await unit.staff.telegram_id(staff_id + 1) is None


async def test_a_telegram_user_is_staff_once(
    units: UnitsOfWork, clock: FakeClock, org: str, other_org: str, refused: type[Exception]
) -> None:
    async with units.begin() as unit:
        await add_staff(unit, org, 9001, clock.now())
    with pytest.raises(refused):
        async with units.begin() as unit:
            await add_staff(unit, other_org, 9001, clock.now())


async def test_update_changes_only_what_is_given(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    async with units.begin() as unit:
        staff_id = await add_staff(unit, org, 9001, clock.now())
        assert await unit.staff.update(staff_id, trained_on=date(2026, 10, 1))
        assert await unit.staff.update(staff_id, languages=("sv", "ar"))
        assert await unit.staff.update(staff_id)  # nothing to change, but they exist
        assert await unit.staff.update(staff_id, active=False)
        found = await unit.staff.by_id(staff_id)
        assert found is not None
        assert (found.trained_on, found.languages, found.active) == (
            date(2026, 10, 1),
            ("sv", "ar"),
            False,
        )
        assert await unit.staff.update(staff_id, active=True, languages=())
        found = await unit.staff.by_id(staff_id)
        assert found is not None
        assert (found.trained_on, found.languages, found.active) == (date(2026, 10, 1), (), True)
        assert not await unit.staff.update(staff_id + 1, active=False)
        assert not await unit.staff.update(staff_id + 1)


async def test_of_org_lists_everyone_active_or_not(
    units: UnitsOfWork, clock: FakeClock, org: str, other_org: str
) -> None:
    async with units.begin() as unit:
        a = await add_staff(unit, other_org, 1, clock.now(), name="A")
        b = await add_staff(unit, org, 2, clock.now(), name="B")
        c = await add_staff(unit, org, 3, clock.now(), name="C")
        await unit.staff.update(b, active=False)
    async with units.begin() as unit:
        assert [s.id for s in await unit.staff.of_org(org)] == [b, c]
        assert [s.id for s in await unit.staff.of_org(other_org)] == [a]
        assert [s.id for s in await unit.staff.of_org("nowhere")] == []
        everyone = await unit.staff.of_org()
        assert [s.id for s in everyone] == [
            s.id for s in sorted(everyone, key=lambda s: (s.org_id, s.id))
        ]
        assert {s.id for s in everyone} == {a, b, c}


async def test_an_invite_is_taken_once_before_it_expires(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    now = clock.now()
    async with units.begin() as unit:
        creator = await add_staff(unit, org, 9001, now, StaffRole.COORDINATOR)
        await unit.staff.add_invite(
            code_hash="h1", org_id=org, role=StaffRole.VOLUNTEER, created_by=creator, now=now,
            expires_at=now + timedelta(days=1),
        )  # fmt: skip
        await unit.staff.add_invite(
            code_hash="h2", org_id=org, role=StaffRole.COORDINATOR, created_by=None, now=now,
            expires_at=now + timedelta(hours=1),
        )  # fmt: skip
    async with units.begin() as unit:
        assert await unit.staff.take_invite("h1", now) == (org, StaffRole.VOLUNTEER)
        assert await unit.staff.take_invite("h1", now) is None
        assert await unit.staff.take_invite("h2", now + timedelta(hours=1)) is None  # expired
        assert await unit.staff.take_invite("h2", now + timedelta(minutes=59)) == (
            org,
            StaffRole.COORDINATOR,
        )
        assert await unit.staff.take_invite("nope", now) is None
        joined = await add_staff(unit, org, 9002, now)
        await unit.staff.mark_invite_used_by("h1", joined)
        await unit.staff.mark_invite_used_by("nope", joined)


async def test_an_invite_code_and_its_creator_are_checked(
    units: UnitsOfWork, clock: FakeClock, org: str, refused: type[Exception]
) -> None:
    now = clock.now()
    later = now + timedelta(days=1)
    async with units.begin() as unit:
        await unit.staff.add_invite(
            code_hash="h1", org_id=org, role=StaffRole.VOLUNTEER, created_by=None, now=now,
            expires_at=later,
        )  # fmt: skip
    with pytest.raises(refused):
        async with units.begin() as unit:
            await unit.staff.add_invite(
                code_hash="h1", org_id=org, role=StaffRole.VOLUNTEER, created_by=None, now=now,
                expires_at=later,
            )  # fmt: skip
    with pytest.raises(refused):
        async with units.begin() as unit:
            await unit.staff.add_invite(
                code_hash="h2", org_id=org, role=StaffRole.VOLUNTEER, created_by=77, now=now,
                expires_at=later,
            )  # fmt: skip


async def test_replying_to_is_chosen_and_cleared(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    async with units.begin() as unit:
        staff_id = await add_staff(unit, org, 9001, clock.now())
        case_id, _ = await add_case(unit, org, clock.now())
        assert await unit.staff.replying_to(staff_id) is None
        await unit.staff.set_replying_to(staff_id, case_id)
    async with units.begin() as unit:
        assert await unit.staff.replying_to(staff_id) == case_id
        await unit.staff.set_replying_to(staff_id, None)
        assert await unit.staff.replying_to(staff_id) is None


async def test_replying_to_needs_the_staff_member_and_the_case(
    units: UnitsOfWork, clock: FakeClock, org: str, refused: type[Exception]
) -> None:
    async with units.begin() as unit:
        staff_id = await add_staff(unit, org, 9001, clock.now())
    with pytest.raises(refused):
        async with units.begin() as unit:
            await unit.staff.set_replying_to(staff_id + 1, None)
    with pytest.raises(refused):
        async with units.begin() as unit:
            await unit.staff.set_replying_to(staff_id, 404)


async def test_open_load_counts_assigned_and_in_contact_cases(
    units: UnitsOfWork, clock: FakeClock, org: str, other_org: str
) -> None:
    async with units.begin() as unit:
        vera = await add_staff(unit, org, 1, clock.now())
        vic = await add_staff(unit, org, 2, clock.now())
        ids = [(await add_case(unit, org, clock.now()))[0] for _ in range(5)]
        elsewhere, _ = await add_case(unit, other_org, clock.now())
        for case_id in ids[:4]:
            await unit.cases.assign(case_id, vera)
        await unit.cases.assign(ids[4], vic)
        await unit.cases.assign(elsewhere, vera)
        assert await unit.cases.mark_in_contact(ids[1])
        await unit.cases.close(ids[2], CloseReason.SUPPORTED, clock.now())
        await unit.cases.transfer(ids[3], other_org)
    async with units.begin() as unit:
        assert await unit.staff.open_load(org) == {vera: 2, vic: 1}
        assert await unit.staff.open_load(other_org) == {vera: 1}
        case = await unit.cases.by_id(ids[3])
        assert case is not None
        assert case.status is CaseStatus.NEW


async def test_a_staff_members_own_phone_is_kept_and_forgotten(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    async with units.begin() as unit:
        staff_id = await add_staff(unit, org, 9001, clock.now())
        assert await unit.staff.phone(staff_id) is None
        await unit.staff.set_phone(staff_id, "+46701112233")
    async with units.begin() as unit:
        assert await unit.staff.phone(staff_id) == "+46701112233"
        assert await unit.staff.phone(staff_id + 1) is None
        await unit.staff.set_phone(staff_id, None)
        assert await unit.staff.phone(staff_id) is None
        await unit.staff.set_phone(staff_id, "+46701112233")
        await unit.staff.update(staff_id, trained_on=date(2026, 1, 15))
        assert await unit.staff.phone(staff_id) == "+46701112233"
        await unit.staff.update(staff_id, active=False)  # kept only to place their calls
        assert await unit.staff.phone(staff_id) is None
