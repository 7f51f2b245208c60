"""A review pack for a native speaker (issue 23): one plain text file per language with every
seeker string numbered, the English source beside the translation and where it is used, the
language's glossary and the information texts; their corrections merge back by number.

    python -m bot.review_pack write sv build/review/sv.md
    python -m bot.review_pack merge sv build/review/sv.md

A reviewer edits only the lines that start with the language's code ("sv: ...") and the
information texts between their markers; everything else is context.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

LOCALES = Path(__file__).resolve().parent.parent / "locales"
_ENTRY = re.compile(r"^### (\d+)$")
_INFO = re.compile(r"^<<< info/(\w+\.md)$")
_INFO_END = ">>>"


def _catalog(lang: str, locales: Path) -> Catalog:
    with (locales / lang / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return read_po(file, locale=None)


def _entries(catalog: Catalog) -> list[tuple[int, Message]]:
    return list(enumerate((m for m in catalog if m.id), start=1))


def write(lang: str, locales: Path = LOCALES) -> str:
    """The review pack for *lang* as text."""
    out = [
        f"# Jourbot: what seekers read, in {lang}, for a native reviewer",
        "",
        "Correct only the lines that start with `" + lang + ":` (one per form), and the",
        "information texts between `<<<` and `>>>`. Keep every {placeholder} as it is.",
        "Send the file back as it is: it is merged by the numbers.",
        "",
    ]
    glossary = locales / lang / "glossary.toml"
    if glossary.exists():
        out += [
            "## Glossary (one word per concept)",
            "",
            "```",
            glossary.read_text("utf-8"),
            "```",
            "",
        ]
    out += ["## Strings", ""]
    for number, message in _entries(_catalog(lang, locales)):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        where = ", ".join(sorted({str(path) for path, _ in message.locations}))
        out.append(f"### {number}")
        out.append(f"where: {where}")
        out += [f"note: {comment}" for comment in message.auto_comments]
        out += [f"en: {_one_line(str(text))}" for text in ids]
        out += [f"{lang}: {_one_line(str(text or ''))}" for text in strings]
        out.append("")
    out += ["## Information texts", ""]
    for english in sorted((locales / "en" / "info").glob("*.md")):
        translated = locales / lang / "info" / english.name
        out += [
            f"English ({english.name}):",
            "",
            "```",
            english.read_text("utf-8").strip(),
            "```",
            "",
        ]
        if translated.exists():
            out += [
                f"<<< info/{english.name}",
                translated.read_text("utf-8").strip(),
                _INFO_END,
                "",
            ]
    return "\n".join(out) + "\n"


def merge(lang: str, text: str, locales: Path = LOCALES) -> int:
    """Merge a reviewed pack back into *lang*'s catalog and texts; return what changed."""
    catalog = _catalog(lang, locales)
    entries = dict(_entries(catalog))
    changed = 0
    number: int | None = None
    forms: list[str] = []
    info_name: str | None = None
    info_lines: list[str] = []

    def flush() -> None:
        nonlocal changed
        if number is None or not forms or number not in entries:
            return
        message = entries[number]
        new: str | tuple[str, ...] = tuple(forms) if isinstance(message.string, tuple) else forms[0]
        if new != message.string:
            message.string = new
            changed += 1

    for line in text.splitlines():
        if info_name is not None:
            if line == _INFO_END:
                path = locales / lang / "info" / info_name
                body = "\n".join(info_lines).strip() + "\n"
                if path.read_text("utf-8") != body:
                    path.write_text(body, "utf-8")
                    changed += 1
                info_name, info_lines = None, []
            else:
                info_lines.append(line)
            continue
        if found := _ENTRY.match(line):
            flush()
            number, forms = int(found.group(1)), []
        elif found := _INFO.match(line):
            flush()
            number, forms = None, []
            info_name = found.group(1)
        elif line.startswith(f"{lang}: ") and number is not None:
            forms.append(line[len(lang) + 2 :].replace("\\n", "\n"))
    flush()
    with (locales / lang / "LC_MESSAGES" / "messages.po").open("wb") as file:
        write_po(file, catalog, width=0, sort_by_file=True, ignore_obsolete=True)
    return changed


def _one_line(text: str) -> str:
    return text.replace("\n", "\\n")


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] not in ("write", "merge"):
        sys.stderr.write(f"{__doc__}\n")
        return 2
    command, lang, path = argv
    if command == "write":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(write(lang), "utf-8")
        sys.stdout.write(f"wrote {path}\n")
    else:
        changed = merge(lang, Path(path).read_text("utf-8"))
        sys.stdout.write(f"merged {changed} changes into {lang}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
