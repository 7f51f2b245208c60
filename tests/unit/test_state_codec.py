"""Dialogue state survives the trip to the database and back."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.conversation import Answers, IntakeState
from bot.domain.model import (
    AgeGroup,
    AreaKind,
    CallTime,
    Circumstance,
    ContactMethod,
    CrimeCategory,
    Gender,
    Role,
    SupportNeed,
)
from bot.domain.questions import Step
from bot.storage.state_codec import decode, encode


def test_round_trip_with_every_answer() -> None:
    """Every field of a full state comes back equal."""
    state = IntakeState(
        step=Step.NOTES,
        locale="sv",
        started=True,
        resume=Step.AGE,
        started_at=datetime(2026, 11, 24, 13, 0, tzinfo=UTC),
        reference="ABC-234",
        answers=Answers(
            consent=True,
            role=Role.WITNESS,
            age_group=AgeGroup.AGE_18_20,
            area_kind=AreaKind.DISTRICT,
            district_id="bromma",
            crime=CrimeCategory.FRAUD,
            circumstances=frozenset({Circumstance.HATE, Circumstance.HONOUR}),
            needs=frozenset({SupportNeed.COUNSEL}),
            contact=ContactMethod.CALL,
            phone="+46701234567",
            email="a@b.se",
            call_time=CallTime.EVENING,
            call_time_note="late",
            voicemail_ok=False,
            sms_ok=True,
            talk_language="other",
            talk_language_other="Tigrinya",
            gender=Gender.OTHER,
            notes="note",
        ),
    )
    assert decode(encode(state)) == state


def test_round_trip_of_a_fresh_state() -> None:
    """An empty state stays empty."""
    assert decode(encode(IntakeState())) == IntakeState()


def test_a_state_an_earlier_version_wrote_still_reads() -> None:
    """Stored mid-intake with an answer no longer kept (young_consent): the intake goes on."""
    stored = (
        '{"step":"crime","locale":"sv","started":true,"answers":'
        '{"consent":true,"age_group":"18_20","young_consent":true}}'
    )
    state = decode(stored)
    assert state.step is Step.CRIME
    assert state.answers == Answers(consent=True, age_group=AgeGroup.AGE_18_20)
