"""What reaches staff chats through the Bot API: by default nothing personal, and protected.

A whole life of two cases runs through the offline Bot API with the shipped settings, and
every message sent to a staff chat is read for the seeker's phone number (in any format),
an e-mail address, their note, their messages and their district.
"""

from __future__ import annotations

import re
from typing import Any

from bot.config import Settings
from bot.domain.cases import CaseSource, StaffRole
from bot.domain.questions import Step
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
    join_staff,
    log_attempt,
    running,
)
from tests.telegram_fakes import Person

YOUNG_COORDINATOR = 9003
STAFF_CHATS = (COORDINATOR, VOLUNTEER, YOUNG_COORDINATOR)
# The seeker's own words: a note with an e-mail address in it, and what they write later.
NOTE = "Min granne Zacharias hotar mig, mejla zacharias.offer@example.se efter sex."
FIRST, AGAIN = "Blåklockan vid Zacharias port var trasig i morse.", "Hallon och lingon i natt."
FLOOD = [f"Vitsippa nummer {n} i trappan" for n in range(11)]
REFERRAL_PHONE = "+46707654321"
ANSWERS = tuple((step, NOTE if step is Step.NOTES else value) for step, value in WHOLE_INTAKE)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def phone_in(text: str, number: str) -> bool:
    """Tell whether *number* (+46...) is in *text* in any format: +46 70..., 070-..., 70..."""
    national = number.removeprefix("+46")  # what follows +46, or the 0 of a Swedish number
    return national in re.sub(r"[\s\-().\u00a0\u202f]", "", text)


def staff_messages(w: World) -> list[tuple[str, str, dict[str, Any]]]:
    """Every message sent, edited or captioned to a staff chat: (endpoint, text, parameters)."""
    return [
        (endpoint, str(params.get("text", params.get("caption", ""))), params)
        for endpoint, params in w.api.calls
        if endpoint in ("sendMessage", "editMessageText", "sendPhoto")
        and int(params.get("chat_id", 0)) in STAFF_CHATS
    ]


def reference_in(text: str, start: str) -> str:
    found = re.search(re.escape(start) + r"([0-9A-Z]{3}-[0-9A-Z]{3})", text)
    assert found is not None, text
    return found.group(1)


async def a_whole_life_of_two_cases(w: World, clock: FakeClock) -> tuple[str, str]:
    """Intake, lists and views, reminders, assignment, the relay both ways and a flood,
    closure, a seeker coming back, a move to another organisation, a referral, figures."""
    coordinator, volunteer = Person(COORDINATOR, "en", "Cora"), Person(VOLUNTEER, "en", "Vera")
    young, seeker = Person(YOUNG_COORDINATOR, "sv", "Ylva"), Person(SEEKER_CHAT, "sv")
    volunteer_id = await join_staff(w, coordinator, volunteer)
    invite = await w.jourbot.staff.create_invite("stodcentrum", StaffRole.COORDINATOR)
    await w.telegram(young.message(f"/join {invite.code}"))

    await w.telegram(seeker.message("/start"))
    await answer_seeker(w, seeker, ANSWERS)  # Bromma, to be called at 070-123 45 67
    first = reference_in(w.last(COORDINATOR), "New case ")
    await w.telegram(coordinator.message("/cases"))
    await w.telegram(coordinator.message(f"/case {first}"))
    clock.advance(hours=19)  # Wednesday 08:00: nobody has the case yet
    await w.jourbot.reminders.sweep()
    await w.jourbot.outbox.drain()
    assert w.last(COORDINATOR).startswith(f"Case {first} has no volunteer")
    await w.press(coordinator, "Assign")  # from the reminder
    await w.press(coordinator, f"to:{first}:{volunteer_id}")

    await w.telegram(volunteer.message("/mycases"))
    await w.telegram(volunteer.message(f"/case {first}"))
    await w.telegram(seeker.message(FIRST))
    await w.press(volunteer, "Answer")
    await w.telegram(volunteer.message("Hej, jag ringer dig i kväll."))
    await log_attempt(w, volunteer, first, "No answer")
    clock.advance(hours=31)  # Thursday 15:00: the deadline is near, no evening attempt yet
    await w.jourbot.reminders.sweep()
    await w.jourbot.outbox.drain()
    for text in FLOOD:
        await w.telegram(seeker.message(text))
    await w.telegram(volunteer.message(f"/close {first}"))
    await w.press(volunteer, "Supported")

    clock.advance(days=2)
    await w.telegram(seeker.message(AGAIN))  # after the closure: a new case
    second = reference_in(w.api.sent(COORDINATOR)[-2]["text"], "New case ")
    await w.telegram(coordinator.message(f"/transfer {second}"))
    await w.press(coordinator, f"move:{second}:stodcentrum")
    await w.press(coordinator, f"move:{second}:stodcentrum:age")
    await w.telegram(young.message(f"/case {second}"))
    await w.telegram(young.message("/cases"))

    referral = ReferredCase(
        "vasterort", CaseSource.POLICE, "sv", phone=REFERRAL_PHONE, district_id="bromma"
    )
    await w.jourbot.operator.register_case(referral)
    await w.jourbot.outbox.drain()
    await w.telegram(coordinator.message("/stats"))
    return first, second


async def test_by_default_no_staff_chat_gets_anything_personal(
    settings: Settings, clock: FakeClock
) -> None:
    """No phone number in any format, e-mail address, note, message or district reaches a
    staff chat; every message there is protected, and no seeker's message is."""
    async with running(settings, clock) as w:
        first, second = await a_whole_life_of_two_cases(w, clock)
        told = staff_messages(w)
        texts = [text for _, text, _ in told]
        # It all happened: each kind of notice and answer was sent, and each links the desk.
        for expected in (
            f"New case {first}", f"Case {first} has no volunteer", f"{first} is now with Vera",
            f"You have a new case: {first}", f"Your open cases:\n{first}", f"Case {first} · ",
            "Your organisation's cases", f"The seeker in {first} sent a message.",
            f"Sent to the seeker of {first}", f"Logged for {first}", "Reminder: first contact",
            f"{first}: no attempt in the evening yet", f"{first} was closed by Vera",
            f"The seeker in {first} has written more messages.", f"New case {second}",
            f"The seeker wrote again after {first} was closed", f"{second} has moved to",
            "Flyttat hit av Brottsofferjouren Västerort.", f"Ärende {second} · ny",
            "Figures for Brottsofferjouren Västerort",
        ):  # fmt: skip
            assert any(expected in text for text in texts), expected
        for reference in (first, second):
            assert any(f"{DESK_URL}/cases/{reference}" in text for text in texts)

        for _, text, params in told:
            chat = params["chat_id"]
            for number in ("+46701234567", REFERRAL_PHONE):
                assert not phone_in(text, number), (chat, text)
            assert EMAIL.search(text) is None, (chat, text)
            for secret in (NOTE, "Zacharias", FIRST, AGAIN, "Vitsippa", "Bromma"):
                assert secret not in text, (chat, secret, text)
        # Every message is protected as it is sent (an edit keeps what it was sent with).
        sent = [params for endpoint, _, params in told if endpoint != "editMessageText"]
        assert {"sendMessage", "editMessageText", "sendPhoto"} == {e for e, _, _ in told}
        assert [p for p in sent if p.get("protect_content") is not True] == []
        to_seeker = [
            p for e, p in w.api.calls if e == "sendMessage" and p["chat_id"] == SEEKER_CHAT
        ]
        assert to_seeker and not any("protect_content" in p for p in to_seeker)


async def test_with_details_staff_chats_get_them_as_before(
    settings: Settings, clock: FakeClock
) -> None:
    """`[staff] telegram_details = true`: the number shows on /case, the seeker's message in
    the chat; still protected."""
    coordinator, volunteer = Person(COORDINATOR, "en"), Person(VOLUNTEER, "en")
    seeker = Person(SEEKER_CHAT, "sv")
    async with running(settings, clock, details=True) as w:
        await join_staff(w, coordinator, volunteer)
        await w.telegram(seeker.message("/start"))
        await answer_seeker(w, seeker, ANSWERS)
        notice = w.last(COORDINATOR)
        reference = reference_in(notice, "New case ")
        assert "District: Bromma" in notice and DESK_URL not in notice
        await w.telegram(coordinator.message(f"/case {reference}"))
        view = w.last(COORDINATOR)
        assert "Phone: +46701234567" in view and NOTE in view
        await w.telegram(seeker.message(FIRST))
        assert w.last(COORDINATOR) == f"Message from the seeker in {reference}:\n{FIRST}"
        assert all(p.get("protect_content") is True for p in w.api.sent(COORDINATOR))
