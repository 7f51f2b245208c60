"""MessageUnit: opt-outs by address, and the delivery records of what was sent."""

from __future__ import annotations

import pytest

from bot.domain.model import Channel, DeliveryStatus
from bot.domain.sms import Encoding, Segments
from bot.ports import Unit, UnitsOfWork
from tests.conftest import FakeClock
from tests.contract.builders import SEEKER_PHONE, add_seeker


async def record(
    unit: Unit, provider_id: str | None, clock: FakeClock, seeker_id: int | None = None
) -> None:
    await unit.messages.record_outbound(
        channel=Channel.SMS, seeker_id=seeker_id, provider_id=provider_id,
        status=DeliveryStatus.QUEUED, error_code=None, segments=Segments(Encoding.GSM7, 1),
        now=clock.now(),
    )  # fmt: skip


async def test_opting_out_an_unknown_address_registers_it(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    async with units.begin() as unit:
        assert not await unit.messages.opted_out(Channel.SMS, SEEKER_PHONE)
        seeker_id = await unit.messages.opt_out(Channel.SMS, SEEKER_PHONE, clock.now())
    async with units.begin() as unit:
        assert await unit.intake.find_seeker(Channel.SMS, SEEKER_PHONE) == seeker_id
        assert await unit.messages.opted_out(Channel.SMS, SEEKER_PHONE)
        assert not await unit.messages.opted_out(Channel.WHATSAPP, SEEKER_PHONE)


async def test_opt_out_and_in_of_a_known_seeker(units: UnitsOfWork, clock: FakeClock) -> None:
    async with units.begin() as unit:
        seeker_id = await add_seeker(unit, clock.now())
        assert not await unit.messages.opted_out(Channel.SMS, SEEKER_PHONE)
        assert await unit.messages.opt_out(Channel.SMS, SEEKER_PHONE, clock.now()) == seeker_id
        assert await unit.messages.opt_out(Channel.SMS, SEEKER_PHONE, clock.now()) == seeker_id
        assert await unit.messages.opted_out(Channel.SMS, SEEKER_PHONE)
        await unit.messages.opt_in(Channel.SMS, SEEKER_PHONE)
        assert not await unit.messages.opted_out(Channel.SMS, SEEKER_PHONE)
        await unit.messages.opt_in(Channel.SMS, "+46799999999")  # unknown: nothing happens
        assert await unit.intake.find_seeker(Channel.SMS, "+46799999999") is None


async def test_delivery_status_is_stored_as_told(units: UnitsOfWork, clock: FakeClock) -> None:
    """The store keeps the latest state it is given: a late one is the service's to refuse."""
    async with units.begin() as unit:
        assert await unit.messages.delivery_status("SM1") is None
        await record(unit, "SM1", clock)
        assert await unit.messages.delivery_status("SM1") is DeliveryStatus.QUEUED
        await unit.messages.set_delivery_status("SM1", DeliveryStatus.DELIVERED, None, clock.now())
        assert await unit.messages.delivery_status("SM1") is DeliveryStatus.DELIVERED
        await unit.messages.set_delivery_status("SM1", DeliveryStatus.SENT, 30003, clock.now())
        assert await unit.messages.delivery_status("SM1") is DeliveryStatus.SENT
        await unit.messages.set_delivery_status("SM2", DeliveryStatus.SENT, None, clock.now())
        assert await unit.messages.delivery_status("SM2") is None


async def test_a_provider_id_is_recorded_once(
    units: UnitsOfWork, clock: FakeClock, refused: type[Exception]
) -> None:
    async with units.begin() as unit:
        await record(unit, None, clock)
        await record(unit, None, clock)  # refused texts have no id; any number of them
        await record(unit, "SM1", clock)
    with pytest.raises(refused):
        async with units.begin() as unit:
            await record(unit, "SM1", clock)


async def test_a_message_sent_as_its_seeker_erased_is_recorded_as_no_ones(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    """On its way while the seeker erased their data: the record stays, naming no one."""
    async with units.begin() as unit:
        await record(unit, "SM1", clock, seeker_id=404)
        assert await unit.messages.delivery_status("SM1") is DeliveryStatus.QUEUED
        assert not await unit.messages.opt_out_recipient_of("SM1", clock.now())


async def test_opt_out_recipient_of_a_message(units: UnitsOfWork, clock: FakeClock) -> None:
    async with units.begin() as unit:
        seeker_id = await add_seeker(unit, clock.now())
        await record(unit, "SM1", clock, seeker_id)
        await record(unit, "SM2", clock)
        assert not await unit.messages.opt_out_recipient_of("SM404", clock.now())
        assert not await unit.messages.opt_out_recipient_of("SM2", clock.now())  # no seeker
        assert not await unit.messages.opted_out(Channel.SMS, SEEKER_PHONE)
        assert await unit.messages.opt_out_recipient_of("SM1", clock.now())
        assert await unit.messages.opted_out(Channel.SMS, SEEKER_PHONE)
        assert await unit.messages.opt_out_recipient_of("SM1", clock.now())  # still theirs


async def test_a_delivery_record_outlives_its_seeker(units: UnitsOfWork, clock: FakeClock) -> None:
    """An erased seeker's records stay, as no one's: a late opt-out finds nobody."""
    async with units.begin() as unit:
        seeker_id = await add_seeker(unit, clock.now())
        await record(unit, "SM1", clock, seeker_id)
        await unit.intake.forget_seeker(seeker_id)
        assert await unit.messages.delivery_status("SM1") is DeliveryStatus.QUEUED
        assert not await unit.messages.opt_out_recipient_of("SM1", clock.now())
        assert await unit.intake.find_seeker(Channel.SMS, SEEKER_PHONE) is None
