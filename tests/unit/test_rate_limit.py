"""A rate limit: so many in a window per key, then refused until the oldest ages out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.rate_limit import RateLimit

NOW = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)


def test_so_many_per_window_then_refused_until_the_oldest_ages_out() -> None:
    limit = RateLimit(3, timedelta(minutes=1))
    assert [limit.allow("a", NOW + timedelta(seconds=s)) for s in (0, 10, 20, 30)] == [
        True, True, True, False,
    ]  # fmt: skip
    assert limit.retry_after("a", NOW + timedelta(seconds=30)) == timedelta(seconds=30)
    assert limit.allow("b", NOW)  # another key counts for itself
    assert not limit.allow("a", NOW + timedelta(seconds=59))
    assert limit.allow("a", NOW + timedelta(seconds=60))  # the first aged out
    assert limit.retry_after("b", NOW) == timedelta(0)


def test_keys_whose_window_is_over_are_forgotten() -> None:
    limit = RateLimit(1, timedelta(seconds=1), prune_floor=10)
    for n in range(10):
        limit.allow(n, NOW)
    for n in range(11):
        limit.allow(f"late {n}", NOW + timedelta(seconds=5))  # the sweep comes at the 21st
    assert len(limit._seen) == 11  # the early ten, whose window is over, were swept out
    assert all(not limit.allow(f"late {n}", NOW + timedelta(seconds=5)) for n in range(11))
