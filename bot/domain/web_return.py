"""Coming back to a web chat without an account: the case reference and a code.

The browser keeps nothing, so a seeker who closed the tab (or left by quick exit) opens their
conversation again from any browser with two things they were shown: the case reference and a
code of eight characters. Both use the letters and digits that cannot be mistaken for others
when read aloud or typed on a small screen.
"""

from __future__ import annotations

import secrets

# No 0/O or 1/I/L.
READABLE = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8  # 31^8 ≈ 8.5·10^11: with guesses throttled, out of reach
REFERENCE_LENGTH = 6


def _grouped(chars: str, size: int) -> str:
    return "-".join(chars[i : i + size] for i in range(0, len(chars), size))


def new_code() -> str:
    """Return a new code to come back with, such as 'K7MQ-4XP2'."""
    return _grouped("".join(secrets.choice(READABLE) for _ in range(CODE_LENGTH)), 4)


def _typed(text: str, length: int) -> str | None:
    chars = "".join(text.split()).replace("-", "").upper()
    if len(chars) != length or any(c not in READABLE for c in chars):
        return None
    return chars


def typed_code(text: str) -> str | None:
    """Return the code as it is kept ('K7MQ4XP2') from what someone typed, else None.

    Case, spaces and dashes do not matter: people copy it from paper or a message.
    """
    return _typed(text, CODE_LENGTH)


def typed_reference(text: str) -> str | None:
    """Return the case reference as it is stored ('K7M-4QX') from what someone typed."""
    chars = _typed(text, REFERENCE_LENGTH)
    return None if chars is None else _grouped(chars, 3)
