"""StaffService on the in-memory units: joining, cases, the relay and moves, through the ports."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest

from bot.channels.render import SLASH_COMMANDS, render
from bot.domain import staff_notices as notices
from bot.domain import staff_views as views
from bot.domain import transfer_views as moves
from bot.domain.cases import (
    Attempt,
    AttemptChannel,
    AttemptOutcome,
    CaseMessage,
    CaseSource,
    CaseStatus,
    CloseReason,
    StaffRole,
    TransferReason,
)
from bot.domain.dialogue import Choice, Line, Reply, Text, Translatable
from bot.domain.model import Channel, ContactMethod, Partnership
from bot.domain.safety_warnings import contact_warnings
from bot.domain.staff_notices import SEEKER_WROTE, StaffSettings
from bot.i18n import Catalogs
from bot.services.invite_codes import hash_code
from bot.services.staff_invites import TOO_MANY_GUESSES
from bot.services.staff_relay import RELAYED_IN_WINDOW
from tests.conftest import FakeClock
from tests.contract.builders import answers
from tests.memory_units import MemoryOutbox, MemoryUnits
from tests.services.staff_world import (
    COORDINATOR_CHAT,
    DESK_URL,
    OTHER_ORG,
    SEEKER_CHAT,
    VOLUNTEER_CHAT,
    YOUNG_ORG,
    StaffWorld,
    listed,
    sections,
    staff_world,
    to_chat,
)

NOT_VALID = "That code is not valid, already used, or expired."
CANNOT_TAKE = "That person cannot take cases"
EARLIER_TODAY_ONLY = "An attempt can be logged for earlier today only."
FROM_SUPPORT = "Message from your support person ({reference}):"
FROM_SEEKER = "Message from the seeker in {reference}:"


@pytest.fixture
async def world(units: MemoryUnits, clock: FakeClock, partnership: Partnership) -> StaffWorld:
    return await staff_world(units, clock, partnership)


@pytest.fixture
async def detailed(units: MemoryUnits, clock: FakeClock, partnership: Partnership) -> StaffWorld:
    """Staff chats get the seeker's details (`[staff] telegram_details = true`)."""
    return await staff_world(units, clock, partnership, details=True)


def protected(reply: Reply) -> Reply:
    """*reply* as queued for a staff chat: not to be forwarded or saved."""
    return replace(reply, protected=True)


async def broken_outbox(*_: object, **__: object) -> int:
    """An outbox that cannot take a message: whatever was to go with it must not hold."""
    raise RuntimeError("outbox unavailable")


def to_seeker(reference: str, text: str) -> Reply:
    """The message a seeker gets from their support person."""
    return Reply(FROM_SUPPORT, {"reference": reference}, lines=(Line("{body}", {"body": text}),))


# -- joining ------------------------------------------------------------------------------


async def test_an_invite_code_works_once(world: StaffWorld) -> None:
    """The first to join with a code becomes staff of its organisation; the next is refused."""
    invite = await world.service.create_invite(OTHER_ORG, StaffRole.VOLUNTEER)
    welcome = await world.service.join(4242, "Nils", "sv", invite.code.lower())  # typed loosely
    assert welcome is not None and welcome.text.startswith("Welcome.")
    assert "basic training" in welcome.text  # a volunteer waits for training first
    joined = await world.service.identify(4242)
    assert joined is not None
    assert (joined.org_id, joined.role, joined.name, joined.locale, joined.trained_on) == (
        OTHER_ORG, StaffRole.VOLUNTEER, "Nils", "sv", None,
    )  # fmt: skip
    again = await world.service.join(4343, "Olle", "sv", invite.code)
    assert again == Reply(NOT_VALID)
    assert await world.service.identify(4343) is None
    assert await world.service.join(4242, "Nils", "sv", invite.code) == Reply(
        "You are already registered."
    )


async def test_only_a_hash_of_the_code_is_kept(world: StaffWorld) -> None:
    """The invite is stored under its hash: the code itself opens nothing in the store."""
    invite = await world.service.create_invite(OTHER_ORG, StaffRole.COORDINATOR)
    async with world.units.begin() as unit:
        assert await unit.staff.take_invite(invite.code, world.clock.now()) is None
    async with world.units.begin() as unit:
        taken = await unit.staff.take_invite(hash_code(invite.code), world.clock.now())
    assert taken == (OTHER_ORG, StaffRole.COORDINATOR)


async def test_an_invite_code_expires(world: StaffWorld, clock: FakeClock) -> None:
    """A code made for an hour works until the last second before the hour, not at it."""
    early = await world.service.create_invite(OTHER_ORG, StaffRole.VOLUNTEER, hours=1)
    late = await world.service.create_invite(OTHER_ORG, StaffRole.VOLUNTEER, hours=1)
    clock.advance(minutes=59, seconds=59)
    assert await world.service.join(4242, "Nils", "sv", early.code) != Reply(NOT_VALID)
    clock.advance(seconds=1)
    assert await world.service.join(4343, "Olle", "sv", late.code) == Reply(NOT_VALID)
    assert await world.service.identify(4242) is not None
    assert await world.service.identify(4343) is None


async def test_bad_invite_hours_and_organisations_are_refused(world: StaffWorld) -> None:
    """No code is made that is already expired, lives past a month, or names no partner."""
    for hours in (0, -5, 24 * 30 + 1):
        with pytest.raises(ValueError, match="valid for 1 to"):
            await world.service.create_invite(OTHER_ORG, StaffRole.VOLUNTEER, hours=hours)
    with pytest.raises(KeyError):
        await world.service.create_invite("nowhere", StaffRole.VOLUNTEER)


async def test_five_wrong_codes_lock_the_account_out_for_an_hour(
    world: StaffWorld, clock: FakeClock
) -> None:
    """Four refusals, then the lockout once, then silence even for a right code; not others."""
    first = await world.service.create_invite(OTHER_ORG, StaffRole.VOLUNTEER)
    answers_to_guesses = [
        await world.service.join(4242, "Nils", "sv", f"AAAA-AAA{n}") for n in range(5)
    ]
    assert answers_to_guesses == [Reply(NOT_VALID)] * 4 + [TOO_MANY_GUESSES]
    assert await world.service.join(4242, "Nils", "sv", first.code) is None
    assert await world.service.join(4242, "Nils", "sv", "BBBB-BBBB") is None
    assert await world.service.identify(4242) is None
    # The lockout holds the guesser alone: the code they could not use still works.
    assert await world.service.join(4343, "Olle", "sv", first.code) != Reply(NOT_VALID)
    assert await world.service.identify(4343) is not None
    clock.advance(hours=1)
    second = await world.service.create_invite(OTHER_ORG, StaffRole.VOLUNTEER)
    assert await world.service.join(4242, "Nils", "sv", second.code) is not None
    assert await world.service.identify(4242) is not None


async def test_a_coordinator_invites_to_their_own_organisation(world: StaffWorld) -> None:
    """/invite gives a code for the coordinator's organisation; others are refused."""
    answer = await world.service.invite(world.coordinator, StaffRole.COORDINATOR)
    code = answer.params["code"]
    assert isinstance(code, str)
    welcome = await world.service.join(4242, "Nils", "sv", code)
    assert welcome is not None and "basic training" not in welcome.text
    joined = await world.service.identify(4242)
    assert joined is not None
    assert (joined.org_id, joined.role) == (world.coordinator.org_id, StaffRole.COORDINATOR)
    assert await world.service.invite(world.volunteer, StaffRole.VOLUNTEER) == (
        views.FOR_COORDINATORS
    )
    assert await world.service.invite(None, StaffRole.VOLUNTEER) == views.NOT_STAFF


# -- who is staff -------------------------------------------------------------------------


async def test_staff_are_recognised_in_their_own_chat_only(world: StaffWorld) -> None:
    """The screen knows a staff member by their Telegram chat, on Telegram and nowhere else."""
    async with world.units.begin() as unit:
        at = world.service.staff_at
        assert await at(unit, Channel.TELEGRAM, str(VOLUNTEER_CHAT)) == world.volunteer
        assert await at(unit, Channel.TELEGRAM, str(COORDINATOR_CHAT)) == world.coordinator
        assert await at(unit, Channel.SMS, str(VOLUNTEER_CHAT)) is None
        assert await at(unit, Channel.TELEGRAM, "4242") is None
        assert await at(unit, Channel.TELEGRAM, "+46701234567") is None


async def test_staff_writing_to_the_bot_are_never_taken_for_a_seeker(world: StaffWorld) -> None:
    """A staff member writing in their own chat is handed to the staff side; no seeker is made."""
    answer = await world.intake.handle(Channel.TELEGRAM, str(VOLUNTEER_CHAT), Text("hej"))
    assert (answer.staff, answer.replies) == (world.volunteer, [])
    async with world.units.begin() as unit:
        assert await unit.intake.find_seeker(Channel.TELEGRAM, str(VOLUNTEER_CHAT)) is None


# -- seeing cases -------------------------------------------------------------------------


async def test_a_coordinator_sees_unassigned_overdue_and_open_cases(
    world: StaffWorld, clock: FakeClock
) -> None:
    """Oldest first; an overdue case shows twice; closed cases and other partners' do not."""
    late = await world.add_case(received_at=clock.now() - timedelta(days=4))
    fresh = await world.add_case()
    taken = await world.add_case()
    closed = await world.add_case()
    elsewhere = await world.add_case(OTHER_ORG)
    async with world.units.begin() as unit:
        await unit.cases.assign(taken.id, world.volunteer.id)
        await unit.cases.close(closed.id, CloseReason.SUPPORTED, clock.now())
    cases = await world.service.org_cases(world.coordinator)
    assert list(sections(cases).values()) == [
        [late.reference, fresh.reference], [late.reference], [taken.reference],
    ]  # fmt: skip
    assert listed(cases) == [late.reference, fresh.reference, taken.reference]
    assert elsewhere.reference not in str(cases)
    assert await world.service.org_cases(world.volunteer) == views.FOR_COORDINATORS
    assert await world.service.org_cases(None) == views.NOT_STAFF
    resigned = replace(world.coordinator, active=False)
    assert await world.service.org_cases(resigned) == views.REFUSED


async def test_a_volunteer_sees_their_own_open_cases(world: StaffWorld, clock: FakeClock) -> None:
    """Assigned and in-contact cases are listed; closed ones and colleagues' are not."""
    assert await world.service.my_cases(world.volunteer) == Reply("You have no open cases.")
    colleague = await world.add_staff(4242, name="Ville")
    mine, talking, done, theirs = [await world.add_case() for _ in range(4)]
    async with world.units.begin() as unit:
        for case in (mine, talking, done):
            await unit.cases.assign(case.id, world.volunteer.id)
        await unit.cases.assign(theirs.id, colleague.id)
        await unit.cases.mark_in_contact(talking.id)
        await unit.cases.close(done.id, CloseReason.SUPPORTED, clock.now())
    assert listed(await world.service.my_cases(world.volunteer)) == [
        mine.reference,
        talking.reference,
    ]
    assert listed(await world.service.my_cases(colleague)) == [theirs.reference]
    assert await world.service.my_cases(None) == views.NOT_STAFF


# -- assigning ----------------------------------------------------------------------------


async def test_assigning_tells_the_volunteer_in_the_same_unit_of_work(world: StaffWorld) -> None:
    """The case, its event and the volunteer's notice are stored together; then one wake."""
    case = await world.add_case()
    answer = await world.service.assign(world.coordinator, case.reference, world.volunteer.id)
    assert answer == Reply(
        "{reference} is now with {name}.", {"reference": case.reference, "name": "Vera"}
    )
    stored = await world.case(case.reference)
    assert (stored.status, stored.volunteer_id) == (CaseStatus.ASSIGNED, world.volunteer.id)
    (event,) = await world.trail(case.reference)
    assert (event.kind, event.staff_id, event.detail) == (
        "assigned", world.coordinator.id, str(world.volunteer.id),
    )  # fmt: skip
    assert (await world.pending(), world.wakes.count) == (1, 1)
    (notice,) = await world.deliver()
    assert (notice.channel, notice.address) == (Channel.TELEGRAM, str(VOLUNTEER_CHAT))
    (reply,) = notice.replies
    assert reply.text == "You have a new case: {reference}"
    assert reply.params["reference"] == case.reference
    assert "+46701234567" not in str(reply)  # the notice never carries contact details


async def test_an_assignment_whose_notice_cannot_be_queued_does_not_hold(
    world: StaffWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Notice and assignment are one unit of work: without the notice the case stays new."""
    case = await world.add_case()
    monkeypatch.setattr(MemoryOutbox, "add", broken_outbox)
    with pytest.raises(RuntimeError, match="outbox unavailable"):
        await world.service.assign(world.coordinator, case.reference, world.volunteer.id)
    stored = await world.case(case.reference)
    assert (stored.status, stored.volunteer_id) == (CaseStatus.NEW, None)
    assert await world.events(case.reference) == []
    assert world.wakes.count == 0


async def test_reassigning_is_recorded_as_such(world: StaffWorld) -> None:
    """A case given to a second volunteer says so in its trail; the first was told it was
    hers, the second that it is his, then the first that it left her (its reference only)."""
    colleague = await world.add_staff(4242, name="Ville")
    case = await world.add_case()
    await world.service.assign(world.coordinator, case.reference, world.volunteer.id)
    await world.service.assign(world.coordinator, case.reference, colleague.id)
    assert await world.events(case.reference) == [
        ("assigned", str(world.volunteer.id)),
        ("reassigned", str(colleague.id)),
    ]
    assert (await world.case(case.reference)).volunteer_id == colleague.id
    delivered = await world.deliver()
    assert [m.address for m in delivered] == [str(VOLUNTEER_CHAT), "4242", str(VOLUNTEER_CHAT)]
    assert delivered[-1].replies[0].params == {"reference": case.reference}


async def test_only_a_trained_active_volunteer_of_the_organisation_is_assigned(
    world: StaffWorld,
) -> None:
    """Untrained, inactive, another partner's, a coordinator, or nobody: refused, nothing kept."""
    case = await world.add_case()
    untrained = await world.add_staff(4001, trained=False)
    inactive = await world.add_staff(4002, active=False)
    elsewhere = await world.add_staff(4003, org_id=OTHER_ORG)
    for candidate in (untrained.id, inactive.id, elsewhere.id, world.coordinator.id, 999):
        answer = await world.service.assign(world.coordinator, case.reference, candidate)
        assert answer.text.startswith(CANNOT_TAKE), candidate
    stored = await world.case(case.reference)
    assert (stored.status, stored.volunteer_id) == (CaseStatus.NEW, None)
    assert await world.events(case.reference) == []
    assert (await world.pending(), world.wakes.count) == (0, 0)
    menu = await world.service.assign_menu(world.coordinator, case.reference)
    assert [c.value for c in menu.choices] == [f"to:{case.reference}:{world.volunteer.id}"]


async def test_only_the_organisations_coordinators_assign(world: StaffWorld) -> None:
    """A volunteer, another partner's coordinator, or anyone on a closed case is refused."""
    case = await world.add_case()
    stranger = await world.add_staff(4242, role=StaffRole.COORDINATOR, org_id=OTHER_ORG)
    vera = world.volunteer.id
    for actor, refusal in ((world.volunteer, views.FOR_COORDINATORS), (stranger, views.REFUSED)):
        assert await world.service.assign(actor, case.reference, vera) == refusal
        assert await world.service.assign_menu(actor, case.reference) == refusal
    assert await world.service.assign(None, case.reference, vera) == views.NOT_STAFF
    await world.service.close(world.coordinator, case.reference, CloseReason.DECLINED)
    assert await world.service.assign(world.coordinator, case.reference, vera) == views.REFUSED
    assert (await world.case(case.reference)).volunteer_id is None


# -- attempts and closing -----------------------------------------------------------------


async def test_an_attempt_is_asked_for_step_by_step_then_recorded(
    world: StaffWorld, clock: FakeClock
) -> None:
    """How, how it went, when: then the attempt and its event are stored, by whom and when."""
    case = await world.add_case(received_at=clock.now() - timedelta(hours=2))
    await world.service.assign(world.coordinator, case.reference, world.volunteer.id)
    step = world.service.attempt_step
    ref, me, phone, no_answer = (
        case.reference, world.volunteer, AttemptChannel.PHONE, AttemptOutcome.NO_ANSWER,
    )  # fmt: skip
    stored = await world.case(ref)
    warned = contact_warnings(stored)  # the seeker's voicemail and SMS answers, as warnings
    assert warned  # the case of this world said an SMS naming us is not safe
    assert await step(me, ref) == views.attempt_channels(ref, warnings=warned)
    assert await step(me, ref, phone) == views.attempt_outcomes(ref, phone, warnings=warned)
    times = await step(me, ref, phone, no_answer)
    assert times.text.startswith("{reference}: when?")
    assert [c.params["minutes"] for c in times.choices] == [0, 30, 60, 120, 180, 240]
    assert (await world.case(ref)).attempts == ()  # nothing is stored while asking
    at = clock.now() - timedelta(minutes=30)
    assert await step(me, ref, phone, no_answer, 30) == views.attempt_logged(ref, at, no_answer)
    assert (await world.case(ref)).attempts == (Attempt(at, phone, no_answer, me.id),)
    assert (await world.trail(ref))[-1].kind == "attempt"
    assert (await world.events(ref))[-1] == ("attempt", "phone:no_answer")
    assert (await world.trail(ref))[-1].staff_id == me.id
    assert (await world.case(ref)).status is CaseStatus.ASSIGNED


async def test_reaching_the_seeker_puts_the_case_in_contact(world: StaffWorld) -> None:
    """A reached attempt (logged at a local clock time today) means first contact is made."""
    case = await world.add_case(received_at=world.clock.now() - timedelta(hours=6))
    await world.service.assign(world.coordinator, case.reference, world.volunteer.id)
    answer = await world.service.log_attempt_today(
        world.volunteer, case.reference, AttemptChannel.PHONE, AttemptOutcome.REACHED, time(9, 15)
    )
    at = datetime(2026, 11, 24, 8, 15, tzinfo=UTC)  # 09:15 in Stockholm (CET)
    assert answer == views.attempt_logged(case.reference, at, AttemptOutcome.REACHED)
    stored = await world.case(case.reference)
    assert (stored.status, [a.at for a in stored.attempts]) == (CaseStatus.IN_CONTACT, [at])


async def test_an_attempt_on_another_day_is_refused(world: StaffWorld, clock: FakeClock) -> None:
    """Yesterday (Stockholm time) or later than now: refused, nothing recorded."""
    case = await world.add_case()
    await world.service.assign(world.coordinator, case.reference, world.volunteer.id)
    # It is 14:00 in Stockholm: 14 h 01 min ago was yesterday, 23:59.
    for minutes in (14 * 60 + 1, 24 * 60):
        answer = await world.service.attempt_step(
            world.volunteer, case.reference, AttemptChannel.SMS, AttemptOutcome.NO_ANSWER, minutes
        )
        assert answer == Reply(EARLIER_TODAY_ONLY)
    future = clock.now() + timedelta(minutes=1)
    answer = await world.service.log_attempt(
        world.volunteer, case.reference, AttemptChannel.SMS, AttemptOutcome.NO_ANSWER, future
    )
    assert answer == Reply(EARLIER_TODAY_ONLY)
    stored = await world.case(case.reference)
    assert stored.attempts == ()
    assert await world.events(case.reference) == [("assigned", str(world.volunteer.id))]


async def test_the_day_of_an_attempt_is_stockholms(world: StaffWorld, clock: FakeClock) -> None:
    """Just after local midnight is today though UTC says yesterday, and the other way round."""
    case = await world.add_case(received_at=clock.now() - timedelta(days=1))
    await world.service.assign(world.coordinator, case.reference, world.volunteer.id)
    ref, how, outcome = case.reference, AttemptChannel.PHONE, AttemptOutcome.NO_ANSWER
    # 14:00 in Stockholm; 00:30 there was 23:30 UTC the day before.
    logged = await world.service.attempt_step(world.volunteer, ref, how, outcome, 13 * 60 + 30)
    assert logged.text.startswith("Logged for {reference}")
    # 00:30 in Stockholm on Wednesday; 23:45 on Tuesday there was 22:45 UTC, the same UTC day.
    clock.moment = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)
    refused = await world.service.attempt_step(world.volunteer, ref, how, outcome, 45)
    assert refused == Reply(EARLIER_TODAY_ONLY)
    assert [a.at for a in (await world.case(ref)).attempts] == [
        datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    ]


async def test_attempts_are_logged_on_ones_own_cases_only(world: StaffWorld) -> None:
    """A colleague's case, a stranger's, or someone not staff: refused without a trace."""
    case = await world.add_case()
    await world.service.assign(world.coordinator, case.reference, world.volunteer.id)
    colleague = await world.add_staff(4242, name="Ville")
    for actor, refusal in ((colleague, views.REFUSED), (None, views.NOT_STAFF)):
        assert await world.service.attempt_step(actor, case.reference) == refusal
        answer = await world.service.log_attempt(
            actor, case.reference, AttemptChannel.PHONE, AttemptOutcome.REACHED, world.clock.now()
        )
        assert answer == refusal
    assert await world.service.attempt_step(world.volunteer, "NOT-THERE") == views.REFUSED
    assert (await world.case(case.reference)).attempts == ()


@pytest.mark.parametrize("reason", list(CloseReason))
async def test_closing_asks_for_a_reason_then_keeps_it(
    world: StaffWorld, clock: FakeClock, reason: CloseReason
) -> None:
    """A close without a reason only asks; with one the case closes and says why, everywhere."""
    case = await world.add_case()
    await world.service.assign(world.coordinator, case.reference, world.volunteer.id)
    asked = await world.service.close(world.volunteer, case.reference)
    assert asked == views.close_reasons(case.reference)
    assert [c.value for c in asked.choices] == [f"close:{case.reference}:{r}" for r in CloseReason]
    assert (await world.case(case.reference)).status is CaseStatus.ASSIGNED
    closed = await world.service.close(world.volunteer, case.reference, reason)
    assert closed.text == "{reference} is closed: {reason}."
    assert closed.params["reason"] == Translatable((views.CLOSE_REASON[reason],))
    assert (await world.case(case.reference)).status is CaseStatus.CLOSED
    assert (await world.events(case.reference))[-1] == ("closed", str(reason))
    async with world.units.begin() as unit:
        (facts,) = await unit.stats.cases(
            case.org_id, case.received_at, case.received_at + timedelta(seconds=1)
        )
    assert facts.close_reason == str(reason)
    # Closed is done with: no second close, no attempt, no message; still there to read.
    assert await world.service.close(world.volunteer, case.reference, reason) == views.REFUSED
    assert await world.service.attempt_step(world.volunteer, case.reference) == views.REFUSED
    assert await world.service.start_reply(world.volunteer, case.reference) == views.REFUSED
    view = await world.service.open_case(world.volunteer, case.reference)
    assert view.text == "Case {reference} · {status}" and view.choices == ()


# -- a case in full -----------------------------------------------------------------------


async def test_a_case_shows_its_history(
    detailed: StaffWorld, clock: FakeClock, catalogs: Catalogs
) -> None:
    """Who assigned it, tried, wrote, heard back and closed it, in order, by name."""
    world = detailed
    case, _ = await world.intake_case()
    ref = case.reference
    await world.service.assign(world.coordinator, ref, world.volunteer.id)
    clock.advance(minutes=5)
    await world.service.attempt_step(
        world.volunteer, ref, AttemptChannel.PHONE, AttemptOutcome.NO_ANSWER, 0
    )
    await world.service.relay(world.volunteer, ref, "Hej! Jag ringer i kväll.")
    clock.advance(minutes=5)
    await world.intake.handle(Channel.TELEGRAM, SEEKER_CHAT, Text("Tack, det passar."))
    await world.service.close(world.volunteer, ref, CloseReason.SUPPORTED)

    view = await world.service.open_case(world.coordinator, ref)
    shown = render(view, catalogs.translator("en"), SLASH_COMMANDS).text
    history = shown.split("History:\n")[1].splitlines()
    assert [re.sub(r"^.*?[AP]M ", "", line) for line in history] == [
        "received (the bot)",
        "Cora assigned it to Vera",
        "Vera logged an attempt: Phone, No answer",
        "Vera wrote to the seeker",
        "the seeker answered",
        "Vera closed it: Supported",
    ]
    assert "Hej! Jag ringer i kväll." in shown and "Tack, det passar." in shown
    assert "Volunteer: Vera" in shown
    assert "Phone: +46701234567" in shown  # they asked to be called


async def test_a_case_is_shown_only_to_those_who_may_see_it(world: StaffWorld) -> None:
    """Another partner's coordinator, a colleague, or no one: the same refusal as no case."""
    case = await world.add_case()
    await world.service.assign(world.coordinator, case.reference, world.volunteer.id)
    colleague = await world.add_staff(4242, name="Ville")
    stranger = await world.add_staff(4343, role=StaffRole.COORDINATOR, org_id=OTHER_ORG)
    for actor in (colleague, stranger):
        assert await world.service.open_case(actor, case.reference) == views.REFUSED
    assert await world.service.open_case(world.volunteer, "NOT-THERE") == views.REFUSED
    assert await world.service.open_case(None, case.reference) == views.NOT_STAFF
    assert (await world.service.open_case(world.volunteer, case.reference)).params[
        "reference"
    ] == case.reference


async def test_the_number_shows_only_to_be_called_on(
    detailed: StaffWorld, catalogs: Catalogs
) -> None:
    """A seeker who chose the chat gave no number to call: the view keeps it back."""
    world = detailed
    chat_only = await world.add_case(told=replace(answers(), contact=ContactMethod.CHAT))
    view = await world.service.open_case(world.coordinator, chat_only.reference)
    assert "+46701234567" not in render(view, catalogs.translator("en"), SLASH_COMMANDS).text
    to_call = await world.add_case()
    view = await world.service.open_case(world.coordinator, to_call.reference)
    assert "+4670" in render(view, catalogs.translator("en"), SLASH_COMMANDS).text


# -- the relay ----------------------------------------------------------------------------


async def test_a_message_to_the_seeker_is_kept_and_queued_with_its_follow_ups(
    world: StaffWorld, clock: FakeClock
) -> None:
    """Chosen with /reply, kept with the case, sent in the seeker's language; "Sent" after."""
    case, seeker_id = await world.intake_case()
    ref = case.reference
    await world.service.assign(world.coordinator, ref, world.volunteer.id)
    await world.deliver()
    prompt = await world.service.start_reply(world.volunteer, ref)
    assert prompt.text.startswith("Write your message for {reference}.")
    async with world.units.begin() as unit:
        assert await unit.staff.replying_to(world.volunteer.id) == case.id
        # The seeker has since switched to English: the message follows their choice.
        state = await unit.intake.load_conversation(seeker_id)
        assert state is not None and state.locale == "sv"
        await unit.intake.save_conversation(seeker_id, replace(state, locale="en"), clock.now())
    wakes = world.wakes.count

    assert await world.service.staff_text(world.volunteer, "Hej, jag ringer i kväll.") == []
    assert world.wakes.count == wakes + 1
    async with world.units.begin() as unit:
        assert await unit.cases.messages(case.id) == [
            CaseMessage(clock.now(), False, "Hej, jag ringer i kväll.")
        ]
        assert await unit.staff.replying_to(world.volunteer.id) is None
    assert (await world.events(ref))[-1] == ("message_to_seeker", "")
    # Nothing is said to the volunteer before the message is sent.
    message, sent = await world.deliver()
    assert (message.channel, message.address, message.locale, message.seeker_id) == (
        Channel.TELEGRAM, SEEKER_CHAT, "en", seeker_id,
    )  # fmt: skip
    assert message.replies == [to_seeker(ref, "Hej, jag ringer i kväll.")]
    assert "Vera" not in str(message.replies)  # the seeker never learns the name
    assert (sent.address, sent.replies) == (str(VOLUNTEER_CHAT), [protected(views.relay_sent(ref))])
    # The next message does not go: the volunteer hears it could not be delivered.
    assert await world.service.relay(world.volunteer, ref, "Hallå?") == []
    message, undelivered = await world.deliver(failing={SEEKER_CHAT})
    assert message.replies == [to_seeker(ref, "Hallå?")]
    assert (undelivered.address, undelivered.replies) == (
        str(VOLUNTEER_CHAT), [protected(views.relay_failed(ref))],
    )  # fmt: skip
    assert await world.deliver() == []


async def test_without_a_chosen_case_staff_text_is_not_relayed(world: StaffWorld) -> None:
    """Free text with no /reply, or after /cancel, goes nowhere."""
    case, _ = await world.intake_case()
    await world.service.assign(world.coordinator, case.reference, world.volunteer.id)
    assert await world.service.staff_text(world.volunteer, "Hej") is None
    await world.service.start_reply(world.volunteer, case.reference)
    assert await world.service.cancel_reply(world.volunteer) == Reply("Cancelled.")
    assert await world.service.staff_text(world.volunteer, "Hej") is None
    assert await world.service.staff_text(None, "Hej") is None
    assert await world.service.cancel_reply(None) == views.NOT_STAFF
    async with world.units.begin() as unit:
        assert await unit.cases.messages(case.id) == []


async def test_nothing_is_sent_to_a_seeker_who_sent_stop(
    detailed: StaffWorld, clock: FakeClock, catalogs: Catalogs
) -> None:
    """After STOP the volunteer is told at once, nothing is kept or queued; the case says so."""
    world = detailed
    case = await world.add_case(address="+46701234567")
    await world.service.assign(world.coordinator, case.reference, world.volunteer.id)
    await world.deliver()
    async with world.units.begin() as unit:
        await unit.messages.opt_out(Channel.SMS, "+46701234567", clock.now())
    refusal = views.opted_out(case.reference)
    assert await world.service.start_reply(world.volunteer, case.reference) == refusal
    assert await world.service.relay(world.volunteer, case.reference, "Hej") == [refusal]
    async with world.units.begin() as unit:
        assert await unit.cases.messages(case.id) == []
        assert await unit.staff.replying_to(world.volunteer.id) is None
    assert await world.pending() == 0
    view = await world.service.open_case(world.volunteer, case.reference)
    assert "The seeker sent STOP" in render(view, catalogs.translator("en"), SLASH_COMMANDS).text


async def test_a_case_without_a_chat_cannot_be_written_to(world: StaffWorld) -> None:
    """A console seeker cannot be reached later, nor a case registered by hand."""
    console, _ = await world.intake_case(Channel.CONSOLE, "console")
    by_hand = await world.add_case(channel=None, source=CaseSource.PHONE)
    for case in (console, by_hand):
        assert await world.service.start_reply(world.coordinator, case.reference) == views.NO_CHAT
        assert await world.service.relay(world.coordinator, case.reference, "Hej") == [
            views.NO_CHAT
        ]
        async with world.units.begin() as unit:
            assert await unit.cases.messages(case.id) == []
    await world.deliver()  # the new-case notices
    assert await world.pending() == 0


async def test_only_those_on_the_case_write_to_its_seeker(world: StaffWorld) -> None:
    """A colleague or another partner's coordinator is refused; nothing is kept or sent."""
    case, _ = await world.intake_case()
    await world.service.assign(world.coordinator, case.reference, world.volunteer.id)
    await world.deliver()
    colleague = await world.add_staff(4242, name="Ville")
    stranger = await world.add_staff(4343, role=StaffRole.COORDINATOR, org_id=OTHER_ORG)
    for actor in (colleague, stranger):
        assert await world.service.start_reply(actor, case.reference) == views.REFUSED
        assert await world.service.relay(actor, case.reference, "Hej") == [views.REFUSED]
    assert await world.service.relay(None, case.reference, "Hej") == [views.NOT_STAFF]
    async with world.units.begin() as unit:
        assert await unit.cases.messages(case.id) == []
    assert await world.pending() == 0


# -- moving a case ------------------------------------------------------------------------


async def test_a_moved_case_goes_to_the_new_coordinators_with_its_deadline(
    world: StaffWorld,
) -> None:
    """Moved, unassigned, same deadline; its coordinators and the former volunteer are told."""
    young = await world.add_staff(4242, role=StaffRole.COORDINATOR, org_id=YOUNG_ORG, name="Ylva")
    case, seeker_id = await world.intake_case()
    ref = case.reference
    await world.service.assign(world.coordinator, ref, world.volunteer.id)
    await world.deliver()

    menu = await world.service.transfer(world.coordinator, ref)
    assert menu.text.startswith("Move {reference} to which organisation?")
    offered = [c.value.rsplit(":", 1)[1] for c in menu.choices]
    assert YOUNG_ORG in offered and case.org_id not in offered

    why = await world.service.transfer(world.coordinator, ref, YOUNG_ORG)
    assert why.text.startswith("Move {reference} to {organisation}: why?")
    assert (await world.case(ref)).org_id == case.org_id  # nothing moves before the reason
    answer = await world.service.transfer(world.coordinator, ref, YOUNG_ORG, TransferReason.AGE)
    assert answer == moves.moved(ref, "Stödcentrum")
    moved = await world.case(ref)
    assert (moved.org_id, moved.status, moved.volunteer_id, moved.received_at) == (
        YOUNG_ORG, CaseStatus.NEW, None, case.received_at,
    )  # fmt: skip
    assert (await world.events(ref))[-1] == ("transferred", f"{case.org_id}>{YOUNG_ORG}:age")
    async with world.units.begin() as unit:
        state = await unit.intake.load_conversation(seeker_id)
    assert state is not None and state.org_id == YOUNG_ORG  # what the seeker reads names it

    told = await world.deliver()
    # The new coordinators, the former volunteer and the seeker; not the mover.
    assert {m.address for m in told} == {"4242", str(VOLUNTEER_CHAT), SEEKER_CHAT}
    (notice,) = to_chat(told, 4242)
    assert notice.text == "New case {reference}" and notice.params["reference"] == ref
    # Not why: the reason names the seeker's age group (the desk shows it).
    assert notice.lines[0] == Line(
        "Moved here by {organisation}.", {"organisation": "Brottsofferjouren Västerort"}
    )
    assert notice.lines[-1] == Line("On the desk: {link}", {"link": f"{DESK_URL}/cases/{ref}"})
    (to_seeker,) = [m for m in told if m.address == SEEKER_CHAT]
    assert to_seeker.replies[0].text == moves.MOVED_FOR_SEEKER
    assert to_chat(told, VOLUNTEER_CHAT) == [protected(moves.moved(ref, "Stödcentrum"))]
    # The old side no longer sees it; the new side does.
    for actor in (world.coordinator, world.volunteer):
        assert await world.service.open_case(actor, ref) == views.REFUSED
    assert (await world.service.open_case(young, ref)).params["reference"] == ref


async def test_moving_needs_a_coordinator_and_a_real_destination(world: StaffWorld) -> None:
    """A forged or the same destination shows the menu again; a volunteer is refused."""
    case = await world.add_case()
    await world.service.assign(world.coordinator, case.reference, world.volunteer.id)
    for destination in ("nowhere", case.org_id):
        answer = await world.service.transfer(world.coordinator, case.reference, destination)
        assert answer.text.startswith("Move {reference} to which organisation?")
    refused = await world.service.transfer(world.volunteer, case.reference, YOUNG_ORG)
    assert refused == views.FOR_COORDINATORS
    assert (await world.case(case.reference)).org_id == case.org_id
    assert [kind for kind, _ in await world.events(case.reference)] == ["assigned"]


# -- told by the intake -------------------------------------------------------------------


async def test_a_new_case_is_told_to_the_active_coordinators_of_its_organisation(
    world: StaffWorld,
) -> None:
    """Every active coordinator there, no one else; the notice is the seeker's, without notes."""
    await world.add_staff(4001, role=StaffRole.COORDINATOR, name="Carl")
    await world.add_staff(4002, role=StaffRole.COORDINATOR, active=False)
    await world.add_staff(4003, role=StaffRole.COORDINATOR, org_id=OTHER_ORG)
    case, seeker_id = await world.intake_case()
    told = await world.deliver()
    assert [m.address for m in told] == [str(COORDINATOR_CHAT), "4001"]
    for message in told:
        (notice,) = message.replies
        assert notice == told[0].replies[0]
        assert notice.text == "New case {reference}"
        assert notice.params["reference"] == case.reference
        assert "Ring efter sex" not in str(notice) and "070-123" not in str(notice)
        # Tied to the seeker, so an erasure before it is sent takes it along.
        assert message.seeker_id == seeker_id


async def test_a_seeker_writes_to_the_coordinators_until_a_volunteer_has_the_case(
    world: StaffWorld,
) -> None:
    """Unassigned: the coordinators; assigned: the volunteer alone; inactive: coordinators."""
    case, seeker_id = await world.intake_case()
    await world.deliver()

    async def seeker_says(text: str) -> list[str]:
        await world.intake.handle(Channel.TELEGRAM, SEEKER_CHAT, Text(text))
        told = await world.deliver()
        for message in told:
            (reply,) = message.replies
            assert reply.text == SEEKER_WROTE and text not in str(reply)
            assert reply.choices == (Choice(f"reply:{case.reference}", "Answer"),)
            assert message.seeker_id == seeker_id
        return [m.address for m in told]

    assert await seeker_says("Är det någon där?") == [str(COORDINATOR_CHAT)]
    await world.service.assign(world.coordinator, case.reference, world.volunteer.id)
    await world.deliver()
    assert await seeker_says("Tack!") == [str(VOLUNTEER_CHAT)]
    async with world.units.begin() as unit:
        await unit.staff.update(world.volunteer.id, active=False)
    assert await seeker_says("Hallå?") == [str(COORDINATOR_CHAT)]
    async with world.units.begin() as unit:
        kept = await unit.cases.messages(case.id)
    assert [(m.from_seeker, m.body) for m in kept] == [
        (True, "Är det någon där?"), (True, "Tack!"), (True, "Hallå?"),
    ]  # fmt: skip


async def test_with_details_a_seekers_message_goes_on_whole(detailed: StaffWorld) -> None:
    """With `telegram_details`, staff read the message itself, and can answer it."""
    world = detailed
    case, _ = await world.intake_case()
    await world.deliver()
    await world.intake.handle(Channel.TELEGRAM, SEEKER_CHAT, Text("Är det någon där?"))
    (reply,) = to_chat(await world.deliver(), COORDINATOR_CHAT)
    assert reply == protected(
        Reply(
            FROM_SEEKER,
            params={"reference": case.reference},
            lines=(Line("{body}", {"body": "Är det någon där?"}),),
            choices=(Choice(f"reply:{case.reference}", "Answer"),),
            step=views.STAFF_STEP,
        )
    )


async def test_a_seeker_answering_their_support_person_is_first_contact(
    world: StaffWorld,
) -> None:
    """Writing before staff did changes nothing; answering them puts the case in contact once."""
    case, _ = await world.intake_case()
    ref = case.reference
    await world.service.assign(world.coordinator, ref, world.volunteer.id)
    await world.intake.handle(Channel.TELEGRAM, SEEKER_CHAT, Text("Hej?"))
    assert (await world.case(ref)).status is CaseStatus.ASSIGNED
    await world.service.relay(world.volunteer, ref, "Hej, hur mår du?")
    for text in ("Bra, tack.", "Ring gärna."):
        await world.intake.handle(Channel.TELEGRAM, SEEKER_CHAT, Text(text))
    assert (await world.case(ref)).status is CaseStatus.IN_CONTACT
    kinds = [kind for kind, _ in await world.events(ref)]
    assert kinds == ["assigned", "message_to_seeker", "seeker_answered"]


async def test_a_flood_from_a_seeker_reaches_staff_as_one_notice(
    world: StaffWorld, clock: FakeClock
) -> None:
    """Ten in ten minutes go on one by one, then one "more messages" notice, then nothing."""
    case, _ = await world.intake_case()
    await world.service.assign(world.coordinator, case.reference, world.volunteer.id)
    await world.deliver()
    told: list[Reply] = []
    for n in range(RELAYED_IN_WINDOW + 5):
        await world.intake.handle(Channel.TELEGRAM, SEEKER_CHAT, Text(f"rad {n}"))
        told += to_chat(await world.deliver(), VOLUNTEER_CHAT)
    more = notices.more_from_seeker(StaffSettings(False, DESK_URL), case.reference)
    assert [r.text for r in told] == [SEEKER_WROTE] * RELAYED_IN_WINDOW + [more.text]
    assert told[-1] == protected(more)
    async with world.units.begin() as unit:
        assert len(await unit.cases.messages(case.id)) == RELAYED_IN_WINDOW + 5  # all kept
    # At ten minutes the flood still counts; a second later it has passed.
    clock.advance(minutes=10)
    await world.intake.handle(Channel.TELEGRAM, SEEKER_CHAT, Text("fortfarande"))
    assert to_chat(await world.deliver(), VOLUNTEER_CHAT) == []
    clock.advance(seconds=1)
    await world.intake.handle(Channel.TELEGRAM, SEEKER_CHAT, Text("lugnt nu"))
    (calm,) = to_chat(await world.deliver(), VOLUNTEER_CHAT)
    assert calm.text == SEEKER_WROTE


async def test_an_attempt_before_the_case_came_in_is_refused(
    world: StaffWorld, clock: FakeClock
) -> None:
    """Thirty minutes before the case existed is not an attempt to reach its seeker."""
    case = await world.add_case()
    await world.service.assign(world.coordinator, case.reference, world.volunteer.id)
    step = world.service.attempt_step
    answer = await step(
        world.volunteer, case.reference, AttemptChannel.PHONE, AttemptOutcome.NO_ANSWER, 30
    )
    assert answer.text == "An attempt cannot be before {reference} came in ({received})."
    assert (await world.case(case.reference)).attempts == ()


async def test_assigning_to_the_volunteer_who_has_it_changes_nothing(world: StaffWorld) -> None:
    """No second event and no second notice: the coordinator is told it is already theirs."""
    case = await world.add_case()
    await world.service.assign(world.coordinator, case.reference, world.volunteer.id)
    await world.deliver()
    again = await world.service.assign(world.coordinator, case.reference, world.volunteer.id)
    assert again.text == "{reference} is already with {name}."
    assert [kind for kind, _ in await world.events(case.reference)] == ["assigned"]
    assert await world.deliver() == []


async def test_someone_no_longer_active_is_not_screened_as_staff(world: StaffWorld) -> None:
    """A former volunteer writing to the bot is a person like any other."""
    async with world.units.begin() as unit:
        await unit.staff.update(world.volunteer.id, active=False)
        screened = await world.service.staff_at(unit, Channel.TELEGRAM, str(VOLUNTEER_CHAT))
        active = await world.service.staff_at(unit, Channel.TELEGRAM, str(COORDINATOR_CHAT))
    assert screened is None
    assert active is not None and active.id == world.coordinator.id
