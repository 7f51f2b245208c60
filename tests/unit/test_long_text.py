"""Messages longer than a channel takes are cut into parts that fit, at a break where one is."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.channels.long_text import TELEGRAM_LIMIT, split_text, utf16_length


def test_a_short_text_is_one_part() -> None:
    assert split_text("Hej", TELEGRAM_LIMIT, utf16_length) == ["Hej"]


def test_a_relayed_message_of_the_full_limit_with_its_header_is_two_parts() -> None:
    text = "Message from the seeker in K7M-4QX:\n" + "word " * 819 + "end"
    parts = split_text(text, TELEGRAM_LIMIT, utf16_length)
    assert len(parts) == 2
    assert all(utf16_length(p) <= TELEGRAM_LIMIT for p in parts)
    assert parts[0].endswith("word")  # cut at a space, not inside a word
    assert " ".join(parts).split() == text.split()


def test_characters_outside_the_basic_plane_count_twice() -> None:
    text = "😀" * 3000  # 6,000 UTF-16 code units
    parts = split_text(text, TELEGRAM_LIMIT, utf16_length)
    assert [utf16_length(p) for p in parts] == [4096, 1904]
    assert "".join(parts) == text


@given(st.text(min_size=0, max_size=3000), st.integers(min_value=1, max_value=300))
def test_every_part_fits_and_nothing_but_breaks_is_lost(text: str, limit: int) -> None:
    parts = split_text(text, limit, utf16_length)
    assert all(utf16_length(p) <= limit for p in parts if len(p) > 1)
    assert "".join(parts).replace("\n", "").replace(" ", "") == (
        text.replace("\n", "").replace(" ", "")
    )
