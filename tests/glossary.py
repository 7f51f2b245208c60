"""One word per concept and language (issue 23): a glossary per language says how the seeker
catalog and the information texts name a support person, a case number, the open evening,
Stockholm, Stödcentrum, consent and erasing, and which variants a review found wrong.

`locales/<lang>/glossary.toml`, one table per concept:

    [support_person]
    pattern = "stödperson"          # a regular expression the translation must contain
    wrong = ["kurator"]             # regular expressions it must never contain

Wherever the English source names a concept (ENGLISH below), the translation must match the
pattern; nowhere in the language may a wrong variant appear. A pattern may allow inflection
("tukihenkilö\\w*"). Run `python -m tests.glossary xx` to list what breaks for one language.
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES = Path(__file__).resolve().parent.parent / "locales"

# How the English source names each concept (placeholders and /commands are left out first).
ENGLISH = {
    "support_person": r"(?i)\bsupport persons?\b",
    "case_number": r"(?i)\bcase (number|reference)\b",
    "open_evening": r"(?i)\bopen evening\b",
    "stockholm": r"\bStockholm\b",
    "stodcentrum": r"\bStödcentrum\b",
    "consent": r"\bMay we store\b",
    "erase": r"(?i)\b(erase|erased|erases|erasing)\b",
}
_NOISE = re.compile(r"\{\w+\}|/\w+")  # placeholders and commands are not words of the text


@dataclass(frozen=True, slots=True)
class Term:
    pattern: str
    wrong: tuple[str, ...] = ()


def glossary(lang: str, text: str | None = None) -> dict[str, Term]:
    """Read a language's glossary (or *text* written as one)."""
    path = LOCALES / lang / "glossary.toml"
    data = tomllib.loads(text if text is not None else path.read_text(encoding="utf-8"))
    return {
        concept: Term(str(entry["pattern"]), tuple(str(w) for w in entry.get("wrong", ())))
        for concept, entry in data.items()
    }


def texts(lang: str) -> Iterator[tuple[str, str, str]]:
    """Yield (where, English, translation) for every catalog entry and information text."""
    with (LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalog = read_po(file, locale=None)
    for message in catalog:
        if not message.id or not message.string:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            yield f"messages.po: {source[:60]!r}", source, str(string)
    for english in sorted((LOCALES / "en" / "info").glob("*.md")):
        translated = LOCALES / lang / "info" / english.name
        if translated.exists():
            yield (
                f"info/{english.name}",
                english.read_text(encoding="utf-8"),
                translated.read_text(encoding="utf-8"),
            )


def problems(
    lang: str, terms: Mapping[str, Term], found: Iterator[tuple[str, str, str]] | None = None
) -> list[str]:
    """What breaks the glossary in *lang*: a concept named otherwise, or a wrong variant."""
    broken = []
    for where, source, translation in found if found is not None else texts(lang):
        source, translation = _NOISE.sub(" ", source), _NOISE.sub(" ", translation)
        for concept, term in terms.items():
            english = ENGLISH.get(concept)
            if english and re.search(english, source) and not re.search(term.pattern, translation):
                broken.append(f"{where}: {concept} is not named {term.pattern!r}")
            for wrong in term.wrong:
                if re.search(wrong, translation):
                    broken.append(f"{where}: {concept} named {wrong!r}, a wrong variant")
    return broken


if __name__ == "__main__":
    for problem in problems(sys.argv[1], glossary(sys.argv[1])):
        print(problem)
