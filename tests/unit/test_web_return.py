"""Coming back to a web chat: the code's form, its hash, and the puzzle asked under load."""

from __future__ import annotations

from bot.domain.web_return import READABLE, new_code, typed_code, typed_reference
from bot.services.web_return import code_matches, hash_code
from bot.web.challenge import Challenges, leading_zero_bits, solves
from tests.conftest import FakeClock


def test_a_code_is_eight_readable_characters_in_two_groups() -> None:
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200  # random, not a sequence
    for code in codes:
        first, second = code.split("-")
        assert len(first) == len(second) == 4
        assert set(first + second) <= set(READABLE)
        assert not set(first + second) & set("01OIL")  # nothing read as something else


def test_what_is_typed_is_read_whatever_the_case_spaces_and_dashes() -> None:
    assert typed_code("k7mq-4xp2") == "K7MQ4XP2"
    assert typed_code(" K7MQ 4XP2 ") == "K7MQ4XP2"
    assert typed_code("K7MQ4XP") is None  # too short
    assert typed_code("K7MQ-4XP0") is None  # 0 is never in a code
    assert typed_reference("k7m 4qx") == "K7M-4QX"
    assert typed_reference("K7M-4QX-2") is None


def test_only_a_salted_hash_of_the_code_is_kept_and_it_matches_only_the_code() -> None:
    kept = hash_code("K7MQ4XP2")
    assert "K7MQ4XP2" not in kept and kept.startswith("scrypt$")
    assert kept != hash_code("K7MQ4XP2")  # a fresh salt each time
    assert code_matches("K7MQ4XP2", kept)
    assert not code_matches("K7MQ4XP3", kept)
    assert not code_matches("K7MQ4XP2", kept.replace("scrypt", "plain", 1))


def test_zero_bits_are_counted_from_the_first_byte() -> None:
    assert leading_zero_bits(b"\x00\x00\xff") == 16
    assert leading_zero_bits(b"\x00\x01") == 15
    assert leading_zero_bits(b"\x80") == 0
    assert leading_zero_bits(b"\x00\x00") == 16


def _solution(challenge: str, bits: int) -> str:
    return next(str(n) for n in range(1_000_000) if solves(challenge, str(n), bits))


def test_a_puzzle_is_taken_once_fresh_and_only_when_solved(clock: FakeClock) -> None:
    puzzles = Challenges(clock, bits=8)
    challenge = puzzles.new()
    answer = _solution(challenge, 8)
    wrong = next(str(n) for n in range(1_000) if not solves(challenge, str(n), 8))
    assert not puzzles.take(challenge, wrong)
    assert puzzles.take(challenge, answer)
    assert not puzzles.take(challenge, answer)  # once
    stale = puzzles.new()
    clock.advance(minutes=3)
    assert not puzzles.take(stale, _solution(stale, 8))  # too old
    forged = puzzles.new().rsplit(".", 1)[0] + "." + "0" * 32
    assert not puzzles.take(forged, _solution(forged, 8))  # not signed by us
    other = Challenges(clock, bits=8).new()
    assert not puzzles.take(other, _solution(other, 8))  # another service's key
