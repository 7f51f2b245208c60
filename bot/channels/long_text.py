"""Split a message longer than its channel allows into parts that each fit."""

from __future__ import annotations

from collections.abc import Callable

# Telegram counts a message's length in UTF-16 code units: an emoji or a rare script's
# character outside the basic plane is two.
TELEGRAM_LIMIT = 4096


def utf16_length(text: str) -> int:
    """Count *text* as Telegram does."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int, length: Callable[[str], int] = len) -> list[str]:
    """Cut *text* into parts of at most *limit*, at a line break or a space where one is near."""
    parts: list[str] = []
    rest = text
    while length(rest) > limit:
        cut = _longest_prefix(rest, limit, length)
        for mark in ("\n", " "):
            at = rest.rfind(mark, 0, cut)
            if at > cut // 2:  # a break in the second half: not a sliver of a part
                cut = at + 1
                break
        parts.append(rest[:cut].rstrip(" \n"))
        rest = rest[cut:].lstrip("\n")
    parts.append(rest)
    return parts


def _longest_prefix(text: str, limit: int, length: Callable[[str], int]) -> int:
    """Return how many characters of *text* fit in *limit* (at least one)."""
    low, high = 1, min(len(text), limit)
    while low < high:  # the largest n with length(text[:n]) <= limit
        middle = (low + high + 1) // 2
        if length(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return low
