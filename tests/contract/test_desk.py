"""DeskUnit: sign-in links used once and before they expire, sessions, passkeys, accesses."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.cases import StaffRole
from bot.domain.desk import Access, DeskSession, Passkey
from bot.ports import UnitsOfWork
from tests.conftest import FakeClock
from tests.contract.builders import add_staff


async def test_a_link_works_once_and_only_before_it_expires(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    now = clock.now()
    async with units.begin() as unit:
        staff_id = await add_staff(unit, org, 9001, now, StaffRole.COORDINATOR)
        await unit.desk.add_link("a", staff_id, now, now + timedelta(minutes=15))
        await unit.desk.add_link("b", staff_id, now, now + timedelta(minutes=15))
    async with units.begin() as unit:
        assert await unit.desk.take_link("a", now + timedelta(minutes=1)) == staff_id
        assert await unit.desk.take_link("a", now + timedelta(minutes=2)) is None  # used
        assert await unit.desk.take_link("b", now + timedelta(minutes=15)) is None  # expired
        assert await unit.desk.take_link("nothing", now) is None


async def test_expired_links_are_swept_out_when_a_new_one_is_made(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    now = clock.now()
    async with units.begin() as unit:
        staff_id = await add_staff(unit, org, 9001, now)
        await unit.desk.add_link("old", staff_id, now, now + timedelta(minutes=15))
        later = now + timedelta(hours=1)
        await unit.desk.add_link("new", staff_id, later, later + timedelta(minutes=15))
        # Swept, so the same hash can be stored again (it could never be taken anyway).
        await unit.desk.add_link("old", staff_id, later, later + timedelta(minutes=15))
        assert await unit.desk.take_link("old", later) == staff_id


async def test_sessions_are_stored_touched_and_ended(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    now = clock.now()
    async with units.begin() as unit:
        one = await add_staff(unit, org, 9001, now)
        two = await add_staff(unit, org, 9002, now)
        await unit.desk.add_session("s1", one, "c1", now)
        await unit.desk.add_session("s2", one, "c2", now)
        await unit.desk.add_session("s3", two, "c3", now)
        await unit.desk.touch_session("s3", now + timedelta(minutes=5))
    async with units.begin() as unit:
        assert await unit.desk.session("s1") == DeskSession(one, "c1", now, now)
        assert await unit.desk.session("s3") == DeskSession(
            two, "c3", now, now + timedelta(minutes=5)
        )
        assert await unit.desk.session("none") is None
        assert await unit.desk.end_sessions_of(one) == 2
        assert await unit.desk.session("s2") is None
        assert await unit.desk.end_sessions_seen_before(now + timedelta(minutes=5)) == 0
        assert await unit.desk.end_sessions_seen_before(now + timedelta(minutes=6)) == 1
        await unit.desk.add_session("s4", two, "c4", now)
        await unit.desk.end_session("s4")
        assert await unit.desk.session("s4") is None


async def test_passkeys_keep_their_owner_and_counter(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    now = clock.now()
    async with units.begin() as unit:
        one = await add_staff(unit, org, 9001, now)
        two = await add_staff(unit, org, 9002, now)
        await unit.desk.add_passkey(Passkey(b"\x01id", one, b"key", 0), now)
        await unit.desk.add_passkey(Passkey(b"\x01id", two, b"other", 0), now)  # stays one's
        await unit.desk.use_passkey(b"\x01id", 7, now)
    async with units.begin() as unit:
        assert await unit.desk.passkey(b"\x01id") == Passkey(b"\x01id", one, b"key", 7)
        assert await unit.desk.passkeys_of(one) == [Passkey(b"\x01id", one, b"key", 7)]
        assert await unit.desk.passkeys_of(two) == []
        assert await unit.desk.passkey(b"none") is None


async def test_accesses_are_kept_in_order(units: UnitsOfWork, clock: FakeClock, org: str) -> None:
    now = clock.now()
    async with units.begin() as unit:
        staff_id = await add_staff(unit, org, 9001, now)
        first = Access(staff_id, "report", "2026:md", now)
        second = Access(staff_id, "report", "2026:pdf", now + timedelta(hours=1))
        await unit.desk.record_access(first)
        await unit.desk.record_access(second)
    async with units.begin() as unit:
        assert await unit.desk.accesses(now) == [first, second]
        assert await unit.desk.accesses(now + timedelta(minutes=1)) == [second]
