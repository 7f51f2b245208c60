"""Small protocols the services depend on; storage and channels implement them."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from bot.domain.conversation import Answers, IntakeState
from bot.domain.model import Channel, DeliveryStatus, IntakeOutcome
from bot.domain.routing import Route
from bot.domain.sms import Segments


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

    async def claim_inbound(self, channel: Channel, provider_id: str, now: datetime) -> bool: ...
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


class MessageUnit(Protocol):
    """Opt-outs and delivery records, inside one transaction."""

    async def recipient(self, channel: Channel, address: str) -> tuple[int | None, bool]: ...
    async def opt_out(self, channel: Channel, address: str, now: datetime) -> int: ...
    async def opt_in(self, channel: Channel, address: str) -> None: ...
    async def record_outbound(
        self,
        *,
        channel: Channel,
        seeker_id: int | None,
        provider_id: str | None,
        status: DeliveryStatus,
        error_code: int | None,
        segments: Segments | None,
        now: datetime,
    ) -> None: ...
    async def delivery_status(self, provider_id: str) -> DeliveryStatus | None: ...
    async def opt_out_recipient_of(self, provider_id: str, now: datetime) -> None: ...
    async def set_delivery_status(
        self, provider_id: str, status: DeliveryStatus, error_code: int | None, now: datetime
    ) -> None: ...


class Unit(Protocol):
    """One transaction, with the queries of each use case."""

    @property
    def intake(self) -> IntakeUnit: ...
    @property
    def messages(self) -> MessageUnit: ...


class UnitsOfWork(Protocol):
    def begin(self) -> AbstractAsyncContextManager[Unit]:
        """Open one transaction; commit when the block ends, roll back on error."""
        ...


@dataclass(frozen=True, slots=True)
class SentMessage:
    provider_id: str
    status: DeliveryStatus


class DeliveryError(Exception):
    """The provider refused or failed to take a message.

    *permanent* means retrying cannot help (an invalid or opted-out number); *opted_out*
    means the recipient told the carrier to stop (Twilio error 21610).
    """

    def __init__(self, code: int | None, http_status: int, *, permanent: bool, opted_out: bool):
        super().__init__(f"delivery failed: code={code} http={http_status}")
        self.code = code
        self.http_status = http_status
        self.permanent = permanent
        self.opted_out = opted_out


class TextGateway(Protocol):
    """Sends a text message (SMS or WhatsApp) to an address."""

    async def send(self, to: str, body: str) -> SentMessage:
        """Hand *body* to the provider for *to*, or raise DeliveryError."""
        ...
