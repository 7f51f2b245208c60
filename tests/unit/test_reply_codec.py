"""Replies to the outbox's JSON and back: nothing a channel renders from is lost."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time

from bot.domain.dialogue import Choice, LanguageNames, Line, Reply, Translatable, Weekday
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
    languages = Reply("In {languages}", params={"languages": LanguageNames(("sv", "ar"))})
    replies = [
        QUESTION, Reply("Thank you", image=b"\x89PNG"), Reply("plain", literal=True), languages,
        Reply("New case {reference}", params={"reference": "K7M-4QX"}, protected=True),
    ]  # fmt: skip
    assert decode_replies(encode_replies(replies)) == replies


def test_only_what_differs_from_a_plain_reply_is_written() -> None:
    """Every queued message is sealed and stored: its size is most of what it costs."""
    assert json.loads(encode_replies([Reply("Hello", choices=(Choice("a", "A"),))])) == [
        {"text": "Hello", "choices": [["a", "A"]]}
    ]


def test_messages_queued_by_earlier_versions_still_read() -> None:
    """Rows written before held every field, each reply as a JSON string inside the list."""
    written_before = json.dumps(
        [
            json.dumps(
                {
                    "text": "Which of these fit? {when}",
                    "params": {"when": {"dt": "2026-11-28T18:30:00+00:00"}, "count": 2},
                    "lines": [["Open {day} at {at}", {"day": {"wd": 3}, "at": {"t": "18:00:00"}}]],
                    "plural": "Which of these fit?",
                    "choices": [
                        ["a", "Alpha", False, True, {}],
                        ["sv", "Svenska", True, False, {"role": {"tr": ["volunteer"]}}],
                    ],
                    "step": "needs",
                    "multiple": True,
                    "replaces": True,
                    "image": None,
                    "literal": False,
                }
            )
        ]
    )
    assert decode_replies(written_before) == [QUESTION]
    all_fields_as_one_list = json.dumps([json.loads(json.loads(written_before)[0])])
    assert decode_replies(all_fields_as_one_list) == [QUESTION]
