"""Information a seeker can read at any time, in their language, without a volunteer.

The texts are files per language (locales/<lang>/info/<topic>.md), written in Swedish and
English from the authorities' own pages and translated from the English. Every number in
them is a placeholder filled from configuration, so a changed number changes in one place.
Opening the menu never moves the intake: "Back" returns to the question the seeker was at.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.domain.dialogue import N_, Choice, Param, Reply, Weekday
from bot.domain.model import Partnership

TOPICS = ("legal_process", "counsel", "compensation", "company", "other_help", "open_evening")
INFO_STEP = "info"  # the step every information button belongs to
# The longest a topic may be by SMS, with its two choices: every segment is paid for, and
# a UCS-2 text (Arabic, Cyrillic, Thai...) fits 67 characters in each.
SMS_SEGMENTS = 9
MENU = "menu"
BACK = "back"
# What the seeker last saw of the information, so a typed number means the right thing.
SHOWING_MENU = "menu"
SHOWING_TOPIC = "topic"

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True, slots=True)
class Topic:
    key: str
    title: str
    body: str  # with {placeholders} filled from configuration


@dataclass(frozen=True, slots=True)
class Library:
    """Every topic in every language that has them; English stands in for a missing one."""

    topics: Mapping[str, tuple[Topic, ...]] = field(default_factory=dict)
    fallback: str = "en"

    def for_locale(self, locale: str) -> tuple[Topic, ...]:
        """Return the topics in *locale*, or in the fallback language."""
        return self.topics.get(locale) or self.topics.get(self.fallback, ())


def parse_topic(key: str, text: str) -> Topic:
    """Read a topic file: a source comment, a "# Title" line, then the paragraphs."""
    lines = _COMMENT.sub("", text).strip().splitlines()
    if not lines or not lines[0].startswith("# "):
        raise ValueError(f"information topic {key!r}: the first line must be '# Title'")
    return Topic(key, lines[0][2:].strip(), "\n".join(lines[1:]).strip())


def values(partnership: Partnership, org_id: str | None) -> dict[str, Param]:
    """The placeholders of the texts, from configuration: numbers, organisations, evening."""
    numbers = partnership.numbers
    young = partnership.organisation(partnership.young_org_id)
    org = partnership.organisation(org_id or partnership.default_org_id)
    found: dict[str, Param] = {
        "emergency": numbers.emergency,
        "police": numbers.police,
        "national_line": numbers.national_line,
        "womens_line": numbers.womens_line,
        "children_line": numbers.children_line,
        "young_name": young.name,
        "young_phone": young.phone,
        "org_name": org.name,
        "org_phone": org.phone,
    }
    evening = partnership.open_evening
    if evening is not None:
        found |= {
            "open_weekday": Weekday(evening.weekday),
            "open_start": evening.start,
            "open_end": evening.end,
            "open_phone": evening.phone,
        }
    return found


def readable(topics: tuple[Topic, ...], params: Mapping[str, Param]) -> tuple[Topic, ...]:
    """The topics whose every placeholder has a value: without an open evening configured,
    the topic about it is left out rather than shown with a gap."""
    return tuple(t for t in topics if set(_PLACEHOLDER.findall(t.body)) <= params.keys())


def menu(topics: tuple[Topic, ...]) -> Reply:
    """List the topics, and a way back to where the seeker was."""
    choices = tuple(Choice(t.key, t.title, literal=True) for t in topics)
    return Reply(_MENU, choices=(*choices, Choice(BACK, _BACK)), step=INFO_STEP)


def topic_reply(topic: Topic, params: dict[str, Param]) -> Reply:
    """Show one topic, with the way to the other topics and back."""
    return Reply(
        topic.body,
        params=params,
        literal=True,
        choices=(Choice(MENU, _OTHER_TOPICS), Choice(BACK, _BACK)),
        step=INFO_STEP,
    )


def after_intake(button: bool) -> Reply:
    """Tell a seeker who has finished the intake where to read while they wait.

    A *button* only where a channel has them: on SMS a "1" after the intake is a message
    to the support person, so there the keyword alone is offered.
    """
    return Reply(HINT, choices=(Choice(MENU, _OPEN),) if button else (), step=INFO_STEP)


_MENU = N_("Information while you wait. Choose a topic:")
_BACK = N_("Back")
_OTHER_TOPICS = N_("Other topics")
_OPEN = N_("Information")
HINT = N_(
    "While you wait, you can read about the legal process, compensation and where else to "
    "get help: write {info}."
)
