"""The staff bot as volunteers and coordinators live it (issue 17's walk-through), through the
offline Bot API: each test holds one thing that was broken or harder than it should be."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bot.config import Settings
from bot.domain.cases import CaseSource, CaseStatus, StaffRole
from bot.domain.model import Channel
from bot.services.operator import ReferredCase
from tests.conftest import FakeClock
from tests.intake_script import WHOLE_INTAKE
from tests.integration.test_staff_flow import (
    COORDINATOR,
    DESK_URL,
    SEEKER_CHAT,
    VOLUNTEER,
    World,
    answer_seeker,
    assign_new_case,
    join_staff,
    running,
    staff_and_a_case,
)
from tests.telegram_fakes import Person


async def assigned_case(w: World) -> tuple[Person, Person, Person, str]:
    coordinator, volunteer, seeker, volunteer_id = await staff_and_a_case(w)
    reference = await assign_new_case(w, coordinator, "Ring efter sex", volunteer_id)
    return coordinator, volunteer, seeker, reference


async def attempts(w: World, reference: str) -> list[tuple[str, str, str]]:
    async with w.jourbot.units.begin() as unit:
        case = await unit.cases.by_reference(reference)
    assert case is not None
    zone = w.jourbot.catalogs.translator("en").timezone
    return [
        (a.at.astimezone(zone).strftime("%H:%M"), str(a.channel), str(a.outcome))
        for a in case.attempts
    ]


async def test_attempt_at_a_time_of_day_is_what_the_prompt_offers(
    settings: Settings, clock: FakeClock
) -> None:
    """/attempt REF HH:MM asks how and how it went, then logs it at that time."""
    async with running(settings, clock) as w:
        _, volunteer, _, reference = await assigned_case(w)
        clock.advance(hours=4)  # 18:00 in Stockholm
        await w.telegram(volunteer.message(f"/attempt {reference} 17.30"))
        assert f"Attempt to reach {reference}: how?" in w.last(VOLUNTEER)
        await w.press(volunteer, "Phone")
        assert w.last(VOLUNTEER).startswith(f"{reference}: how did it go?")
        await w.press(volunteer, "No answer")
        assert f"Logged for {reference}" in w.last(VOLUNTEER)
        assert await attempts(w, reference) == [("17:30", "phone", "no_answer")]


async def test_the_when_prompt_names_the_case_and_a_form_that_works(
    settings: Settings, clock: FakeClock
) -> None:
    """The form the "When?" prompt shows is accepted as it stands."""
    async with running(settings, clock) as w:
        _, volunteer, _, reference = await assigned_case(w)
        clock.advance(hours=4)
        await w.telegram(volunteer.message(f"/attempt {reference}"))
        await w.press(volunteer, "SMS")
        await w.press(volunteer, "Voicemail")
        prompt = w.last(VOLUNTEER)
        assert prompt.startswith(f"{reference}: when?")
        offered = re.search(r"/attempt \S+ \S+ \S+ HH:MM", prompt)
        assert offered is not None, prompt
        await w.telegram(volunteer.message(offered.group(0).replace("HH:MM", "17:05")))
        assert f"Logged for {reference}" in w.last(VOLUNTEER)
        assert await attempts(w, reference) == [("17:05", "sms", "voicemail")]


async def test_a_mistyped_attempt_gets_the_right_form_in_one_line(
    settings: Settings, clock: FakeClock
) -> None:
    """Not the whole command list: how to write it."""
    async with running(settings, clock) as w:
        _, volunteer, _, reference = await assigned_case(w)
        for wrong in ("tomorrow", "phone 17:00", "fax no_answer 17:00", "25:61"):
            await w.telegram(volunteer.message(f"/attempt {reference} {wrong}"))
            answer = w.last(VOLUNTEER)
            assert answer.startswith("To log an attempt, write /attempt REF"), answer
            assert "Staff commands" not in answer
        assert await attempts(w, reference) == []


async def test_no_attempt_before_the_case_came_in(settings: Settings, clock: FakeClock) -> None:
    """The case came in at 14:00; an attempt at 09:00 that day is refused, not logged."""
    async with running(settings, clock) as w:
        _, volunteer, _, reference = await assigned_case(w)
        await w.telegram(volunteer.message(f"/attempt {reference} phone no_answer 09:00"))
        assert f"An attempt cannot be before {reference} came in" in w.last(VOLUNTEER)
        assert await attempts(w, reference) == []


async def test_a_volunteer_asking_for_a_coordinators_command_is_told_so(
    settings: Settings, clock: FakeClock
) -> None:
    """Not "not found": the command is for coordinators."""
    async with running(settings, clock) as w:
        _, volunteer, _, reference = await assigned_case(w)
        for command in ("/cases", f"/assign {reference}", f"/transfer {reference}", "/stats"):
            await w.telegram(volunteer.message(command))
            assert w.last(VOLUNTEER).startswith("This is for coordinators."), command


async def test_a_seeker_who_writes_after_closure_gets_a_new_case_and_the_truth(
    settings: Settings, clock: FakeClock
) -> None:
    """Their message is kept with a new case for the same association, the coordinators are
    told which case it follows, and the seeker is told what happened, not "passed on" (with
    `telegram_details`, so that staff read the message and the history in Telegram)."""
    async with running(settings, clock, details=True) as w:
        coordinator, volunteer, seeker, reference = await assigned_case(w)
        await w.telegram(volunteer.message(f"/close {reference}"))
        await w.press(volunteer, "Supported")
        clock.advance(days=10)
        await w.telegram(seeker.message("Hej igen, det har hänt något nytt."))
        answer = w.last(SEEKER_CHAT)
        later = re.search(r"[0-9A-Z]{3}-[0-9A-Z]{3}", answer)
        assert later is not None and later.group(0) != reference, answer
        assert answer.startswith("Ditt tidigare ärende är avslutat"), answer
        new_case, message = [str(m["text"]) for m in w.api.sent(COORDINATOR)[-2:]]
        assert new_case.startswith(f"New case {later.group(0)}")
        assert f"The seeker wrote again after {reference} was closed (Supported)" in new_case
        assert message == (
            f"Message from the seeker in {later.group(0)}:\nHej igen, det har hänt något nytt."
        )
        async with w.jourbot.units.begin() as unit:
            earlier = await unit.cases.by_reference(reference)
            follow_on = await unit.cases.by_reference(later.group(0))
            assert earlier is not None and follow_on is not None
            assert [m.body for m in await unit.cases.messages(follow_on.id)] == [
                "Hej igen, det har hänt något nytt."
            ]
            assert await unit.cases.messages(earlier.id) == []
        assert (follow_on.status, follow_on.org_id, follow_on.phone) == (
            CaseStatus.NEW, earlier.org_id, earlier.phone,
        )  # fmt: skip
        assert follow_on.received_at == clock.now()  # its deadline runs from now
        # The coordinator answers from the notice: the seeker gets it.
        await w.press(coordinator, "Answer")
        await w.telegram(coordinator.message("Vi ringer dig i dag."))
        assert w.last(SEEKER_CHAT).endswith("Vi ringer dig i dag.")
        await w.telegram(coordinator.message(f"/case {reference}"))
        assert f"the seeker wrote again: their message went to the new case {later.group(0)}" in (
            w.last(COORDINATOR)
        )


def menu_of(w: World, chat: int) -> list[str]:
    """The commands last set for *chat*'s own menu."""

    def read(value: object) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    calls = [
        p for e, p in w.api.calls
        if e == "setMyCommands" and read(p.get("scope", {})).get("chat_id") == chat
    ]  # fmt: skip
    assert calls, f"no menu for {chat}"
    return [c["command"] for c in read(calls[-1]["commands"])]


async def test_joining_at_one_tap_and_being_trained_in_the_bot(
    settings: Settings, clock: FakeClock
) -> None:
    """The invite says how to join and carries a start link; the link joins (never as a
    seeker); the coordinator is told and records the training with a button; the volunteer
    is told; each gets the menu of their role."""
    coordinator, newcomer = Person(COORDINATOR, "en", "Cora"), Person(VOLUNTEER, "en", "Vera")
    async with running(settings, clock) as w:
        invite = await w.jourbot.staff.create_invite("vasterort", StaffRole.COORDINATOR)
        await w.telegram(coordinator.message(f"/join {invite.code}"))
        await w.telegram(coordinator.message("/invite volunteer"))
        offer = w.last(COORDINATOR)
        found = re.search(r"https://t\.me/jourbot_test_bot\?start=([0-9A-Z]{4}-[0-9A-Z]{4})", offer)
        assert found is not None, offer
        assert f"/join {found.group(1)}" in offer
        await w.telegram(newcomer.message(f"/start {found.group(1)}"))
        assert "registered as volunteer" in w.last(VOLUNTEER)
        async with w.jourbot.units.begin() as unit:
            assert await unit.intake.find_seeker(Channel.TELEGRAM, str(VOLUNTEER)) is None
            vera = await unit.staff.by_telegram(VOLUNTEER)
        assert vera is not None and vera.trained_on is None
        told = w.last(COORDINATOR)
        assert told.startswith(f"Vera joined as volunteer (staff number {vera.id})"), told
        assert "cases" in menu_of(w, COORDINATOR) and "cases" not in menu_of(w, VOLUNTEER)
        assert "mycases" in menu_of(w, VOLUNTEER)

        await w.press(coordinator, "Training done")
        assert w.last(COORDINATOR) == "Training recorded for Vera: they can get cases now."
        assert w.last(VOLUNTEER).startswith("Your basic training is recorded.")
        await w.telegram(coordinator.message(f"/languages {vera.id} sv zz"))
        assert w.last(COORDINATOR).startswith("Not a language code: zz.")
        await w.telegram(coordinator.message(f"/languages {vera.id} sv ar"))
        assert w.last(COORDINATOR) == "Languages recorded for Vera: sv, ar."
        await w.telegram(newcomer.message(f"/trained {vera.id}"))
        assert w.last(VOLUNTEER).startswith("This is for coordinators.")
        async with w.jourbot.units.begin() as unit:
            vera = await unit.staff.by_telegram(VOLUNTEER)
        assert vera is not None and vera.assignable and vera.languages == ("sv", "ar")


async def test_training_is_recorded_only_within_the_coordinators_own_organisation(
    settings: Settings, clock: FakeClock
) -> None:
    """A coordinator of another association cannot mark someone trained."""
    other = Person(8001, "en", "Otto")
    async with running(settings, clock) as w:
        _, _, _, volunteer_id = await staff_and_a_case(w)
        invite = await w.jourbot.staff.create_invite("stodcentrum", StaffRole.COORDINATOR)
        await w.telegram(other.message(f"/join {invite.code}"))
        await w.telegram(other.message(f"/trained {volunteer_id}"))
        assert w.last(8001) == "Not found, or not yours to see."


async def test_languages_are_named_in_the_readers_language(
    settings: Settings, clock: FakeClock
) -> None:
    """A Swedish coordinator reads "Språk: Arabiska", not the language's own name (in a
    detailed notice: plain ones name no language)."""
    coordinator = Person(COORDINATOR, "sv", "Cora")
    seeker = Person(SEEKER_CHAT, "ar")
    async with running(settings, clock, details=True) as w:
        invite = await w.jourbot.staff.create_invite("vasterort", StaffRole.COORDINATOR)
        await w.telegram(coordinator.message(f"/join {invite.code}"))
        await w.telegram(seeker.message("/start"))
        answers = [(s, "ar" if v == "sv" else v) for s, v in WHOLE_INTAKE]
        await answer_seeker(w, seeker, tuple(answers))
        notice = w.last(COORDINATOR)
        assert "Språk: Arabiska" in notice, notice
        assert "العربية" not in notice


def edits(w: World, chat: int) -> int:
    return sum(1 for e, p in w.api.calls if e == "editMessageText" and p["chat_id"] == chat)


async def test_cases_come_as_one_list_that_opening_a_case_leaves_in_place(
    settings: Settings, clock: FakeClock
) -> None:
    """/cases is one message; a case opened from it, or from a notice, comes as a new one."""
    async with running(settings, clock) as w:
        coordinator, _, _, volunteer_id = await staff_and_a_case(w)
        before = len(w.api.sent(COORDINATOR))
        await w.telegram(coordinator.message("/cases"))
        assert len(w.api.sent(COORDINATOR)) == before + 1
        listing = w.last(COORDINATOR)
        assert listing.startswith("Your organisation's cases\nUnassigned:\n")
        assert "Overdue (not reached within the deadline):" in listing and "Open:" in listing
        reference = re.search(r"[0-9A-Z]{3}-[0-9A-Z]{3}", listing)
        assert reference is not None
        await w.press(coordinator, f"open:{reference.group(0)}")
        assert w.last(COORDINATOR).startswith(f"Case {reference.group(0)}")
        await w.press(coordinator, "Assign")  # from the case view: a new message too
        assert edits(w, COORDINATOR) == 0
        await w.press(coordinator, f"to:{reference.group(0)}:{volunteer_id}")
        assert edits(w, COORDINATOR) == 1  # the choice answers the menu in place


async def test_a_reminders_buttons_leave_the_reminder(settings: Settings, clock: FakeClock) -> None:
    """Logging an attempt from a reminder keeps the reminder readable above."""
    async with running(settings, clock) as w:
        _, volunteer, _, reference = await assigned_case(w)
        clock.advance(days=2, hours=2)  # Thursday 16:00 in Stockholm: the deadline is near
        await w.jourbot.reminders.sweep()
        await w.jourbot.outbox.drain()
        reminder = w.last(VOLUNTEER)
        assert reference in reminder and "Log attempt" in str(w.api.buttons(VOLUNTEER))
        await w.press(volunteer, "Log attempt")
        assert w.api.sent(VOLUNTEER)[-2]["text"] == reminder
        assert edits(w, VOLUNTEER) == 0


@pytest.mark.parametrize(
    ("details", "header"),
    [(False, "The seeker in {} sent a message."), (True, "Message from the seeker in {}:")],
)
async def test_telegrams_own_reply_on_a_seekers_message_answers_the_seeker(
    settings: Settings, clock: FakeClock, details: bool, header: str
) -> None:
    """Reply on "Message from the seeker in REF" (or, plain, "The seeker in REF sent a
    message") goes to that seeker; on anything else not."""
    async with running(settings, clock, details=details) as w:
        _, volunteer, seeker, reference = await assigned_case(w)
        await w.telegram(seeker.message("Kan ni ringa efter sex?"))
        from_seeker = w.api.sent(VOLUNTEER)[-1]
        assert str(from_seeker["text"]).startswith(header.format(reference))
        await w.telegram(volunteer.reply("Ja, jag ringer 18:15.", to=from_seeker))
        assert w.last(SEEKER_CHAT).endswith("Ja, jag ringer 18:15.")
        before = len(w.api.sent(SEEKER_CHAT))
        notice = w.api.sent(VOLUNTEER)[0]  # not a seeker's message: nothing is relayed
        await w.telegram(volunteer.reply("Hej", to=notice))
        assert len(w.api.sent(SEEKER_CHAT)) == before
        # Someone else's case is refused even by reply.
        other = Person(9100, "en", "Olle")
        invite = await w.jourbot.staff.create_invite("stodcentrum", StaffRole.COORDINATOR)
        await w.telegram(other.message(f"/join {invite.code}"))
        await w.telegram(other.reply("Hej", to=from_seeker))
        assert w.last(9100) == "Not found, or not yours to see."
        assert len(w.api.sent(SEEKER_CHAT)) == before


async def test_coordinators_hear_of_referrals_and_closures(
    settings: Settings, clock: FakeClock
) -> None:
    """A case registered by hand is a new case to them; a closure names who and why, and the
    closed case shows it."""
    coordinator = Person(COORDINATOR, "en", "Cora")
    volunteer = Person(VOLUNTEER, "en", "Vera")
    async with running(settings, clock) as w:
        volunteer_id = await join_staff(w, coordinator, volunteer)
        referral = ReferredCase("vasterort", CaseSource.POLICE, "sv", phone="+46707654321")
        reference = await w.jourbot.operator.register_case(referral)
        await w.jourbot.outbox.drain()
        assert w.last(COORDINATOR).startswith(f"New case {reference}")
        await w.press(coordinator, "Assign")
        await w.press(coordinator, f"to:{reference}:{volunteer_id}")
        await w.telegram(volunteer.message(f"/close {reference}"))
        await w.press(volunteer, "Not reached")
        assert w.last(COORDINATOR) == (
            f"{reference} was closed by Vera: Not reached.\n"
            f"On the desk: {DESK_URL}/cases/{reference}"
        )
        await w.telegram(coordinator.message(f"/case {reference}"))
        assert "Closed Tuesday, November 24, 2026, 2:00 PM by Vera: Not reached" in (
            w.last(COORDINATOR).replace("\u202f", " ")
        )
