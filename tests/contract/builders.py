"""Values the contract tests store, built one way: answers, cases, staff, seekers, replies."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import datetime

from bot.domain.cases import CaseSource, NewCase, StaffRole
from bot.domain.conversation import Answers
from bot.domain.dialogue import Reply
from bot.domain.model import (
    AgeGroup,
    CallTime,
    Channel,
    Circumstance,
    ContactMethod,
    CrimeCategory,
    Gender,
    Role,
    SupportNeed,
)
from bot.ports import FollowUp, Recipient, Unit

SEEKER_PHONE = "+46701234567"
STAFF_CHAT = "9001"
_serial: Iterator[int] = itertools.count(1)


def answers(
    district_id: str | None = None,
    *,
    contact: ContactMethod | None = ContactMethod.CALL,
    talk_language: str | None = "sv",
    notes: str | None = "calls after six",
) -> Answers:
    """Return a finished intake's answers, every field given."""
    return Answers(
        consent=True,
        role=Role.VICTIM,
        age_group=AgeGroup.AGE_21_PLUS,
        district_id=district_id,
        crime=CrimeCategory.THREAT,
        circumstances=frozenset({Circumstance.HATE}),
        needs=frozenset({SupportNeed.TALK, SupportNeed.LEGAL_PROCESS}),
        contact=contact,
        phone=SEEKER_PHONE,
        email="seeker@example.org",
        call_time=CallTime.EVENING,
        call_time_note="not before six",
        voicemail_ok=True,
        sms_ok=False,
        talk_language=talk_language,
        talk_language_other=None,
        gender=Gender.WOMAN,
        notes=notes,
    )


def fresh_reference() -> str:
    """Return a reference no other test case has."""
    return f"T{next(_serial):05d}"


def references(*planned: str) -> Callable[[], str]:
    """Return a reference maker that hands out *planned* first, then fresh ones."""
    queue = list(planned)
    return lambda: queue.pop(0) if queue else fresh_reference()


async def add_case(
    unit: Unit,
    org_id: str,
    received_at: datetime,
    *,
    seeker_id: int | None = None,
    channel: Channel | None = None,
    source: CaseSource = CaseSource.BOT,
    told: Answers | None = None,
    new_reference: Callable[[], str] = fresh_reference,
) -> tuple[int, str]:
    """Store a case; one with a seeker came through *channel* (SMS unless said)."""
    if seeker_id is not None and channel is None:
        channel = Channel.SMS
    case = NewCase(
        org_id, source, "sv", received_at, told or answers(), channel=channel, seeker_id=seeker_id
    )
    return await unit.cases.add(case, new_reference)


async def add_staff(
    unit: Unit,
    org_id: str,
    telegram_id: int,
    now: datetime,
    role: StaffRole = StaffRole.VOLUNTEER,
    name: str = "Vera",
) -> int:
    """Register a staff member."""
    return await unit.staff.add(
        org_id=org_id, role=role, name=name, telegram_id=telegram_id, locale="sv", now=now
    )


async def add_seeker(
    unit: Unit, now: datetime, address: str = SEEKER_PHONE, channel: Channel = Channel.SMS
) -> int:
    """Register a seeker at *address*."""
    return await unit.intake.add_seeker(channel, address, now)


def say(*texts: str) -> list[Reply]:
    """Return one plain reply per text."""
    return [Reply(text) for text in texts]


def follow_up(text: str, address: str = STAFF_CHAT) -> FollowUp:
    """Return a follow-up to a staff chat on Telegram."""
    return FollowUp(Recipient(Channel.TELEGRAM, address, "en"), (Reply(text),))
