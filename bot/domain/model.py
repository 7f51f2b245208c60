"""Values of the domain: what a seeker tells us and how the partnership is organised."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from enum import StrEnum


class Channel(StrEnum):
    TELEGRAM = "telegram"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    CONSOLE = "console"
    WEBCHAT = "webchat"

    @property
    def traits(self) -> Traits:
        """Return what this channel can do."""
        return CHANNEL_TRAITS[self]


@dataclass(frozen=True, slots=True)
class Traits:
    """What a channel can do: the dialogue and the services read this, never its name."""

    buttons: bool  # choices are buttons to press; otherwise numbered, answered by number
    edits: bool  # a sent message can be redrawn (the question under a pressed button)
    paid_segments: bool  # each 160 (GSM-7) or 70 (UCS-2) characters cost: keep it short
    max_length: int | None  # longest message the provider takes, as it counts characters
    reachable_later: bool  # the service can write first, later (a volunteer's messages)
    kept_in_clear: bool  # what we send stays readable in the phone's inbox: say so first
    opt_out: bool  # the person can tell the carrier STOP; after it nothing may be sent
    in_browser: bool = False  # the traces are the browser's history: say how to clear it


CHANNEL_TRAITS = {
    Channel.TELEGRAM: Traits(
        buttons=True, edits=True, paid_segments=False, max_length=4096,
        reachable_later=True, kept_in_clear=False, opt_out=False,
    ),
    # Twilio joins a long text from up to 10 segments (1600 characters) and refuses more.
    Channel.SMS: Traits(
        buttons=False, edits=False, paid_segments=True, max_length=1600,
        reachable_later=True, kept_in_clear=True, opt_out=True,
    ),
    Channel.WHATSAPP: Traits(
        buttons=False, edits=False, paid_segments=False, max_length=1600,
        reachable_later=True, kept_in_clear=False, opt_out=True,
    ),
    # The chat on the association's site: buttons, nothing paid, nothing kept on the device;
    # what is written to the seeker later waits until they come back.
    Channel.WEBCHAT: Traits(
        buttons=True, edits=False, paid_segments=False, max_length=4000,
        reachable_later=True, kept_in_clear=False, opt_out=False, in_browser=True,
    ),
    # The console shows answers as they come; no one can write to it afterwards.
    Channel.CONSOLE: Traits(
        buttons=False, edits=False, paid_segments=False, max_length=None,
        reachable_later=False, kept_in_clear=False, opt_out=False,
    ),
}  # fmt: skip


class Role(StrEnum):
    VICTIM = "victim"
    WITNESS = "witness"
    RELATIVE = "relative"


class AgeGroup(StrEnum):
    UNDER_18 = "under_18"
    AGE_18_20 = "18_20"
    AGE_21_PLUS = "21_plus"
    UNDISCLOSED = "undisclosed"

    @property
    def is_young(self) -> bool:
        """Tell whether the partnership routes this age group to Stödcentrum (under 21)."""
        return self in (AgeGroup.UNDER_18, AgeGroup.AGE_18_20)


class CrimeCategory(StrEnum):
    ASSAULT = "assault"
    THREAT = "threat"
    HARASSMENT = "harassment"
    SEXUAL = "sexual"
    ROBBERY = "robbery"
    THEFT = "theft"
    FRAUD = "fraud"
    OTHER = "other"


class Circumstance(StrEnum):
    CLOSE_RELATIONSHIP = "close_relationship"
    HONOUR = "honour"
    HATE = "hate"


class SupportNeed(StrEnum):
    TALK = "talk"
    MEETING = "meeting"
    LEGAL_PROCESS = "legal_process"
    ACCOMPANY = "accompany"
    COUNSEL = "counsel"
    COMPENSATION = "compensation"
    AUTHORITIES = "authorities"
    REFERRAL = "referral"


class ContactMethod(StrEnum):
    CALL = "call"
    SMS = "sms"
    CHAT = "chat"
    EMAIL = "email"
    MEET = "meet"


class CallTime(StrEnum):
    ANY = "any"
    DAYTIME = "daytime"
    EVENING = "evening"


class Gender(StrEnum):
    WOMAN = "woman"
    MAN = "man"
    OTHER = "other"


class AreaKind(StrEnum):
    DISTRICT = "district"
    UNKNOWN = "unknown"
    OUTSIDE = "outside"


class IntakeOutcome(StrEnum):
    """Why an intake ended; kept as an anonymous count when no case is made."""

    CONSENT_REFUSED = "consent_refused"
    REFERRED_NATIONAL = "referred_national"
    STODCENTRUM_DECLINED = "stodcentrum_declined"
    STOPPED = "stopped"
    ERASED = "erased"


@dataclass(frozen=True, slots=True)
class Organisation:
    id: str
    name: str
    phone: str
    email: str = ""
    web: str = ""


@dataclass(frozen=True, slots=True)
class Referral:
    """An organisation a seeker may be referred to: from the configured directory."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class District:
    id: str
    name: str
    org_id: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OpenEvening:
    weekday: int  # 0 = Monday, as datetime.weekday()
    start: time
    end: time
    phone: str


@dataclass(frozen=True, slots=True)
class Numbers:
    """Numbers the bot gives seekers; configuration, so a change is made in one place."""

    emergency: str = "112"
    police: str = "114 14"
    national_line: str = "116 006"
    womens_line: str = "020-50 50 50"
    children_line: str = "116 111"


@dataclass(frozen=True, slots=True)
class Partnership:
    """The organisations, the areas they cover and the promises they keep."""

    organisations: tuple[Organisation, ...]
    districts: tuple[District, ...]
    default_org_id: str
    young_org_id: str
    numbers: Numbers = field(default_factory=Numbers)
    open_evening: OpenEvening | None = None
    first_contact_hours: int = 72
    evening_start: time = time(18, 0)
    evening_end: time = time(21, 0)
    timezone: str = "Europe/Stockholm"
    # Follow-up reminders to staff (DESIGN section 5).
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    unassigned_hours: int = 12
    warning_hours: int = 24
    evening_reminder_at: time = time(15, 0)
    # Where a volunteer may refer a seeker: the [[referrals]] directory and the organisations.
    referrals: tuple[Referral, ...] = ()

    def referral_name(self, referral_id: str) -> str:
        """Name a referral's organisation (its id if the directory no longer holds it)."""
        return next((r.name for r in self.referrals if r.id == referral_id), referral_id)

    def organisation(self, org_id: str) -> Organisation:
        """Return the organisation with *org_id*."""
        for org in self.organisations:
            if org.id == org_id:
                return org
        raise KeyError(org_id)

    def district(self, district_id: str) -> District:
        """Return the district with *district_id*."""
        for district in self.districts:
            if district.id == district_id:
                return district
        raise KeyError(district_id)


class DeliveryStatus(StrEnum):
    """Where an outbound message stands, as the provider reports it."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"  # WhatsApp
    UNDELIVERED = "undelivered"
    FAILED = "failed"

    @property
    def rank(self) -> int:
        """Order the states, so a late callback never moves a message backwards."""
        return _DELIVERY_RANK[self]

    @classmethod
    def from_provider(cls, status: str) -> DeliveryStatus | None:
        """Map the provider's status word; None for one we do not track."""
        aliases = {"accepted": cls.QUEUED, "scheduled": cls.QUEUED, "canceled": cls.FAILED}
        try:
            return aliases.get(status) or cls(status)
        except ValueError:
            return None


_DELIVERY_RANK = {
    DeliveryStatus.QUEUED: 0,
    DeliveryStatus.SENDING: 1,
    DeliveryStatus.SENT: 2,
    DeliveryStatus.DELIVERED: 3,
    DeliveryStatus.UNDELIVERED: 3,
    DeliveryStatus.FAILED: 3,
    DeliveryStatus.READ: 4,
}
