"""Calls through the association's number, end to end: a volunteer asks in Telegram, a fake
Twilio takes Calls.json and plays the call through our signed webhooks, and the attempt logs
itself (issue 21). The seeker of WHOLE_INTAKE asked to be called in the evening, with no
voicemail naming us; the clock is moved to Stockholm times."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime

import aiosqlite
import pytest

from bot.config import Settings
from bot.config_file import CallSettings
from bot.domain.cases import AttemptChannel, AttemptOutcome, CaseStatus
from bot.domain.followup import Rule, due_reminders, follow_up
from bot.logs import configure_logging
from tests.conftest import FakeClock
from tests.integration.test_staff_flow import (
    COORDINATOR,
    SEEKER_CHAT,
    SEEKER_PHONE,
    VOLUNTEER,
    World,
    answer_seeker,
    assign_new_case,
    join_staff,
    running,
)
from tests.integration.test_staff_walk import menu_of
from tests.telegram_fakes import Person
from tests.twilio_fakes import VoiceNetwork, sign

ORG_NUMBER = "+46850000000"  # Västerort's Twilio number with Voice
VOLUNTEER_PHONE = "+46709998877"
# Stockholm is UTC+1 in late November: 19:10 there is 18:10 UTC, inside the evening window.
EVENING = datetime(2026, 11, 24, 18, 10, tzinfo=UTC)
AFTERNOON = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # 14:00 in Stockholm


def with_calls(settings: Settings, per_day: int = 40) -> Settings:
    return replace(
        settings, calls=CallSettings(numbers=(("vasterort", ORG_NUMBER),), per_day=per_day)
    )


@asynccontextmanager
async def a_case_to_call(
    settings: Settings, clock: FakeClock, *, voice: bool = True, per_day: int = 40
) -> AsyncIterator[tuple[World, Person, str, VoiceNetwork]]:
    """A volunteer with a phone registered and a case whose seeker asked to be called."""
    configured = with_calls(settings, per_day) if voice else settings
    async with running(configured, clock) as w:
        coordinator, volunteer = Person(COORDINATOR, "en"), Person(VOLUNTEER, "en")
        volunteer_id = await join_staff(w, coordinator, volunteer)
        assert await w.jourbot.operator.set_staff_phone(volunteer_id, "070-999 88 77")
        await w.telegram(Person(SEEKER_CHAT, "sv").message("/start"))
        await answer_seeker(w, Person(SEEKER_CHAT, "sv"))
        reference = await assign_new_case(w, coordinator, "Ring efter sex", volunteer_id)
        yield w, volunteer, reference, VoiceNetwork(w.client)


async def call(w: World, volunteer: Person, reference: str) -> str:
    """Ask for a call with /call and return the answer."""
    await w.telegram(volunteer.message(f"/call {reference}"))
    return w.last(VOLUNTEER)


async def settle(w: World) -> None:
    await w.jourbot.outbox.drain()


async def phone_attempts(w: World, reference: str) -> list[tuple[datetime, AttemptOutcome]]:
    case = await w.case(reference)
    return [(a.at, a.outcome) for a in case.attempts if a.channel is AttemptChannel.PHONE]


async def test_an_unanswered_evening_call_is_an_evening_attempt_without_typing(
    settings: Settings, clock: FakeClock
) -> None:
    clock.moment = EVENING
    async with a_case_to_call(settings, clock) as (w, volunteer, reference, network):
        answer = await call(w, volunteer, reference)
        assert re.match(r"Your phone \(•+77\) rings now", answer), answer
        [placed] = w.twilio.calls
        assert (placed.to, placed.caller, placed.timeout) == (VOLUNTEER_PHONE, ORG_NUMBER, 25)
        assert "Record" not in placed.form and "Twiml" not in placed.form

        played = await network.play(placed, "no-answer")
        await settle(w)

        assert played.dial is not None and played.number is not None
        assert played.dial.get("callerId") == ORG_NUMBER  # all the seeker sees
        assert played.dial.get("timeout") == "30"
        assert played.number.text == SEEKER_PHONE
        assert await phone_attempts(w, reference) == [(EVENING, AttemptOutcome.NO_ANSWER)]
        state = follow_up(await w.case(reference), w.jourbot.settings.partnership)
        assert (state.attempts, state.evening_attempt, state.reached) == (1, True, False)
        notice = w.last(VOLUNTEER)
        assert notice.startswith(f"Call for {reference} logged by itself: No answer")
        assert ("call_logged", "no_answer") in await w.events(reference)


async def test_the_attempt_is_timed_when_the_seekers_phone_rang(
    settings: Settings, clock: FakeClock
) -> None:
    """Rung at 20:59 and ended after 21:00, when the evening is over: an evening attempt."""
    clock.moment = datetime(2026, 11, 24, 19, 59, tzinfo=UTC)  # 20:59 in Stockholm
    async with a_case_to_call(settings, clock) as (w, volunteer, reference, network):
        await call(w, volunteer, reference)
        await network.play(
            w.twilio.calls[-1], "no-answer", ringing=lambda: clock.advance(minutes=2)
        )
        await settle(w)
        rang = datetime(2026, 11, 24, 19, 59, tzinfo=UTC)
        assert await phone_attempts(w, reference) == [(rang, AttemptOutcome.NO_ANSWER)]
        state = follow_up(await w.case(reference), w.jourbot.settings.partnership)
        assert state.evening_attempt


async def test_three_calls_one_in_the_evening_satisfy_the_rule_without_typing(
    settings: Settings, clock: FakeClock
) -> None:
    """Two daytime calls (confirmed: the seeker said evenings) and one evening call, none
    answered: the case is "not reached, rule satisfied" and the volunteer is told to close."""
    clock.moment = AFTERNOON
    async with a_case_to_call(settings, clock) as (w, volunteer, reference, network):
        for moment in (AFTERNOON, AFTERNOON.replace(hour=14), EVENING):
            clock.moment = moment
            answer = await call(w, volunteer, reference)
            if moment is not EVENING:
                assert "Call anyway?" in answer
                await w.press(volunteer, "Call anyway")
            await network.play(w.twilio.calls[-1], "no-answer")
            await settle(w)
        assert len(await phone_attempts(w, reference)) == 3
        case = await w.case(reference)
        partnership = w.jourbot.settings.partnership
        later = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
        due = due_reminders(case, frozenset(), later, partnership)
        assert [d.rule for d in due] == [Rule.NOT_REACHED]
        await w.jourbot.reminders.sweep(later)
        await settle(w)
        assert w.last(VOLUNTEER).startswith(f"{reference}: three attempts at different times")


async def test_a_reached_call_stops_the_reminders(settings: Settings, clock: FakeClock) -> None:
    clock.moment = EVENING
    async with a_case_to_call(settings, clock) as (w, volunteer, reference, network):
        await call(w, volunteer, reference)
        played = await network.play(w.twilio.calls[-1], "human", seconds=420)
        await settle(w)
        assert played.screened and not played.hung_up_on_seeker  # a person: bridged
        case = await w.case(reference)
        assert case.status is CaseStatus.IN_CONTACT
        assert await phone_attempts(w, reference) == [(EVENING, AttemptOutcome.REACHED)]
        assert "Reached" in w.last(VOLUNTEER) and "7 min" in w.last(VOLUNTEER)
        days_later = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # past the deadline
        assert due_reminders(case, frozenset(), days_later, w.jourbot.settings.partnership) == []
        assert await w.rows("SELECT seconds, outcome FROM calls") == [(420, "reached")]


async def test_a_forged_callback_is_refused_and_changes_nothing(
    settings: Settings, clock: FakeClock
) -> None:
    clock.moment = EVENING
    async with a_case_to_call(settings, clock) as (w, volunteer, reference, network):
        await call(w, volunteer, reference)
        placed = w.twilio.calls[-1]
        connect = {"AccountSid": "AC0", "CallSid": placed.sid, "CallStatus": "in-progress"}
        assert (await network.post(placed.url, connect, signed=False)).status_code == 403
        dialed = placed.url.replace("/connect", "/dialed")
        forged = {"CallSid": placed.sid, "DialCallStatus": "completed", "DialCallDuration": "600"}
        assert (await network.post(dialed, forged, signed=False)).status_code == 403
        other = VoiceNetwork(w.client, token="not-our-auth-token-0123456789abcd")
        assert (await other.post(dialed, forged)).status_code == 403
        # Signed, but for another call's URL: the signature covers the URL, call id included.
        moved = dialed.replace("call=1", "call=2")
        headers = {"X-Twilio-Signature": sign(dialed, forged)}
        assert (await w.client.post(moved, data=forged, headers=headers)).status_code == 403
        await settle(w)
        assert await phone_attempts(w, reference) == []
        assert (await w.case(reference)).status is CaseStatus.ASSIGNED
        assert await w.rows("SELECT state FROM calls") == [("ringing_staff",)]


async def test_a_repeated_or_late_callback_changes_nothing(
    settings: Settings, clock: FakeClock
) -> None:
    clock.moment = EVENING
    async with a_case_to_call(settings, clock) as (w, volunteer, reference, network):
        await call(w, volunteer, reference)
        placed = w.twilio.calls[-1]
        played = await network.play(placed, "no-answer")
        assert played.dial is not None
        again = {"CallSid": placed.sid, "DialCallStatus": "completed", "DialCallDuration": "300"}
        assert (await network.post(played.dial.get("action", ""), again)).status_code == 200
        assert (await network.status(placed, "completed", 400)).status_code == 204
        assert (await network.post(placed.url, {"CallSid": placed.sid})).text.count("<Dial") == 0
        await settle(w)
        assert await phone_attempts(w, reference) == [(EVENING, AttemptOutcome.NO_ANSWER)]
        assert await w.rows("SELECT count(*), seconds FROM calls") == [(1, 0)]


async def test_a_call_outside_the_safe_time_waits_for_confirmation(
    settings: Settings, clock: FakeClock
) -> None:
    clock.moment = AFTERNOON
    async with a_case_to_call(settings, clock) as (w, volunteer, reference, _):
        answer = await call(w, volunteer, reference)
        assert answer == (
            f"The seeker of {reference} said it is safe to call in the evening. A call now "
            "may be answered by someone else. Call anyway?"
        )
        assert w.twilio.calls == []  # nothing rang
        await w.press(volunteer, "Not now")
        assert w.twilio.calls == []
        await call(w, volunteer, reference)
        await w.press(volunteer, "Call anyway")
        assert "rings now" in w.last(VOLUNTEER)
        assert len(w.twilio.calls) == 1
        assert ("call_outside_safe_time", "") in await w.events(reference)


async def test_a_machine_is_hung_up_on_when_a_voicemail_is_not_safe(
    settings: Settings, clock: FakeClock
) -> None:
    clock.moment = EVENING
    async with a_case_to_call(settings, clock) as (w, volunteer, reference, network):
        await call(w, volunteer, reference)
        played = await network.play(w.twilio.calls[-1], "machine", seconds=2)
        await settle(w)
        assert played.number is not None
        assert played.number.get("machineDetection") == "Enable"
        assert played.screened and played.hung_up_on_seeker  # before anything is heard
        for twiml in played.twiml:  # nothing said, played, recorded or left
            assert not re.search(r"<(Say|Play|Record|Gather|Transcription)\b", twiml), twiml
        assert await phone_attempts(w, reference) == [(EVENING, AttemptOutcome.VOICEMAIL)]
        assert (await w.case(reference)).status is CaseStatus.ASSIGNED  # not reached


async def test_no_machine_detection_where_a_voicemail_is_safe(
    settings: Settings, clock: FakeClock
) -> None:
    clock.moment = EVENING
    async with a_case_to_call(settings, clock) as (w, volunteer, reference, network):
        await set_voicemail_ok(w, reference)
        await call(w, volunteer, reference)
        played = await network.play(w.twilio.calls[-1], "human", seconds=60)
        assert played.number is not None and played.number.get("machineDetection") is None
        assert not played.screened


async def set_voicemail_ok(w: World, reference: str) -> None:
    """As if the seeker had said a voicemail naming us is safe."""
    async with aiosqlite.connect(w.jourbot.settings.db_path) as db:
        await db.execute(
            "UPDATE case_contacts SET voicemail_ok = 1 WHERE case_id = "
            "(SELECT id FROM cases WHERE reference = ?)",
            (reference,),
        )
        await db.commit()


async def test_the_volunteer_not_answering_logs_nothing(
    settings: Settings, clock: FakeClock
) -> None:
    clock.moment = EVENING
    async with a_case_to_call(settings, clock) as (w, volunteer, reference, network):
        await call(w, volunteer, reference)
        await network.play(w.twilio.calls[-1], "human", volunteer_answers=False)
        await settle(w)
        assert await phone_attempts(w, reference) == []
        assert w.last(VOLUNTEER).startswith(f"You did not answer the call for {reference}")
        assert await w.rows("SELECT state FROM calls") == [("missed",)]
        assert "rings now" in await call(w, volunteer, reference)  # the case can be called again


async def test_the_volunteer_puts_the_outcome_right(settings: Settings, clock: FakeClock) -> None:
    clock.moment = EVENING
    async with a_case_to_call(settings, clock) as (w, volunteer, reference, network):
        await call(w, volunteer, reference)
        await network.play(w.twilio.calls[-1], "human", seconds=45)
        await settle(w)
        assert (await w.case(reference)).status is CaseStatus.IN_CONTACT
        await w.press(volunteer, "Voicemail")  # it was a voicemail after all
        assert w.last(VOLUNTEER) == f"The call for {reference} is now logged as: Voicemail."
        assert await phone_attempts(w, reference) == [(EVENING, AttemptOutcome.VOICEMAIL)]
        assert (await w.case(reference)).status is CaseStatus.ASSIGNED
        assert ("call_corrected", "voicemail") in await w.events(reference)


async def test_the_daily_cap_and_one_call_at_a_time(settings: Settings, clock: FakeClock) -> None:
    clock.moment = EVENING
    async with a_case_to_call(settings, clock, per_day=1) as (w, volunteer, reference, network):
        await call(w, volunteer, reference)
        assert (await call(w, volunteer, reference)) == f"A call for {reference} is already on."
        await network.play(w.twilio.calls[-1], "no-answer")
        await settle(w)
        assert "placed all its calls for today" in await call(w, volunteer, reference)
        assert len(w.twilio.calls) == 1
        clock.moment = datetime(2026, 11, 25, 17, 30, tzinfo=UTC)  # the next evening
        assert "rings now" in await call(w, volunteer, reference)


async def test_without_voice_everything_works_as_before(
    settings: Settings, clock: FakeClock
) -> None:
    clock.moment = EVENING
    async with a_case_to_call(settings, clock, voice=False) as (w, volunteer, reference, _):
        assert "not set up for your organisation" in await call(w, volunteer, reference)
        await w.telegram(volunteer.message(f"/case {reference}"))
        labels = [label for label, _ in w.api.buttons(VOLUNTEER)]
        assert "Call through the service" not in labels and "Log attempt" in labels
        assert "call" not in menu_of(w, VOLUNTEER) and "attempt" in menu_of(w, VOLUNTEER)
        response = await w.client.post("/twilio/voice/dialed?call=1", data={"CallSid": "CA1"})
        assert response.status_code == 404
        assert w.twilio.calls == []


async def test_the_case_view_offers_the_call(settings: Settings, clock: FakeClock) -> None:
    clock.moment = EVENING
    async with a_case_to_call(settings, clock) as (w, volunteer, reference, _):
        await w.telegram(volunteer.message(f"/case {reference}"))
        await w.press(volunteer, "Call through the service")
        assert "rings now" in w.last(VOLUNTEER)
        assert "call" in menu_of(w, VOLUNTEER)
        assert len(w.twilio.calls) == 1


async def test_neither_number_in_any_message_or_log_line(
    settings: Settings, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    configure_logging(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    clock.moment = EVENING
    async with a_case_to_call(settings, clock) as (w, volunteer, reference, network):
        await call(w, volunteer, reference)
        await network.play(w.twilio.calls[-1], "machine", seconds=2)
        await call(w, volunteer, reference)
        await network.play(w.twilio.calls[-1], "human", seconds=90)
        await settle(w)
        await w.press(volunteer, "Declined support")
        await settle(w)
        to_seeker = " ".join(str(m["text"]) for m in w.api.sent(SEEKER_CHAT))
        to_staff = " ".join(
            str(m["text"]) for chat in (VOLUNTEER, COORDINATOR) for m in w.api.sent(chat)
        )
        logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
        # The seeker's own summary shows them their number, and nobody else's; staff never
        # read the seeker's, and the volunteer's own only masked; the logs hold neither.
        where = {
            VOLUNTEER_PHONE: (to_seeker, to_staff, logged),
            SEEKER_PHONE: (to_staff, logged),
        }
        for phone, texts in where.items():
            for text in texts:
                for shape in (phone, phone[1:], "0" + phone[3:]):
                    assert shape not in text
                    assert shape not in re.sub(r"\D", "", text)
        assert re.search("•+77", to_staff)  # the volunteer sees their own, masked
        assert "call.logged" in logged and reference in logged


async def test_the_volunteer_hanging_up_while_it_rings_is_an_unanswered_attempt(
    settings: Settings, clock: FakeClock
) -> None:
    """No <Dial action> ever comes when the volunteer hangs up first: the end of their leg
    logs the attempt (the seeker's phone did ring)."""
    clock.moment = EVENING
    async with a_case_to_call(settings, clock) as (w, volunteer, reference, network):
        await call(w, volunteer, reference)
        placed = w.twilio.calls[-1]
        answer = await network.post(
            placed.url, {"CallSid": placed.sid, "CallStatus": "in-progress"}
        )
        assert "<Dial" in answer.text
        assert (await network.status(placed, "completed", 12)).status_code == 204
        await settle(w)
        assert await phone_attempts(w, reference) == [(EVENING, AttemptOutcome.NO_ANSWER)]


async def test_a_call_twilio_refuses_rings_nothing_and_costs_nothing(
    settings: Settings, clock: FakeClock
) -> None:
    clock.moment = EVENING
    async with a_case_to_call(settings, clock, per_day=1) as (w, volunteer, reference, _):
        w.twilio.errors[VOLUNTEER_PHONE] = (400, 21215)  # e.g. a number the account may not call
        assert "could not be placed" in await call(w, volunteer, reference)
        assert await w.rows("SELECT state, call_sid FROM calls") == [("failed", None)]
        del w.twilio.errors[VOLUNTEER_PHONE]
        assert "rings now" in await call(w, volunteer, reference)  # the cap was not used up
        assert await phone_attempts(w, reference) == []


async def test_a_case_closed_before_the_volunteer_answers_is_not_called(
    settings: Settings, clock: FakeClock
) -> None:
    clock.moment = EVENING
    async with a_case_to_call(settings, clock) as (w, volunteer, reference, network):
        await call(w, volunteer, reference)
        await w.telegram(volunteer.message(f"/close {reference}"))
        await w.press(volunteer, "Supported")
        played = await network.play(w.twilio.calls[-1], "human", seconds=60)
        await settle(w)
        assert played.dial is None and "<Hangup" in played.twiml[0]  # the seeker never rang
        assert await phone_attempts(w, reference) == []
        assert w.last(VOLUNTEER).startswith(f"The seeker of {reference} was not called")
