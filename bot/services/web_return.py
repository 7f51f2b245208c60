"""Coming back to a web chat: a seeker with a case gets a code, and with it and the case
reference opens the conversation again from any browser.

Only a salted scrypt hash of the code is kept, so a copy of the database does not let anyone
in; guesses are counted per client and per case reference, and both are locked out for a
while after a few wrong ones. The seeker can ask for a new code or for none.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import os
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from bot.domain.dialogue import N_, Choice, Reply
from bot.domain.lockout import Lockout
from bot.domain.model import Channel
from bot.domain.web_return import new_code, typed_code, typed_reference
from bot.ports import Clock, Recipient, Unit, UnitsOfWork
from bot.services.outbox import Outbox, queue

log = logging.getLogger(__name__)

STEP = "way-back"  # the step of the code message's buttons; the chat, not the intake, takes it
RENEW, DROP = "renew", "drop"
_GIVEN = N_(
    "To read your support person's answers later, from any browser, open this chat again and "
    "choose “Continue a conversation”. You need your case number {reference} and this code: "
    "{code}. Keep them somewhere safe or remember them: the code is shown only now."
)
_DROPPED = N_(
    "Your code no longer works, and no one can continue this conversation from another "
    "browser. Your support person can still reach you the way you chose."
)
_RENEW = N_("New code")
_DROP = N_("No code")
_GIVE = N_("Give me a code")

# scrypt's cost: about 16 MiB and a few tens of milliseconds a hash, in a worker thread.
_N, _R, _P = 2**14, 8, 1
TRIES_PER_CLIENT = 10  # wrong tries in WINDOW from one client, then it waits LOCKED
TRIES_PER_CASE = 5  # wrong tries in WINDOW at one case reference, from anywhere
WINDOW = timedelta(hours=1)
LOCKED = timedelta(hours=1)


def hash_code(code: str, salt: bytes | None = None) -> str:
    """Return the code's salted scrypt hash as it is kept ('scrypt$N$r$p$salt$hash')."""
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(code.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    encoded = (base64.b64encode(part).decode() for part in (salt, digest))
    return "$".join(("scrypt", str(_N), str(_R), str(_P), *encoded))


def code_matches(code: str, kept: str) -> bool:
    """Tell whether *code* is the one whose hash is *kept*."""
    name, n, r, p, salt, digest = kept.split("$")
    if name != "scrypt":
        return False
    given = hashlib.scrypt(
        code.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32
    )
    return hmac.compare_digest(given, base64.b64decode(digest))


class Refused(StrEnum):
    WRONG = "wrong"  # no such case with a code, or not its code: the seeker is told the same
    LOCKED = "locked"  # too many wrong tries: wait


@dataclass(frozen=True, slots=True)
class Turn:
    """Whom a page speaks for, in which language: what the code messages need."""

    seeker_id: int
    address: str
    locale: str


class WebReturn:
    """Gives web chat seekers their code, changes or drops it, and lets them back in."""

    def __init__(self, units: UnitsOfWork, outbox: Outbox, clock: Clock) -> None:
        self._units = units
        self._outbox = outbox
        self._clock = clock
        self._clients = Lockout(TRIES_PER_CLIENT, WINDOW, LOCKED)
        self._cases = Lockout(TRIES_PER_CASE, WINDOW, LOCKED)
        self._decoy_hash: str | None = None

    async def _decoy(self) -> str:
        if self._decoy_hash is None:
            self._decoy_hash = await asyncio.to_thread(hash_code, new_code())
        return self._decoy_hash

    async def offer(self, turn: Turn) -> None:
        """Give the seeker a code once they have an open case and none yet."""
        async with self._units.lookup() as unit:
            if await unit.webchat.without_return(turn.seeker_id) is None:
                return
        await self._give(turn, only_if_none=True)

    async def press(self, turn: Turn, value: str) -> None:
        """Take a press on the code message's buttons: a new code, or none."""
        if value == RENEW:
            await self._give(turn, only_if_none=False)
        elif value == DROP:
            dropped = Reply(_DROPPED, choices=(Choice(RENEW, _GIVE),), step=STEP)
            async with self._units.begin() as unit:
                await unit.webchat.drop_return(turn.seeker_id)
                await self._queue(unit, turn, dropped)
            self._outbox.wake()
            log.info("webchat.code_dropped")

    async def _give(self, turn: Turn, *, only_if_none: bool) -> None:
        code = new_code()
        # As it is compared: without the dash. Tens of ms: not on the event loop.
        kept = await asyncio.to_thread(hash_code, typed_code(code) or "")
        async with self._units.begin() as unit:
            case = await unit.cases.case_of_seeker(turn.seeker_id)
            if case is None or not case.status.open:
                return
            if only_if_none and await unit.webchat.without_return(turn.seeker_id) is None:
                return  # another turn gave it meanwhile
            await unit.webchat.set_return(turn.seeker_id, kept, self._clock.now())
            given = Reply(
                _GIVEN,
                params={"reference": case.reference, "code": code},
                choices=(Choice(RENEW, _RENEW), Choice(DROP, _DROP)),
                step=STEP,
            )
            await self._queue(unit, turn, given)
        self._outbox.wake()
        log.info("webchat.code_given case=%s", case.reference)

    async def _queue(self, unit: Unit, turn: Turn, reply: Reply) -> None:
        to = Recipient(Channel.WEBCHAT, turn.address, turn.locale)
        await queue(unit, to, [reply], self._clock.now(), seeker_id=turn.seeker_id)

    async def come_back(self, client: str, reference: str, code: str) -> int | Refused:
        """Return the seeker whose case *reference* and *code* were typed, or why not.

        *client* is the client's keyed hash; it and the reference are each locked out after
        a few wrong tries, so no one can try codes at speed from one place or at one case.
        """
        now = self._clock.now()
        ref, typed = typed_reference(reference), typed_code(code)
        if self._clients.locked(client, now) or (ref is not None and self._cases.locked(ref, now)):
            log.info("webchat.return_locked")
            return Refused.LOCKED
        found = None
        if ref is not None and typed is not None:
            async with self._units.lookup() as unit:
                found = await unit.webchat.return_to(ref)
        # A hash is checked either way, so the time taken does not tell which cases exist.
        kept = found[1] if found is not None else await self._decoy()
        if await asyncio.to_thread(code_matches, typed or "", kept) and found is not None:
            self._clients.succeeded(client)
            self._cases.succeeded(ref or "")
            log.info("webchat.returned case=%s", ref)
            return found[0]
        locked = self._clients.failed(client, now)
        if ref is not None:
            locked = self._cases.failed(ref, now) or locked
        log.info("webchat.return_refused")
        return Refused.LOCKED if locked else Refused.WRONG
