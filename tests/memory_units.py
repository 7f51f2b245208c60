"""The storage ports in memory: what the SQLite stores do, without a database.

A test fake, but a faithful one: through the ports it behaves as bot/storage does (the
stores and the schema's constraints, cascades and triggers), and tests/contract holds both
to the same suite. Where SQLite's way shows through the ports, it is copied on purpose:

- moments are kept to the second, as the stores write them;
- a new row's id is one past the largest id left in its table, as SQLite gives rowids;
- a write the schema refuses (a unique value taken, a missing reference, a missing contact
  method) raises IntegrityError, and the transaction it was in holds nothing;
- replies and dialogue states are kept as the shared codecs write them, so what comes back
  is what any store gives back (a tuple parameter, say, comes back a list).

Each table is a dict from key to an immutable row, in the order the rows were written, so a
transaction works on a cheap copy of the dicts and swaps it in when it ends well.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable, Collection, Coroutine, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TypeVar

from bot.domain.availability import Absence
from bot.domain.board import BoardQuery, BoardSection, Section
from bot.domain.calls import Call, CallState
from bot.domain.care import CareContact
from bot.domain.cases import (
    Attempt,
    AttemptChannel,
    AttemptOutcome,
    CaseEvent,
    CaseMessage,
    CaseRecord,
    CaseSource,
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
from bot.domain.followup import REACHING, Rule
from bot.domain.model import (
    AgeGroup,
    AreaKind,
    CallTime,
    Channel,
    Circumstance,
    ContactMethod,
    CrimeCategory,
    DeliveryStatus,
    Gender,
    IntakeOutcome,
    Role,
    SupportNeed,
)
from bot.domain.sms import Segments
from bot.domain.stats import TRANSFERRED, CaseFacts, parse_transfer
from bot.domain.training import Session
from bot.ports import ChatPass, FollowUp, Queued
from bot.storage.outbox_store import MAX_QUEUED_PER_ADDRESS
from bot.storage.reply_codec import decode_replies, encode_replies
from bot.storage.state_codec import decode, encode

T = TypeVar("T")
R = TypeVar("R")

_OPEN = frozenset({CaseStatus.ASSIGNED, CaseStatus.IN_CONTACT})
_AWAITING = frozenset({CaseStatus.NEW, CaseStatus.ASSIGNED})
_UNSENT = frozenset({"pending", "sending", "erasing"})


class IntegrityError(Exception):
    """A write broke a rule of the schema: a unique value taken, a missing row referred to."""


class WorkSuspended(RuntimeError):
    """A unit of work given to run() waited for something other than its queries."""


def _at(moment: datetime) -> datetime:
    """Return *moment* as a store keeps it: to the second."""
    return moment.replace(microsecond=0)


def _next_id(table: dict[int, R]) -> int:
    """Return the id SQLite gives a new row: one past the largest id left in *table*.

    Rows are only ever appended with a larger id, so the dict's last key is the largest.
    """
    return next(reversed(table), 0) + 1


def _text(value: str | None) -> str | None:
    """Return an enum's value as the plain text a store reads back (None stays None)."""
    return None if value is None else str(value)


def address_hash(channel: Channel, address: str) -> str:
    """Return the outbox's stable stand-in for an address (no key: the fake seals nothing)."""
    return hashlib.sha256(f"{channel}:{address}".encode()).hexdigest()


# -- rows ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Seeker:
    id: int
    channel: Channel
    address: str
    created_at: datetime
    opted_out_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class _Conversation:
    state: str  # as the state codec writes it
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class _Case:
    id: int
    reference: str
    seeker_id: int | None
    source: CaseSource
    channel: Channel | None
    org_id: str
    locale: str
    received_at: datetime
    status: CaseStatus
    role: Role | None
    age_group: AgeGroup | None
    area_kind: AreaKind
    district_id: str | None
    crime: CrimeCategory | None
    contact: ContactMethod
    talk_language: str | None
    gender: Gender | None
    needs: frozenset[SupportNeed]
    circumstances: frozenset[Circumstance]
    volunteer_id: int | None = None
    closed_at: datetime | None = None
    close_reason: CloseReason | None = None
    daytime_only: bool = False  # a statistic: stays when the contacts go


@dataclass(frozen=True, slots=True)
class _Contacts:
    phone: str | None
    email: str | None
    call_time: CallTime | None
    call_time_note: str | None
    voicemail_ok: bool | None
    sms_ok: bool | None
    talk_language_other: str | None
    notes: str | None


@dataclass(frozen=True, slots=True)
class _Attempt:
    case_id: int
    staff_id: int
    at: datetime
    channel: AttemptChannel
    outcome: AttemptOutcome
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class _Event:
    case_id: int
    at: datetime
    staff_id: int | None
    event: str
    detail: str


@dataclass(frozen=True, slots=True)
class _Message:
    case_id: int
    at: datetime
    from_seeker: bool
    staff_id: int | None
    body: str


@dataclass(frozen=True, slots=True)
class _Outcome:
    outcome: IntakeOutcome
    channel: Channel
    locale: str
    at: datetime


@dataclass(frozen=True, slots=True)
class _Outbound:
    channel: Channel
    seeker_id: int | None
    provider_id: str | None
    status: DeliveryStatus
    error_code: int | None
    segments: Segments | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class _StaffRow:
    id: int
    org_id: str
    role: StaffRole
    name: str
    telegram_id: int
    locale: str
    created_at: datetime
    languages: str = ""  # comma-separated, as the store keeps them
    trained_on: date | None = None
    active: bool = True
    phone: str | None = None
    max_open: int | None = None


@dataclass(frozen=True, slots=True)
class _Invite:
    org_id: str
    role: StaffRole
    created_by: int | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    used_by: int | None = None


@dataclass(frozen=True, slots=True)
class _Reminder:
    state: str  # 'sending' or 'sent'
    claimed_at: datetime
    sent_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class _FollowUpRow:
    channel: Channel
    address: str
    locale: str
    replies: str  # as the reply codec writes them


@dataclass(frozen=True, slots=True)
class _OutboxRow:
    id: int
    channel: Channel
    address: str
    address_hash: str
    seeker_id: int | None
    locale: str
    message: str  # as the reply codec writes it; emptied once sent or given up
    edit_of: int | None
    state: str  # pending, sending, erasing, sent or failed
    next_attempt_at: datetime
    created_at: datetime
    seq: int  # how many were waiting for the address when it was queued
    digest: str  # what a repeat of the same message has in common with it
    on_sent: _FollowUpRow | None
    on_failed: _FollowUpRow | None
    attempts: int = 0
    sent_at: datetime | None = None
    provider_id: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class _InboxRow:
    channel: Channel
    provider_id: str
    sender: str
    body: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class _Link:
    staff_id: int
    expires_at: datetime
    used: bool = False


@dataclass(slots=True)
class _State:
    """Every table; a transaction works on a copy (the rows themselves never change)."""

    seekers: dict[int, _Seeker] = field(default_factory=dict)
    seeker_at: dict[tuple[Channel, str], int] = field(default_factory=dict)  # the unique index
    conversations: dict[int, _Conversation] = field(default_factory=dict)
    cases: dict[int, _Case] = field(default_factory=dict)
    contacts: dict[int, _Contacts] = field(default_factory=dict)
    attempts: dict[int, _Attempt] = field(default_factory=dict)
    events: dict[int, _Event] = field(default_factory=dict)
    messages: dict[int, _Message] = field(default_factory=dict)
    outcomes: dict[int, _Outcome] = field(default_factory=dict)
    inbound: dict[tuple[Channel, str], datetime] = field(default_factory=dict)
    outbound: dict[int, _Outbound] = field(default_factory=dict)
    staff: dict[int, _StaffRow] = field(default_factory=dict)
    staff_at: dict[int, int] = field(default_factory=dict)  # telegram id -> staff id
    invites: dict[str, _Invite] = field(default_factory=dict)
    sessions: dict[int, int | None] = field(default_factory=dict)
    reminders: dict[tuple[int, Rule, str], _Reminder] = field(default_factory=dict)
    outbox: dict[int, _OutboxRow] = field(default_factory=dict)
    inbox: dict[int, _InboxRow] = field(default_factory=dict)
    desk_links: dict[str, _Link] = field(default_factory=dict)
    desk_sessions: dict[str, DeskSession] = field(default_factory=dict)
    passkeys: dict[bytes, Passkey] = field(default_factory=dict)
    accesses: tuple[Access, ...] = ()
    webchat: dict[int, tuple[int, str, datetime]] = field(default_factory=dict)
    passes: dict[str, tuple[int, int]] = field(default_factory=dict)  # hash -> seeker, seen
    returns: dict[int, str] = field(default_factory=dict)  # seeker -> code hash
    calls: dict[int, Call] = field(default_factory=dict)
    absences: dict[int, tuple[Absence, datetime | None]] = field(default_factory=dict)
    care: dict[int, tuple[int, CareContact]] = field(default_factory=dict)  # id -> case, contact
    sessions_held: tuple[Session, ...] = ()
    staff_reminders: frozenset[tuple[int, str, str]] = frozenset()

    def copy(self) -> _State:
        """Return a copy to change without touching this one."""
        return _State(
            seekers=dict(self.seekers),
            seeker_at=dict(self.seeker_at),
            conversations=dict(self.conversations),
            cases=dict(self.cases),
            contacts=dict(self.contacts),
            attempts=dict(self.attempts),
            events=dict(self.events),
            messages=dict(self.messages),
            outcomes=dict(self.outcomes),
            inbound=dict(self.inbound),
            outbound=dict(self.outbound),
            staff=dict(self.staff),
            staff_at=dict(self.staff_at),
            invites=dict(self.invites),
            sessions=dict(self.sessions),
            reminders=dict(self.reminders),
            outbox=dict(self.outbox),
            inbox=dict(self.inbox),
            desk_links=dict(self.desk_links),
            desk_sessions=dict(self.desk_sessions),
            passkeys=dict(self.passkeys),
            accesses=self.accesses,
            webchat=dict(self.webchat),
            passes=dict(self.passes),
            returns=dict(self.returns),
            calls=dict(self.calls),
            absences=dict(self.absences),
            care=dict(self.care),
            sessions_held=self.sessions_held,
            staff_reminders=self.staff_reminders,
        )

    # -- what several units share: references, cascades, erasure --------------------------

    def need_staff(self, staff_id: int | None) -> None:
        """Refuse a reference to a staff member who does not exist (None refers to no one)."""
        if staff_id is not None and staff_id not in self.staff:
            raise IntegrityError(f"FOREIGN KEY constraint failed: staff {staff_id}")

    def need_case(self, case_id: int | None) -> None:
        """Refuse a reference to a case that does not exist (None refers to none)."""
        if case_id is not None and case_id not in self.cases:
            raise IntegrityError(f"FOREIGN KEY constraint failed: case {case_id}")

    def need_seeker(self, seeker_id: int | None) -> None:
        """Refuse a reference to a seeker who does not exist (None refers to no one)."""
        if seeker_id is not None and seeker_id not in self.seekers:
            raise IntegrityError(f"FOREIGN KEY constraint failed: seeker {seeker_id}")

    def find_seeker(self, channel: Channel, address: str) -> int | None:
        """Return the id of the seeker at *address* on *channel*, if there is one."""
        return self.seeker_at.get((channel, address))

    def insert_seeker(
        self, channel: Channel, address: str, now: datetime, opted_out: bool = False
    ) -> int:
        """Add a seeker; refuse an address already taken on the channel."""
        if (channel, address) in self.seeker_at:
            raise IntegrityError("UNIQUE constraint failed: seekers.channel, seekers.address")
        seeker_id = _next_id(self.seekers)
        self.seekers[seeker_id] = _Seeker(
            seeker_id, channel, address, _at(now), _at(now) if opted_out else None
        )
        self.seeker_at[(channel, address)] = seeker_id
        return seeker_id

    def delete_seeker(self, seeker_id: int) -> None:
        """Delete a seeker with what the schema deletes or lets go with them.

        Their conversation and every outbox row tied to them go (ON DELETE CASCADE); their
        cases and delivery records stay, no longer theirs (ON DELETE SET NULL).
        """
        seeker = self.seekers.pop(seeker_id, None)
        if seeker is None:
            return
        del self.seeker_at[(seeker.channel, seeker.address)]
        self.conversations.pop(seeker_id, None)
        for case in list(self.cases.values()):
            if case.seeker_id == seeker_id:
                self.cases[case.id] = replace(case, seeker_id=None)
        for row_id, sent in list(self.outbound.items()):
            if sent.seeker_id == seeker_id:
                self.outbound[row_id] = replace(sent, seeker_id=None)
        for row in list(self.outbox.values()):
            if row.seeker_id == seeker_id:
                del self.outbox[row.id]
        for number, (owner, _, _) in list(self.webchat.items()):
            if owner == seeker_id:
                del self.webchat[number]
        for pass_hash, (owner, _) in list(self.passes.items()):
            if owner == seeker_id:
                del self.passes[pass_hash]
        self.returns.pop(seeker_id, None)

    def strip_case(self, case_id: int) -> None:
        """Remove what a case holds about the person; its anonymous statistics stay."""
        self.contacts.pop(case_id, None)
        for row_id, message in list(self.messages.items()):
            if message.case_id == case_id:
                del self.messages[row_id]
        case = self.cases.get(case_id)
        if case is not None:
            self.cases[case_id] = replace(case, talk_language=None)

    def record(self, case: _Case) -> CaseRecord:
        """Return a case as staff see it, with its contact details, needs and attempts."""
        k = self.contacts.get(case.id)
        return CaseRecord(
            id=case.id,
            reference=case.reference,
            org_id=case.org_id,
            source=case.source,
            status=case.status,
            received_at=case.received_at,
            locale=case.locale,
            channel=case.channel,
            volunteer_id=case.volunteer_id,
            age_group=case.age_group,
            district_id=case.district_id,
            crime=case.crime,
            needs=case.needs,
            contact=case.contact,
            talk_language=case.talk_language,
            phone=k.phone if k else None,
            email=k.email if k else None,
            call_time=k.call_time if k else None,
            call_time_note=k.call_time_note if k else None,
            voicemail_ok=k.voicemail_ok if k else None,
            sms_ok=k.sms_ok if k else None,
            notes=k.notes if k else None,
            attempts=self.attempts_of(case.id, with_staff=True),
            role=case.role,
            gender=case.gender,
            area_kind=case.area_kind,
            circumstances=case.circumstances,
            talk_language_other=k.talk_language_other if k else None,
            closed_at=case.closed_at,
            close_reason=case.close_reason,
        )

    def attempts_of(self, case_id: int, *, with_staff: bool) -> tuple[Attempt, ...]:
        """Return a case's attempts in the order they were made (ties: as recorded)."""
        found = sorted(
            (a for a in self.attempts.values() if a.case_id == case_id), key=lambda a: a.at
        )
        return tuple(
            Attempt(a.at, a.channel, a.outcome, a.staff_id if with_staff else None) for a in found
        )

    def unsent_heads(self) -> dict[str, _OutboxRow]:
        """Return each address's head: its oldest message not yet sent or given up.

        The SQLite store keeps this in a column its triggers move on; here it is worked
        out from the queue itself, which is what the triggers keep the column equal to.
        """
        heads: dict[str, _OutboxRow] = {}
        for row in self.outbox.values():  # in id order
            if row.state in _UNSENT and row.address_hash not in heads:
                heads[row.address_hash] = row
        return heads


# -- the units ----------------------------------------------------------------------------


class MemoryIntake:
    """What one intake turn reads and writes."""

    def __init__(self, state: _State) -> None:
        self._s = state

    async def claim_inbound(self, channel: Channel, provider_id: str, now: datetime) -> bool:
        """Record a provider's message id; False if it was processed before."""
        if (channel, provider_id) in self._s.inbound:
            return False
        self._s.inbound[(channel, provider_id)] = _at(now)
        return True

    async def find_seeker(self, channel: Channel, address: str) -> int | None:
        """Return the seeker's id for this channel address, if known."""
        return self._s.find_seeker(channel, address)

    async def seeker_and_state(
        self, channel: Channel, address: str
    ) -> tuple[int | None, IntakeState | None]:
        """Return the seeker's id and where their dialogue stands."""
        seeker_id = self._s.find_seeker(channel, address)
        if seeker_id is None:
            return None, None
        return seeker_id, await self.load_conversation(seeker_id)

    async def add_seeker(self, channel: Channel, address: str, now: datetime) -> int:
        """Register a channel address; IntegrityError if it is registered already."""
        return self._s.insert_seeker(channel, address, now)

    async def load_conversation(self, seeker_id: int) -> IntakeState | None:
        """Return where the seeker's dialogue stands."""
        found = self._s.conversations.get(seeker_id)
        return decode(found.state) if found else None

    async def save_conversation(self, seeker_id: int, state: IntakeState, now: datetime) -> None:
        """Store where the seeker's dialogue stands."""
        self._s.need_seeker(seeker_id)
        self._s.conversations[seeker_id] = _Conversation(encode(state), _at(now))

    async def has_case(self, seeker_id: int) -> bool:
        """Tell whether the seeker has a case."""
        return any(c.seeker_id == seeker_id for c in self._s.cases.values())

    async def forget_seeker(self, seeker_id: int) -> None:
        """Delete the seeker and what they told; their cases keep only statistics, erased."""
        for case in list(self._s.cases.values()):
            if case.seeker_id == seeker_id:
                self._s.strip_case(case.id)
                self._s.cases[case.id] = replace(self._s.cases[case.id], status=CaseStatus.ERASED)
        self._s.delete_seeker(seeker_id)

    async def record_outcome(
        self, outcome: IntakeOutcome, channel: Channel, locale: str, now: datetime
    ) -> None:
        """Count an intake that ended without a case."""
        self._s.outcomes[_next_id(self._s.outcomes)] = _Outcome(outcome, channel, locale, _at(now))


class MemoryMessages:
    """Opt-outs and delivery records."""

    def __init__(self, state: _State) -> None:
        self._s = state

    async def opted_out(self, channel: Channel, address: str) -> bool:
        """Tell whether the person at *address* asked for no more messages."""
        seeker_id = self._s.find_seeker(channel, address)
        return seeker_id is not None and self._s.seekers[seeker_id].opted_out_at is not None

    async def opt_out(self, channel: Channel, address: str, now: datetime) -> int:
        """Mark *address* as never to be sent to again (a new seeker if unknown); its id."""
        seeker_id = self._s.find_seeker(channel, address)
        if seeker_id is None:
            return self._s.insert_seeker(channel, address, now, opted_out=True)
        seeker = self._s.seekers[seeker_id]
        if seeker.opted_out_at is None:  # the first opt-out's moment is kept
            self._s.seekers[seeker_id] = replace(seeker, opted_out_at=_at(now))
        return seeker_id

    async def opt_in(self, channel: Channel, address: str) -> None:
        """Allow sending to *address* again."""
        seeker_id = self._s.find_seeker(channel, address)
        if seeker_id is not None:
            self._s.seekers[seeker_id] = replace(self._s.seekers[seeker_id], opted_out_at=None)

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
    ) -> None:
        """Remember a message sent: its id, state and cost; a provider id only once.

        A seeker erased while the message was on its way leaves the record no one's.
        """
        if seeker_id not in self._s.seekers:
            seeker_id = None
        if provider_id is not None and any(
            o.provider_id == provider_id for o in self._s.outbound.values()
        ):
            raise IntegrityError("UNIQUE constraint failed: outbound_messages.provider_id")
        self._s.outbound[_next_id(self._s.outbound)] = _Outbound(
            channel, seeker_id, provider_id, status, error_code, segments, _at(now), _at(now)
        )

    def _by_provider(self, provider_id: str) -> tuple[int, _Outbound] | None:
        for row_id, row in self._s.outbound.items():
            if row.provider_id == provider_id:
                return row_id, row
        return None

    async def delivery_status(self, provider_id: str) -> DeliveryStatus | None:
        """Return the stored state of the message the provider calls *provider_id*."""
        found = self._by_provider(provider_id)
        return found[1].status if found else None

    async def opt_out_recipient_of(self, provider_id: str, now: datetime) -> bool:
        """Opt out the seeker who received *provider_id*; False if no known seeker did."""
        found = self._by_provider(provider_id)
        seeker_id = found[1].seeker_id if found else None
        if seeker_id is None or seeker_id not in self._s.seekers:
            return False
        seeker = self._s.seekers[seeker_id]
        if seeker.opted_out_at is None:
            self._s.seekers[seeker_id] = replace(seeker, opted_out_at=_at(now))
        return True

    async def set_delivery_status(
        self, provider_id: str, status: DeliveryStatus, error_code: int | None, now: datetime
    ) -> None:
        """Store a delivery state as told (the service decides what is newer)."""
        found = self._by_provider(provider_id)
        if found is None:
            return
        row_id, row = found
        self._s.outbound[row_id] = replace(
            row,
            status=status,
            error_code=error_code if error_code is not None else row.error_code,
            updated_at=_at(now),
        )


def _staff(row: _StaffRow) -> Staff:
    return Staff(
        id=row.id,
        org_id=row.org_id,
        role=row.role,
        name=row.name,
        locale=row.locale,
        languages=tuple(code for code in row.languages.split(",") if code),
        trained_on=row.trained_on,
        active=row.active,
        max_open=row.max_open,
    )


class MemoryStaff:
    """Staff records, invites and sessions."""

    def __init__(self, state: _State) -> None:
        self._s = state

    async def by_telegram(self, telegram_id: int) -> Staff | None:
        """Return the staff member behind a Telegram user, if registered."""
        staff_id = self._s.staff_at.get(telegram_id)
        return _staff(self._s.staff[staff_id]) if staff_id is not None else None

    async def by_id(self, staff_id: int) -> Staff | None:
        """Return a staff member by id."""
        row = self._s.staff.get(staff_id)
        return _staff(row) if row else None

    async def telegram_id(self, staff_id: int) -> int | None:
        """Return the Telegram chat of a staff member."""
        row = self._s.staff.get(staff_id)
        return row.telegram_id if row else None

    async def phone(self, staff_id: int) -> str | None:
        row = self._s.staff.get(staff_id)
        return row.phone if row else None

    async def set_phone(self, staff_id: int, phone: str | None) -> None:
        row = self._s.staff.get(staff_id)
        if row is not None:
            self._s.staff[staff_id] = replace(row, phone=phone)

    async def of_org(self, org_id: str | None = None) -> list[Staff]:
        """Return an organisation's staff by id (or everyone, by organisation then id)."""
        rows = list(self._s.staff.values())
        if org_id:
            return [_staff(r) for r in rows if r.org_id == org_id]
        return [_staff(r) for r in sorted(rows, key=lambda r: (r.org_id, r.id))]

    async def open_load(self, org_id: str) -> dict[int, int]:
        """Count each volunteer's open cases in *org_id*."""
        load: dict[int, int] = {}
        for case in self._s.cases.values():
            if case.org_id == org_id and case.volunteer_id is not None and case.status in _OPEN:
                load[case.volunteer_id] = load.get(case.volunteer_id, 0) + 1
        return load

    async def add(
        self,
        *,
        org_id: str,
        role: StaffRole,
        name: str,
        telegram_id: int,
        locale: str,
        now: datetime,
    ) -> int:
        """Register a staff member; IntegrityError if the Telegram user is registered."""
        if telegram_id in self._s.staff_at:
            raise IntegrityError("UNIQUE constraint failed: staff.telegram_hash")
        staff_id = _next_id(self._s.staff)
        self._s.staff[staff_id] = _StaffRow(
            staff_id, org_id, role, name, telegram_id, locale, _at(now)
        )
        self._s.staff_at[telegram_id] = staff_id
        return staff_id

    async def update(
        self,
        staff_id: int,
        *,
        trained_on: date | None = None,
        active: bool | None = None,
        languages: tuple[str, ...] | None = None,
        max_open: int | None = None,
    ) -> bool:
        """Change what is given of a staff record; False if there is no such id."""
        row = self._s.staff.get(staff_id)
        if row is None:
            return False
        if max_open is not None:
            row = replace(row, max_open=max_open or None)
        if trained_on is not None:
            row = replace(row, trained_on=trained_on)
        if active is not None:
            row = replace(row, active=active, phone=row.phone if active else None)
        if languages is not None:
            row = replace(row, languages=",".join(languages))
        self._s.staff[staff_id] = row
        return True

    async def add_invite(
        self,
        *,
        code_hash: str,
        org_id: str,
        role: StaffRole,
        created_by: int | None,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        """Store a new invite; IntegrityError for a code already stored."""
        if code_hash in self._s.invites:
            raise IntegrityError("UNIQUE constraint failed: invites.code_hash")
        self._s.need_staff(created_by)
        self._s.invites[code_hash] = _Invite(org_id, role, created_by, _at(now), _at(expires_at))

    async def take_invite(self, code_hash: str, now: datetime) -> tuple[str, StaffRole] | None:
        """Use up an unused invite that expires after *now*; its organisation and role."""
        invite = self._s.invites.get(code_hash)
        if invite is None or invite.used_at is not None or not invite.expires_at > _at(now):
            return None
        self._s.invites[code_hash] = replace(invite, used_at=_at(now))
        return invite.org_id, invite.role

    async def mark_invite_used_by(self, code_hash: str, staff_id: int) -> None:
        """Remember who joined with an invite."""
        invite = self._s.invites.get(code_hash)
        if invite is not None:
            self._s.need_staff(staff_id)
            self._s.invites[code_hash] = replace(invite, used_by=staff_id)

    async def replying_to(self, staff_id: int) -> int | None:
        """Return the case a staff member's next message goes to, if they chose one."""
        return self._s.sessions.get(staff_id)

    async def set_replying_to(self, staff_id: int, case_id: int | None) -> None:
        """Choose (or clear) the case a staff member's next message goes to."""
        self._s.need_staff(staff_id)
        self._s.need_case(case_id)
        self._s.sessions[staff_id] = case_id


class MemoryCases:
    """Cases as staff work them."""

    def __init__(self, state: _State) -> None:
        self._s = state

    def _records(self, cases: Iterable[_Case]) -> list[CaseRecord]:
        return [self._s.record(c) for c in cases]

    async def by_reference(self, reference: str) -> CaseRecord | None:
        """Load a case by its reference (as given, in capitals)."""
        wanted = reference.upper()
        found = [c for c in self._s.cases.values() if c.reference == wanted]
        return self._s.record(found[0]) if found else None

    async def by_id(self, case_id: int) -> CaseRecord | None:
        """Load a case by its id."""
        case = self._s.cases.get(case_id)
        return self._s.record(case) if case else None

    async def of_org(self, org_id: str, statuses: Sequence[CaseStatus]) -> list[CaseRecord]:
        """Load an organisation's cases in *statuses*, oldest first."""
        found = [c for c in self._s.cases.values() if c.org_id == org_id and c.status in statuses]
        return self._records(sorted(found, key=lambda c: c.received_at))

    async def board(self, query: BoardQuery) -> dict[Section, BoardSection]:
        """Count and page each section of the board, without personal data."""
        records = [
            r for r in self._records(c for c in self._s.cases.values() if c.org_id == query.org_id)
            if (query.district is None or r.district_id == query.district)
            and (query.language is None or r.language == query.language)
            and (query.volunteer is None or r.volunteer_id == query.volunteer)
        ]  # fmt: skip

        def reached(r: CaseRecord) -> bool:
            return any(a.outcome in REACHING for a in r.attempts)

        chosen = {
            Section.UNASSIGNED: [r for r in records if r.status is CaseStatus.NEW],
            Section.OPEN: [r for r in records if r.status in _OPEN],
            Section.OVERDUE: [
                r for r in records
                if r.status in (CaseStatus.NEW, CaseStatus.ASSIGNED)
                and r.received_at <= query.overdue_up_to and not reached(r)
            ],
            Section.CLOSED: [
                r for r in records
                if r.status is CaseStatus.CLOSED and r.closed_at is not None
                and r.closed_at >= query.closed_since
            ],
        }  # fmt: skip
        sections = {}
        for section, found in chosen.items():
            if section is Section.CLOSED:
                found.sort(key=lambda r: (r.closed_at, r.id), reverse=True)
            else:
                found.sort(key=lambda r: (r.received_at, r.id))
            shown = tuple(_listed(r) for r in found[: query.shown])
            sections[section] = BoardSection(len(found), shown)
        return sections

    async def of_volunteer(self, staff_id: int) -> list[CaseRecord]:
        """Load a volunteer's open cases, oldest first."""
        found = [
            c for c in self._s.cases.values() if c.volunteer_id == staff_id and c.status in _OPEN
        ]
        return self._records(sorted(found, key=lambda c: c.received_at))

    async def assign(self, case_id: int, volunteer_id: int) -> None:
        """Give the case to a volunteer; a new case becomes assigned."""
        case = self._s.cases.get(case_id)
        if case is None:
            return
        self._s.need_staff(volunteer_id)
        status = CaseStatus.ASSIGNED if case.status is CaseStatus.NEW else case.status
        self._s.cases[case_id] = replace(case, volunteer_id=volunteer_id, status=status)

    async def transfer(self, case_id: int, org_id: str) -> None:
        """Move the case to another organisation, new and unassigned."""
        case = self._s.cases.get(case_id)
        if case is not None:
            self._s.cases[case_id] = replace(
                case, org_id=org_id, volunteer_id=None, status=CaseStatus.NEW
            )

    async def add_attempt(
        self,
        case_id: int,
        staff_id: int,
        at: datetime,
        channel: AttemptChannel,
        outcome: AttemptOutcome,
        now: datetime,
    ) -> int:
        """Record an attempt; reaching the seeker puts a case waiting for it in contact."""
        self._s.need_case(case_id)
        self._s.need_staff(staff_id)
        attempt_id = _next_id(self._s.attempts)
        self._s.attempts[attempt_id] = _Attempt(
            case_id, staff_id, _at(at), channel, outcome, _at(now)
        )
        case = self._s.cases[case_id]
        if outcome is AttemptOutcome.REACHED and case.status in _AWAITING:
            self._s.cases[case_id] = replace(case, status=CaseStatus.IN_CONTACT)
        return attempt_id

    async def correct_attempt(self, case_id: int, attempt_id: int, outcome: AttemptOutcome) -> None:
        """Put an attempt's outcome right, and the case's state with it."""
        attempt = self._s.attempts.get(attempt_id)
        if attempt is None or attempt.case_id != case_id:
            return
        self._s.attempts[attempt_id] = replace(attempt, outcome=outcome)
        case = self._s.cases[case_id]
        if outcome is AttemptOutcome.REACHED:
            if case.status in _AWAITING:
                self._s.cases[case_id] = replace(case, status=CaseStatus.IN_CONTACT)
            return
        reached = any(
            a.case_id == case_id and a.outcome is AttemptOutcome.REACHED
            for a in self._s.attempts.values()
        )
        answered = any(
            e.case_id == case_id and e.event == "seeker_answered" for e in self._s.events.values()
        )
        if case.status is CaseStatus.IN_CONTACT and not reached and not answered:
            self._s.cases[case_id] = replace(case, status=CaseStatus.ASSIGNED)

    async def mark_in_contact(self, case_id: int) -> bool:
        """Put an assigned case in contact; False if it was not assigned."""
        case = self._s.cases.get(case_id)
        if case is None or case.status is not CaseStatus.ASSIGNED:
            return False
        self._s.cases[case_id] = replace(case, status=CaseStatus.IN_CONTACT)
        return True

    async def close(self, case_id: int, reason: CloseReason, now: datetime) -> None:
        """Close the case with a reason, whatever its state."""
        case = self._s.cases.get(case_id)
        if case is not None:
            self._s.cases[case_id] = replace(
                case, status=CaseStatus.CLOSED, close_reason=reason, closed_at=_at(now)
            )

    async def record_event(
        self, case_id: int, staff_id: int | None, event: str, detail: str, now: datetime
    ) -> None:
        """Add to the audit trail."""
        self._s.need_case(case_id)
        self._s.need_staff(staff_id)
        self._s.events[_next_id(self._s.events)] = _Event(
            case_id, _at(now), staff_id, event, detail
        )

    async def events(self, case_id: int) -> list[CaseEvent]:
        """Return the audit trail of a case, in the order it was written."""
        return [
            CaseEvent(e.at, e.staff_id, e.event, e.detail)
            for e in self._s.events.values()
            if e.case_id == case_id
        ]

    async def add_message(
        self, case_id: int, *, from_seeker: bool, staff_id: int | None, body: str, now: datetime
    ) -> None:
        """Keep a relayed message with the case."""
        self._s.need_case(case_id)
        self._s.need_staff(staff_id)
        self._s.messages[_next_id(self._s.messages)] = _Message(
            case_id, _at(now), from_seeker, staff_id, body
        )

    async def messages(self, case_id: int) -> list[CaseMessage]:
        """Return the relayed conversation of a case, in the order it was kept."""
        return [
            CaseMessage(m.at, m.from_seeker, m.body)
            for m in self._s.messages.values()
            if m.case_id == case_id
        ]

    async def relay_counts(self, case_id: int, since: datetime) -> tuple[bool, int]:
        """Tell whether staff ever wrote in the case; count the seeker's messages since."""
        kept = [m for m in self._s.messages.values() if m.case_id == case_id]
        staff_wrote = any(not m.from_seeker for m in kept)
        return staff_wrote, sum(1 for m in kept if m.from_seeker and m.at >= _at(since))

    async def seeker_of(self, case_id: int) -> SeekerOfCase | None:
        """Return who wrote in for the case, while they are known."""
        case = self._s.cases.get(case_id)
        seeker = self._s.seekers.get(case.seeker_id) if case and case.seeker_id else None
        return SeekerOfCase(seeker.id, seeker.channel, seeker.address) if seeker else None

    async def case_of_seeker(self, seeker_id: int) -> CaseRecord | None:
        """Return the seeker's latest case."""
        found = [c for c in self._s.cases.values() if c.seeker_id == seeker_id]
        return self._s.record(found[-1]) if found else None

    async def add(self, case: NewCase, new_reference: Callable[[], str]) -> tuple[int, str]:
        """Store a new case under the first of ten fresh references not taken."""
        a = case.answers
        if a.contact is None:
            raise IntegrityError("NOT NULL constraint failed: cases.contact")
        taken = {c.reference for c in self._s.cases.values()}
        for _ in range(10):
            reference = new_reference()
            if reference not in taken:
                break
        else:
            raise RuntimeError("could not find a free case reference")
        self._s.need_seeker(case.seeker_id)
        case_id = _next_id(self._s.cases)
        self._s.cases[case_id] = _Case(
            id=case_id,
            reference=reference,
            seeker_id=case.seeker_id,
            source=case.source,
            channel=case.channel,
            org_id=case.org_id,
            locale=case.locale,
            received_at=_at(case.received_at),
            status=CaseStatus.NEW,
            role=a.role,
            age_group=a.age_group,
            area_kind=a.area_kind or (AreaKind.DISTRICT if a.district_id else AreaKind.UNKNOWN),
            district_id=a.district_id,
            crime=a.crime,
            contact=a.contact,
            talk_language=a.talk_language,
            gender=a.gender,
            needs=a.needs,
            circumstances=a.circumstances,
            daytime_only=a.call_time is CallTime.DAYTIME,
        )
        self._s.contacts[case_id] = _Contacts(
            a.phone,
            a.email,
            a.call_time,
            a.call_time_note,
            a.voicemail_ok,
            a.sms_ok,
            a.talk_language_other,
            a.notes,
        )
        return case_id, reference


class MemoryReminders:
    """Follow-up reminders."""

    def __init__(self, state: _State) -> None:
        self._s = state

    def _awaiting(self) -> list[_Case]:
        return [c for c in self._s.cases.values() if c.status in _AWAITING]

    async def awaiting_contact(self) -> list[CaseRecord]:
        """Return every case waiting for first contact, with what the rules need only."""
        return [
            CaseRecord(
                id=c.id,
                reference=c.reference,
                org_id=c.org_id,
                status=c.status,
                received_at=c.received_at,
                volunteer_id=c.volunteer_id,
                source=c.source,
                locale=c.locale,
                channel=c.channel,
                attempts=self._s.attempts_of(c.id, with_staff=False),
            )
            for c in self._awaiting()
        ]

    async def sent(self) -> dict[int, frozenset[tuple[Rule, str]]]:
        """Return the reminders sent for each case still waiting for contact."""
        waiting = {c.id for c in self._awaiting()}
        found: dict[int, set[tuple[Rule, str]]] = {}
        for (case_id, rule, period), reminder in self._s.reminders.items():
            if case_id in waiting and reminder.state == "sent":
                found.setdefault(case_id, set()).add((rule, period))
        return {case_id: frozenset(keys) for case_id, keys in found.items()}

    async def claim(self, case_id: int, rule: Rule, period: str, now: datetime) -> bool:
        """Mark a reminder as being sent; False if it was sent already."""
        key = (case_id, rule, period)
        reminder = self._s.reminders.get(key)
        if reminder is None:
            self._s.need_case(case_id)
            self._s.reminders[key] = _Reminder("sending", _at(now))
            return True
        if reminder.state != "sending":
            return False
        self._s.reminders[key] = replace(reminder, claimed_at=_at(now))
        return True

    async def mark_sent(self, case_id: int, rule: Rule, period: str, now: datetime) -> None:
        """Record that a claimed reminder went out."""
        key = (case_id, rule, period)
        reminder = self._s.reminders.get(key)
        if reminder is not None:
            self._s.reminders[key] = replace(reminder, state="sent", sent_at=_at(now))


class MemoryRetention:
    """Personal data past its time."""

    def __init__(self, state: _State) -> None:
        self._s = state

    async def closed_before(self, moment: datetime) -> list[int]:
        """Return cases closed before *moment* that still hold personal data."""
        holding = {m.case_id for m in self._s.messages.values()} | set(self._s.contacts)
        return [
            c.id
            for c in self._s.cases.values()
            if c.status is CaseStatus.CLOSED
            and c.closed_at is not None
            and c.closed_at < _at(moment)
            and (c.seeker_id is not None or c.id in holding)
        ]

    async def strip(self, case_id: int) -> None:
        """Remove a case's personal data; its seeker goes once no case of theirs is left."""
        case = self._s.cases.get(case_id)
        seeker_id = case.seeker_id if case else None
        self._s.strip_case(case_id)
        if case is not None:
            self._s.cases[case_id] = replace(self._s.cases[case_id], seeker_id=None)
        if seeker_id is not None and not any(
            c.seeker_id == seeker_id for c in self._s.cases.values()
        ):
            self._s.delete_seeker(seeker_id)

    async def abandoned_before(self, moment: datetime) -> list[int]:
        """Return seekers without a case or an opt-out, last heard of before *moment*."""
        with_case = {c.seeker_id for c in self._s.cases.values()}
        found = []
        for seeker in self._s.seekers.values():
            if seeker.id in with_case or seeker.opted_out_at is not None:
                continue
            conversation = self._s.conversations.get(seeker.id)
            if (conversation.updated_at if conversation else seeker.created_at) < _at(moment):
                found.append(seeker.id)
        return found

    async def delete_seeker(self, seeker_id: int) -> None:
        """Delete a seeker, and what goes with them."""
        self._s.delete_seeker(seeker_id)

    async def forget_inbound_before(self, moment: datetime) -> int:
        """Drop the inbound message ids received before *moment*; count them."""
        old = [key for key, at in self._s.inbound.items() if at < _at(moment)]
        for key in old:
            del self._s.inbound[key]
        return len(old)

    async def case_by_reference(self, reference: str) -> tuple[int, int | None] | None:
        """Return a case's id and seeker id."""
        wanted = reference.upper()
        for case in self._s.cases.values():
            if case.reference == wanted:
                return case.id, case.seeker_id
        return None

    async def mark_erased(self, case_id: int) -> None:
        """Record that the case's personal data was erased on request."""
        case = self._s.cases.get(case_id)
        if case is not None:
            self._s.cases[case_id] = replace(case, status=CaseStatus.ERASED)


class MemoryOutbox:
    """The outbox: per address in order, each address's head handed out, shortest first."""

    def __init__(self, state: _State) -> None:
        self._s = state

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
    ) -> int:
        """Queue *replies* as one message (each its own with *split*); count those queued.

        Only a split's first message edits *edit_of*; the follow-ups ride on the last. A
        message identical to one still waiting for the address is not queued again, nor is
        anything once MAX_QUEUED_PER_ADDRESS wait. A text to a known number is its seeker's.
        """
        messages = [[r] for r in replies] if split else [replies]
        if seeker_id is None and channel.traits.opt_out:
            seeker_id = self._s.find_seeker(channel, address)
        hashed = address_hash(channel, address)
        waiting = {
            row.digest
            for row in self._s.outbox.values()
            if row.address_hash == hashed and row.state in _UNSENT
        }
        queued, last, rows = len(waiting), len(messages) - 1, []
        for number, message in enumerate(messages):
            encoded = encode_replies(message)
            edit = edit_of if number == 0 else None
            digest = f"{edit}:{encoded}"
            if digest in waiting or queued >= MAX_QUEUED_PER_ADDRESS:
                continue
            waiting.add(digest)
            rows.append(
                (
                    encoded,
                    edit,
                    queued,
                    digest,
                    _follow_up(on_sent) if number == last else None,
                    _follow_up(on_failed) if number == last else None,
                )
            )
            queued += 1
        if rows:  # nothing written, nothing to refer to a seeker
            self._s.need_seeker(seeker_id)
        for encoded, edit, seq, digest, sent_follow_up, failed_follow_up in rows:
            row_id = _next_id(self._s.outbox)
            self._s.outbox[row_id] = _OutboxRow(
                id=row_id,
                channel=channel,
                address=address,
                address_hash=hashed,
                seeker_id=seeker_id,
                locale=locale,
                message=encoded,
                edit_of=edit,
                state="pending",
                next_attempt_at=_at(now),
                created_at=_at(now),
                seq=seq,
                digest=digest,
                on_sent=sent_follow_up,
                on_failed=failed_follow_up,
            )
        return len(rows)

    async def claim_due(
        self, now: datetime, limit: int, resting: Collection[str] = ()
    ) -> list[Queued]:
        """Claim up to *limit* heads due now, shortest queues first, none to *resting*.

        A text to a seeker who opted out is given up instead (its on_failed follows).
        """
        due = sorted(
            (
                row
                for row in self._s.unsent_heads().values()
                if row.state == "pending" and row.next_attempt_at <= _at(now)
            ),
            key=lambda row: (row.seq, row.id),
        )
        looked = limit + len(resting)
        if looked >= 0:  # SQLite reads a negative LIMIT as none at all
            due = due[:looked]
        rows = [row for row in due if row.address_hash not in resting][:limit]
        claimed: list[Queued] = []
        for row in rows:
            seeker = self._s.seekers.get(row.seeker_id) if row.seeker_id is not None else None
            # Only a message on the seeker's own channel is to them (others are about them).
            to_them = seeker is not None and seeker.channel is row.channel
            if to_them and seeker is not None and seeker.opted_out_at is not None:
                self._s.outbox[row.id] = replace(row, state="sending")
                await self.failed(row.id, "opted_out", now)
                continue
            claimed.append(
                Queued(
                    id=row.id,
                    channel=row.channel,
                    address=row.address,
                    address_hash=row.address_hash,
                    locale=row.locale,
                    replies=decode_replies(row.message),
                    edit_of=row.edit_of,
                    attempts=row.attempts + 1,
                    seeker_id=row.seeker_id,
                )
            )
        for queued in claimed:
            row = self._s.outbox[queued.id]
            if row.state == "pending":
                self._s.outbox[row.id] = replace(row, state="sending", attempts=row.attempts + 1)
        return claimed

    async def sent(self, row_id: int, provider_id: str | None, now: datetime) -> None:
        """Record that the provider took the message; queue its on_sent."""
        await self._finish(row_id, "sent", provider_id, None, now)

    async def retry(self, row_id: int, at: datetime, error: str) -> None:
        """Put a message being sent back in the queue for *at* (one erased meanwhile goes)."""
        if self._gone_if_erased(row_id):
            return
        row = self._s.outbox.get(row_id)
        if row is not None and row.state == "sending":
            self._s.outbox[row_id] = replace(
                row, state="pending", next_attempt_at=_at(at), error=error
            )

    async def failed(self, row_id: int, error: str, now: datetime) -> None:
        """Give up on a message being sent; queue its on_failed."""
        await self._finish(row_id, "failed", None, error, now)

    async def _finish(
        self, row_id: int, state: str, provider_id: str | None, error: str | None, now: datetime
    ) -> None:
        if self._gone_if_erased(row_id):
            return
        row = self._s.outbox.get(row_id)
        if row is None or row.state != "sending":
            return
        follow_up = row.on_sent if state == "sent" else row.on_failed
        self._s.outbox[row_id] = replace(
            row,
            state=state,
            sent_at=_at(now),
            provider_id=provider_id,
            error=error if error is not None else row.error,
            message="",
            address="",
            on_sent=None,
            on_failed=None,
        )
        if follow_up is not None:
            await self.add(
                channel=follow_up.channel,
                address=follow_up.address,
                locale=follow_up.locale,
                replies=decode_replies(follow_up.replies),
                now=now,
            )

    def _gone_if_erased(self, row_id: int) -> bool:
        """Delete a row whose person was erased while it was being sent."""
        row = self._s.outbox.get(row_id)
        if row is None or row.state != "erasing":
            return False
        del self._s.outbox[row_id]
        return True

    async def recover(self) -> int:
        """Put back what was left being sent; drop what was erased meanwhile; count both."""
        count = 0
        for row in list(self._s.outbox.values()):
            if row.state == "sending":
                self._s.outbox[row.id] = replace(row, state="pending")
                count += 1
            elif row.state == "erasing":
                del self._s.outbox[row.id]
                count += 1
        return count

    async def forget(
        self, channel: Channel, address: str, seeker_id: int | None = None
    ) -> list[str]:
        """Delete every message to *address*; return the provider ids of those sent.

        A message on its way, to the address or about *seeker_id*, is emptied and kept
        ('erasing', no longer the seeker's) until its send is over.
        """
        hashed = address_hash(channel, address)
        rows = list(self._s.outbox.values())
        sent = [
            row.provider_id
            for row in rows
            if row.address_hash == hashed and row.state == "sent" and row.provider_id is not None
        ]
        for row in rows:
            about = seeker_id is not None and row.seeker_id == seeker_id
            if row.state == "sending" and (row.address_hash == hashed or about):
                self._s.outbox[row.id] = replace(
                    row,
                    state="erasing",
                    message="",
                    address="",
                    seeker_id=None,
                    on_sent=None,
                    on_failed=None,
                )
            elif row.address_hash == hashed and row.state != "erasing":
                del self._s.outbox[row.id]
        return sent

    async def pending(self) -> int:
        """Count messages not yet sent or given up."""
        return sum(1 for row in self._s.outbox.values() if row.state in _UNSENT)

    async def next_due(self) -> datetime | None:
        """Return when the next head waiting in the queue is due."""
        due = [r.next_attempt_at for r in self._s.unsent_heads().values() if r.state == "pending"]
        return min(due, default=None)


def _follow_up(follow_up: FollowUp | None) -> _FollowUpRow | None:
    if follow_up is None:
        return None
    to = follow_up.to
    return _FollowUpRow(to.channel, to.address, to.locale, encode_replies(list(follow_up.replies)))


class MemoryInbox:
    """Text messages kept from arrival until handled."""

    def __init__(self, state: _State) -> None:
        self._s = state

    async def add(
        self, channel: Channel, provider_id: str, sender: str, body: str, now: datetime
    ) -> None:
        """Keep a message until handled; a provider's retry adds nothing."""
        if any(
            m.channel == channel and m.provider_id == provider_id for m in self._s.inbox.values()
        ):
            return
        self._s.inbox[_next_id(self._s.inbox)] = _InboxRow(
            channel, provider_id, sender, body, _at(now)
        )

    async def waiting(self) -> list[tuple[str, str, str]]:
        """Return (provider id, sender, body) of every message not yet handled, oldest first."""
        return [(m.provider_id, m.sender, m.body) for m in self._s.inbox.values()]

    async def handled(self, channel: Channel, provider_id: str) -> None:
        """Forget a message once its turn is committed."""
        for row_id, m in list(self._s.inbox.items()):
            if m.channel == channel and m.provider_id == provider_id:
                del self._s.inbox[row_id]


class MemoryStats:
    """Anonymous facts for the follow-up report."""

    def __init__(self, state: _State) -> None:
        self._s = state

    async def cases(self, org_id: str, start: datetime, end: datetime) -> list[CaseFacts]:
        """Return the facts of the cases *org_id* now holds, received in [start, end)."""
        low, high = _at(start), _at(end)
        found = sorted(
            (
                c
                for c in self._s.cases.values()
                if c.org_id == org_id and low <= c.received_at < high
            ),
            key=lambda c: c.received_at,
        )
        answered: dict[int, datetime] = {}
        for e in self._s.events.values():
            if e.event == "seeker_answered" and (
                e.case_id not in answered or e.at < answered[e.case_id]
            ):
                answered[e.case_id] = e.at
        return [
            CaseFacts(
                received_at=c.received_at,
                source=str(c.source),
                channel=str(c.channel) if c.channel else "",
                locale=c.locale,
                status=str(c.status),
                gender=_text(c.gender),
                age_group=_text(c.age_group),
                role=_text(c.role),
                district_id=c.district_id,
                crime=_text(c.crime),
                close_reason=_text(c.close_reason),
                needs=frozenset(str(n) for n in c.needs),
                attempts=self._s.attempts_of(c.id, with_staff=False),
                answered_at=answered.get(c.id),
                evening_safe=not c.daytime_only,
            )
            for c in found
        ]

    async def outcomes(self, start: datetime, end: datetime) -> list[str]:
        """Return the outcomes of intakes without a case, in [start, end)."""
        low, high = _at(start), _at(end)
        return [str(o.outcome) for o in self._s.outcomes.values() if low <= o.at < high]

    async def calls(
        self, org_id: str, start: datetime, end: datetime
    ) -> list[tuple[AttemptOutcome | None, int | None]]:
        """Return (outcome, seconds) of every call *org_id* placed in [start, end)."""
        low, high = _at(start), _at(end)
        return [
            (c.outcome, c.seconds)
            for c in self._s.calls.values()
            if c.org_id == org_id
            and low <= c.requested_at < high
            and c.state is not CallState.FAILED
        ]

    async def reminders(self, org_id: str, start: datetime, end: datetime) -> list[str]:
        """Return the rule of every reminder sent in [start, end) for *org_id*'s cases."""
        low, high = _at(start), _at(end)
        return [
            str(rule)
            for (case_id, rule, _), r in self._s.reminders.items()
            if r.state == "sent"
            and r.sent_at is not None
            and low <= r.sent_at < high
            and case_id in self._s.cases
            and self._s.cases[case_id].org_id == org_id
        ]

    async def transfers(self, start: datetime, end: datetime) -> list[tuple[str, str]]:
        """Return (from, to) organisations of every case moved in [start, end)."""
        low, high = _at(start), _at(end)
        return [
            parse_transfer(e.detail)
            for e in self._s.events.values()
            if e.event == TRANSFERRED and low <= e.at < high
        ]


class MemoryWebChat:
    """The web chat's messages in memory."""

    def __init__(self, state: _State) -> None:
        self._s = state

    async def add(self, seeker_id: int, body: str, now: datetime) -> int:
        if seeker_id not in self._s.seekers:
            raise IntegrityError(f"FOREIGN KEY constraint failed: seeker {seeker_id}")
        number = max(self._s.webchat, default=0) + 1
        self._s.webchat[number] = (seeker_id, body, now)
        return number

    async def since(self, seeker_id: int, after: int, limit: int) -> list[tuple[int, str]]:
        found = sorted(
            (n, body) for n, (owner, body, _) in self._s.webchat.items()
            if owner == seeker_id and n > after
        )  # fmt: skip
        return found[:limit]

    async def open_pass(self, seeker_id: int, pass_hash: str, now: datetime) -> None:
        self._s.need_seeker(seeker_id)
        if pass_hash in self._s.passes:
            raise IntegrityError("UNIQUE constraint failed: webchat_passes.pass_hash")
        self._s.passes[pass_hash] = (seeker_id, 0)

    async def holder(self, pass_hash: str) -> ChatPass | None:
        found = self._s.passes.get(pass_hash)
        if found is None:
            return None
        return ChatPass(found[0], self._s.seekers[found[0]].address, found[1])

    async def saw(self, pass_hash: str, number: int) -> None:
        found = self._s.passes.get(pass_hash)
        if found is not None and found[1] < number:
            self._s.passes[pass_hash] = (found[0], number)

    async def close_pass(self, pass_hash: str, seen: int) -> int | None:
        found = self._s.passes.pop(pass_hash, None)
        if found is None:
            return None
        self._drop_shown(found[0], max(seen, found[1]))
        return found[0]

    async def close_passes(self, seeker_id: int) -> None:
        shown = [seen for owner, seen in self._s.passes.values() if owner == seeker_id]
        self._s.passes = {h: p for h, p in self._s.passes.items() if p[0] != seeker_id}
        if shown:
            self._drop_shown(seeker_id, max(shown))

    def _drop_shown(self, seeker_id: int, seen: int) -> None:
        for number, (owner, _, _) in list(self._s.webchat.items()):
            if owner == seeker_id and number <= seen:
                del self._s.webchat[number]

    async def without_return(self, seeker_id: int) -> str | None:
        if seeker_id in self._s.returns:
            return None
        open_cases = [
            c for c in self._s.cases.values()
            if c.seeker_id == seeker_id and c.status not in (CaseStatus.CLOSED, CaseStatus.ERASED)
        ]  # fmt: skip
        return max(open_cases, key=lambda c: c.id).reference if open_cases else None

    async def set_return(self, seeker_id: int, code_hash: str, now: datetime) -> None:
        self._s.need_seeker(seeker_id)
        self._s.returns[seeker_id] = code_hash

    async def drop_return(self, seeker_id: int) -> None:
        self._s.returns.pop(seeker_id, None)

    async def return_to(self, reference: str) -> tuple[int, str] | None:
        for case in self._s.cases.values():
            if case.reference == reference and case.seeker_id in self._s.returns:
                return case.seeker_id, self._s.returns[case.seeker_id]
        return None


def _listed(r: CaseRecord) -> CaseRecord:
    """A case as a list shows it: nothing personal."""
    return CaseRecord(
        id=r.id, reference=r.reference, org_id=r.org_id, source=r.source, status=r.status,
        received_at=r.received_at, locale=r.locale, channel=r.channel,
        volunteer_id=r.volunteer_id, district_id=r.district_id, talk_language=r.talk_language,
        closed_at=r.closed_at, close_reason=r.close_reason, attempts=r.attempts,
    )  # fmt: skip


class MemoryDesk:
    """Sign-in links, sessions, passkeys and accesses in memory."""

    def __init__(self, state: _State) -> None:
        self._s = state

    async def add_link(
        self, token_hash: str, staff_id: int, now: datetime, expires_at: datetime
    ) -> None:
        self._s.need_staff(staff_id)
        links = self._s.desk_links
        for key in [k for k, link in links.items() if link.expires_at < now]:
            del links[key]
        if token_hash in links:
            raise IntegrityError("desk_links.token_hash")
        links[token_hash] = _Link(staff_id, expires_at)

    async def take_link(self, token_hash: str, now: datetime) -> int | None:
        link = self._s.desk_links.get(token_hash)
        if link is None or link.used or link.expires_at <= now:
            return None
        self._s.desk_links[token_hash] = replace(link, used=True)
        return link.staff_id

    async def add_session(self, token_hash: str, staff_id: int, csrf: str, now: datetime) -> None:
        self._s.need_staff(staff_id)
        if token_hash in self._s.desk_sessions:
            raise IntegrityError("desk_sessions.token_hash")
        self._s.desk_sessions[token_hash] = DeskSession(staff_id, csrf, now, now)

    async def session(self, token_hash: str) -> DeskSession | None:
        return self._s.desk_sessions.get(token_hash)

    async def touch_session(self, token_hash: str, now: datetime) -> None:
        session = self._s.desk_sessions.get(token_hash)
        if session is not None:
            self._s.desk_sessions[token_hash] = replace(session, seen_at=now)

    async def end_session(self, token_hash: str) -> None:
        self._s.desk_sessions.pop(token_hash, None)

    async def end_sessions_of(self, staff_id: int) -> int:
        return self._end(lambda s: s.staff_id == staff_id)

    async def end_sessions_seen_before(self, moment: datetime) -> int:
        return self._end(lambda s: s.seen_at < moment)

    def _end(self, matches: Callable[[DeskSession], bool]) -> int:
        gone = [key for key, session in self._s.desk_sessions.items() if matches(session)]
        for key in gone:
            del self._s.desk_sessions[key]
        return len(gone)

    async def add_passkey(self, passkey: Passkey, now: datetime) -> None:
        self._s.need_staff(passkey.staff_id)
        self._s.passkeys.setdefault(passkey.credential_id, passkey)

    async def passkey(self, credential_id: bytes) -> Passkey | None:
        return self._s.passkeys.get(credential_id)

    async def passkeys_of(self, staff_id: int) -> list[Passkey]:
        return [p for p in self._s.passkeys.values() if p.staff_id == staff_id]

    async def use_passkey(self, credential_id: bytes, sign_count: int, now: datetime) -> None:
        passkey = self._s.passkeys.get(credential_id)
        if passkey is not None:
            self._s.passkeys[credential_id] = replace(passkey, sign_count=sign_count)

    async def record_access(self, access: Access) -> None:
        self._s.need_staff(access.staff_id)
        self._s.accesses = (*self._s.accesses, access)

    async def accesses(self, since: datetime) -> list[Access]:
        return [a for a in self._s.accesses if a.at >= since]


class MemoryCalls:
    """The calls table: a call's progress, its attempt, the daily count."""

    _ON = frozenset({CallState.REQUESTED, CallState.RINGING_STAFF, CallState.DIALING})

    def __init__(self, state: _State) -> None:
        self._s = state

    async def add(
        self, case_id: int, staff_id: int, org_id: str, hang_up_on_machine: bool, now: datetime
    ) -> int:
        self._s.need_case(case_id)
        self._s.need_staff(staff_id)
        call_id = _next_id(self._s.calls)
        self._s.calls[call_id] = Call(
            call_id, case_id, staff_id, org_id, CallState.REQUESTED, _at(now), hang_up_on_machine
        )
        return call_id

    async def get(self, call_id: int) -> Call | None:
        return self._s.calls.get(call_id)

    async def of_case(self, case_id: int) -> list[Call]:
        calls = [c for c in self._s.calls.values() if c.case_id == case_id]
        return sorted(calls, key=lambda c: (c.requested_at, c.id))

    async def placed(self, call_id: int, call_sid: str) -> None:
        if any(c.call_sid == call_sid for c in self._s.calls.values()):
            raise IntegrityError("UNIQUE constraint failed: calls.call_sid")
        call = self._s.calls.get(call_id)
        if call is not None and call.state is CallState.REQUESTED:
            self._s.calls[call_id] = replace(call, state=CallState.RINGING_STAFF, call_sid=call_sid)

    async def dialing(self, call_id: int, at: datetime) -> bool:
        call = self._s.calls.get(call_id)
        if call is None or call.state not in (CallState.REQUESTED, CallState.RINGING_STAFF):
            return False
        self._s.calls[call_id] = replace(call, state=CallState.DIALING, dialed_at=_at(at))
        return True

    async def screened(self, call_id: int, answered_by: str) -> None:
        call = self._s.calls.get(call_id)
        if call is not None and call.state is CallState.DIALING:
            self._s.calls[call_id] = replace(call, answered_by=answered_by[:40])

    async def finish(
        self,
        call_id: int,
        state: CallState,
        outcome: AttemptOutcome | None,
        seconds: int | None,
        attempt_id: int | None,
    ) -> bool:
        call = self._s.calls.get(call_id)
        if call is None or call.state not in self._ON:
            return False
        self._s.calls[call_id] = replace(
            call, state=state, outcome=outcome, seconds=seconds, attempt_id=attempt_id
        )
        return True

    async def corrected(self, call_id: int, outcome: AttemptOutcome) -> None:
        call = self._s.calls.get(call_id)
        if call is not None:
            self._s.calls[call_id] = replace(call, outcome=outcome)

    async def placed_since(self, org_id: str, since: datetime) -> int:
        return sum(
            1
            for c in self._s.calls.values()
            if c.org_id == org_id
            and c.requested_at >= _at(since)
            and c.state is not CallState.FAILED
        )

    async def open_for(self, case_id: int, since: datetime) -> bool:
        return any(
            c.case_id == case_id and c.requested_at >= _at(since) and c.state in self._ON
            for c in self._s.calls.values()
        )


class MemoryAbsences:
    """Volunteers' absences, each with when its volunteer was welcomed back."""

    def __init__(self, state: _State) -> None:
        self._s = state

    async def add(self, staff_id: int, starts_on: date, ends_on: date, now: datetime) -> int:
        self._s.need_staff(staff_id)
        absence_id = _next_id(self._s.absences)
        self._s.absences[absence_id] = (Absence(absence_id, staff_id, starts_on, ends_on), None)
        return absence_id

    async def remove(self, staff_id: int, absence_id: int) -> bool:
        found = self._s.absences.get(absence_id)
        if found is None or found[0].staff_id != staff_id:
            return False
        del self._s.absences[absence_id]
        return True

    async def current(self, staff_ids: Collection[int], since: date) -> list[Absence]:
        found = [
            a
            for a, _ in self._s.absences.values()
            if a.staff_id in staff_ids and a.ends_on >= since
        ]
        return sorted(found, key=lambda a: (a.starts_on, a.id))

    async def back(self, since: date, today: date) -> list[Absence]:
        found = [
            a
            for a, welcomed in self._s.absences.values()
            if welcomed is None and since <= a.ends_on < today
        ]
        return sorted(found, key=lambda a: (a.ends_on, a.id))

    async def welcomed(self, absence_id: int, now: datetime) -> None:
        found = self._s.absences.get(absence_id)
        if found is not None:
            self._s.absences[absence_id] = (found[0], _at(now))


class MemoryCare:
    """The support given after first contact."""

    def __init__(self, state: _State) -> None:
        self._s = state

    async def add(self, case_id: int, staff_id: int, contact: CareContact, now: datetime) -> int:
        self._s.need_case(case_id)
        self._s.need_staff(staff_id)
        contact_id = _next_id(self._s.care)
        self._s.care[contact_id] = (case_id, contact)
        return contact_id

    async def of_case(self, case_id: int) -> list[CareContact]:
        return [c for _, (case, c) in sorted(self._sorted()) if case == case_id]

    async def in_period(self, org_id: str, start: date, end: date) -> list[tuple[int, CareContact]]:
        return [
            (case, c)
            for _, (case, c) in sorted(self._sorted())
            if start <= c.on <= end and self._s.cases[case].org_id == org_id
        ]

    def _sorted(self) -> list[tuple[tuple[date, int], tuple[int, CareContact]]]:
        return [((c.on, i), (case, c)) for i, (case, c) in self._s.care.items()]


class MemoryTraining:
    """Further training and supervision, and reminders about staff members."""

    def __init__(self, state: _State) -> None:
        self._s = state

    async def add(self, session: Session, recorded_by: int | None, now: datetime) -> None:
        self._s.need_staff(session.staff_id)
        self._s.need_staff(recorded_by)
        self._s.sessions_held = (*self._s.sessions_held, session)

    async def of_staff(self, staff_ids: Collection[int]) -> list[Session]:
        found = [s for s in self._s.sessions_held if s.staff_id in staff_ids]
        return sorted(found, key=lambda s: s.on)

    async def in_period(self, org_id: str, start: date, end: date) -> list[Session]:
        found = [
            s
            for s in self._s.sessions_held
            if start <= s.on <= end and self._s.staff[s.staff_id].org_id == org_id
        ]
        return sorted(found, key=lambda s: s.on)

    async def claim_reminder(self, staff_id: int, rule: str, period: str, now: datetime) -> bool:
        key = (staff_id, rule, period)
        if key in self._s.staff_reminders:
            return False
        self._s.staff_reminders = self._s.staff_reminders | {key}
        return True


@dataclass(frozen=True, slots=True)
class MemoryUnit:
    """One transaction's view of the tables, with every use case's queries."""

    intake: MemoryIntake
    messages: MemoryMessages
    staff: MemoryStaff
    cases: MemoryCases
    reminders: MemoryReminders
    retention: MemoryRetention
    outbox: MemoryOutbox
    inbox: MemoryInbox
    stats: MemoryStats
    desk: MemoryDesk
    webchat: MemoryWebChat
    calls: MemoryCalls
    absences: MemoryAbsences
    care: MemoryCare
    training: MemoryTraining

    @classmethod
    def over(cls, state: _State) -> MemoryUnit:
        """Return a unit that reads and writes *state*."""
        return cls(
            MemoryIntake(state),
            MemoryMessages(state),
            MemoryStaff(state),
            MemoryCases(state),
            MemoryReminders(state),
            MemoryRetention(state),
            MemoryOutbox(state),
            MemoryInbox(state),
            MemoryStats(state),
            MemoryDesk(state),
            MemoryWebChat(state),
            MemoryCalls(state),
            MemoryAbsences(state),
            MemoryCare(state),
            MemoryTraining(state),
        )


class MemoryUnits:
    """Units of work over tables in memory: one at a time, each whole or not at all."""

    def __init__(self) -> None:
        self._state = _State()
        # As the database's lock: a unit of work sees only what was committed before it.
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[MemoryUnit]:
        """Open one transaction; it holds once the block ends, and nothing of it on error."""
        async with self._lock:
            working = self._state.copy()
            yield MemoryUnit.over(working)
            self._state = working

    async def read_whole(self, work: Callable[[MemoryUnit], Coroutine[object, None, T]]) -> T:
        """Run *work* whole on the state as last committed; what it writes is dropped."""
        coroutine = work(MemoryUnit.over(self._state.copy()))
        try:
            coroutine.send(None)
        except StopIteration as done:
            result: T = done.value
            return result
        coroutine.close()
        raise WorkSuspended("a unit of work waited for something besides its queries")

    async def run(self, work: Callable[[MemoryUnit], Coroutine[object, None, T]]) -> T:
        """Run *work* whole as one transaction; WorkSuspended if it awaits anything else.

        As on the SQLite thread, *work* must finish without suspending: it may await only
        its queries, which never wait here.
        """
        async with self._lock:
            working = self._state.copy()
            coroutine = work(MemoryUnit.over(working))
            try:
                coroutine.send(None)
            except StopIteration as done:
                result: T = done.value
            else:
                coroutine.close()
                raise WorkSuspended("a unit of work waited for something besides its queries")
            self._state = working
            return result

    @asynccontextmanager
    async def lookup(self) -> AsyncIterator[MemoryUnit]:
        """Read without a transaction: like SQLite's autocommit, each write holds at once."""
        async with self._lock:
            yield MemoryUnit.over(self._state)

    async def scrub(self) -> None:
        """Nothing to do: nothing erased lingers in memory."""
