"""Channel-neutral messages in and out of a dialogue.

Replies carry message ids (English source strings marked with ``N_``) and parameters; the
channels translate and render them, so the domain never needs a locale or a catalog.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum


def N_(message: str) -> str:
    """Mark *message* for the seekers' catalog (every language); translated when rendered."""
    return message


def NP_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a message with plural forms; the reader's language picks the form for {count}."""
    return singular, plural


def S_(message: str) -> str:
    """Mark *message* for the staff catalog (Swedish and English); translated when rendered."""
    return message


@dataclass(frozen=True, slots=True)
class Translatable:
    """A parameter made of message ids, translated in the reader's locale and joined."""

    msgids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Weekday:
    """A parameter naming a day of the week (0 = Monday), written in the reader's locale."""

    number: int


@dataclass(frozen=True, slots=True)
class LanguageNames:
    """A parameter naming languages by code (sv, ar), in the reader's own language."""

    codes: tuple[str, ...]


Param = str | int | datetime | time | Weekday | Translatable | LanguageNames


@dataclass(frozen=True, slots=True)
class Choice:
    """One answer the seeker can pick; *label* is a message id unless *literal*."""

    value: str
    label: str
    literal: bool = False
    selected: bool = False
    params: dict[str, Param] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Line:
    """A further line of a message, translated and filled in on its own."""

    text: str
    params: dict[str, Param] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Reply:
    """One message, optionally with choices that belong to *step*."""

    text: str
    params: dict[str, Param] = field(default_factory=dict)
    lines: tuple[Line, ...] = ()
    plural: str | None = None  # the plural message id; params["count"] chooses the form
    choices: tuple[Choice, ...] = ()
    step: str = ""
    multiple: bool = False
    # A multiple-choice question re-sent after a toggle: channels that can edit the
    # message the button was on do so instead of sending a new one.
    replaces_previous: bool = False
    # A PNG picture sent with the text as its caption, where the channel can show one.
    image: bytes | None = None
    # The text is already in the reader's language (an information topic), not a message id.
    literal: bool = False
    # The reader's app should not let it be forwarded, copied or saved (Telegram's
    # protect_content): set for staff chats, where a copy would outlive the case's erasure.
    protected: bool = False


class CommandName(StrEnum):
    START = "start"
    HELP = "help"
    LANGUAGE = "language"
    ERASE = "delete"
    STOP = "stop"
    INFO = "info"
    MYDATA = "mydata"  # a copy of what we keep about the seeker (right of access)


@dataclass(frozen=True, slots=True)
class Text:
    """Free text the seeker wrote (an SMS, a Telegram message, a console line)."""

    text: str


@dataclass(frozen=True, slots=True)
class Pick:
    """A button the seeker pressed, naming the step it was shown for."""

    step: str
    value: str


@dataclass(frozen=True, slots=True)
class Command:
    """One of the commands a seeker can use at any step."""

    name: CommandName


Inbound = Text | Pick | Command
