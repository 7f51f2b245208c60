"""Where a seeker's intake stands, and what the dialogue knows about its surroundings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.information import Library
from bot.domain.model import (
    AgeGroup,
    AreaKind,
    CallTime,
    Channel,
    Circumstance,
    ContactMethod,
    CrimeCategory,
    Gender,
    Partnership,
    Role,
    SupportNeed,
)
from bot.domain.questions import Step


@dataclass(frozen=True, slots=True)
class Answers:
    """What the seeker has told us so far; None means not asked or skipped."""

    consent: bool | None = None
    role: Role | None = None
    age_group: AgeGroup | None = None
    area_kind: AreaKind | None = None
    district_id: str | None = None
    crime: CrimeCategory | None = None
    circumstances: frozenset[Circumstance] = frozenset()
    needs: frozenset[SupportNeed] = frozenset()
    contact: ContactMethod | None = None
    phone: str | None = None
    email: str | None = None
    call_time: CallTime | None = None
    call_time_note: str | None = None
    voicemail_ok: bool | None = None
    sms_ok: bool | None = None
    talk_language: str | None = None
    talk_language_other: str | None = None
    gender: Gender | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class IntakeState:
    step: Step = Step.LANGUAGE
    locale: str = ""
    answers: Answers = field(default_factory=Answers)
    started: bool = False
    resume: Step | None = None  # where to go back to after a change of language
    all_languages: bool = False  # the seeker asked for the full language list
    started_at: datetime | None = None
    reference: str | None = None
    org_id: str | None = None  # the organisation that has the seeker's case
    reading: str = ""  # what of the information the seeker last saw (a menu, a topic)


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    name: str  # in the language itself


@dataclass(frozen=True, slots=True)
class IntakeContext:
    partnership: Partnership
    languages: tuple[Language, ...]
    channel: Channel
    default_locale: str = "sv"
    suggested_locale: str | None = None
    channel_phone: str | None = None  # the sender's own number on SMS, in E.164
    # How a choice's label reads in a locale, so a typed word can pick it: (locale, msgid).
    label: Callable[[str, str], str] = field(default=lambda _locale, msgid: msgid)
    information: Library = field(default_factory=Library)

    def shipped(self, code: str | None) -> str | None:
        """Return the shipped locale that best matches *code* ("en-GB" -> "en"), if any."""
        if not code:
            return None
        codes = {lang.code for lang in self.languages}
        for candidate in (code, code.replace("-", "_"), code.split("-")[0].split("_")[0]):
            if candidate in codes:
                return candidate
        return None
