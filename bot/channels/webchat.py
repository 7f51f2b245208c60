"""The web chat as a channel: the seeker's page posts what they write and reads what the
service says, by number, from the service (their device keeps nothing).

A chat's address is a random token only the service knows, as a chat id is on Telegram; the
page holds a pass to it for the open tab only. What the outbox sends to a chat is kept,
sealed, until a page reads it; whoever waits for it is woken at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bot.channels.console import parse
from bot.channels.render import SLASH_COMMANDS, render
from bot.domain.dialogue import Command, CommandName, Inbound, Pick, Reply
from bot.domain.model import Channel
from bot.i18n import Catalogs
from bot.ports import ChatPass, Clock, Delivered, SendError, Unit, UnitsOfWork
from bot.services import web_return
from bot.services.intake import Hints, IntakeService
from bot.services.web_return import Refused, Turn, WebReturn

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


class ChatBusy(Exception):
    """Too many pages wait already: this one asks again a little later."""


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

    @contextmanager
    def watching(self, address: str) -> Iterator[asyncio.Event | None]:
        """Watch *address* while the block runs: the event is set once something is kept for
        it from the moment the block began, so nothing kept while the caller still reads is
        missed. None if too many pages wait already (the page asks again later)."""
        if self._waiting >= self._at_most:
            yield None
            return
        event = self._events.setdefault(address, asyncio.Event())
        self._counts[address] = self._counts.get(address, 0) + 1
        self._waiting += 1
        try:
            yield event
        finally:
            self._waiting -= 1
            self._counts[address] -= 1
            if not self._counts[address]:
                del self._counts[address]
                if self._events.get(address) is event:
                    del self._events[address]  # the last one gave up: forget the chat


async def _set_within(event: asyncio.Event, seconds: float) -> bool:
    """Wait for *event* at most *seconds*; tell whether it was set."""
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        return False
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


def pass_hash(chat_pass: str) -> str:
    """Return what is kept of a page's pass: its SHA-256 (the pass itself is random)."""
    return hashlib.sha256(chat_pass.encode()).hexdigest()


class WebChatAdapter:
    """Turns what a page posts into turns of the dialogue, and reads back what was kept.

    A page holds a pass, never the chat's address: quick exit ends the pass and the chat
    goes on without a page (what is written to the seeker waits), until the seeker comes
    back with their case reference and code, and a new pass.
    """

    def __init__(
        self,
        intake: IntakeService,
        units: UnitsOfWork,
        waiters: Waiters,
        returns: WebReturn,
        clock: Clock,
    ) -> None:
        self._intake = intake
        self._units = units
        self._waiters = waiters
        self._returns = returns
        self._clock = clock

    @property
    def open_chats(self) -> int:
        """How many chats have a page reading them now."""
        return self._waiters.watched

    async def start(self, locale: str | None = None) -> str:
        """Open a new chat and begin the intake (in *locale*, chosen on the page, if given);
        return the page's pass."""
        address = new_chat()
        # As a Telegram user's own language: the greeting is in it, with the others offered.
        hints = Hints(locale=locale)
        await self._intake.handle(Channel.WEBCHAT, address, Command(CommandName.START), hints)
        chat_pass, now = new_chat(), self._clock.now()

        async def open_pass(unit: Unit) -> None:
            seeker = await unit.intake.find_seeker(Channel.WEBCHAT, address)
            if seeker is None:
                raise RuntimeError("the greeting keeps the seeker")
            await unit.webchat.open_pass(seeker, pass_hash(chat_pass), now)

        await self._units.run(open_pass)
        log.info("webchat.started")
        return chat_pass

    async def write(self, chat_pass: str, text: str) -> bool:
        """Take what the seeker typed (a /command too); False for a pass that is not one."""
        return await self._turn(chat_pass, parse(text))

    async def press(self, chat_pass: str, step: str, value: str) -> bool:
        """Take a button the seeker pressed; False for a pass that is not one."""
        if step != web_return.STEP:
            return await self._turn(chat_pass, Pick(step, value))
        held = await self._holder(chat_pass)
        if held is None:
            return False
        async with self._units.lookup() as unit:
            state = await unit.intake.load_conversation(held.seeker_id)
        locale = state.locale if state is not None and state.locale else self._intake.default_locale
        await self._returns.press(Turn(held.seeker_id, held.address, locale), value)
        return True

    async def _turn(self, chat_pass: str, inbound: Inbound) -> bool:
        held = await self._holder(chat_pass)
        if held is None:
            return False
        answer = await self._intake.handle(Channel.WEBCHAT, held.address, inbound)
        await self._returns.offer(Turn(held.seeker_id, held.address, answer.locale))
        return True

    async def read(self, chat_pass: str, after: int, wait: float) -> list[ChatMessage] | None:
        """Return the chat's messages after number *after*, waiting up to *wait* seconds for
        one; None for a pass that is not one (ended, or its chat erased)."""
        held = await self._holder(chat_pass)
        if held is None:
            return None
        if wait <= 0:
            return await self._since(chat_pass, held, after)
        with self._waiters.watching(held.address) as kept:
            found = await self._since(chat_pass, held, after)
            if found:
                return found
            if kept is None:
                raise ChatBusy
            if not await _set_within(kept, wait):
                return []  # nothing was kept meanwhile: nothing new to read
        held = await self._holder(chat_pass)  # ended while it waited: the page starts over
        return None if held is None else await self._since(chat_pass, held, after)

    async def close(self, chat_pass: str, seen: int) -> bool:
        """End a pass (quick exit): what its page showed is dropped, and an intake not yet
        finished is forgotten whole, as one that ends without a case. False for no pass."""
        held = await self._holder(chat_pass)
        if held is None:
            return False

        async def close(unit: Unit) -> None:
            seeker = await unit.webchat.close_pass(pass_hash(chat_pass), seen)
            if seeker is not None and not await unit.intake.has_case(seeker):
                await unit.intake.forget_seeker(seeker)

        await self._units.run(close)
        self._waiters.notify(held.address)  # a page still waiting on it stops
        log.info("webchat.closed")
        return True

    async def come_back(self, client: str, reference: str, code: str) -> str | Refused:
        """Open a seeker's chat again for the page that typed their case reference and code;
        return its new pass. Every other page of theirs loses its pass."""
        found = await self._returns.come_back(client, reference, code)
        if isinstance(found, Refused):
            return found
        chat_pass, now = new_chat(), self._clock.now()

        async def reopen(unit: Unit) -> None:
            await unit.webchat.close_passes(found)
            await unit.webchat.open_pass(found, pass_hash(chat_pass), now)

        await self._units.run(reopen)
        held = await self._holder(chat_pass)
        if held is not None:
            self._waiters.notify(held.address)  # pages that held the old passes stop
        return chat_pass

    async def _holder(self, chat_pass: str) -> ChatPass | None:
        async with self._units.lookup() as unit:
            return await unit.webchat.holder(pass_hash(chat_pass))

    async def _since(self, chat_pass: str, held: ChatPass, after: int) -> list[ChatMessage]:
        async def since(unit: Unit) -> list[tuple[int, str]]:
            if after > held.seen:  # asking after a number says the page has shown it
                await unit.webchat.saw(pass_hash(chat_pass), after)
            return await unit.webchat.since(held.seeker_id, after, READ_AT_MOST)

        if after > held.seen:
            rows = await self._units.run(since)
        else:
            async with self._units.lookup() as unit:
                rows = await unit.webchat.since(held.seeker_id, after, READ_AT_MOST)
        return [ChatMessage(number, json.loads(body)) for number, body in rows]
