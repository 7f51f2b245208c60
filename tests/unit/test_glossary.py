"""One word per concept in every shipped language (issue 23): wherever the English names a
support person, a case number, the open evening, Stockholm, Stödcentrum, consent or erasing,
the catalog and the information texts use the glossary's word, and never a wrong variant."""

from __future__ import annotations

import pytest

from tests.glossary import LOCALES, glossary, problems

SHIPPED = sorted(p.parent.parent.name for p in LOCALES.glob("*/LC_MESSAGES/messages.po"))


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_language_names_each_concept_one_way(lang: str) -> None:
    terms = glossary(lang)
    assert {"support_person", "case_number", "erase"} <= set(terms), lang
    assert problems(lang, terms) == []


def test_the_check_catches_a_counsellor_for_a_support_person() -> None:
    """The review's own finding: Arabic info texts called the support person مشاور
    ("counsellor", a promise of a professional) while the catalog said مرافق. The old text
    fails; the fixed one passes."""
    terms = glossary(
        "ar",
        '[support_person]\npattern = "الشخص الداعم"\nwrong = ["مشاور"]\n',
    )
    english = "Your support person will contact you as agreed."
    old = [("info/open_evening.md", english, "سيتصل بك المشاور كما اتفقنا.")]
    fixed = [("info/open_evening.md", english, "سيتصل بك الشخص الداعم كما اتفقنا.")]
    assert problems("ar", terms, iter(old)) == [
        "info/open_evening.md: support_person is not named 'الشخص الداعم'",
        "info/open_evening.md: support_person named 'مشاور', a wrong variant",
    ]
    assert problems("ar", terms, iter(fixed)) == []


def test_placeholders_and_commands_are_not_words() -> None:
    """ "{delete}" and "/delete" are the seeker's commands, not the concept of erasing."""
    terms = glossary("sv", '[erase]\npattern = "radera"\n')
    found = [("po", "Write {delete} or /delete.", "Skriv {delete} eller /delete.")]
    assert problems("sv", terms, iter(found)) == []
