"""Invite codes: short, random, one-time, and kept only as a hash."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from bot.domain.cases import StaffRole

_INVITE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def hash_code(code: str) -> str:
    """Store invites by hash, so a copy of the database does not hand out accounts."""
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def new_invite_code() -> str:
    """Return a one-time code such as 'JQ4K-8WXM' (31^8 ≈ 8·10^11 of them)."""
    chars = [secrets.choice(_INVITE_ALPHABET) for _ in range(8)]
    return "".join(chars[:4]) + "-" + "".join(chars[4:])


def looks_like_invite(text: str) -> bool:
    """Tell whether *text* has an invite code's shape (a start link's parameter, say)."""
    head, dash, tail = text.upper().partition("-")
    return dash == "-" and len(head) == len(tail) == 4 and set(head + tail) <= set(_INVITE_ALPHABET)


@dataclass(frozen=True, slots=True)
class Invite:
    code: str
    org_id: str
    role: StaffRole
    expires_at: datetime
