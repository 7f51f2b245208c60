"""Guessing invite codes: a few failures in a window, then a pause for that account only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.lockout import Lockout

T0 = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)


def test_five_failures_in_the_window_lock_the_key_for_an_hour() -> None:
    guard = Lockout()
    results = [guard.failed("a", T0 + timedelta(minutes=n)) for n in range(5)]
    assert results == [False, False, False, False, True]
    assert guard.locked("a", T0 + timedelta(minutes=30))
    assert not guard.locked("b", T0 + timedelta(minutes=30))  # others are not held up
    assert not guard.locked("a", T0 + timedelta(minutes=4, hours=1))


def test_failures_spread_beyond_the_window_never_lock() -> None:
    guard = Lockout()
    assert not any(guard.failed("a", T0 + timedelta(minutes=16 * n)) for n in range(20))
    assert not guard.locked("a", T0 + timedelta(hours=6))


def test_a_success_forgets_the_failures() -> None:
    guard = Lockout()
    for n in range(4):
        guard.failed("a", T0 + timedelta(minutes=n))
    guard.succeeded("a")
    assert not guard.failed("a", T0 + timedelta(minutes=5))


def test_memory_stays_bounded_under_many_keys() -> None:
    guard = Lockout()
    for n in range(60_000):
        guard.failed(n, T0 + timedelta(minutes=n // 1000))
    assert len(guard._failed) <= 30_000  # only the last 15 minutes' keys
