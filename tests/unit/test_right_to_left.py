"""Right-to-left languages: values isolated, lines that start in Latin marked, digits intact."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.channels.render import RLM, SLASH_COMMANDS, numbered, render, right_to_left
from bot.domain.confirmation import confirmation_replies
from bot.domain.conversation import Answers
from bot.domain.dialogue import Choice, Reply
from bot.domain.model import ContactMethod, Partnership
from bot.domain.routing import Route
from bot.i18n import Catalogs, default_locales_dir

FSI, PDI = "\u2068", "\u2069"
RTL = ("ar", "fa", "fa_AF", "ps", "ckb", "syr")
SHIPPED_RTL = [
    code for code in RTL if (default_locales_dir() / code / "LC_MESSAGES" / "messages.po").exists()
]


@pytest.mark.parametrize("code", SHIPPED_RTL)
def test_confirmation_isolates_reference_and_numbers(
    catalogs: Catalogs, partnership: Partnership, code: str
) -> None:
    """Case reference, phone numbers and dates sit in isolates; every line reads RTL."""
    tr = catalogs.translator(code)
    assert tr.right_to_left
    replies = confirmation_replies(
        partnership,
        "K7M-4QX",
        Answers(contact=ContactMethod.CALL),
        Route("vasterort"),
        datetime(2026, 11, 24, 13, tzinfo=UTC),
    )
    text = "\n".join(numbered(render(r, tr, SLASH_COMMANDS), tr, compact=True) for r in replies)
    assert f"{FSI}K7M-4QX{PDI}" in text
    for number in ("112", "114 14", "116 006", "020-50 50 50", "116 111"):
        assert f"{FSI}{number}{PDI}" in text, number
    assert f"{FSI}/delete{PDI}" in text
    for line in filter(None, text.split("\n")):
        assert right_to_left(line) == line, f"line does not start right to left: {line!r}"


@pytest.mark.parametrize("code", SHIPPED_RTL)
def test_numbered_choices_read_right_to_left(catalogs: Catalogs, code: str) -> None:
    """A choice in Latin script ("1 Svenska") is marked so it lines up with the others."""
    tr = catalogs.translator(code)
    reply = Reply("Which language do you want to write in?", choices=(
        Choice("sv", "Svenska", literal=True), Choice("en", "English", literal=True),
    ))  # fmt: skip
    lines = numbered(render(reply, tr, SLASH_COMMANDS), tr, compact=True).split("\n")
    assert lines[1:] == [f"{RLM}1 Svenska", f"{RLM}2 English"]


def test_left_to_right_text_is_untouched(catalogs: Catalogs) -> None:
    """Swedish gets no marks and no isolates."""
    tr = catalogs.translator("sv")
    text = render(
        confirmation_replies(
            load_partnership(), "K7M-4QX", Answers(), Route("vasterort"),
            datetime(2026, 11, 24, 13, tzinfo=UTC),
        )[0], tr, SLASH_COMMANDS,
    ).text  # fmt: skip
    assert FSI not in text
    assert RLM not in text


def load_partnership() -> Partnership:
    from bot.config import load_settings

    return load_settings({}).partnership


@pytest.mark.parametrize("count", [0, 1, 2, 3, 11, 100])
def test_arabic_plural_forms(catalogs: Catalogs, count: int) -> None:
    """ngettext picks Arabic's six CLDR forms; each keeps the number."""
    tr = catalogs.translator("ar")
    singular = "{name} will call you within {count} day, by {deadline} at the latest."
    plural = "{name} will call you within {count} days, by {deadline} at the latest."
    text = tr.format(singular, {"name": "X", "count": count, "deadline": "D"}, {}, plural)
    assert f"{FSI}{count}{PDI}" in text
    expected = {0: "يوم", 1: "يوم", 2: "يومين", 3: "أيام", 11: "يومًا", 100: "يوم"}[count]
    assert f"{PDI} {expected}" in text
