"""Answers typed on SMS: numbers in any script, the words of a choice, the short language list."""

from __future__ import annotations

import pytest

from bot.domain.conversation import Language
from bot.domain.dialogue import CommandName
from bot.domain.model import Channel, Partnership, Role
from bot.domain.questions import Step
from bot.domain.typed import words
from tests.unit.intake_driver import Seeker

SWEDISH = {
    "Yes": "Ja",
    "No": "Nej",
    "It happened to me": "Det har hänt mig",
    "I am close to someone it happened to": "Det har hänt någon som står mig nära",
    "Skip": "Hoppa över",
}
MANY = (
    Language("sv", "Svenska"),
    Language("en", "English"),
    Language("ar", "العربية"),
    Language("so", "Soomaali"),
    Language("fa", "فارسی"),
)


def swedish(locale: str, msgid: str) -> str:
    return SWEDISH.get(msgid, msgid) if locale == "sv" else msgid


def at_consent(partnership: Partnership, locale: str = "sv") -> Seeker:
    seeker = Seeker(partnership, channel=Channel.SMS, label=swedish)
    seeker.command(CommandName.START)
    seeker.pick(locale)
    assert seeker.step is Step.CONSENT
    return seeker


@pytest.mark.parametrize("typed", ["1", " 1. ", "1)", "١", "۱", "１"])
def test_numbers_in_any_script(partnership: Partnership, typed: str) -> None:
    """Western, Arabic-Indic, Persian and full-width digits, with punctuation, pick choice 1."""
    seeker = at_consent(partnership)
    seeker.write(typed)
    assert seeker.step is Step.ROLE


@pytest.mark.parametrize("typed", ["ja", "JA!", "Ja.", "yes", "Yes please"])
def test_words_of_a_choice(partnership: Partnership, typed: str) -> None:
    """The label in the seeker's language or in English, any case or punctuation."""
    seeker = at_consent(partnership)
    seeker.write(typed)
    expected = Step.CONSENT if typed == "Yes please" else Step.ROLE
    assert seeker.step is expected


def test_whole_label_or_unique_first_word(partnership: Partnership) -> None:
    """A first word shared by two choices is asked again; the whole label picks."""
    seeker = at_consent(partnership)
    seeker.write("ja")
    seeker.write("det")  # starts two of the choices
    assert seeker.step is Step.ROLE
    seeker.write("Det har hänt mig")
    assert seeker.state.answers.role is Role.VICTIM
    assert seeker.step is Step.AGE


def test_nej_refuses(partnership: Partnership) -> None:
    """A typed "nej" is the same as pressing No."""
    seeker = at_consent(partnership)
    seeker.write("Nej")
    assert seeker.step is Step.ENDED


def test_sms_offers_a_short_language_list_first(partnership: Partnership) -> None:
    """On SMS: the suggested language, Swedish, English, and "other languages"."""
    seeker = Seeker(partnership, channel=Channel.SMS, suggested="so", languages=MANY)
    seeker.command(CommandName.START)
    assert [c.value for c in seeker.last.choices] == ["so", "sv", "en", "more"]
    seeker.write("4")
    assert [c.value for c in seeker.last.choices] == ["so", "sv", "en", "ar", "fa"]
    seeker.write("4")
    assert (seeker.state.locale, seeker.step) == ("ar", Step.CONSENT)


def test_language_named_even_when_not_listed(partnership: Partnership) -> None:
    """A seeker may write the name of a language that is not on the short list."""
    seeker = Seeker(partnership, channel=Channel.SMS, languages=MANY)
    seeker.command(CommandName.START)
    seeker.write("فارسی")
    assert seeker.state.locale == "fa"


def test_telegram_shows_every_language(partnership: Partnership) -> None:
    """Buttons cost nothing: Telegram lists every language at once."""
    seeker = Seeker(partnership, languages=MANY)
    seeker.command(CommandName.START)
    assert len(seeker.last.choices) == len(MANY)


def test_area_on_sms_is_written_not_listed(partnership: Partnership) -> None:
    """On SMS the fourteen districts are not listed; the seeker writes the area."""
    seeker = at_consent(partnership)
    for answer in ("ja", "1", "3"):
        seeker.write(answer)
    assert seeker.step is Step.AREA
    assert [c.value for c in seeker.last.choices] == ["outside", "skip"]
    seeker.write("Rinkeby")
    assert seeker.state.answers.district_id == "jarva"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hjälp!", "hjalp"),  # Latin accents aside: phones without the keys
        ("  RADERA ", "radera"),
        ("1, 3.", "1 3"),
        ("ＳＴＯＰ", "stop"),
        ("", ""),
    ],
)
def test_words(text: str, expected: str) -> None:
    """Folding for matching: case, width and punctuation aside."""
    assert words(text) == expected
