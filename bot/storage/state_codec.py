"""Dialogue state to JSON and back, so a conversation survives a restart."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime
from typing import Any

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

_ENUMS: dict[str, Any] = {
    "role": Role,
    "age_group": AgeGroup,
    "area_kind": AreaKind,
    "crime": CrimeCategory,
    "contact": ContactMethod,
    "call_time": CallTime,
    "gender": Gender,
}
_SETS: dict[str, Any] = {"circumstances": Circumstance, "needs": SupportNeed}
_ANSWERS = tuple(f.name for f in fields(Answers))  # fields() is slow, and runs every turn
_KNOWN = frozenset(_ANSWERS)


def encode(state: IntakeState) -> str:
    """Write *state* as compact JSON."""
    answers: dict[str, Any] = {}
    for name in _ANSWERS:
        value = getattr(state.answers, name)
        if name in _SETS:
            value = sorted(str(v) for v in value)
        if value not in (None, []):
            answers[name] = value
    return json.dumps(
        {
            "step": state.step.value,
            "locale": state.locale,
            "started": state.started,
            "resume": state.resume.value if state.resume else None,
            "all_languages": state.all_languages,
            "started_at": state.started_at.isoformat() if state.started_at else None,
            "reference": state.reference,
            "org_id": state.org_id,
            "reading": state.reading,
            "answers": answers,
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )


def decode(text: str) -> IntakeState:
    """Read a state written by encode()."""
    data = json.loads(text)
    raw = data.get("answers", {})
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in _KNOWN:
            continue  # an answer an earlier version kept (young_consent) and this one does not
        if name in _ENUMS:
            values[name] = _ENUMS[name](value)
        elif name in _SETS:
            values[name] = frozenset(_SETS[name](v) for v in value)
        else:
            values[name] = value
    started_at = data.get("started_at")
    return IntakeState(
        step=Step(data["step"]),
        locale=data.get("locale", ""),
        answers=Answers(**values),
        started=bool(data.get("started")),
        resume=Step(data["resume"]) if data.get("resume") else None,
        all_languages=bool(data.get("all_languages")),
        started_at=datetime.fromisoformat(started_at) if started_at else None,
        reference=data.get("reference"),
        org_id=data.get("org_id"),
        reading=str(data.get("reading") or ""),
    )
