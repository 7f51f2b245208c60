"""The review pack a native speaker reads without tools, and their corrections merged back."""

from __future__ import annotations

import shutil
from pathlib import Path

from babel.messages.pofile import read_po

from bot.review_pack import merge, write
from tests.glossary import LOCALES


def copy_of(tmp_path: Path, *langs: str) -> Path:
    for lang in langs:
        shutil.copytree(LOCALES / lang, tmp_path / lang)
    return tmp_path


def test_a_reviewers_corrections_are_merged_back(tmp_path: Path) -> None:
    locales = copy_of(tmp_path, "en", "sv")
    pack = write("sv", locales)
    assert "## Glossary" in pack and "pattern" in pack  # the glossary comes along
    assert "en: Which fits you best?" in pack
    with (locales / "sv" / "LC_MESSAGES" / "messages.po").open("rb") as file:
        role = read_po(file).get("Which fits you best?")
    assert role is not None and f"sv: {role.string}" in pack  # the translation beside it
    assert "<<< info/open_evening.md" in pack and "# Öppen kväll" in pack
    before = pack.count("### ")
    assert before > 100  # every string, numbered

    old = next(line for line in pack.splitlines() if line.startswith("sv: ") and "{" not in line)
    with (locales / "sv" / "LC_MESSAGES" / "messages.po").open("rb") as file:
        before_count = [m.string for m in read_po(file) if m.id].count(old.removeprefix("sv: "))
    edited = pack.replace(old, "sv: RÄTTAD RAD", 1).replace(
        "# Öppen kväll", "# Öppen kväll (granskad)", 1
    )
    assert merge("sv", edited, locales) == 2
    with (locales / "sv" / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalog = read_po(file)
    strings = [m.string for m in catalog if m.id]
    assert "RÄTTAD RAD" in strings
    assert strings.count(old.removeprefix("sv: ")) == before_count - 1  # that one entry
    assert "# Öppen kväll (granskad)" in (locales / "sv" / "info" / "open_evening.md").read_text()
    assert merge("sv", write("sv", locales), locales) == 0  # nothing changed: nothing written
