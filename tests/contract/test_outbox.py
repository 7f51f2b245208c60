"""OutboxUnit: each address's messages in order, repeats once, erasure, follow-ups."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.domain.dialogue import Choice, Line, Reply, Weekday
from bot.domain.model import Channel
from bot.ports import FollowUp, Queued, Unit, UnitsOfWork
from bot.storage.outbox_store import MAX_QUEUED_PER_ADDRESS
from tests.conftest import FakeClock
from tests.contract.builders import SEEKER_PHONE, STAFF_CHAT, add_seeker, follow_up, say

A, B, C = "1001", "1002", "1003"


async def put(
    unit: Unit,
    clock: FakeClock,
    *texts: str,
    to: str = A,
    channel: Channel = Channel.TELEGRAM,
    seeker_id: int | None = None,
    edit_of: int | None = None,
    split: bool = False,
    on_sent: FollowUp | None = None,
    on_failed: FollowUp | None = None,
) -> int:
    return await unit.outbox.add(
        channel=channel, address=to, locale="sv", replies=say(*texts), now=clock.now(),
        seeker_id=seeker_id, edit_of=edit_of, split=split, on_sent=on_sent, on_failed=on_failed,
    )  # fmt: skip


async def claim(
    unit: Unit, clock: FakeClock, limit: int = 10, resting: tuple[str, ...] = ()
) -> list[Queued]:
    return await unit.outbox.claim_due(clock.now(), limit, resting)


def seen(claimed: list[Queued]) -> list[tuple[str, str]]:
    """Return (address, first text) of each claimed message, in the order handed out."""
    return [(q.address, q.replies[0].text) for q in claimed]


async def test_add_counts_what_it_queues(units: UnitsOfWork, clock: FakeClock) -> None:
    async with units.begin() as unit:
        assert await unit.outbox.pending() == 0
        assert await put(unit, clock, "one", "two") == 1
        assert await put(unit, clock, "three", "four", "five", split=True) == 3
        assert await put(unit, clock, split=True) == 0
        assert await unit.outbox.pending() == 4
        [first] = await claim(unit, clock)
        assert first.replies == say("one", "two")


async def test_a_claimed_message_carries_what_was_queued(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    async with units.begin() as unit:
        seeker_id = await add_seeker(unit, clock.now())
        await put(unit, clock, "hej", to=SEEKER_PHONE, channel=Channel.SMS, seeker_id=seeker_id)
        [queued] = await claim(unit, clock)
    assert (queued.channel, queued.address, queued.locale) == (Channel.SMS, SEEKER_PHONE, "sv")
    assert (queued.replies, queued.edit_of, queued.attempts, queued.seeker_id) == (
        say("hej"),
        None,
        1,
        seeker_id,
    )
    assert queued.address_hash and SEEKER_PHONE not in queued.address_hash


async def test_replies_come_back_as_they_were_queued(units: UnitsOfWork, clock: FakeClock) -> None:
    reply = Reply(
        "menu",
        params={"at": datetime(2026, 11, 24, 18, tzinfo=UTC), "n": 3, "who": "Vera"},
        lines=(Line("line", {"day": Weekday(2), "t": time(18, 30)}),),
        plural="menus",
        choices=(Choice("a", "label.a"), Choice("b", "Literal", literal=True, selected=True)),
        step="needs",
        multiple=True,
        replaces_previous=True,
        image=b"\x89PNG",
        literal=True,
    )
    async with units.begin() as unit:
        await unit.outbox.add(
            channel=Channel.TELEGRAM, address=A, locale="ar", replies=[reply], now=clock.now()
        )
        [queued] = await claim(unit, clock)
    assert queued.replies == [reply]
    assert queued.locale == "ar"


async def test_only_the_first_of_a_split_edits(units: UnitsOfWork, clock: FakeClock) -> None:
    async with units.begin() as unit:
        await put(unit, clock, "edited", "new", split=True, edit_of=42)
        [first] = await claim(unit, clock)
        await unit.outbox.sent(first.id, "m1", clock.now())
        [second] = await claim(unit, clock)
    assert (first.edit_of, second.edit_of) == (42, None)
    assert seen([first, second]) == [(A, "edited"), (A, "new")]


async def test_each_address_gets_its_messages_in_order(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    async with units.begin() as unit:
        await put(unit, clock, "a1", "a2", "a3", split=True)
        await put(unit, clock, "b1", to=B)
        first = await claim(unit, clock)
        assert seen(first) == [(A, "a1"), (B, "b1")]
        assert await claim(unit, clock) == []  # a2 waits for a1, which is on its way
        await unit.outbox.sent(first[0].id, "m1", clock.now())
        assert seen(await claim(unit, clock)) == [(A, "a2")]


async def test_shortest_queues_go_first(units: UnitsOfWork, clock: FakeClock) -> None:
    """A new chat's first message does not wait behind another chat's backlog."""
    async with units.begin() as unit:
        await put(unit, clock, "a1", "a2", "a3", split=True)
        await put(unit, clock, "b1", to=B)
        [a1] = await claim(unit, clock, limit=1)
        await unit.outbox.sent(a1.id, "m1", clock.now())
        await put(unit, clock, "c1", to=C)
        assert seen(await claim(unit, clock, limit=2)) == [(B, "b1"), (C, "c1")]
        assert seen(await claim(unit, clock, limit=2)) == [(A, "a2")]


async def test_claim_takes_no_more_than_the_limit(units: UnitsOfWork, clock: FakeClock) -> None:
    async with units.begin() as unit:
        for address in (A, B, C):
            await put(unit, clock, "hi", to=address)
        assert await claim(unit, clock, limit=0) == []
        assert seen(await claim(unit, clock, limit=2)) == [(A, "hi"), (B, "hi")]
        assert seen(await claim(unit, clock, limit=2)) == [(C, "hi")]


async def test_resting_addresses_are_passed_over(units: UnitsOfWork, clock: FakeClock) -> None:
    async with units.begin() as unit:
        await put(unit, clock, "a1")
        await put(unit, clock, "b1", to=B)
        a, b = await claim(unit, clock)
        assert a.address_hash != b.address_hash
        for queued in (a, b):
            await unit.outbox.retry(queued.id, clock.now(), "busy")
        again = await claim(unit, clock, limit=1, resting=(a.address_hash,))
        assert seen(again) == [(B, "b1")]
        assert again[0].address_hash == b.address_hash and again[0].attempts == 2
        assert await claim(unit, clock, resting=(a.address_hash,)) == []
        assert seen(await claim(unit, clock)) == [(A, "a1")]


async def test_a_repeat_of_a_waiting_message_is_not_queued(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    async with units.begin() as unit:
        assert await put(unit, clock, "same") == 1
        assert await put(unit, clock, "same") == 0
        assert await put(unit, clock, "same", to=B) == 1  # another address
        assert await put(unit, clock, "same", edit_of=7) == 1  # an edit is another message
        assert await put(unit, clock, "x", "same", "x", split=True) == 1
        assert await unit.outbox.pending() == 4
        [first, _] = await claim(unit, clock)
        assert await put(unit, clock, "same") == 0  # on its way is still waiting
        await unit.outbox.sent(first.id, "m1", clock.now())
        assert await put(unit, clock, "same") == 1  # sent: a new message


async def test_an_address_holds_so_many_unsent_messages(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    texts = [f"m{n}" for n in range(MAX_QUEUED_PER_ADDRESS)]
    async with units.begin() as unit:
        assert await put(unit, clock, *texts, split=True) == MAX_QUEUED_PER_ADDRESS
        assert await put(unit, clock, "one too many") == 0
        assert await put(unit, clock, "elsewhere", to=B) == 1
        [head, _] = await claim(unit, clock)
        assert await put(unit, clock, "still too many") == 0  # on its way is still unsent
        await unit.outbox.sent(head.id, "m1", clock.now())
        assert await put(unit, clock, "room again", "no room", split=True) == 1
        assert await unit.outbox.pending() == MAX_QUEUED_PER_ADDRESS + 1


async def test_a_retried_message_waits_and_holds_its_address(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    async with units.begin() as unit:
        await put(unit, clock, "a1", "a2", split=True)
        [a1] = await claim(unit, clock)
        await unit.outbox.retry(a1.id, clock.now() + timedelta(seconds=30), "timeout")
        assert await claim(unit, clock) == []  # a2 is due, but a1 goes first
        assert await unit.outbox.next_due() == clock.now() + timedelta(seconds=30)
        assert await unit.outbox.pending() == 2
    clock.advance(seconds=30)
    async with units.begin() as unit:
        [again] = await claim(unit, clock)
        assert (again.id, again.attempts, again.replies) == (a1.id, 2, say("a1"))


async def test_a_failed_message_lets_the_next_go_and_queues_its_on_failed(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    async with units.begin() as unit:
        await put(
            unit, clock, "a1", to=SEEKER_PHONE, channel=Channel.SMS,
            on_sent=follow_up("Sent"), on_failed=follow_up("Could not deliver"),
        )  # fmt: skip
        await put(unit, clock, "a2", to=SEEKER_PHONE, channel=Channel.SMS)
        [a1] = await claim(unit, clock)
        await unit.outbox.failed(a1.id, "blocked", clock.now())
        assert await unit.outbox.pending() == 2
        # a2 was second in its queue when queued; the follow-up is first in its own.
        assert seen(await claim(unit, clock)) == [
            (STAFF_CHAT, "Could not deliver"),
            (SEEKER_PHONE, "a2"),
        ]


async def test_a_sent_message_queues_its_on_sent(units: UnitsOfWork, clock: FakeClock) -> None:
    told = FollowUp(follow_up("x").to, (Reply("Sent"), Reply("to the seeker")))
    async with units.begin() as unit:
        await put(unit, clock, "hej", to=SEEKER_PHONE, channel=Channel.SMS, on_sent=told,
                  on_failed=follow_up("Could not deliver"))  # fmt: skip
        [queued] = await claim(unit, clock)
        await unit.outbox.sent(queued.id, "SM1", clock.now())
        assert await unit.outbox.pending() == 1
        [sent] = await claim(unit, clock)
    assert (sent.channel, sent.address, sent.locale) == (Channel.TELEGRAM, STAFF_CHAT, "en")
    assert sent.replies == [Reply("Sent"), Reply("to the seeker")]  # one message
    assert sent.seeker_id is None


async def test_follow_ups_ride_on_the_last_message_of_a_split(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    async with units.begin() as unit:
        await put(unit, clock, "a1", "a2", split=True, on_sent=follow_up("Sent", B))
        [a1] = await claim(unit, clock)
        await unit.outbox.sent(a1.id, "m1", clock.now())
        assert seen(await claim(unit, clock)) == [(A, "a2")]
        await unit.outbox.sent(a1.id + 1, "m2", clock.now())
        assert seen(await claim(unit, clock)) == [(B, "Sent")]


async def test_only_a_message_being_sent_can_end(units: UnitsOfWork, clock: FakeClock) -> None:
    async with units.begin() as unit:
        await put(unit, clock, "a1", on_sent=follow_up("Sent", B))
        await put(unit, clock, "b1", to=C)
        [a1, c1] = await claim(unit, clock)
        await unit.outbox.retry(c1.id, clock.now() + timedelta(hours=1), "down")
        await unit.outbox.sent(c1.id, "late", clock.now())  # back in the queue: not ended
        await unit.outbox.failed(c1.id, "late", clock.now())
        await unit.outbox.sent(a1.id, "m1", clock.now())
        await unit.outbox.sent(a1.id, "m1", clock.now())  # twice: the follow-up comes once
        await unit.outbox.retry(a1.id, clock.now(), "late")  # sent: stays sent
        assert seen(await claim(unit, clock)) == [(B, "Sent")]
        assert await unit.outbox.pending() == 2
        assert await unit.outbox.forget(Channel.TELEGRAM, A) == ["m1"]


async def test_a_text_to_a_seeker_who_opted_out_is_given_up(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    async with units.begin() as unit:
        seeker_id = await add_seeker(unit, clock.now())
        chat = await add_seeker(unit, clock.now(), "555", Channel.TELEGRAM)
        for channel, address, who in (
            (Channel.SMS, SEEKER_PHONE, seeker_id),
            (Channel.TELEGRAM, "555", chat),
        ):
            await put(
                unit, clock, "hej", to=address, channel=channel, seeker_id=who,
                on_failed=follow_up(f"Could not deliver to {address}"),
            )  # fmt: skip
        await put(
            unit, clock, "hej igen", to=SEEKER_PHONE, channel=Channel.SMS, seeker_id=seeker_id
        )
    async with units.begin() as unit:
        await unit.messages.opt_out(Channel.SMS, SEEKER_PHONE, clock.now())
        await unit.messages.opt_out(Channel.TELEGRAM, "555", clock.now())
        first = await claim(unit, clock)
        assert first == []  # whatever the channel, a message to them is held back
        told = []
        for _ in range(2):  # the two notices to the one staff chat go one after the other
            [notice] = await claim(unit, clock)
            told += seen([notice])
            await unit.outbox.sent(notice.id, None, clock.now())
    assert sorted(told) == [
        (STAFF_CHAT, f"Could not deliver to {a}") for a in (SEEKER_PHONE, "555")
    ]
    async with units.begin() as unit:
        assert await claim(unit, clock) == []  # the next text to them is given up too
        assert await unit.outbox.pending() == 0


async def test_forget_deletes_what_waits_for_an_address_and_names_what_was_sent(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    async with units.begin() as unit:
        await put(unit, clock, "a1", "a2", "a3", "a4", split=True)
        await put(unit, clock, "b1", to=B)
        for provider_id in ("m1", None, "m3"):
            [head, *_] = await claim(unit, clock)
            if provider_id is None:
                await unit.outbox.failed(head.id, "blocked", clock.now())
            else:
                await unit.outbox.sent(head.id, provider_id, clock.now())
        assert await unit.outbox.forget(Channel.TELEGRAM, A) == ["m1", "m3"]
        assert await unit.outbox.forget(Channel.TELEGRAM, A) == []
        assert await unit.outbox.forget(Channel.SMS, A) == []
        assert await unit.outbox.pending() == 1  # b1, on its way
        assert await claim(unit, clock) == []


async def test_a_message_on_its_way_when_forgotten_keeps_its_place(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    """The erasure's own confirmation cannot overtake the message being sent."""
    async with units.begin() as unit:
        await put(unit, clock, "a1", on_sent=follow_up("Sent", B))
        await put(unit, clock, "a2")
        [a1] = await claim(unit, clock)
        await unit.outbox.forget(Channel.TELEGRAM, A)
        assert await unit.outbox.pending() == 1
        await put(unit, clock, "erased")
        assert await claim(unit, clock) == []
        assert await unit.outbox.next_due() is None
        await unit.outbox.sent(a1.id, "m1", clock.now())  # gone, and nothing follows
        assert await unit.outbox.pending() == 1
        assert seen(await claim(unit, clock)) == [(A, "erased")]
        assert await unit.outbox.forget(Channel.TELEGRAM, A) == []


async def test_a_message_about_a_forgotten_seeker_is_emptied_on_its_way(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    async with units.begin() as unit:
        seeker_id = await add_seeker(unit, clock.now())
        for text in ("they wrote", "they wrote again"):
            await put(
                unit, clock, text, to=STAFF_CHAT, seeker_id=seeker_id, on_sent=follow_up("ok", B)
            )
        [about] = await claim(unit, clock)
        await unit.outbox.forget(Channel.SMS, SEEKER_PHONE, seeker_id)
        await unit.intake.forget_seeker(seeker_id)
        assert await unit.outbox.pending() == 1  # the one on its way; the other went with them
        await put(unit, clock, "next", to=STAFF_CHAT)
        assert await claim(unit, clock) == []
        await unit.outbox.retry(about.id, clock.now(), "down")  # emptied: not tried again
        assert seen(await claim(unit, clock)) == [(STAFF_CHAT, "next")]


async def test_recover_puts_back_what_was_on_its_way(units: UnitsOfWork, clock: FakeClock) -> None:
    async with units.begin() as unit:
        await put(unit, clock, "a1", "a2", split=True)
        await put(unit, clock, "b1", to=B)
        await put(unit, clock, "c1", to=C)
        _, b1, _ = await claim(unit, clock)
        await unit.outbox.forget(Channel.TELEGRAM, B)
        assert await unit.outbox.recover() == 3  # a1 and c1 back, b1 dropped
        assert await unit.outbox.recover() == 0
        again = await claim(unit, clock)
        assert seen(again) == [(A, "a1"), (C, "c1")]
        assert [q.attempts for q in again] == [2, 2]
        assert await unit.outbox.pending() == 3
        await unit.outbox.sent(b1.id, "late", clock.now())  # dropped: nothing to record
        assert await unit.outbox.pending() == 3


async def test_next_due_is_the_earliest_head(units: UnitsOfWork, clock: FakeClock) -> None:
    t = clock.now()
    async with units.begin() as unit:
        assert await unit.outbox.next_due() is None
        await put(unit, clock, "a1", "a2", split=True)
        assert await unit.outbox.next_due() == t
        [a1] = await claim(unit, clock)
        assert await unit.outbox.next_due() is None  # a2 waits for a1, on its way
        await unit.outbox.retry(a1.id, t + timedelta(minutes=5), "down")
        assert await unit.outbox.next_due() == t + timedelta(minutes=5)
        clock.advance(minutes=1)
        await put(unit, clock, "b1", to=B)
        assert await unit.outbox.next_due() == t + timedelta(minutes=1)


async def test_a_message_about_a_seeker_needs_the_seeker(
    units: UnitsOfWork, clock: FakeClock, refused: type[Exception]
) -> None:
    with pytest.raises(refused):
        async with units.begin() as unit:
            await put(unit, clock, "hi", seeker_id=404)


async def test_a_repeat_brings_no_follow_ups_of_its_own(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    """A repeat is not queued, and neither is what was to follow it."""
    async with units.begin() as unit:
        await put(unit, clock, "ok")
        assert await put(unit, clock, "ok", on_sent=follow_up("Sent", B)) == 0
        [ok] = await claim(unit, clock)
        await unit.outbox.sent(ok.id, "m1", clock.now())
        assert await claim(unit, clock) == []
        assert await unit.outbox.pending() == 0


async def test_an_opt_out_holds_back_a_text_queued_without_naming_the_seeker(
    units: UnitsOfWork, clock: FakeClock
) -> None:
    """A text to a number that opted out is theirs, named or not: it is given up."""
    async with units.begin() as unit:
        await unit.messages.opt_out(Channel.SMS, SEEKER_PHONE, clock.now())
        await put(unit, clock, "sorry", to=SEEKER_PHONE, channel=Channel.SMS)
        await put(unit, clock, "to a stranger", to="+46709999999", channel=Channel.SMS)
        assert seen(await claim(unit, clock)) == [("+46709999999", "to a stranger")]
