"""The board's "overdue" as an arrival time: exactly the cases whose deadline has passed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import load_settings
from bot.domain.board import overdue_up_to
from bot.domain.confirmation import first_contact_deadline
from bot.domain.model import Partnership

SHIPPED = load_settings({}).partnership

# Around both daylight-saving changes of 2026 in Stockholm, and ordinary days.
MOMENTS = st.datetimes(
    min_value=datetime(2026, 3, 20), max_value=datetime(2026, 11, 10), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=0))


@settings(max_examples=300, deadline=None)
@given(now=MOMENTS)
def test_overdue_up_to_is_the_last_arrival_past_its_deadline(now: datetime) -> None:
    cutoff = overdue_up_to(SHIPPED, now)
    assert first_contact_deadline(SHIPPED, cutoff) <= now
    assert first_contact_deadline(SHIPPED, cutoff + timedelta(seconds=1)) > now


def test_across_the_spring_change(partnership: Partnership) -> None:
    # 29 March 2026, 02:00 local does not exist: a case from 26 March 02:30 is due then.
    now = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST
    cutoff = overdue_up_to(partnership, now)
    assert first_contact_deadline(partnership, cutoff) <= now
    assert first_contact_deadline(partnership, cutoff + timedelta(seconds=1)) > now
