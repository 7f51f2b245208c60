"""The web chat as a channel: the seeker's page posts what they write and reads what the
service says, by number, from the service (their device keeps nothing).

A chat is known by a random token the page holds for the open tab only; it is the seeker's
address, as a chat id is on Telegram. What the outbox sends to a chat is kept, sealed, until
the page reads it; whoever waits for it is woken at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from dataclasses import dataclass

from bot.channels.console import parse
from bot.channels.render import SLASH_COMMANDS, render
from bot.domain.dialogue import Command, CommandName, Inbound, Pick, Reply
from bot.domain.model import Channel
from bot.i18n import Catalogs
from bot.ports import Clock, Delivered, SendError, UnitsOfWork
from bot.services.intake import Hints, IntakeService

log = logging.getLogger(__name__)

TOKEN_BYTES = 24
WAITING_AT_MOST = 5_000  # pages waiting for news at once; more are told to ask again later
READ_AT_MOST = 50  # messages handed to a page at once


def new_chat() -> str:
    """Return a new chat's token (its address): unguessable, never shown to anyone else."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def looks_like_chat(token: str) -> bool:
    """Tell whether *token* could be a chat's (a malformed one is refused unread)."""
    return 20 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message as the page shows it."""

    number: int
    body: dict[str, object]


class Waiters:
    """Pages waiting for news, woken when a message for their chat is kept."""

    def __init__(self, at_most: int = WAITING_AT_MOST) -> None:
        self._events: dict[str, asyncio.Event] = {}
        self._counts: dict[str, int] = {}  # pages waiting, per chat
        self._waiting = 0
        self._at_most = at_most

    @property
    def watched(self) -> int:
        """How many chats have a page waiting (nothing is kept for a chat no one waits on)."""
        return len(self._events)

    def notify(self, address: str) -> None:
        """Wake whoever waits for *address*."""
        event = self._events.pop(address, None)
        if event is not None:
            event.set()

    async def wait(self, address: str, seconds: float) -> bool:
        """Wait until something is kept for *address*, or *seconds* pass; False if too many
        wait already (the page asks again later)."""
        if self._waiting >= self._at_most:
            return False
        event = self._events.setdefault(address, asyncio.Event())
        self._counts[address] = self._counts.get(address, 0) + 1
        self._waiting += 1
        try:
            async with asyncio.timeout(seconds):
                await event.wait()
        except TimeoutError:
            pass
        finally:
            self._waiting -= 1
            self._counts[address] -= 1
            if not self._counts[address]:
                del self._counts[address]
                if self._events.get(address) is event:
                    del self._events[address]  # the last one gave up: forget the chat
        return True


class WebChatSender:
    """Keeps what the outbox sends to a chat for its page to read."""

    def __init__(
        self, units: UnitsOfWork, catalogs: Catalogs, clock: Clock, waiters: Waiters
    ) -> None:
        self._units = units
        self._catalogs = catalogs
        self._clock = clock
        self._waiters = waiters

    async def send(
        self, channel: Channel, address: str, locale: str, replies: list[Reply], edit_of: int | None
    ) -> Delivered:
        """Render and keep the replies; their numbers are the chat's own."""
        tr = self._catalogs.translator(locale)
        bodies = []
        for reply in replies:
            shown = render(reply, tr, SLASH_COMMANDS)
            bodies.append(
                json.dumps(
                    {
                        "text": shown.text,
                        "step": shown.step,
                        "multiple": shown.multiple,
                        "options": [
                            {"value": o.value, "label": o.label, "selected": o.selected}
                            for o in shown.options
                        ],
                        "rtl": tr.right_to_left,
                        "lang": tr.code,
                    },
                    ensure_ascii=False,
                )
            )
        now = self._clock.now()
        async with self._units.begin() as unit:
            seeker = await unit.intake.find_seeker(channel, address)
            if seeker is None:
                raise SendError("the chat is gone", permanent=True)
            numbers = [await unit.webchat.add(seeker, body, now) for body in bodies]
        self._waiters.notify(address)
        return Delivered(provider_id=str(numbers[-1]) if numbers else None)


class WebChatAdapter:
    """Turns what a page posts into turns of the dialogue, and reads back what was kept."""

    def __init__(self, intake: IntakeService, units: UnitsOfWork, waiters: Waiters) -> None:
        self._intake = intake
        self._units = units
        self._waiters = waiters

    async def start(self, locale: str | None = None) -> str:
        """Open a new chat and begin the intake (in *locale*, chosen on the page, if given)."""
        address = new_chat()
        # As a Telegram user's own language: the greeting is in it, with the others offered.
        hints = Hints(locale=locale)
        await self._intake.handle(Channel.WEBCHAT, address, Command(CommandName.START), hints)
        log.info("webchat.started")
        return address

    async def write(self, address: str, text: str) -> bool:
        """Take what the seeker typed (a /command too); False for a chat that is not one."""
        return await self._turn(address, parse(text))

    async def press(self, address: str, step: str, value: str) -> bool:
        """Take a button the seeker pressed; False for a chat that is not one."""
        return await self._turn(address, Pick(step, value))

    async def _turn(self, address: str, inbound: Inbound) -> bool:
        if not await self._known(address):
            return False
        await self._intake.handle(Channel.WEBCHAT, address, inbound)
        return True

    async def read(self, address: str, after: int, wait: float) -> list[ChatMessage] | None:
        """Return the chat's messages after number *after*, waiting up to *wait* seconds for
        one; None for a chat that is not one (or was erased)."""
        found = await self._since(address, after)
        if found is None or found or wait <= 0:
            return found
        await self._waiters.wait(address, wait)
        return await self._since(address, after)

    async def _known(self, address: str) -> bool:
        async with self._units.begin() as unit:
            return await unit.intake.find_seeker(Channel.WEBCHAT, address) is not None

    async def _since(self, address: str, after: int) -> list[ChatMessage] | None:
        async with self._units.begin() as unit:
            seeker = await unit.intake.find_seeker(Channel.WEBCHAT, address)
            if seeker is None:
                return None
            rows = await unit.webchat.since(seeker, after, READ_AT_MOST)
        return [ChatMessage(number, json.loads(body)) for number, body in rows]
