"""Drive the pure intake dialogue the way a seeker would, for the unit tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from bot.domain.conversation import IntakeContext, IntakeState, Language
from bot.domain.dialogue import Command, CommandName, Inbound, Pick, Reply, Text
from bot.domain.intake import Event, advance
from bot.domain.model import Channel, Partnership
from bot.domain.questions import Step

NOW = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
LANGUAGES = (Language("en", "English"), Language("sv", "Svenska"))


class Seeker:
    """A seeker talking to the dialogue, remembering what it said back."""

    def __init__(
        self,
        partnership: Partnership,
        channel: Channel = Channel.TELEGRAM,
        suggested: str | None = None,
        phone: str | None = None,
        languages: tuple[Language, ...] = LANGUAGES,
        label: Callable[[str, str], str] | None = None,
    ) -> None:
        self.ctx = IntakeContext(
            partnership=partnership,
            languages=languages,
            channel=channel,
            suggested_locale=suggested,
            channel_phone=phone,
        )
        if label is not None:
            self.ctx = replace(self.ctx, label=label)
        self.state = IntakeState()
        self.replies: list[Reply] = []
        self.history: list[Reply] = []  # every reply so far, in order
        self.events: list[Event] = []

    def send(self, inbound: Inbound) -> list[Reply]:
        turn = advance(self.state, inbound, NOW, self.ctx)
        self.state, self.replies = turn.state, turn.replies
        self.history += turn.replies
        if turn.event is not None:
            self.events.append(turn.event)
        return turn.replies

    def pick(self, value: str) -> list[Reply]:
        return self.send(Pick(self.state.step, value))

    def write(self, text: str) -> list[Reply]:
        return self.send(Text(text))

    def command(self, name: CommandName) -> list[Reply]:
        return self.send(Command(name))

    @property
    def step(self) -> Step:
        return self.state.step

    @property
    def last(self) -> Reply:
        return self.replies[-1]

    def start(self, locale: str = "en") -> None:
        self.command(CommandName.START)
        self.pick(locale)
        self.pick("yes")  # consent
