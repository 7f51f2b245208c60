"""SMS encoding and segment counting, GSM folding, keywords and the phone's language."""

from __future__ import annotations

import pytest

from bot.channels.sms import OPT_IN_WORDS, OPT_OUT_WORDS, KeywordClash, keywords
from bot.domain.dialogue import CommandName
from bot.domain.sms import Encoding, Segments, fold_to_gsm, segments
from bot.i18n import Catalogs, locale_for_phone


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Segments(Encoding.GSM7, 1)),
        ("a" * 160, Segments(Encoding.GSM7, 1)),
        ("a" * 161, Segments(Encoding.GSM7, 2)),
        ("a" * 306, Segments(Encoding.GSM7, 2)),
        ("a" * 307, Segments(Encoding.GSM7, 3)),
        ("Hälsningar från Åre, Öland", Segments(Encoding.GSM7, 1)),
        ("€" * 80, Segments(Encoding.GSM7, 1)),  # each takes two septets
        ("€" * 81, Segments(Encoding.GSM7, 2)),
        ("a" * 69 + "–", Segments(Encoding.UCS2, 1)),
        ("a" * 70 + "–", Segments(Encoding.UCS2, 2)),
        ("مرحبا" * 14, Segments(Encoding.UCS2, 1)),
        ("مرحبا" * 27, Segments(Encoding.UCS2, 3)),
        ("😀" * 35, Segments(Encoding.UCS2, 1)),  # two UTF-16 units each
    ],
)
def test_segments(text: str, expected: Segments) -> None:
    """One non-GSM character makes it UCS-2: 160/153 against 70/67."""
    assert segments(text) == expected


def test_folding_keeps_a_swedish_text_in_gsm() -> None:
    """Dashes, bullets and curly quotes become their GSM look-alikes."""
    text = "Öppen kväll: onsdag 18:00–20:00\n• Polisen: 114 14\n“Ring” … ’nu’"
    folded = fold_to_gsm(text)
    assert folded == "Öppen kväll: onsdag 18:00-20:00\n- Polisen: 114 14\n\"Ring\" ... 'nu'"
    assert segments(text).encoding is Encoding.UCS2
    assert segments(folded).encoding is Encoding.GSM7


def test_keywords_in_every_language_never_collide(catalogs: Catalogs) -> None:
    """Each keyword means one command, and none is an opt-out or opt-in word."""
    found = keywords(catalogs)
    assert found["help"] is CommandName.HELP
    assert found["hjalp"] is CommandName.HELP
    assert found["radera"] is CommandName.ERASE
    assert found["delete"] is CommandName.ERASE
    assert found["sprak"] is CommandName.LANGUAGE
    assert not set(found) & (OPT_OUT_WORDS | OPT_IN_WORDS - {"start"})
    for code in catalogs.codes:
        tr = catalogs.translator(code)
        local = [tr.gettext(word) for word in ("HELP", "DELETE", "LANGUAGE")]
        assert len(set(local)) == 3, code
        assert all(" " not in word for word in local), code


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("+46701234567", "sv"),
        ("+447700900123", "en"),
        ("+14155550100", "en"),
        ("+4915112345678", None),  # German: no catalog
        ("+964", None),
        ("not a number", None),
    ],
)
def test_locale_for_phone(number: str, expected: str | None) -> None:
    """The country code suggests a shipped language."""
    assert locale_for_phone(number, ("sv", "en")) == expected


def test_dari_for_afghan_numbers() -> None:
    """Afghanistan gets Dari where it is shipped, before Persian."""
    assert locale_for_phone("+93701234567", ("fa", "fa_AF", "ps")) == "fa_AF"
    assert locale_for_phone("+9647701234567", ("ar", "ckb")) == "ar"


def test_a_keyword_clash_between_languages_stops_start_up(catalogs: Catalogs) -> None:
    """If two catalogs used one keyword for different commands, start-up would refuse."""
    from dataclasses import replace

    sv = catalogs.translator("sv")

    class Clashing:
        codes = ("sv", "xx")

        def translator(self, code: str) -> object:
            if code == "sv":
                return sv
            return replace(sv, translations=_Fake({"HELP": "RADERA"}))  # type: ignore[arg-type]

    with pytest.raises(KeywordClash):
        keywords(Clashing())  # type: ignore[arg-type]


class _Fake:
    def __init__(self, table: dict[str, str]) -> None:
        self.table = table

    def gettext(self, msgid: str) -> str:
        return self.table.get(msgid, msgid)


@pytest.mark.parametrize(
    ("typed", "keyword"),
    [
        ("sil", "SİL"),
        ("Sil", "SIL"),
        ("yardım", "YARDIM"),
        ("ช่วย", "ช่วย"),
        ("Radera!", "RADERA"),
        ("pomoc", "POMOĆ"),
        ("HJALP", "HJÄLP"),
        ("obrisi", "OBRIŠI"),
    ],
)
def test_keywords_match_as_people_type_them(typed: str, keyword: str) -> None:
    """Turkish dotted and dotless i, Thai marks and punctuation do not break a keyword."""
    from bot.domain.typed import words

    assert words(typed) == words(keyword)
