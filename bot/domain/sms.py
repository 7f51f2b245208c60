"""What an SMS costs: GSM-7 or UCS-2 encoding and the number of segments.

One character outside the GSM 03.38 alphabet makes the whole message UCS-2: 70 characters
in a single segment, 67 per segment once concatenated, instead of GSM-7's 160 and 153.
Every segment is paid for, so typographic characters with a GSM look-alike are folded first.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from math import ceil

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")  # each takes an escape septet too

_FOLD = str.maketrans(
    {
        "–": "-",
        "—": "-",
        "‐": "-",
        "•": "-",
        "‘": "'",
        "’": "'",
        "“": '"',
        "”": '"',
        "…": "...",
        "✓": "*",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
    }
)


class Encoding(StrEnum):
    GSM7 = "gsm7"
    UCS2 = "ucs2"


@dataclass(frozen=True, slots=True)
class Segments:
    encoding: Encoding
    count: int


def fold_to_gsm(text: str) -> str:
    """Replace typographic characters with their GSM look-alikes (dash, quotes, bullet)."""
    return text.translate(_FOLD)


def segments(text: str) -> Segments:
    """Count the segments *text* is sent in."""
    if all(c in GSM_BASIC or c in GSM_EXTENSION for c in text):
        septets = sum(2 if c in GSM_EXTENSION else 1 for c in text)
        return Segments(Encoding.GSM7, 1 if septets <= 160 else ceil(septets / 153))
    units = len(text.encode("utf-16-le")) // 2
    return Segments(Encoding.UCS2, 1 if units <= 70 else ceil(units / 67))
