"""Units of work: each holds whole once it ends, and nothing of it holds if it fails."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine

import pytest

from bot.domain.model import Channel
from bot.ports import Unit, UnitsOfWork
from tests.conftest import FakeClock
from tests.contract.builders import SEEKER_PHONE, add_case, add_seeker, say


class Boom(Exception):
    """Raised by a test inside a unit of work."""


async def test_begin_commits_when_the_block_ends(units: UnitsOfWork, clock: FakeClock) -> None:
    async with units.begin() as unit:
        seeker_id = await add_seeker(unit, clock.now())
    async with units.begin() as unit:
        assert await unit.intake.find_seeker(Channel.SMS, SEEKER_PHONE) == seeker_id


async def test_begin_rolls_back_everything_on_an_exception(
    units: UnitsOfWork, clock: FakeClock, org: str
) -> None:
    with pytest.raises(Boom):
        async with units.begin() as unit:
            seeker_id = await add_seeker(unit, clock.now())
            _, reference = await add_case(unit, org, clock.now(), seeker_id=seeker_id)
            await unit.outbox.add(
                channel=Channel.SMS, address=SEEKER_PHONE, locale="sv", replies=say("hi"),
                now=clock.now(), seeker_id=seeker_id,
            )  # fmt: skip
            await unit.intake.claim_inbound(Channel.SMS, "SM1", clock.now())
            raise Boom
    async with units.begin() as unit:
        assert await unit.intake.find_seeker(Channel.SMS, SEEKER_PHONE) is None
        assert await unit.cases.by_reference(reference) is None
        assert await unit.outbox.pending() == 0
        assert await unit.intake.claim_inbound(Channel.SMS, "SM1", clock.now())


async def test_a_failed_unit_leaves_what_was_committed_before(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    async with units.begin() as unit:
        await add_seeker(unit, clock.now(), "+46700000001")
    with pytest.raises(Boom):
        async with units.begin() as unit:
            await unit.messages.opt_out(Channel.SMS, "+46700000001", clock.now())
            raise Boom
    async with units.begin() as unit:
        assert await unit.intake.find_seeker(Channel.SMS, "+46700000001") is not None
        assert not await unit.messages.opted_out(Channel.SMS, "+46700000001")


async def test_run_commits_and_returns_what_the_work_returns(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    seeker_id = await units.run(lambda unit: add_seeker(unit, clock.now()))
    found = await units.run(lambda unit: unit.intake.find_seeker(Channel.SMS, SEEKER_PHONE))
    assert found == seeker_id


async def test_run_rolls_back_on_an_exception_and_raises_it(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    async def work(unit: Unit) -> None:
        await add_seeker(unit, clock.now())
        raise Boom

    with pytest.raises(Boom):
        await units.run(work)
    assert await units.run(lambda unit: unit.intake.find_seeker(Channel.SMS, SEEKER_PHONE)) is None


async def test_a_refused_write_undoes_its_whole_unit(
    units: UnitsOfWork, clock: FakeClock, refused: type[Exception]
) -> None:
    async with units.begin() as unit:
        await add_seeker(unit, clock.now())
    with pytest.raises(refused):
        async with units.begin() as unit:
            await add_seeker(unit, clock.now(), "+46700000002")
            await add_seeker(unit, clock.now())  # taken
    async with units.begin() as unit:
        assert await unit.intake.find_seeker(Channel.SMS, "+46700000002") is None


async def test_lookup_reads_what_was_committed(units: UnitsOfWork, clock: FakeClock) -> None:
    await units.run(lambda unit: add_seeker(unit, clock.now()))
    async with units.lookup() as unit:
        assert await unit.intake.find_seeker(Channel.SMS, SEEKER_PHONE) is not None


async def test_units_at_the_same_time_each_hold(units: UnitsOfWork, clock: FakeClock) -> None:
    """Concurrent units of work run one after another: none overwrites another's writes."""

    async def register(number: int) -> int:
        async with units.begin() as unit:
            return await add_seeker(unit, clock.now(), f"+4670000{number:04d}")

    def run(number: int) -> Coroutine[object, None, int]:
        return units.run(lambda unit: add_seeker(unit, clock.now(), f"+4671000{number:04d}"))

    ids = await asyncio.gather(*(register(n) for n in range(5)))
    runs = await asyncio.gather(*(run(n) for n in range(5)))
    assert len(set(ids) | set(runs)) == 10
    async with units.begin() as unit:
        for n in range(5):
            assert await unit.intake.find_seeker(Channel.SMS, f"+4670000{n:04d}") is not None
            assert await unit.intake.find_seeker(Channel.SMS, f"+4671000{n:04d}") is not None


async def test_scrub_keeps_the_data(units: UnitsOfWork, clock: FakeClock) -> None:
    seeker_id = await units.run(lambda unit: add_seeker(unit, clock.now()))
    await units.scrub()
    assert await units.run(lambda unit: unit.intake.find_seeker(Channel.SMS, SEEKER_PHONE)) == (
        seeker_id
    )


async def test_a_whole_read_sees_what_was_committed_and_holds_up_no_writer(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    """A long read (the report) and writes go on side by side; it reads committed state."""
    async with units.begin() as unit:
        first = await add_seeker(unit, clock.now())

    async def look(unit: Unit) -> int | None:
        return await unit.intake.find_seeker(Channel.SMS, SEEKER_PHONE)

    async def write_another(unit: Unit) -> int:
        return await unit.intake.add_seeker(Channel.SMS, "+46709999999", clock.now())

    found, second = await asyncio.wait_for(
        asyncio.gather(units.read_whole(look), units.run(write_another)), timeout=5
    )
    assert found == first
    assert (
        await units.read_whole(lambda unit: unit.intake.find_seeker(Channel.SMS, "+46709999999"))
        == second
    )
