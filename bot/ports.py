"""Small protocols the services depend on; storage and channels implement them."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Protocol

from bot.domain.conversation import Answers, IntakeState
from bot.domain.model import Channel, IntakeOutcome
from bot.domain.routing import Route


class Clock(Protocol):
    def now(self) -> datetime:
        """Return the current moment, timezone-aware in UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Return the current moment in UTC."""
        return datetime.now(UTC)


class IntakeUnit(Protocol):
    """What one intake turn reads and writes, inside one transaction."""

    async def find_seeker(self, channel: Channel, address: str) -> int | None: ...
    async def add_seeker(self, channel: Channel, address: str, now: datetime) -> int: ...
    async def load_conversation(self, seeker_id: int) -> IntakeState | None: ...
    async def save_conversation(
        self, seeker_id: int, state: IntakeState, now: datetime
    ) -> None: ...
    async def has_case(self, seeker_id: int) -> bool: ...
    async def forget_seeker(self, seeker_id: int) -> None: ...
    async def create_case(
        self,
        *,
        seeker_id: int,
        channel: Channel,
        answers: Answers,
        route: Route,
        locale: str,
        received_at: datetime,
        new_reference: Callable[[], str],
    ) -> str: ...
    async def record_outcome(
        self, outcome: IntakeOutcome, channel: Channel, locale: str, now: datetime
    ) -> None: ...


class IntakeUnits(Protocol):
    def intake(self) -> AbstractAsyncContextManager[IntakeUnit]:
        """Open one transaction for an intake turn."""
        ...
