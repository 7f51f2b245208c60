"""Turn domain replies into translated text and labelled choices, for every channel."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from bot.domain.dialogue import N_, Choice, CommandName, Reply
from bot.i18n import Translator

SLASH_COMMANDS: dict[str, str] = {name.value: f"/{name.value}" for name in CommandName}
RLM = "\u200f"  # RIGHT-TO-LEFT MARK


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str
    selected: bool


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    options: tuple[Option, ...]
    step: str
    multiple: bool
    replaces_previous: bool


def render(reply: Reply, tr: Translator, commands: dict[str, str]) -> Rendered:
    """Translate *reply* for the reader, filling in the channel's command names."""
    options = tuple(
        Option(choice.value, _label(choice, tr, commands), choice.selected)
        for choice in reply.choices
    )
    text = "\n".join(
        [tr.format(reply.text, reply.params, commands, reply.plural, literal=reply.literal)]
        + [tr.format(line.text, line.params, commands) for line in reply.lines]
    )
    if tr.right_to_left:
        text = "\n".join(right_to_left(line) for line in text.split("\n"))
    return Rendered(
        text=text,
        options=options,
        step=reply.step,
        multiple=reply.multiple,
        replaces_previous=reply.replaces_previous,
    )


def _label(choice: Choice, tr: Translator, commands: dict[str, str]) -> str:
    if choice.literal:
        return choice.label
    return tr.format(choice.label, choice.params, commands)


def numbered(rendered: Rendered, tr: Translator, *, compact: bool = False) -> str:
    """Write the choices as a numbered list for channels without buttons (SMS, console).

    *compact* drops the blank lines and the hint for a single choice: every SMS segment
    is paid for, and "1 Yes / 2 No" explains itself.
    """
    if not rendered.options:
        return rendered.text
    separator = "" if compact else "."
    choices = [
        f"{number}{separator} {'✓ ' if option.selected else ''}{option.label}"
        for number, option in enumerate(rendered.options, start=1)
    ]
    if tr.right_to_left:
        choices = [right_to_left(choice) for choice in choices]
    hint = None
    if rendered.multiple:
        hint = tr.gettext(N_("Several numbers are fine, e.g. 1 3"))
    elif not compact:
        hint = tr.gettext(N_("Reply with a number."))
    if hint and tr.right_to_left:
        hint = right_to_left(hint)
    blocks = [rendered.text, "\n".join(choices)] + ([hint] if hint else [])
    return ("\n" if compact else "\n\n").join(blocks)


def right_to_left(line: str) -> str:
    """Make a line read right to left, marking it only where its first letter is not RTL.

    Each line is its own bidi paragraph, and its first strong letter sets its direction: a
    line that starts with a Latin name or "1 Svenska" would otherwise read left to right.
    The mark is added only where needed: on SMS every character counts.
    """
    for char in line:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return line
        if kind == "L":
            return RLM + line
    return line
