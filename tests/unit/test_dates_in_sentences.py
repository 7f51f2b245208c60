"""A deadline read inside a sentence, in every shipped language (issue 23): the order day,
month, year and time as the language writes it, no Latin comma in a right-to-left script, and
Finnish's "torstaina … klo"."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from babel import Locale
from babel.support import Translations

from bot.i18n import Translator
from tests.glossary import LOCALES

SHIPPED = sorted(p.parent.parent.name for p in LOCALES.glob("*/LC_MESSAGES/messages.po"))
THURSDAY = datetime(2026, 11, 26, 13, 0, tzinfo=UTC)  # 14:00 in Stockholm
RIGHT_TO_LEFT = {"ar", "fa", "fa_AF", "ps", "ckb", "syr"}


def written(code: str) -> str:
    locale = Locale.parse(code)
    return Translator(code, locale, Translations(), ZoneInfo("Europe/Stockholm")).datetime(THURSDAY)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("sv", "torsdag 26 november 2026 14:00"),
        ("fi", "torstaina 26. marraskuuta 2026 klo 14.00"),
        ("ckb", "پێنجشەممە، 26 تشرینی دووەم 2026، 2:00 د.ن"),
        ("ps", "پنج شنبه 26 نومبر 2026 14:00"),
    ],
)
def test_the_sentence_reads_as_the_language_writes_it(code: str, expected: str) -> None:
    assert written(code) == expected


@pytest.mark.parametrize("code", SHIPPED)
def test_every_language_writes_the_day_the_year_and_the_time(code: str) -> None:
    text = written(code)
    assert "26" in text and "2026" in text  # the day and the year, in Latin digits as stored
    if code in RIGHT_TO_LEFT:
        assert "," not in text, text  # an Arabic comma, never a Latin one
    # The weekday comes before the year (Sorani's CLDR pattern put the year first).
    assert text.index("2026") > text.index("26")
