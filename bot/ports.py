"""Small protocols the services depend on; storage and channels implement them."""

from __future__ import annotations

from collections.abc import Callable, Collection, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Protocol, TypeVar, runtime_checkable

from bot.domain.availability import Absence
from bot.domain.board import BoardQuery, BoardSection, Section
from bot.domain.calls import Call, CallState
from bot.domain.care import CareContact
from bot.domain.cases import (
    AttemptChannel,
    AttemptOutcome,
    CaseEvent,
    CaseMessage,
    CaseRecord,
    CaseStatus,
    CloseReason,
    NewCase,
    SeekerOfCase,
    Staff,
    StaffRole,
)
from bot.domain.conversation import IntakeState
from bot.domain.desk import Access, DeskSession, Passkey
from bot.domain.dialogue import Reply
from bot.domain.followup import Rule
from bot.domain.model import Channel, DeliveryStatus, IntakeOutcome
from bot.domain.sms import Segments
from bot.domain.stats import CaseFacts
from bot.domain.training import Session

T = TypeVar("T")


class Clock(Protocol):
    def now(self) -> datetime:
        """Return the current moment, timezone-aware in UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Return the current moment in UTC."""
        return datetime.now(UTC)


class IntakeUnit(Protocol):
    """What one intake turn reads and writes, inside one transaction."""

    async def claim_inbound(self, channel: Channel, provider_id: str, now: datetime) -> bool: ...
    async def find_seeker(self, channel: Channel, address: str) -> int | None: ...
    async def seeker_and_state(
        self, channel: Channel, address: str
    ) -> tuple[int | None, IntakeState | None]: ...
    async def add_seeker(self, channel: Channel, address: str, now: datetime) -> int: ...
    async def load_conversation(self, seeker_id: int) -> IntakeState | None: ...
    async def save_conversation(
        self, seeker_id: int, state: IntakeState, now: datetime
    ) -> None: ...
    async def has_case(self, seeker_id: int) -> bool: ...
    async def forget_seeker(self, seeker_id: int) -> None: ...
    async def record_outcome(
        self, outcome: IntakeOutcome, channel: Channel, locale: str, now: datetime
    ) -> None: ...


class MessageUnit(Protocol):
    """Opt-outs and delivery records, inside one transaction."""

    async def opted_out(self, channel: Channel, address: str) -> bool: ...
    async def opt_out(self, channel: Channel, address: str, now: datetime) -> int: ...
    async def opt_in(self, channel: Channel, address: str) -> None: ...
    async def record_outbound(
        self,
        *,
        channel: Channel,
        seeker_id: int | None,
        provider_id: str | None,
        status: DeliveryStatus,
        error_code: int | None,
        segments: Segments | None,
        now: datetime,
    ) -> None: ...
    async def delivery_status(self, provider_id: str) -> DeliveryStatus | None: ...
    async def opt_out_recipient_of(self, provider_id: str, now: datetime) -> bool: ...
    async def set_delivery_status(
        self, provider_id: str, status: DeliveryStatus, error_code: int | None, now: datetime
    ) -> None: ...


class StaffUnit(Protocol):
    """Staff records, invites and sessions, inside one transaction."""

    async def by_telegram(self, telegram_id: int) -> Staff | None: ...
    async def by_id(self, staff_id: int) -> Staff | None: ...
    async def telegram_id(self, staff_id: int) -> int | None: ...
    async def phone(self, staff_id: int) -> str | None: ...
    async def set_phone(self, staff_id: int, phone: str | None) -> None: ...
    async def of_org(self, org_id: str | None = None) -> list[Staff]: ...
    async def open_load(self, org_id: str) -> dict[int, int]: ...
    async def add(
        self,
        *,
        org_id: str,
        role: StaffRole,
        name: str,
        telegram_id: int,
        locale: str,
        now: datetime,
    ) -> int: ...
    async def update(
        self,
        staff_id: int,
        *,
        trained_on: date | None = None,
        active: bool | None = None,
        languages: tuple[str, ...] | None = None,
        max_open: int | None = None,
    ) -> bool: ...
    async def add_invite(
        self,
        *,
        code_hash: str,
        org_id: str,
        role: StaffRole,
        created_by: int | None,
        now: datetime,
        expires_at: datetime,
    ) -> None: ...
    async def take_invite(self, code_hash: str, now: datetime) -> tuple[str, StaffRole] | None: ...
    async def mark_invite_used_by(self, code_hash: str, staff_id: int) -> None: ...
    async def replying_to(self, staff_id: int) -> int | None: ...
    async def set_replying_to(self, staff_id: int, case_id: int | None) -> None: ...


class CaseUnit(Protocol):
    """Cases as staff work them, inside one transaction."""

    async def by_reference(self, reference: str) -> CaseRecord | None: ...
    async def by_id(self, case_id: int) -> CaseRecord | None: ...
    async def of_org(self, org_id: str, statuses: Sequence[CaseStatus]) -> list[CaseRecord]: ...
    async def board(self, query: BoardQuery) -> dict[Section, BoardSection]: ...
    async def of_volunteer(self, staff_id: int) -> list[CaseRecord]: ...
    async def assign(self, case_id: int, volunteer_id: int) -> None: ...
    async def transfer(self, case_id: int, org_id: str) -> None: ...
    async def add_attempt(
        self,
        case_id: int,
        staff_id: int,
        at: datetime,
        channel: AttemptChannel,
        outcome: AttemptOutcome,
        now: datetime,
    ) -> int: ...
    async def correct_attempt(
        self, case_id: int, attempt_id: int, outcome: AttemptOutcome
    ) -> None: ...
    async def mark_in_contact(self, case_id: int) -> bool: ...
    async def close(self, case_id: int, reason: CloseReason, now: datetime) -> None: ...
    async def record_event(
        self, case_id: int, staff_id: int | None, event: str, detail: str, now: datetime
    ) -> None: ...
    async def events(self, case_id: int) -> list[CaseEvent]: ...
    async def add_message(
        self, case_id: int, *, from_seeker: bool, staff_id: int | None, body: str, now: datetime
    ) -> None: ...
    async def messages(self, case_id: int) -> list[CaseMessage]: ...
    async def relay_counts(self, case_id: int, since: datetime) -> tuple[bool, int]: ...
    async def seeker_of(self, case_id: int) -> SeekerOfCase | None: ...
    async def case_of_seeker(self, seeker_id: int) -> CaseRecord | None: ...
    async def add(self, case: NewCase, new_reference: Callable[[], str]) -> tuple[int, str]: ...


class ReminderUnit(Protocol):
    """Follow-up reminders, inside one transaction."""

    async def awaiting_contact(self) -> list[CaseRecord]: ...
    async def sent(self) -> dict[int, frozenset[tuple[Rule, str]]]: ...
    async def claim(self, case_id: int, rule: Rule, period: str, now: datetime) -> bool: ...
    async def mark_sent(self, case_id: int, rule: Rule, period: str, now: datetime) -> None: ...


class RetentionUnit(Protocol):
    """Personal data past its time, inside one transaction."""

    async def closed_before(self, moment: datetime) -> list[int]: ...
    async def strip(self, case_id: int) -> None: ...
    async def abandoned_before(self, moment: datetime) -> list[int]: ...
    async def delete_seeker(self, seeker_id: int) -> None: ...
    async def forget_inbound_before(self, moment: datetime) -> int: ...
    async def case_by_reference(self, reference: str) -> tuple[int, int | None] | None: ...
    async def mark_erased(self, case_id: int) -> None: ...


@dataclass(frozen=True, slots=True)
class Queued:
    """A message the outbox worker has claimed to send."""

    id: int
    channel: Channel
    address: str
    address_hash: str  # the address as the outbox orders and paces by, never the address
    locale: str
    replies: list[Reply]
    edit_of: int | None
    attempts: int  # this one included
    seeker_id: int | None = None  # whom it is to or about, if a seeker


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A message to queue once another is sent (or given up): "Sent", "Could not deliver"."""

    to: Recipient
    replies: tuple[Reply, ...]


class OutboxUnit(Protocol):
    """The outbox, inside one transaction."""

    async def add(
        self,
        *,
        channel: Channel,
        address: str,
        locale: str,
        replies: list[Reply],
        now: datetime,
        seeker_id: int | None = None,
        edit_of: int | None = None,
        split: bool = False,
        on_sent: FollowUp | None = None,
        on_failed: FollowUp | None = None,
    ) -> int: ...
    async def claim_due(
        self, now: datetime, limit: int, resting: Collection[str] = ()
    ) -> list[Queued]: ...
    async def sent(self, row_id: int, provider_id: str | None, now: datetime) -> None: ...
    async def retry(self, row_id: int, at: datetime, error: str) -> None: ...
    async def failed(self, row_id: int, error: str, now: datetime) -> None: ...
    async def recover(self) -> int: ...
    async def forget(
        self, channel: Channel, address: str, seeker_id: int | None = None
    ) -> list[str]: ...
    async def pending(self) -> int: ...
    async def next_due(self) -> datetime | None: ...


class InboxUnit(Protocol):
    """Text messages kept from arrival until handled, inside one transaction."""

    async def add(
        self, channel: Channel, provider_id: str, sender: str, body: str, now: datetime
    ) -> None: ...
    async def waiting(self) -> list[tuple[str, str, str]]: ...
    async def handled(self, channel: Channel, provider_id: str) -> None: ...


class StatsUnit(Protocol):
    """Anonymous facts for the follow-up report, inside one transaction."""

    async def cases(self, org_id: str, start: datetime, end: datetime) -> list[CaseFacts]: ...
    async def outcomes(self, start: datetime, end: datetime) -> list[str]: ...
    async def reminders(self, org_id: str, start: datetime, end: datetime) -> list[str]: ...
    async def transfers(self, start: datetime, end: datetime) -> list[tuple[str, str]]: ...
    async def calls(
        self, org_id: str, start: datetime, end: datetime
    ) -> list[tuple[AttemptOutcome | None, int | None]]: ...


class DeskUnit(Protocol):
    """The staff desk's sign-in state, inside one transaction; tokens known by hash only."""

    async def add_link(
        self, token_hash: str, staff_id: int, now: datetime, expires_at: datetime
    ) -> None: ...
    async def take_link(self, token_hash: str, now: datetime) -> int | None: ...
    async def add_session(
        self, token_hash: str, staff_id: int, csrf: str, now: datetime
    ) -> None: ...
    async def session(self, token_hash: str) -> DeskSession | None: ...
    async def touch_session(self, token_hash: str, now: datetime) -> None: ...
    async def end_session(self, token_hash: str) -> None: ...
    async def end_sessions_of(self, staff_id: int) -> int: ...
    async def end_sessions_seen_before(self, moment: datetime) -> int: ...
    async def add_passkey(self, passkey: Passkey, now: datetime) -> None: ...
    async def passkey(self, credential_id: bytes) -> Passkey | None: ...
    async def passkeys_of(self, staff_id: int) -> list[Passkey]: ...
    async def use_passkey(self, credential_id: bytes, sign_count: int, now: datetime) -> None: ...
    async def record_access(self, access: Access) -> None: ...
    async def accesses(self, since: datetime) -> list[Access]: ...


@dataclass(frozen=True, slots=True)
class ChatPass:
    """Whom a web chat page's pass speaks for, and how far the page has read."""

    seeker_id: int
    address: str  # the chat's address: the outbox's, never handed to a page
    seen: int


class WebChatUnit(Protocol):
    """What the web chat holds for seekers' pages, inside one transaction."""

    async def add(self, seeker_id: int, body: str, now: datetime) -> int: ...
    async def since(self, seeker_id: int, after: int, limit: int) -> list[tuple[int, str]]: ...
    async def open_pass(self, seeker_id: int, pass_hash: str, now: datetime) -> None: ...
    async def holder(self, pass_hash: str) -> ChatPass | None: ...
    async def saw(self, pass_hash: str, number: int) -> None: ...
    async def close_pass(self, pass_hash: str, seen: int) -> int | None: ...
    async def close_passes(self, seeker_id: int) -> None: ...
    async def without_return(self, seeker_id: int) -> str | None: ...
    async def set_return(self, seeker_id: int, code_hash: str, now: datetime) -> None: ...
    async def drop_return(self, seeker_id: int) -> None: ...
    async def return_to(self, reference: str) -> tuple[int, str] | None: ...


class AbsenceUnit(Protocol):
    """Volunteers' absences, inside one transaction."""

    async def add(self, staff_id: int, starts_on: date, ends_on: date, now: datetime) -> int: ...
    async def remove(self, staff_id: int, absence_id: int) -> bool: ...
    async def current(self, staff_ids: Collection[int], since: date) -> list[Absence]: ...
    async def back(self, since: date, today: date) -> list[Absence]: ...
    async def welcomed(self, absence_id: int, now: datetime) -> None: ...


class CareUnit(Protocol):
    """The support given after first contact, inside one transaction."""

    async def add(
        self, case_id: int, staff_id: int, contact: CareContact, now: datetime
    ) -> int: ...
    async def of_case(self, case_id: int) -> list[CareContact]: ...
    async def in_period(
        self, org_id: str, start: date, end: date
    ) -> list[tuple[int, CareContact]]: ...


class TrainingUnit(Protocol):
    """Further training and supervision, and reminders about staff members, in a transaction."""

    async def add(self, session: Session, recorded_by: int | None, now: datetime) -> None: ...
    async def of_staff(self, staff_ids: Collection[int]) -> list[Session]: ...
    async def in_period(self, org_id: str, start: date, end: date) -> list[Session]: ...
    async def claim_reminder(
        self, staff_id: int, rule: str, period: str, now: datetime
    ) -> bool: ...


class CallUnit(Protocol):
    """Calls placed through an association's number, inside one transaction."""

    async def add(
        self, case_id: int, staff_id: int, org_id: str, hang_up_on_machine: bool, now: datetime
    ) -> int: ...
    async def get(self, call_id: int) -> Call | None: ...
    async def of_case(self, case_id: int) -> list[Call]: ...
    async def placed(self, call_id: int, call_sid: str) -> None: ...
    async def dialing(self, call_id: int, at: datetime) -> bool: ...
    async def screened(self, call_id: int, answered_by: str) -> None: ...
    async def finish(
        self,
        call_id: int,
        state: CallState,
        outcome: AttemptOutcome | None,
        seconds: int | None,
        attempt_id: int | None,
    ) -> bool: ...
    async def corrected(self, call_id: int, outcome: AttemptOutcome) -> None: ...
    async def placed_since(self, org_id: str, since: datetime) -> int: ...
    async def open_for(self, case_id: int, since: datetime) -> bool: ...


class Unit(Protocol):
    """One transaction, with the queries of each use case."""

    @property
    def intake(self) -> IntakeUnit: ...
    @property
    def messages(self) -> MessageUnit: ...
    @property
    def staff(self) -> StaffUnit: ...
    @property
    def cases(self) -> CaseUnit: ...
    @property
    def reminders(self) -> ReminderUnit: ...
    @property
    def retention(self) -> RetentionUnit: ...
    @property
    def outbox(self) -> OutboxUnit: ...
    @property
    def inbox(self) -> InboxUnit: ...
    @property
    def stats(self) -> StatsUnit: ...
    @property
    def desk(self) -> DeskUnit: ...
    @property
    def webchat(self) -> WebChatUnit: ...
    @property
    def calls(self) -> CallUnit: ...
    @property
    def absences(self) -> AbsenceUnit: ...
    @property
    def care(self) -> CareUnit: ...
    @property
    def training(self) -> TrainingUnit: ...


class UnitsOfWork(Protocol):
    def begin(self) -> AbstractAsyncContextManager[Unit]:
        """Open one transaction; commit when the block ends, roll back on error."""
        ...

    async def run(self, work: Callable[[Unit], Coroutine[object, None, T]]) -> T:
        """Run a unit of work whole as one transaction; *work* awaits only its queries."""
        ...

    async def read_whole(self, work: Callable[[Unit], Coroutine[object, None, T]]) -> T:
        """Run a reading unit of work whole in a snapshot, taking no time from the turns
        (a year's report); *work* awaits only its queries."""
        ...

    def lookup(self) -> AbstractAsyncContextManager[Unit]:
        """Run one reading statement alone, without the cost of a transaction."""
        ...

    async def scrub(self) -> None:
        """Make sure erased data is gone from every file of the database."""
        ...


@dataclass(frozen=True, slots=True)
class SentMessage:
    provider_id: str
    status: DeliveryStatus


class DeliveryError(Exception):
    """The provider refused or failed to take a message.

    *permanent* means retrying cannot help (an invalid or opted-out number); *opted_out*
    means the recipient told the carrier to stop (Twilio error 21610).
    """

    def __init__(self, code: int | None, http_status: int, *, permanent: bool, opted_out: bool):
        super().__init__(f"delivery failed: code={code} http={http_status}")
        self.code = code
        self.http_status = http_status
        self.permanent = permanent
        self.opted_out = opted_out


class CallNotPlaced(Exception):
    """The provider refused or could not take a call; nothing rang."""


class VoiceGateway(Protocol):
    """Places calls: rings a staff member's phone, then asks us how to go on."""

    async def place(self, to: str, caller_id: str, call_id: int) -> str:
        """Ring *to* from *caller_id* for our call *call_id*; return the provider's id of
        the call, or raise CallNotPlaced."""
        ...


class TextGateway(Protocol):
    """Sends a text message (SMS or WhatsApp) to an address."""

    async def send(self, to: str, body: str) -> SentMessage:
        """Hand *body* to the provider for *to*, or raise DeliveryError."""
        ...


@dataclass(frozen=True, slots=True)
class Recipient:
    """Someone to send to: a seeker on their channel, or staff on Telegram."""

    channel: Channel
    address: str
    locale: str
    # A staff chat: whatever it is sent is marked protected (see Reply.protected).
    protected: bool = False


class Screen(Protocol):
    """Tells, inside a turn's own unit of work, whether the sender is staff.

    Staff writing to the bot in their own chat are never taken for a seeker.
    """

    async def staff_at(self, unit: Unit, channel: Channel, address: str) -> Staff | None: ...


class IntakeListener(Protocol):
    """Told, inside the turn's own unit of work, what the intake did that staff must know.

    What it queues for staff commits with the turn, or not at all.
    """

    async def case_created(
        self,
        unit: Unit,
        case_id: int,
        seeker_id: int | None,
        now: datetime,
        follows: CaseRecord | None = None,
    ) -> None: ...
    async def seeker_wrote(
        self, unit: Unit, case_id: int, seeker_id: int, text: str, now: datetime
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class OutboundText:
    """A text handed to (or refused by) the provider: its id, state and cost, never its words."""

    provider_id: str | None
    status: DeliveryStatus
    error_code: int | None = None
    segments: Segments | None = None


@dataclass(frozen=True, slots=True)
class Delivered:
    """What a provider took: its id for the message, and each text it became (SMS)."""

    provider_id: str | None = None
    texts: tuple[OutboundText, ...] = ()


class SendError(Exception):
    """A provider did not take a message.

    *retry_after* (seconds) is the provider's own wait; *permanent* means no retry can help;
    *opted_out* means the person told their carrier to stop (Twilio's 21610); *texts* are
    those of the message the provider took or refused before it stopped.
    """

    def __init__(
        self,
        reason: str,
        *,
        retry_after: float | None = None,
        permanent: bool = False,
        opted_out: bool = False,
        texts: tuple[OutboundText, ...] = (),
    ):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.permanent = permanent
        self.opted_out = opted_out
        self.texts = texts


class Sender(Protocol):
    """Delivers queued replies on one kind of channel: renders them and hands them over."""

    async def send(
        self, channel: Channel, address: str, locale: str, replies: list[Reply], edit_of: int | None
    ) -> Delivered:
        """Send; return what the provider took, or raise SendError."""
        ...


@runtime_checkable
class Unsender(Protocol):
    """Takes back messages already sent, where the channel allows it (Telegram)."""

    async def unsend(self, address: str, provider_ids: list[str]) -> None:
        """Delete these messages from the person's chat; failures are only logged."""
        ...
