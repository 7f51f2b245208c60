"""Every reply of every path renders fully in Swedish and in English."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from bot.channels.render import SLASH_COMMANDS, numbered, render
from bot.domain.confirmation import confirmation_replies
from bot.domain.dialogue import CommandName, Reply
from bot.domain.intake import CaseSubmitted
from bot.domain.model import Channel, Partnership
from bot.i18n import Catalogs
from tests.unit.intake_driver import Seeker
from tests.unit.test_intake import complete


def full(seeker: Seeker) -> None:
    seeker.start()
    seeker.command(CommandName.HELP)
    complete(seeker)
    seeker.write("hello?")
    seeker.command(CommandName.STOP)


def refused(seeker: Seeker) -> None:
    seeker.command(CommandName.START)
    seeker.pick("en")
    seeker.write("maybe")
    seeker.pick("no")


def young_declined(seeker: Seeker) -> None:
    seeker.start()
    for value in ("relative", "under_18", "bromma", "no"):
        seeker.pick(value)


def outside(seeker: Seeker) -> None:
    seeker.start()
    for value in ("witness", "21_plus", "outside"):
        seeker.pick(value)


def others(seeker: Seeker) -> None:
    seeker.start()
    seeker.pick("skip")
    seeker.pick("21_plus")
    seeker.write("nowhere")
    seeker.pick("skip")
    for value in ("skip", "skip", "skip", "email"):
        seeker.pick(value)
    seeker.write("x")
    seeker.pick("chat")
    seeker.pick("other")
    seeker.write("Tigrinya")
    seeker.command(CommandName.LANGUAGE)
    seeker.pick("sv")
    seeker.command(CommandName.ERASE)


PATHS: dict[str, Callable[[Seeker], None]] = {
    "full": full,
    "refused": refused,
    "young_declined": young_declined,
    "outside": outside,
    "others": others,
}


def collect(partnership: Partnership, path: Callable[[Seeker], None]) -> list[Reply]:
    """Run a path and return every reply it produced, the confirmation included."""
    seen: list[Reply] = []
    for channel in (Channel.TELEGRAM, Channel.SMS):
        seeker = Seeker(partnership, channel=channel, phone="+46701234567")
        path(seeker)
        seen += seeker.history
        for event in seeker.events:
            if isinstance(event, CaseSubmitted):
                received = datetime(2026, 11, 24, 13, tzinfo=UTC)
                seen += confirmation_replies(
                    partnership, "ABC-234", event.answers, event.route, received
                )
    return seen


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("locale", ["sv", "en"])
def test_every_reply_renders(
    partnership: Partnership, catalogs: Catalogs, path: str, locale: str
) -> None:
    """No placeholder is left, and Swedish differs from the English source."""
    tr = catalogs.translator(locale)
    english = catalogs.translator("en")
    replies = collect(partnership, PATHS[path])
    assert replies
    for reply in replies:
        text = numbered(render(reply, tr, SLASH_COMMANDS), tr)
        assert "{" not in text and "}" not in text, text
        if locale == "sv":
            assert text != numbered(render(reply, english, SLASH_COMMANDS), english)


def test_dates_and_weekdays_in_the_readers_language(catalogs: Catalogs) -> None:
    """Dates, times and weekdays are written for the reader's locale in Stockholm time."""
    moment = datetime(2026, 7, 1, 16, 30, tzinfo=UTC)  # 18:30 in Stockholm (summer time)
    assert catalogs.translator("sv").datetime(moment) == "onsdag 1 juli 2026 18:30"
    assert "6:30" in catalogs.translator("en").datetime(moment)


def test_values_in_right_to_left_text_are_isolated(catalogs: Catalogs) -> None:
    """Numbers and references in Arabic keep their order: each sits in FSI ... PDI."""
    reply = Reply("Thank you. Your case number is {reference}.", params={"reference": "K7M-4QX"})
    arabic = render(reply, catalogs.translator("ar"), SLASH_COMMANDS).text
    assert "\u2068K7M-4QX\u2069" in arabic
    swedish = render(reply, catalogs.translator("sv"), SLASH_COMMANDS).text
    assert "\u2068" not in swedish
    assert "K7M-4QX" in swedish
