"""Catalogs cannot silently rot: complete, not fuzzy, same placeholders, current template.

`pybabel compile` writes a .mo even after a placeholder error and counts fuzzy entries as
translated, so these checks read the .po files themselves.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot.i18n import Catalogs, default_locales_dir

LOCALES = default_locales_dir()
ROOT = LOCALES.parent
PO_FILES = sorted(LOCALES.glob("*/LC_MESSAGES/messages.po"))
# Seekers read `messages` in every shipped language; staff read `staff` in these.
STAFF_LOCALES = ("sv", "en")
STAFF_FILES = [LOCALES / code / "LC_MESSAGES" / "staff.po" for code in STAFF_LOCALES]
KEYWORDS: dict[str, Any] = {
    "messages": {"N_": None, "NP_": (1, 2), "_": None, "gettext": None, "ngettext": (1, 2)},
    "staff": {"S_": None, "SP_": (1, 2)},
}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def read(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def template_ids(domain: str = "messages") -> set[str]:
    return {
        m.id if isinstance(m.id, str) else m.id[0] for m in read(LOCALES / f"{domain}.pot") if m.id
    }


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_swedish_and_english_are_shipped() -> None:
    """Both languages of the first release have a catalog."""
    assert {p.parent.parent.name for p in PO_FILES} >= {"sv", "en"}


@pytest.mark.parametrize("domain", ["messages", "staff"])
def test_template_matches_the_code(domain: str) -> None:
    """Every marked string in the code is in the template, and nothing stale is left there."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:  # what `make extract` reads
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    found = extract_from_dir(
        str(ROOT), method_map=method_map, options_map=options_map, keywords=KEYWORDS[domain]
    )
    in_code = {(msgid if isinstance(msgid, str) else msgid[0]) for _, _, msgid, *_ in found}
    assert in_code == template_ids(domain), "run `make extract` and translate the new strings"


def catalog_problems(catalog: Catalog, wanted: set[str]) -> list[str]:
    """List what is wrong with *catalog* against the template's message ids."""
    messages: dict[str, Message] = {
        (m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id
    }
    problems = []
    for msgid in sorted(wanted):
        message = messages.get(msgid)
        if message is None:
            problems.append(f"missing: {msgid!r}")
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = (
            [message.string] if isinstance(message.string, str) else list(message.string or ())
        )
        if len(ids) > 1 and len(strings) != catalog.num_plurals:
            problems.append(f"{len(strings)} of {catalog.num_plurals} plural forms: {msgid!r}")
        expected = set().union(*(placeholders(i) for i in ids))
        for string in strings:
            if not string.strip():
                problems.append(f"untranslated: {msgid!r}")
            elif placeholders(string) != expected:
                problems.append(f"placeholders {placeholders(string)} != {expected}: {msgid!r}")
            elif msgid.count("\n") != string.count("\n"):
                problems.append(f"line count differs: {msgid!r}")
    return problems


@pytest.mark.parametrize(
    "po", PO_FILES + STAFF_FILES, ids=lambda p: f"{p.parent.parent.name}-{p.stem}"
)
def test_catalog_is_complete(po: Path) -> None:
    """Every template string is translated, none is fuzzy, placeholders match exactly."""
    assert po.exists(), f"{po} is missing"
    assert catalog_problems(read(po), template_ids(po.stem)) == []


def _broken(change: str) -> list[str]:
    catalog = read(LOCALES / "sv" / "LC_MESSAGES" / "messages.po")
    plural = next(m for m in catalog if isinstance(m.id, tuple))
    single = catalog.get("Thank you. Your case number is {reference}.")
    assert single is not None
    assert isinstance(single.string, str)
    assert isinstance(plural.string, tuple)
    if change == "blank":
        single.string = ""
    elif change == "fuzzy":
        single.flags.add("fuzzy")
    elif change == "placeholder":
        single.string = single.string.replace("{reference}", "{referens}")
    elif change == "plural form":
        plural.string = (plural.string[0],)
    elif change == "missing":
        catalog.delete(single.id)
    elif change == "newline":
        single.string = single.string + "\n"
    return catalog_problems(catalog, template_ids())


@pytest.mark.parametrize(
    "change", ["blank", "fuzzy", "placeholder", "plural form", "missing", "newline"]
)
def test_the_check_catches_a_broken_entry(change: str) -> None:
    """A blanked, fuzzied, renamed, missing or short-of-forms entry fails the check."""
    assert len(_broken(change)) == 1


def test_the_check_passes_an_intact_catalog() -> None:
    """Without a change the same catalog passes, so the failures above are the changes."""
    assert _broken("none") == []


def test_compiled_catalogs_load(catalogs: Catalogs) -> None:
    """Every catalog is compiled and translates, so a seeker never sees the wrong language."""
    assert set(catalogs.codes) == {p.parent.parent.name for p in PO_FILES}
    sv = catalogs.translator("sv")
    assert sv.gettext("Skip") != "Skip"


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("sv", "Svenska"),
        ("en", "English"),
        ("ar", "العربية"),
        ("fa_AF", "دری"),
        ("bs", "Bosanski/Hrvatski/Srpski"),
        ("ckb", "کوردی (سۆرانی)"),
        ("ku", "Kurdî (Kurmancî)"),
        ("syr", "ܣܘܪܝܝܐ"),
        ("ti", "ትግርኛ"),
    ],
)
def test_native_language_names(catalogs: Catalogs, code: str, name: str) -> None:
    """Languages are listed in their own names, as our users write them."""
    assert catalogs.native_name(code) == name
