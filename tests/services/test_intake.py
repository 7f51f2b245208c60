"""The intake service on the storage ports in memory: what a turn stores, queues and tells.

Results are read back through the ports only; what is about SQLite itself (restarts, bytes
in the file, migrations) is in tests/integration/test_intake_storage.py.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from bot.config import Settings
from bot.domain.cases import (
    CaseMessage,
    CaseRecord,
    CaseSource,
    CaseStatus,
    SeekerOfCase,
    Staff,
    StaffRole,
)
from bot.domain.conversation import Answers, IntakeState
from bot.domain.dialogue import Command, CommandName, Inbound, Pick, Reply, Text
from bot.domain.model import (
    AgeGroup,
    AreaKind,
    CallTime,
    Channel,
    ContactMethod,
    CrimeCategory,
    Gender,
    Role,
    SupportNeed,
)
from bot.domain.questions import Step
from bot.i18n import Catalogs
from bot.ports import Delivered, Recipient, Unit
from bot.services.intake import Hints, IntakeService, Opting, new_reference
from bot.services.outbox import Outbox, queue
from tests.conftest import FakeClock
from tests.intake_script import NOTE, WHOLE_INTAKE, as_inbound, through_service
from tests.memory_units import MemoryUnits
from tests.services.shipped import intake_service

CHAT = "4242"  # a seeker's Telegram chat
NUMBER = "+46701234567"  # a seeker's phone, writing by SMS
STAFF_CHAT = "9001"
DAY = timedelta(days=1)

# In English, with an answer at every step a case keeps, so each can be read back.
DETAILED: tuple[tuple[Step, str], ...] = (
    (Step.LANGUAGE, "en"), (Step.CONSENT, "yes"), (Step.ROLE, "victim"), (Step.AGE, "21_plus"),
    (Step.AREA, "bromma"), (Step.CRIME, "assault"), (Step.CIRCUMSTANCES, "skip"),
    (Step.NEEDS, "meeting"), (Step.NEEDS, "done"), (Step.CONTACT, "call"),
    (Step.PHONE, "070-123 45 67"), (Step.CALL_TIME, "evening"), (Step.VOICEMAIL, "no"),
    (Step.SMS_OK, "no"), (Step.TALK_LANGUAGE, "en"), (Step.GENDER, "man"),
    (Step.NOTES, "Only after six"),
)  # fmt: skip
UNTIL_CONTACT = DETAILED[:9]  # the next question is how to be contacted


@pytest.fixture
def intake(
    units: MemoryUnits, clock: FakeClock, settings: Settings, catalogs: Catalogs
) -> IntakeService:
    return intake_service(units, clock, settings, catalogs)


# -- fakes for what the service is given ---------------------------------------------------


class TakingSender:
    """A provider that takes every message at once, remembering to whom and what."""

    def __init__(self) -> None:
        self.taken: list[tuple[Channel, str, list[str]]] = []

    async def send(
        self, channel: Channel, address: str, locale: str, replies: list[Reply], edit_of: int | None
    ) -> Delivered:
        self.taken.append((channel, address, [r.text for r in replies]))
        return Delivered(f"SM{len(self.taken)}")


class UnsendingSender(TakingSender):
    """A provider that can also delete what it delivered (as Telegram can)."""

    def __init__(self) -> None:
        super().__init__()
        self.unsent: list[tuple[str, list[str]]] = []

    async def unsend(self, address: str, provider_ids: list[str]) -> None:
        self.unsent.append((address, provider_ids))


class OneStaffScreen:
    """Knows one staff member, in their own Telegram chat."""

    def __init__(self, staff: Staff, address: str = STAFF_CHAT) -> None:
        self.staff = staff
        self.address = address

    async def staff_at(self, unit: Unit, channel: Channel, address: str) -> Staff | None:
        if (channel, address) == (Channel.TELEGRAM, self.address):
            return self.staff
        return None


@dataclass
class RecordingListener:
    """Remembers what the intake told staff, by case and seeker."""

    created: list[tuple[int, int]] = field(default_factory=list)
    wrote: list[tuple[int, int, str]] = field(default_factory=list)

    async def case_created(
        self,
        unit: Unit,
        case_id: int,
        seeker_id: int | None,
        now: datetime,
        follows: CaseRecord | None = None,
    ) -> None:
        assert seeker_id is not None  # the intake's cases always have their seeker
        self.created.append((case_id, seeker_id))

    async def seeker_wrote(
        self, unit: Unit, case_id: int, seeker_id: int, text: str, now: datetime
    ) -> None:
        self.wrote.append((case_id, seeker_id, text))


class BreakingListener:
    """Queues a notice for staff, then fails, as a staff side with a bug would."""

    async def case_created(
        self,
        unit: Unit,
        case_id: int,
        seeker_id: int | None,
        now: datetime,
        follows: CaseRecord | None = None,
    ) -> None:
        to = Recipient(Channel.TELEGRAM, STAFF_CHAT, "en")
        await queue(unit, to, [Reply("New case")], now)
        raise RuntimeError("the staff side failed")

    async def seeker_wrote(
        self, unit: Unit, case_id: int, seeker_id: int, text: str, now: datetime
    ) -> None:
        raise RuntimeError("the staff side failed")


COORDINATOR = Staff(7, "vasterort", StaffRole.COORDINATOR, "Karin", "en")


# -- reading through the ports -------------------------------------------------------------


async def seeker_at(
    units: MemoryUnits, channel: Channel, address: str
) -> tuple[int | None, IntakeState | None]:
    async with units.begin() as unit:
        return await unit.intake.seeker_and_state(channel, address)


async def reference_of(units: MemoryUnits, channel: Channel, address: str) -> str:
    """The reference of the case the seeker's conversation ended with."""
    _, state = await seeker_at(units, channel, address)
    assert state is not None and state.reference is not None
    return state.reference


async def case_by(units: MemoryUnits, reference: str) -> CaseRecord:
    async with units.begin() as unit:
        case = await unit.cases.by_reference(reference)
    assert case is not None
    return case


async def every_case(units: MemoryUnits, settings: Settings) -> list[CaseRecord]:
    statuses = list(CaseStatus)
    async with units.begin() as unit:
        return [
            case
            for org in settings.partnership.organisations
            for case in await unit.cases.of_org(org.id, statuses)
        ]


async def outcomes(units: MemoryUnits, clock: FakeClock) -> list[str]:
    async with units.begin() as unit:
        return await unit.stats.outcomes(clock.now() - DAY, clock.now() + DAY)


async def messages_of(units: MemoryUnits, case_id: int) -> list[CaseMessage]:
    async with units.begin() as unit:
        return await unit.cases.messages(case_id)


async def pending(units: MemoryUnits) -> int:
    async with units.begin() as unit:
        return await unit.outbox.pending()


async def opted_out(units: MemoryUnits, address: str) -> bool:
    async with units.begin() as unit:
        return await unit.messages.opted_out(Channel.SMS, address)


async def text(
    intake: IntakeService, inbound: Inbound, message_id: str, kept: Opting = Opting.NONE
) -> list[Reply]:
    """Hand the service a text as the SMS adapter does, kept and with the provider's id."""
    answer = await intake.handle(Channel.SMS, NUMBER, inbound, message_id=message_id, kept=kept)
    return answer.replies


# -- a case, and what is kept of it ---------------------------------------------------------


async def test_completed_intake_stores_a_case_with_answers_and_contacts(
    intake: IntakeService, units: MemoryUnits, clock: FakeClock
) -> None:
    """A finished intake leaves a case under a new reference with every answer and contact."""
    answer = await through_service(intake, Channel.TELEGRAM, CHAT, DETAILED)
    reference = await reference_of(units, Channel.TELEGRAM, CHAT)
    case = await case_by(units, reference)
    assert case == CaseRecord(
        id=case.id, reference=reference, org_id="vasterort", source=CaseSource.BOT,
        status=CaseStatus.NEW, received_at=clock.now(), locale="en", channel=Channel.TELEGRAM,
        age_group=AgeGroup.AGE_21_PLUS, district_id="bromma", crime=CrimeCategory.ASSAULT,
        needs=frozenset({SupportNeed.MEETING}), contact=ContactMethod.CALL, talk_language="en",
        phone="+46701234567", call_time=CallTime.EVENING, voicemail_ok=False, sms_ok=False,
        notes="Only after six", role=Role.VICTIM, gender=Gender.MAN, area_kind=AreaKind.DISTRICT,
    )  # fmt: skip
    async with units.begin() as unit:
        (facts,) = await unit.stats.cases("vasterort", clock.now() - DAY, clock.now() + DAY)
        seeker_id = await unit.intake.find_seeker(Channel.TELEGRAM, CHAT)
        assert seeker_id is not None
        assert await unit.cases.seeker_of(case.id) == SeekerOfCase(
            seeker_id, Channel.TELEGRAM, CHAT
        )
    # What the case record does not show is kept for the statistics.
    assert (facts.role, facts.gender, facts.crime) == ("victim", "man", "assault")
    assert answer.replies[0].text == "Thank you. Your case number is {reference}."
    assert answer.replies[0].params["reference"] == reference


async def test_the_conversation_keeps_no_second_copy_of_the_answers(
    intake: IntakeService, units: MemoryUnits
) -> None:
    """Once the case holds the answers, the conversation keeps only where it stands."""
    await through_service(intake, Channel.TELEGRAM, CHAT, DETAILED)
    _, state = await seeker_at(units, Channel.TELEGRAM, CHAT)
    assert state is not None
    assert state.answers == Answers()  # no phone, no notes
    assert state.step is Step.DONE
    assert state.reference is not None and state.org_id == "vasterort"
    assert (await case_by(units, state.reference)).phone == "+46701234567"


def test_references_are_short_and_unambiguous() -> None:
    """References avoid look-alike characters and differ from each other."""
    references = {new_reference() for _ in range(1000)}
    assert len(references) == 1000
    assert all(len(r) == 7 and r[3] == "-" and not set(r) & set("01OIL") for r in references)


async def test_consent_refused_keeps_only_an_anonymous_outcome(
    intake: IntakeService, units: MemoryUnits, settings: Settings, clock: FakeClock
) -> None:
    """No consent: no seeker, no case; only the outcome is counted."""
    await through_service(
        intake, Channel.TELEGRAM, CHAT, ((Step.LANGUAGE, "sv"), (Step.CONSENT, "no"))
    )
    assert await seeker_at(units, Channel.TELEGRAM, CHAT) == (None, None)
    assert await every_case(units, settings) == []
    assert await outcomes(units, clock) == ["consent_refused"]


async def test_erase_after_the_case_keeps_only_statistics(
    intake: IntakeService, units: MemoryUnits, clock: FakeClock
) -> None:
    """Erase after the case: contact data, messages and the seeker go; the counts stay."""
    await through_service(intake, Channel.TELEGRAM, CHAT, DETAILED)
    await intake.handle(Channel.TELEGRAM, CHAT, Text("Please call after six"))
    reference = await reference_of(units, Channel.TELEGRAM, CHAT)
    answer = await intake.handle(Channel.TELEGRAM, CHAT, Command(CommandName.ERASE))
    assert "erased" in answer.replies[0].text

    case = await case_by(units, reference)
    assert case.status is CaseStatus.ERASED
    personal = (case.phone, case.notes, case.call_time, case.voicemail_ok, case.talk_language)
    assert personal == (None, None, None, None, None)
    kept = (case.crime, case.district_id, case.age_group)
    assert kept == (CrimeCategory.ASSAULT, "bromma", AgeGroup.AGE_21_PLUS)
    assert await messages_of(units, case.id) == []
    assert await seeker_at(units, Channel.TELEGRAM, CHAT) == (None, None)
    async with units.begin() as unit:
        assert await unit.cases.seeker_of(case.id) is None
        (facts,) = await unit.stats.cases("vasterort", clock.now() - DAY, clock.now() + DAY)
    assert (facts.status, facts.crime, facts.gender) == ("erased", "assault", "man")
    assert await outcomes(units, clock) == []  # counted as the case, not again as an intake


async def test_an_erasure_from_someone_we_never_knew_counts_nothing(
    intake: IntakeService, units: MemoryUnits, clock: FakeClock
) -> None:
    """/delete twice from a chat that never started: nothing erased, nothing counted."""
    for _ in range(2):
        await intake.handle(Channel.TELEGRAM, CHAT, Command(CommandName.ERASE))
    assert await outcomes(units, clock) == []


async def test_erase_in_the_middle_leaves_nothing(
    intake: IntakeService, units: MemoryUnits, settings: Settings, clock: FakeClock
) -> None:
    """Erase during the intake removes the seeker and the half-finished answers."""
    await through_service(intake, Channel.TELEGRAM, CHAT, UNTIL_CONTACT)
    await intake.handle(Channel.TELEGRAM, CHAT, Command(CommandName.ERASE))
    assert await seeker_at(units, Channel.TELEGRAM, CHAT) == (None, None)
    assert await outcomes(units, clock) == ["erased"]

    answer = await intake.handle(Channel.TELEGRAM, CHAT, Text("hello"))
    assert answer.replies[0].step == Step.LANGUAGE
    _, state = await seeker_at(units, Channel.TELEGRAM, CHAT)
    assert state is not None and state.answers == Answers()
    assert await every_case(units, settings) == []


async def test_erase_takes_back_the_replies_waiting_for_the_seeker(
    units: MemoryUnits, clock: FakeClock, settings: Settings, catalogs: Catalogs
) -> None:
    """What was queued for the seeker goes with them; only the erasure's answer is queued."""
    sender = TakingSender()
    outbox = Outbox(units, clock, {Channel.TELEGRAM: sender}, {})
    intake = intake_service(units, clock, settings, catalogs, outbox=outbox)
    await through_service(intake, Channel.TELEGRAM, CHAT, WHOLE_INTAKE[:5])
    assert await pending(units) > 1

    await intake.handle(Channel.TELEGRAM, CHAT, Command(CommandName.ERASE))
    assert await pending(units) == 1
    await outbox.drain()
    ((_, address, texts),) = sender.taken
    assert address == CHAT and "erased" in texts[0]


async def test_erase_takes_back_what_was_delivered_where_the_channel_can(
    units: MemoryUnits, clock: FakeClock, settings: Settings, catalogs: Catalogs
) -> None:
    """On a channel that can delete, every message the seeker was sent is deleted."""
    sender = UnsendingSender()
    outbox = Outbox(units, clock, {Channel.TELEGRAM: sender}, {})
    intake = intake_service(units, clock, settings, catalogs, outbox=outbox)
    await through_service(intake, Channel.TELEGRAM, CHAT, WHOLE_INTAKE[:3])
    await outbox.drain()
    delivered = [f"SM{n}" for n in range(1, len(sender.taken) + 1)]
    assert len(delivered) > 1

    await intake.handle(Channel.TELEGRAM, CHAT, Command(CommandName.ERASE))
    assert sender.unsent == [(CHAT, delivered)]


async def test_concurrent_seekers_each_keep_their_own_step(
    intake: IntakeService, units: MemoryUnits
) -> None:
    """Fifty seekers at once, each at a different point: none lost, none mixed up."""
    # Up to the contact question, before anything is typed: seeker n gives n % 9 answers.
    scripts = {str(5000 + n): WHOLE_INTAKE[: n % 9] for n in range(50)}

    async def turn(chat: str, number: int) -> None:
        inbound = Command(CommandName.START) if number < 0 else as_inbound(*scripts[chat][number])
        await intake.handle(Channel.TELEGRAM, chat, inbound)

    # Round by round, every seeker's next message is in flight with everyone else's.
    for number in range(-1, 8):
        await asyncio.gather(*(turn(c, number) for c, s in scripts.items() if number < len(s)))
    for chat, script in scripts.items():
        seeker_id, state = await seeker_at(units, Channel.TELEGRAM, chat)
        assert seeker_id is not None and state is not None, chat
        assert state.step is WHOLE_INTAKE[len(script)][0], chat


# -- what comes in twice, from staff, or after STOP ----------------------------------------


async def test_a_repeated_provider_message_changes_nothing(
    intake: IntakeService, units: MemoryUnits
) -> None:
    """A message id seen before is not read again and gets no answer."""
    start = await intake.handle(Channel.TELEGRAM, CHAT, Command(CommandName.START), message_id="u1")
    assert start.replies
    await intake.handle(Channel.TELEGRAM, CHAT, Pick(Step.LANGUAGE, "en"), message_id="u2")
    seeker_id, before = await seeker_at(units, Channel.TELEGRAM, CHAT)
    assert before is not None and before.step is Step.CONSENT

    # The provider delivers both again: a second START would begin the intake anew.
    for message_id, inbound in (("u1", Command(CommandName.START)), ("u2", Pick("consent", "no"))):
        again = await intake.handle(Channel.TELEGRAM, CHAT, inbound, message_id=message_id)
        assert again.replies == []
    assert await seeker_at(units, Channel.TELEGRAM, CHAT) == (seeker_id, before)


async def test_replies_are_queued_with_the_turn_where_the_outbox_sends(
    units: MemoryUnits, clock: FakeClock, settings: Settings, catalogs: Catalogs
) -> None:
    """On a channel with a sender the answer is queued for the seeker, not returned."""
    sender = TakingSender()
    outbox = Outbox(units, clock, {Channel.SMS: sender}, {})
    intake = intake_service(units, clock, settings, catalogs, outbox=outbox)

    answer = await intake.handle(Channel.SMS, NUMBER, Command(CommandName.START))
    assert answer.replies == []
    assert await pending(units) == 1
    answer = await intake.handle(Channel.SMS, NUMBER, Pick(Step.LANGUAGE, "sv"))
    assert answer.replies == []
    assert await pending(units) == 2

    assert await outbox.deliver_due() == 1  # one at a time per person, in order
    ((channel, address, texts),) = sender.taken
    assert (channel, address) == (Channel.SMS, NUMBER)
    assert texts[-1] == "Which language do you want to write in?"


async def test_replies_are_returned_where_no_sender_is(
    units: MemoryUnits, clock: FakeClock, settings: Settings, catalogs: Catalogs
) -> None:
    """On the console (no sender for it) the channel gets the replies to show itself."""
    outbox = Outbox(units, clock, {Channel.SMS: TakingSender()}, {})
    intake = intake_service(units, clock, settings, catalogs, outbox=outbox)
    answer = await intake.handle(Channel.CONSOLE, "console", Command(CommandName.START))
    assert answer.replies[-1].step == Step.LANGUAGE
    assert await pending(units) == 0


async def test_a_failing_turn_keeps_nothing_of_itself(
    units: MemoryUnits, clock: FakeClock, settings: Settings, catalogs: Catalogs
) -> None:
    """The case, the staff notice and the answer commit together: a failure keeps none."""
    outbox = Outbox(units, clock, {Channel.TELEGRAM: TakingSender()}, {})
    intake = intake_service(
        units, clock, settings, catalogs, outbox=outbox, listener=BreakingListener()
    )
    await through_service(intake, Channel.TELEGRAM, CHAT, WHOLE_INTAKE[:-1])
    await outbox.drain()

    with pytest.raises(RuntimeError, match="staff side"):
        await intake.handle(Channel.TELEGRAM, CHAT, Text(NOTE))
    assert await pending(units) == 0
    assert await every_case(units, settings) == []
    _, state = await seeker_at(units, Channel.TELEGRAM, CHAT)
    assert state is not None and state.step is Step.NOTES  # the seeker can send it again


async def test_staff_get_no_turn(
    units: MemoryUnits, clock: FakeClock, settings: Settings, catalogs: Catalogs
) -> None:
    """A sender the screen knows as staff is named in the answer; no seeker is made."""
    intake = intake_service(units, clock, settings, catalogs, screen=OneStaffScreen(COORDINATOR))
    for inbound in (Command(CommandName.START), Text("hej")):
        answer = await intake.handle(Channel.TELEGRAM, STAFF_CHAT, inbound)
        assert (answer.staff, answer.replies, answer.locale) == (COORDINATOR, [], "en")
    assert await seeker_at(units, Channel.TELEGRAM, STAFF_CHAT) == (None, None)

    seeker = await intake.handle(Channel.TELEGRAM, CHAT, Command(CommandName.START))
    assert seeker.staff is None and seeker.replies


async def test_staff_who_were_seekers_can_still_erase(
    units: MemoryUnits, clock: FakeClock, settings: Settings, catalogs: Catalogs
) -> None:
    """What a staff member told as a seeker earlier, they may erase; nothing else runs."""
    await through_service(
        intake_service(units, clock, settings, catalogs), Channel.TELEGRAM, STAFF_CHAT
    )
    reference = await reference_of(units, Channel.TELEGRAM, STAFF_CHAT)
    intake = intake_service(units, clock, settings, catalogs, screen=OneStaffScreen(COORDINATOR))

    written = await intake.handle(Channel.TELEGRAM, STAFF_CHAT, Text("a note to myself"))
    assert written.staff == COORDINATOR
    case = await case_by(units, reference)
    assert await messages_of(units, case.id) == []  # not passed on as the seeker's

    erased = await intake.handle(Channel.TELEGRAM, STAFF_CHAT, Command(CommandName.ERASE))
    assert erased.staff is None and "erased" in erased.replies[0].text
    assert await seeker_at(units, Channel.TELEGRAM, STAFF_CHAT) == (None, None)
    assert (await case_by(units, reference)).status is CaseStatus.ERASED


async def test_the_listener_hears_of_a_new_case_once(
    units: MemoryUnits, clock: FakeClock, settings: Settings, catalogs: Catalogs
) -> None:
    """Staff are told of a case when it is made, and not again on later turns."""
    listener = RecordingListener()
    intake = intake_service(units, clock, settings, catalogs, listener=listener)
    await through_service(intake, Channel.TELEGRAM, CHAT)
    assert len(listener.created) == 1
    for later in (Command(CommandName.START), Command(CommandName.HELP), Text("Tack")):
        await intake.handle(Channel.TELEGRAM, CHAT, later)

    case = await case_by(units, await reference_of(units, Channel.TELEGRAM, CHAT))
    seeker_id, _ = await seeker_at(units, Channel.TELEGRAM, CHAT)
    assert listener.created == [(case.id, seeker_id)]


async def test_the_listener_hears_what_the_seeker_writes_after(
    units: MemoryUnits, clock: FakeClock, settings: Settings, catalogs: Catalogs
) -> None:
    """After the intake, what the seeker writes is kept with the case and passed on."""
    listener = RecordingListener()
    intake = intake_service(units, clock, settings, catalogs, listener=listener)
    await through_service(intake, Channel.TELEGRAM, CHAT)
    answer = await intake.handle(Channel.TELEGRAM, CHAT, Text("  Kan ni ringa i morgon?  "))
    assert answer.replies

    case = await case_by(units, await reference_of(units, Channel.TELEGRAM, CHAT))
    seeker_id, _ = await seeker_at(units, Channel.TELEGRAM, CHAT)
    assert seeker_id is not None
    assert listener.wrote == [(case.id, seeker_id, "Kan ni ringa i morgon?")]
    assert await messages_of(units, case.id) == [
        CaseMessage(clock.now(), True, "Kan ni ringa i morgon?")
    ]


async def test_stop_ends_the_intake_and_silences_the_number(
    intake: IntakeService, units: MemoryUnits, clock: FakeClock
) -> None:
    """STOP: the opt-out is kept, the intake ends unkept, and later texts get no answer."""
    assert await text(intake, Command(CommandName.START), "m1")
    assert await text(intake, Pick(Step.LANGUAGE, "sv"), "m2")
    assert await text(intake, Pick(Step.CONSENT, "yes"), "m3")

    assert await text(intake, Text("STOP"), "m4", Opting.STOP) == []  # not even a confirmation
    assert await opted_out(units, NUMBER)
    seeker_id, state = await seeker_at(units, Channel.SMS, NUMBER)
    assert seeker_id is not None and state is not None
    assert (state.step, state.answers) == (Step.ENDED, Answers())
    assert await outcomes(units, clock) == ["stopped"]

    # Without the opt-out, a text after an ended intake would begin a new one.
    assert await text(intake, Text("hej igen"), "m5") == []
    assert await seeker_at(units, Channel.SMS, NUMBER) == (seeker_id, state)


async def test_stop_from_an_unknown_number_is_kept(
    intake: IntakeService, units: MemoryUnits
) -> None:
    """A number that never wrote before is remembered as opted out, with no conversation."""
    assert await text(intake, Text("STOP"), "m1", Opting.STOP) == []
    assert await opted_out(units, NUMBER)
    assert await text(intake, Text("hallå"), "m2") == []


async def test_start_opts_back_in(intake: IntakeService, units: MemoryUnits) -> None:
    """START after STOP allows writing again and begins the intake anew."""
    await text(intake, Command(CommandName.START), "m1")
    await text(intake, Text("STOP"), "m2", Opting.STOP)

    replies = await text(intake, Text("START"), "m3", Opting.START)
    assert not await opted_out(units, NUMBER)
    assert replies[-1].step == Step.LANGUAGE
    _, state = await seeker_at(units, Channel.SMS, NUMBER)
    assert state is not None and state.step is Step.LANGUAGE


async def test_stop_queues_nothing(
    units: MemoryUnits, clock: FakeClock, settings: Settings, catalogs: Catalogs
) -> None:
    """Where the outbox sends, STOP and the texts after it queue nothing."""
    outbox = Outbox(units, clock, {Channel.SMS: TakingSender()}, {})
    intake = intake_service(units, clock, settings, catalogs, outbox=outbox)
    await text(intake, Command(CommandName.START), "m1")
    await outbox.drain()
    await text(intake, Text("STOP"), "m2", Opting.STOP)
    await text(intake, Text("hej"), "m3")
    assert await pending(units) == 0


async def test_a_kept_text_leaves_the_inbox_with_its_turn(
    intake: IntakeService, units: MemoryUnits
) -> None:
    """A text kept on arrival is gone from the inbox once handled, a provider's retry too."""
    await intake.keep_text(Channel.SMS, "m1", NUMBER, "hej")
    assert await intake.waiting_texts() == [("m1", NUMBER, "hej")]
    assert await text(intake, Text("hej"), "m1")
    assert await intake.waiting_texts() == []

    await intake.keep_text(Channel.SMS, "m1", NUMBER, "hej")  # the provider's retry
    assert await text(intake, Text("hej"), "m1") == []
    assert await intake.waiting_texts() == []


def test_an_apology_is_in_the_seekers_language(intake: IntakeService) -> None:
    """The apology for a failed message speaks the channel's hinted language, or the default."""
    assert intake.apology(Channel.TELEGRAM, Hints(locale="en-GB")).locale == "en"
    assert intake.apology(Channel.TELEGRAM, Hints(locale="xx")).locale == "sv"
    assert intake.apology(Channel.SMS).replies


async def test_a_seeker_who_sent_stop_still_reaches_their_support_person(
    units: MemoryUnits, clock: FakeClock, settings: Settings, catalogs: Catalogs
) -> None:
    """After STOP nothing is sent to them, but what they write is kept with their open case
    and passed to staff: a message from someone in need is never dropped."""
    listener = RecordingListener()
    intake = intake_service(units, clock, settings, catalogs, listener=listener)
    await intake.handle(Channel.SMS, NUMBER, Command(CommandName.START))
    for step, value in WHOLE_INTAKE:  # by SMS the district is written, not picked
        given = Text("Bromma") if step is Step.AREA else as_inbound(step, value)
        await intake.handle(Channel.SMS, NUMBER, given)
    reference = await reference_of(units, Channel.SMS, NUMBER)
    assert await text(intake, Text("STOP"), "s1", Opting.STOP) == []
    assert await text(intake, Text("Ring inte, skriv hellre."), "s2") == []
    case = await case_by(units, reference)
    assert [m.body for m in await messages_of(units, case.id)] == ["Ring inte, skriv hellre."]
    ((case_id, _, said),) = listener.wrote
    assert (case_id, said) == (case.id, "Ring inte, skriv hellre.")
