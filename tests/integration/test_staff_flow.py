"""The staff side end to end: invite, join, notice, assign, attempts, the relay both ways, close."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import aiosqlite
import httpx
import pytest

from bot.app import Jourbot, build
from bot.config import DeskSettings, Settings, TelegramSettings, TwilioSettings
from bot.domain.cases import CaseRecord, CaseStatus, StaffRole
from bot.domain.model import Channel
from bot.domain.questions import Step
from bot.logs import configure_logging
from bot.storage.units import Units
from bot.web.twilio_forms import TWILIO_SIGNATURE
from bot.web.webhooks import SECRET_HEADER
from tests.conftest import FakeClock
from tests.intake_script import TYPED, WHOLE_INTAKE
from tests.integration.test_sms import INTAKE
from tests.telegram_fakes import OfflineBotAPI, Person
from tests.twilio_fakes import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, FakeTwilio, inbound, sign

PUBLIC_URL = "https://bot.example.org"
DESK_URL = f"{PUBLIC_URL}/desk"
SECRET = "webhook-secret_123"
COORDINATOR, VOLUNTEER, SEEKER_CHAT = 9001, 9002, 555123987
SEEKER_PHONE = "+46701234567"


@dataclass
class World:
    jourbot: Jourbot
    api: OfflineBotAPI
    twilio: FakeTwilio
    client: httpx.AsyncClient

    async def telegram(self, update: dict[str, Any]) -> None:
        response = await self.client.post("/telegram", json=update, headers={SECRET_HEADER: SECRET})
        assert response.status_code == 200
        assert self.jourbot.telegram is not None
        await self.jourbot.telegram.update_queue.join()
        await self.jourbot.outbox.drain()

    async def sms(self, body: str) -> list[str]:
        before = len(self.twilio.inbox(SEEKER_PHONE))
        form = inbound(SEEKER_PHONE, body)
        headers = {TWILIO_SIGNATURE: sign(PUBLIC_URL + "/twilio/sms", form)}
        assert (
            await self.client.post("/twilio/sms", data=form, headers=headers)
        ).status_code == 200
        assert self.jourbot.texts is not None
        await self.jourbot.texts.drain()
        await self.jourbot.outbox.drain()
        return self.twilio.inbox(SEEKER_PHONE)[before:]

    def last(self, chat: int) -> str:
        return str(self.api.sent(chat)[-1]["text"])

    async def press(self, person: Person, label_or_value: str) -> None:
        """Press a button on the last message to *person*, by its label or callback data."""
        buttons = self.api.buttons(person.chat_id)
        data = next(
            (
                d
                for label, d in buttons
                if label_or_value in (label, d) or d.endswith(label_or_value)
            ),
            None,
        )
        assert data is not None, f"no {label_or_value!r} in {buttons}"
        message_id = int(self.api.sent(person.chat_id)[-1].get("message_id", 1))
        await self.telegram(person.press(data, message_id))

    async def case(self, reference: str) -> CaseRecord:
        """Read a case as stored, through the storage port."""
        async with self.jourbot.units.begin() as unit:
            case = await unit.cases.by_reference(reference)
        assert case is not None
        return case

    async def events(self, reference: str) -> list[tuple[str, str]]:
        """Read a case's audit trail as (event, detail), through the storage port."""
        async with self.jourbot.units.begin() as unit:
            case = await unit.cases.by_reference(reference)
            assert case is not None
            return [(e.kind, e.detail) for e in await unit.cases.events(case.id)]

    async def rows(self, sql: str) -> list[tuple[Any, ...]]:
        async with aiosqlite.connect(self.jourbot.settings.db_path) as db, db.execute(sql) as c:
            return [tuple(r) for r in await c.fetchall()]


@asynccontextmanager
async def running(
    settings: Settings, clock: FakeClock, *, details: bool = False
) -> AsyncIterator[World]:
    """Run the service on the offline Bot API and Twilio; with *details*, staff chats get
    the seeker's details (`[staff] telegram_details = true`)."""
    api, twilio = OfflineBotAPI(), FakeTwilio()
    configured = replace(
        settings,
        telegram=TelegramSettings("123456:TEST-TOKEN", None, PUBLIC_URL, SECRET),
        twilio=TwilioSettings(ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, OUR_NUMBER),
        telegram_details=details,
        desk=DeskSettings(PUBLIC_URL),
    )
    jourbot = await build(
        configured,
        clock=clock,
        telegram_request=api,
        http_transport=twilio.transport(),
        run_scheduler=False,
    )
    try:
        async with jourbot.web.router.lifespan_context(jourbot.web):
            transport = httpx.ASGITransport(app=jourbot.web)
            async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
                yield World(jourbot, api, twilio, client)
    finally:
        await jourbot.close()


async def join_staff(w: World, coordinator: Person, volunteer: Person) -> int:
    """An operator invites the coordinator, who invites and trains a volunteer."""
    invite = await w.jourbot.staff.create_invite("vasterort", StaffRole.COORDINATOR)
    await w.telegram(coordinator.message(f"/join {invite.code}"))
    assert await w.jourbot.staff.identify(COORDINATOR) is not None
    await w.telegram(coordinator.message("/invite volunteer"))
    code = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}", w.last(COORDINATOR))
    assert code is not None
    await w.telegram(volunteer.message(f"/join {code.group(0)}"))
    assert "registered as volunteer" in w.last(VOLUNTEER)  # volunteers here write in English
    async with Units(w.jourbot.database).begin() as unit:
        staff = await unit.staff.by_telegram(VOLUNTEER)
        assert staff is not None
        await unit.staff.update(staff.id, trained_on=date(2026, 3, 1), languages=("sv",))
    return staff.id


async def assign_new_case(w: World, coordinator: Person, notes: str, volunteer_id: int) -> str:
    """The coordinator is told of the new case at once and assigns it."""
    notice = w.last(COORDINATOR)
    reference = re.search(r"New case ([0-9A-Z]{3}-[0-9A-Z]{3})", notice)
    assert reference is not None, notice
    if w.jourbot.settings.staff.telegram_details:
        assert "Language: Swedish" in notice
    else:  # the reference, the deadline and the desk's page for the case, nothing more
        assert "Language" not in notice and "First contact by: " in notice
        assert notice.endswith(f"On the desk: {DESK_URL}/cases/{reference.group(1)}")
    assert notes not in notice  # free text only when the case is opened
    assert SEEKER_PHONE not in notice
    await w.press(coordinator, "Assign")
    assert "Who should take" in w.last(COORDINATOR)
    await w.press(coordinator, f"to:{reference.group(1)}:{volunteer_id}")
    assert f"{reference.group(1)} is now with" in w.last(COORDINATOR)
    assert f"You have a new case: {reference.group(1)}" in w.last(VOLUNTEER)
    return reference.group(1)


async def log_attempt(w: World, volunteer: Person, reference: str, outcome: str) -> None:
    await w.telegram(volunteer.message(f"/attempt {reference}"))
    await w.press(volunteer, "Phone")
    await w.press(volunteer, outcome)
    await w.press(volunteer, "Now")
    assert f"Logged for {reference}" in w.last(VOLUNTEER)


async def test_full_flow_with_a_telegram_seeker(settings: Settings, clock: FakeClock) -> None:
    """Invite, join, notice, assign, failed attempt, relay both ways, reached, close: with
    `telegram_details`, staff read the case and the seeker's messages in Telegram."""
    coordinator, volunteer = Person(COORDINATOR, "en"), Person(VOLUNTEER, "en")
    seeker = Person(SEEKER_CHAT, "sv")
    async with running(settings, clock, details=True) as w:
        volunteer_id = await join_staff(w, coordinator, volunteer)

        await w.telegram(seeker.message("/start"))
        await answer_seeker(w, seeker)
        reference = await assign_new_case(w, coordinator, "Ring efter sex", volunteer_id)

        await w.telegram(volunteer.message("/mycases"))
        assert reference in w.last(VOLUNTEER)
        await w.telegram(volunteer.message(f"/case {reference}"))
        full = w.last(VOLUNTEER)
        assert SEEKER_PHONE in full
        assert "Ring efter sex" in full

        await log_attempt(w, volunteer, reference, "No answer")
        await w.telegram(volunteer.message(f"/reply {reference}"))
        await w.telegram(volunteer.message("Hej! Jag ringer dig i kväll."))
        relayed = w.last(SEEKER_CHAT)
        assert (
            relayed
            == f"Meddelande från din stödperson ({reference}):\nHej! Jag ringer dig i kväll."
        )

        await w.telegram(seeker.message("Tack, det passar bra."))
        assert "Ditt meddelande har skickats" in w.last(SEEKER_CHAT)
        to_volunteer = w.last(VOLUNTEER)
        assert to_volunteer == f"Message from the seeker in {reference}:\nTack, det passar bra."

        await log_attempt(w, volunteer, reference, "Reached")
        await w.telegram(volunteer.message(f"/close {reference}"))
        await w.press(volunteer, "Supported")
        assert f"{reference} is closed" in w.last(VOLUNTEER)
        await w.telegram(coordinator.message(f"/case {reference}"))
        history = w.last(COORDINATOR).split("History:\n")[1].splitlines()
        assert [re.sub(r"^.*?[AP]M ", "", line) for line in history] == [
            "received (the bot)",
            "Seeker assigned it to Seeker",  # every test person is called Seeker
            "Seeker logged an attempt: Phone, No answer",
            "Seeker wrote to the seeker",
            "the seeker answered",
            "Seeker logged an attempt: Phone, Reached",
            "Seeker closed it: Supported",
        ]

        changes = [(k, d) for k, d in await w.events(reference) if k != "viewed"]
        assert [kind for kind, _ in changes] == [
            "assigned", "attempt", "message_to_seeker", "seeker_answered", "attempt", "closed",
        ]  # fmt: skip
        assert changes[-1] == ("closed", "supported")
        assert ("viewed", "bot") in await w.events(reference)  # /case is recorded as a view
        case = await w.case(reference)
        assert case.status is CaseStatus.CLOSED
        async with w.jourbot.units.begin() as unit:
            messages = await unit.cases.messages(case.id)
        assert [(m.from_seeker, m.body) for m in messages] == [
            (False, "Hej! Jag ringer dig i kväll."), (True, "Tack, det passar bra."),
        ]  # fmt: skip
        seen_by_seeker = " ".join(str(m["text"]) for m in w.api.sent(SEEKER_CHAT))
        assert str(VOLUNTEER) not in seen_by_seeker
        assert "Seeker · Swedish" not in seen_by_seeker  # the volunteer's name never shows


async def staff_and_a_case(w: World) -> tuple[Person, Person, Person, int]:
    """A coordinator and a trained volunteer join; a Telegram seeker's case comes in."""
    coordinator, volunteer = Person(COORDINATOR, "en"), Person(VOLUNTEER, "en")
    seeker = Person(SEEKER_CHAT, "sv")
    volunteer_id = await join_staff(w, coordinator, volunteer)
    await w.telegram(seeker.message("/start"))
    await answer_seeker(w, seeker)
    return coordinator, volunteer, seeker, volunteer_id


async def answer_seeker(
    w: World, seeker: Person, answers: tuple[tuple[Step, str], ...] = WHOLE_INTAKE
) -> None:
    """Walk the seeker through the intake by pressing buttons, as in the Telegram tests."""
    for step, value in answers:
        if step in TYPED:
            await w.telegram(seeker.message(value))
        else:
            await w.press(seeker, f":{value}")


async def sms_case(w: World, coordinator: Person, volunteer: Person) -> str:
    """Staff join, an SMS seeker goes through the intake, and the case is assigned."""
    volunteer_id = await join_staff(w, coordinator, volunteer)
    for body in INTAKE:
        await w.sms(body)
    return await assign_new_case(w, coordinator, "Ring efter sex", volunteer_id)


async def test_full_flow_with_an_sms_seeker(settings: Settings, clock: FakeClock) -> None:
    """The volunteer's message reaches an SMS seeker by SMS, and the answer comes back."""
    coordinator, volunteer = Person(COORDINATOR, "en"), Person(VOLUNTEER, "en")
    async with running(settings, clock) as w:
        reference = await sms_case(w, coordinator, volunteer)
        await log_attempt(w, volunteer, reference, "No answer")

        await w.telegram(volunteer.message(f"/reply {reference} Hej, jag försökte ringa."))
        assert f"Sent to the seeker of {reference}" in w.last(VOLUNTEER)
        (relayed,) = w.twilio.inbox(SEEKER_PHONE)[-1:]
        assert relayed == f"Meddelande från din stödperson ({reference}):\nHej, jag försökte ringa."
        assert "Vera" not in relayed

        (ack,) = await w.sms("Ring nu går bra")
        assert ack.startswith("Ditt meddelande har skickats")
        assert w.last(VOLUNTEER) == (
            f"The seeker in {reference} sent a message.\nOn the desk: {DESK_URL}/cases/{reference}"
        )

        await log_attempt(w, volunteer, reference, "Reached")
        assert (await w.case(reference)).status is CaseStatus.IN_CONTACT


async def test_unassigned_case_messages_go_to_coordinators(
    settings: Settings, clock: FakeClock
) -> None:
    """Until a volunteer has the case, the seeker's messages reach the coordinators."""
    coordinator, volunteer = Person(COORDINATOR, "en"), Person(VOLUNTEER, "en")
    async with running(settings, clock) as w:
        await join_staff(w, coordinator, volunteer)
        for body in INTAKE:
            await w.sms(body)
        await w.sms("Är det någon där?")
        told = w.last(COORDINATOR)
        assert told.startswith("The seeker in ") and "Är det" not in told
        await w.press(coordinator, "Answer")
        await w.telegram(coordinator.message("Ja, vi hör av oss i dag."))
        assert w.twilio.inbox(SEEKER_PHONE)[-1].endswith("Ja, vi hör av oss i dag.")


@pytest.mark.parametrize("problem", ["reused", "expired", "wrong"])
async def test_bad_invite_codes_are_refused(
    settings: Settings, clock: FakeClock, problem: str
) -> None:
    """An invite works once and only until it expires."""
    first, second = Person(COORDINATOR, "en"), Person(VOLUNTEER, "en")
    async with running(settings, clock) as w:
        invite = await w.jourbot.staff.create_invite("vasterort", StaffRole.VOLUNTEER, hours=1)
        code = invite.code
        if problem == "reused":
            await w.telegram(first.message(f"/join {code}"))
        elif problem == "expired":
            clock.advance(hours=1, seconds=1)
        else:
            code = "AAAA-AAAA"
        await w.telegram(second.message(f"/join {code}"))
        assert "not valid, already used, or expired" in w.last(VOLUNTEER)
        assert await w.jourbot.staff.identify(VOLUNTEER) is None


async def test_seeker_commands_from_staff_show_staff_help(
    settings: Settings, clock: FakeClock
) -> None:
    """A staff chat is not a seeker chat: /start there shows the staff commands."""
    coordinator, volunteer = Person(COORDINATOR, "sv"), Person(VOLUNTEER, "en")
    async with running(settings, clock) as w:
        await join_staff(w, coordinator, volunteer)
        await w.telegram(volunteer.message("/start"))
        assert "/mycases" in w.last(VOLUNTEER)
        async with w.jourbot.units.begin() as unit:  # no seeker was made of the volunteer
            assert await unit.intake.find_seeker(Channel.TELEGRAM, str(VOLUNTEER)) is None
        await w.telegram(coordinator.message("/cases"))
        assert w.last(COORDINATOR).startswith("Organisationens ärenden\nEj tilldelade:")


async def test_staff_side_logs_no_personal_data(
    settings: Settings, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Joining, assigning and the relay log references and events, never people or text."""
    configure_logging(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    coordinator, volunteer = Person(COORDINATOR, "en"), Person(VOLUNTEER, "en")
    async with running(settings, clock) as w:
        volunteer_id = await join_staff(w, coordinator, volunteer)
        for body in INTAKE:
            await w.sms(body)
        reference = await assign_new_case(w, coordinator, "Ring efter sex", volunteer_id)
        await w.telegram(volunteer.message(f"/reply {reference} Hemligt meddelande"))
        await w.sms("Svar med hemlighet")
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert f"case.assigned case={reference}" in logged
    for secret in (SEEKER_PHONE, "Hemligt", "hemlighet", "Ring efter", str(COORDINATOR),
                   str(VOLUNTEER), "Seeker"):  # fmt: skip
        assert secret not in logged


async def test_coordinator_stats_come_as_a_chart_with_the_key_figures(
    settings: Settings, clock: FakeClock
) -> None:
    """/stats answers a coordinator with a PNG and this month's, last month's and the year's
    figures in the caption; a volunteer gets the usual refusal."""
    coordinator, volunteer = Person(COORDINATOR, "sv"), Person(VOLUNTEER, "en")
    async with running(settings, clock) as w:
        await join_staff(w, coordinator, volunteer)
        await w.telegram(coordinator.message("/stats"))
        (photo,) = w.api.photos(COORDINATOR)
        caption = str(photo["caption"])
        assert caption.startswith("Siffror för Brottsofferjouren Västerort")
        for period in ("Denna månad", "Förra månaden", "I år"):
            assert f"{period}: 0 ärenden" in caption
        (image,) = photo["files"].values()
        assert image.startswith(b"\x89PNG\r\n\x1a\n") and len(image) > 10_000
        await w.telegram(volunteer.message("/stats"))
        assert w.last(VOLUNTEER).startswith("This is for coordinators.")
        assert w.api.photos(VOLUNTEER) == []
