"""Cases after intake, the staff who work them, and the attempts to reach a seeker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.domain.conversation import Answers
from bot.domain.model import (
    AgeGroup,
    AreaKind,
    CallTime,
    Channel,
    Circumstance,
    ContactMethod,
    CrimeCategory,
    Gender,
    Role,
    SupportNeed,
)

# Where staff are written to: their private chat with the staff bot.
STAFF_CHANNEL = Channel.TELEGRAM


class StaffRole(StrEnum):
    VOLUNTEER = "volunteer"
    COORDINATOR = "coordinator"


class CaseStatus(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_CONTACT = "in_contact"
    CLOSED = "closed"
    ERASED = "erased"  # the seeker erased their data; only statistics remain

    @property
    def open(self) -> bool:
        """Tell whether someone still has to act on the case."""
        return self in (CaseStatus.NEW, CaseStatus.ASSIGNED, CaseStatus.IN_CONTACT)


class CaseSource(StrEnum):
    BOT = "bot"
    POLICE = "police"
    PHONE = "phone"
    WALK_IN = "walk_in"


class TransferReason(StrEnum):
    AGE = "age"  # under 21 to Stödcentrum, 21 or older to an association
    AREA = "area"  # the person lives in the other association's districts
    OTHER = "other"


class AttemptChannel(StrEnum):
    PHONE = "phone"
    SMS = "sms"
    CHAT = "chat"
    EMAIL = "email"
    MEETING = "meeting"


class AttemptOutcome(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail"
    WRONG_NUMBER = "wrong_number"
    DECLINED = "declined"
    BUSY = "busy"  # the line was busy
    FAILED = "failed"  # the call did not go through (a number that does not work)


class CloseReason(StrEnum):
    SUPPORTED = "supported"
    NOT_REACHED = "not_reached"
    REFERRED = "referred"
    DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class Staff:
    id: int
    org_id: str
    role: StaffRole
    name: str
    locale: str
    languages: tuple[str, ...] = ()
    trained_on: date | None = None
    active: bool = True
    max_open: int | None = None  # open cases they said they can carry; None: no ceiling

    @property
    def assignable(self) -> bool:
        """Tell whether cases may be given to this person (rule 9: basic training passed)."""
        return self.active and self.role is StaffRole.VOLUNTEER and self.trained_on is not None


@dataclass(frozen=True, slots=True)
class Attempt:
    at: datetime
    channel: AttemptChannel
    outcome: AttemptOutcome
    staff_id: int | None = None


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """One line of a case's audit trail."""

    at: datetime
    staff_id: int | None  # None: the seeker, or the service itself
    kind: str  # "assigned", "attempt", ... (see case_history)
    detail: str = ""


@dataclass(frozen=True, slots=True)
class CaseMessage:
    """A message relayed between the seeker and staff, kept with the case."""

    at: datetime
    from_seeker: bool
    body: str


@dataclass(frozen=True, slots=True)
class SeekerOfCase:
    """Who wrote in for a case, and where they can be written to."""

    seeker_id: int
    channel: Channel
    address: str


@dataclass(frozen=True, slots=True)
class NewCase:
    """A case as it is first stored, however it came: a finished intake or a referral."""

    org_id: str
    source: CaseSource
    locale: str
    received_at: datetime
    answers: Answers  # what the person told us, or what the referral says of them
    channel: Channel | None = None  # the seeker's channel; None for a case registered by hand
    seeker_id: int | None = None


@dataclass(frozen=True, slots=True)
class CaseRecord:
    """What staff work with; personal fields are None once erased."""

    id: int
    reference: str
    org_id: str
    source: CaseSource
    status: CaseStatus
    received_at: datetime
    locale: str
    channel: Channel | None  # how the seeker reached us; None for a case registered by hand
    volunteer_id: int | None = None
    age_group: AgeGroup | None = None
    district_id: str | None = None
    crime: CrimeCategory | None = None
    needs: frozenset[SupportNeed] = frozenset()
    contact: ContactMethod | None = None
    talk_language: str | None = None
    phone: str | None = None
    email: str | None = None
    call_time: CallTime | None = None
    call_time_note: str | None = None
    voicemail_ok: bool | None = None
    sms_ok: bool | None = None
    notes: str | None = None
    attempts: tuple[Attempt, ...] = ()
    role: Role | None = None
    gender: Gender | None = None
    area_kind: AreaKind | None = None
    circumstances: frozenset[Circumstance] = frozenset()
    talk_language_other: str | None = None
    closed_at: datetime | None = None
    close_reason: CloseReason | None = None

    @property
    def language(self) -> str:
        """Return the language the seeker wants to talk in (their chat language if unsaid)."""
        return self.talk_language if self.talk_language not in (None, "other") else self.locale

    @property
    def wants_a_call(self) -> bool:
        """Tell whether the seeker gave their number to be called or texted."""
        return self.phone is not None and self.contact in (
            ContactMethod.CALL,
            ContactMethod.SMS,
            ContactMethod.MEET,
        )


def answers_of(case: CaseRecord) -> Answers:
    """What a case holds of what the person told us: the start of a case that follows it.

    Their notes stay with the earlier case; the new one begins with what they write now.
    """
    return Answers(
        role=case.role,
        age_group=case.age_group,
        area_kind=case.area_kind,
        district_id=case.district_id,
        crime=case.crime,
        circumstances=case.circumstances,
        needs=case.needs,
        contact=case.contact,
        phone=case.phone,
        email=case.email,
        call_time=case.call_time,
        call_time_note=case.call_time_note,
        voicemail_ok=case.voicemail_ok,
        sms_ok=case.sms_ok,
        talk_language=case.talk_language,
        talk_language_other=case.talk_language_other,
        gender=case.gender,
    )
