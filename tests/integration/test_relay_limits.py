"""The relay at its limits: long messages, long cases, STOP, erasure races, floods, guessing."""

from __future__ import annotations

import asyncio
import re

from bot.config import Settings
from bot.domain.cases import StaffRole
from tests.conftest import FakeClock
from tests.integration.test_staff_flow import (
    COORDINATOR,
    DESK_URL,
    SEEKER_CHAT,
    SEEKER_PHONE,
    VOLUNTEER,
    World,
    answer_seeker,
    assign_new_case,
    running,
    sms_case,
    staff_and_a_case,
)
from tests.telegram_fakes import Person

LIMIT = 4096


async def telegram_case(w: World) -> tuple[Person, Person, Person, str]:
    """A coordinator, a trained volunteer, and a Telegram seeker's case assigned to them."""
    coordinator, volunteer, seeker, volunteer_id = await staff_and_a_case(w)
    reference = await assign_new_case(w, coordinator, "no notes given", volunteer_id)
    return coordinator, volunteer, seeker, reference


def texts(w: World, chat: int) -> list[str]:
    return [str(m["text"]) for m in w.api.sent(chat)]


async def test_messages_at_the_limit_arrive_whole_both_ways(
    settings: Settings, clock: FakeClock
) -> None:
    """4,096 characters plus the reference header: split, never refused, never lost (staff
    read a seeker's message in Telegram only with `telegram_details`)."""
    async with running(settings, clock, details=True) as w:
        _, volunteer, seeker, reference = await telegram_case(w)
        long_from_seeker = " ".join(["hjälp"] * 682) + "!!"  # 4,095 characters
        before = len(texts(w, VOLUNTEER))
        await w.telegram(seeker.message(long_from_seeker))
        parts = texts(w, VOLUNTEER)[before:]
        assert len(parts) == 2 and all(len(p) <= LIMIT for p in parts)
        assert parts[0].startswith(f"Message from the seeker in {reference}:")
        assert " ".join(parts).split()[6:] == long_from_seeker.split()

        long_reply = "ord " * 1023 + "slut"  # 4,096 characters
        before_seeker, before_staff = len(texts(w, SEEKER_CHAT)), len(texts(w, VOLUNTEER))
        await w.telegram(volunteer.message(f"/reply {reference} {long_reply}"))
        to_seeker = texts(w, SEEKER_CHAT)[before_seeker:]
        assert len(to_seeker) == 2 and all(len(p) <= LIMIT for p in to_seeker)
        assert " ".join(to_seeker).split()[5:] == long_reply.split()
        assert texts(w, VOLUNTEER)[before_staff:] == [f"Sent to the seeker of {reference}."]


async def test_sent_is_only_said_once_it_is(settings: Settings, clock: FakeClock) -> None:
    """A seeker who blocked the bot: the volunteer hears it could not be delivered."""
    async with running(settings, clock) as w:
        _, volunteer, _, reference = await telegram_case(w)
        w.api.blocked.add(SEEKER_CHAT)
        await w.telegram(volunteer.message(f"/reply {reference} Hej, hur mår du?"))
        told = texts(w, VOLUNTEER)[-1]
        assert told.startswith(f"Your message to the seeker of {reference} could not be delivered")
        assert not any(t.startswith("Sent to the seeker") for t in texts(w, VOLUNTEER))


async def test_a_long_case_still_opens(settings: Settings, clock: FakeClock) -> None:
    """A case with a full-length message and long notes fits one message, newest last (the
    conversation shows in Telegram only with `telegram_details`)."""
    async with running(settings, clock, details=True) as w:
        _, volunteer, seeker, reference = await telegram_case(w)
        for n in range(3):
            await w.telegram(seeker.message(f"meddelande {n} " + "x" * 3000))
        await w.telegram(seeker.message("y" * LIMIT))
        await w.telegram(volunteer.message(f"/case {reference}"))
        view = texts(w, VOLUNTEER)[-1]
        assert view.startswith(f"Case {reference}")
        assert len(view) <= LIMIT
        assert "Earlier messages not shown: " in view
        assert "yyyy…" in view  # the newest, shortened
        assert w.api.buttons(VOLUNTEER)  # the actions are still there


async def test_a_reply_to_a_seeker_who_sent_stop_is_refused_at_once(
    settings: Settings, clock: FakeClock
) -> None:
    """The volunteer is told there and then, the case says so (in Telegram with
    `telegram_details`; the desk always), and no SMS goes out."""
    coordinator, volunteer = Person(COORDINATOR, "en"), Person(VOLUNTEER, "en")
    async with running(settings, clock, details=True) as w:
        reference = await sms_case(w, coordinator, volunteer)
        assert await w.sms("STOP") == []
        sent_before = len(w.twilio.sent)
        await w.telegram(volunteer.message(f"/reply {reference} Hej, jag ringer i kväll"))
        assert f"The seeker of {reference} asked for no more messages (STOP)" in w.last(VOLUNTEER)
        await w.telegram(volunteer.message(f"/reply {reference}"))
        assert "(STOP)" in w.last(VOLUNTEER)
        await w.telegram(volunteer.message(f"/case {reference}"))
        assert "The seeker sent STOP" in w.last(VOLUNTEER)
        assert len(w.twilio.sent) == sent_before
        assert SEEKER_PHONE not in w.last(COORDINATOR)


async def test_nothing_reaches_a_seeker_after_the_erasure(
    settings: Settings, clock: FakeClock
) -> None:
    """/delete racing a volunteer's message, 20 times: the erasure's word is always the last."""
    async with running(settings, clock) as w:
        _, volunteer, seeker, reference = await telegram_case(w)
        w.api.delay = 0.002  # sends take a moment, so they overlap the erasure
        for attempt in range(20):
            if attempt:
                await w.telegram(seeker.message("/start"))
                await answer_seeker(w, seeker)
                notice = re.search(r"New case ([0-9A-Z]{3}-[0-9A-Z]{3})", w.last(COORDINATOR))
                assert notice is not None
                reference = notice.group(1)
                await w.press(Person(COORDINATOR, "en"), "Assign")
                (to_volunteer,) = [
                    d for _, d in w.api.buttons(COORDINATOR) if f":{reference}:" in d
                ]
                await w.press(Person(COORDINATOR, "en"), to_volunteer)
            start = len(texts(w, SEEKER_CHAT))

            async def erase(after: float) -> None:
                await asyncio.sleep(after)
                await w.telegram(seeker.message("/delete"))

            await asyncio.gather(
                w.telegram(volunteer.message(f"/reply {reference} Hej {attempt}")),
                erase(attempt * 0.0005),  # each try lands the erasure at another moment
            )
            await w.jourbot.outbox.drain()
            after = texts(w, SEEKER_CHAT)[start:]
            erased = [n for n, t in enumerate(after) if "raderat" in t]
            assert erased, after
            assert not any("stödperson" in t for t in after[erased[0] + 1 :]), after


async def test_a_flood_from_a_seeker_reaches_staff_as_one_notice(
    settings: Settings, clock: FakeClock
) -> None:
    """Every message is kept with the case; past ten in ten minutes, one notice says so."""
    async with running(settings, clock) as w:
        _, _, seeker, reference = await telegram_case(w)
        before = len(texts(w, VOLUNTEER))
        for n in range(30):
            await w.telegram(seeker.message(f"rad {n}"))
        notices = texts(w, VOLUNTEER)[before:]
        assert len(notices) == 11
        assert notices[-1] == (
            f"The seeker in {reference} has written more messages.\n"
            f"On the desk: {DESK_URL}/cases/{reference}"
        )
        assert not any(f"rad {n}" in notice for notice in notices for n in range(30))
        kept = await w.rows("SELECT COUNT(*) FROM case_messages WHERE from_seeker = 1")
        assert kept == [(30,)]


async def test_guessing_invite_codes_locks_the_account_out(
    settings: Settings, clock: FakeClock
) -> None:
    """Five wrong codes, then even a right one waits an hour; other accounts are not held up."""
    guesser, other = Person(4242, "en"), Person(4343, "en")
    async with running(settings, clock) as w:
        invite = await w.jourbot.staff.create_invite("vasterort", StaffRole.VOLUNTEER)
        for n in range(5):
            await w.telegram(guesser.message(f"/join AAAA-AAA{n}"))
        assert w.last(4242).startswith("Too many wrong codes.")
        await w.telegram(guesser.message(f"/join {invite.code}"))
        assert w.last(4242).startswith("Too many wrong codes.")
        assert await w.jourbot.staff.identify(4242) is None
        for n in range(300):  # a flood of guesses costs us nothing
            await w.client.post(
                "/telegram",
                json=guesser.message(f"/join BBBB-{n:04d}"),
                headers={"X-Telegram-Bot-Api-Secret-Token": "webhook-secret_123"},
            )
        assert len(texts(w, 4242)) == 5  # four refusals, the lockout, then silence
        await w.telegram(other.message(f"/join {invite.code}"))
        assert "registered as volunteer" in w.last(4343)
        clock.advance(hours=1, minutes=1)
        invite = await w.jourbot.staff.create_invite("vasterort", StaffRole.VOLUNTEER)
        await w.telegram(guesser.message(f"/join {invite.code}"))
        assert "registered as volunteer" in w.last(4242)
