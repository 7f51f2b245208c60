"""Replies to the outbox's JSON and back: nothing a channel renders from is lost."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time

from bot.domain.dialogue import Choice, Line, Reply, Translatable, Weekday
from bot.storage.reply_codec import decode_replies, encode_replies

QUESTION = Reply(
    "Which of these fit? {when}",
    params={"when": datetime(2026, 11, 28, 18, 30, tzinfo=UTC), "count": 2},
    lines=(Line("Open {day} at {at}", {"day": Weekday(3), "at": time(18, 0)}),),
    plural="Which of these fit?",
    choices=(
        Choice("a", "Alpha", selected=True),
        Choice("sv", "Svenska", literal=True, params={"role": Translatable(("volunteer",))}),
    ),
    step="needs",
    multiple=True,
    replaces_previous=True,
    literal=False,
)


def test_replies_come_back_equal() -> None:
    replies = [QUESTION, Reply("Thank you", image=b"\x89PNG"), Reply("plain", literal=True)]
    assert decode_replies(encode_replies(replies)) == replies


def test_a_message_queued_by_an_earlier_version_still_reads() -> None:
    """Rows written before held each reply as a JSON string inside the list."""
    [item] = json.loads(encode_replies([QUESTION]))
    older = json.dumps([json.dumps(item)])
    assert decode_replies(older) == [QUESTION]
