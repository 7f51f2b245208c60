"""What one message and its reply cost in trips to the database, so it cannot creep back up.

An SMS: kept in the inbox, its turn (opt-out, dialogue, answer queued, inbox emptied), the
answer claimed and recorded as sent with its cost. A Telegram update: its turn, the claim and
the record. The worker's idle look at the table afterwards is not counted.
"""

from __future__ import annotations

from bench.transactions import count


async def test_an_sms_costs_four_trips_and_a_telegram_update_three() -> None:
    trips = await count()
    for name, run in trips.items():
        on_its_path = run.get("run", 0) + run.get("transaction", 0)
        assert on_its_path <= (4 if name.startswith("sms") else 3), (name, run)
