"""A small puzzle a page solves before it may open a chat, asked only under load.

No third party and nothing about the person: the service hands out a signed challenge, the
page finds a number whose SHA-256 with it starts with so many zero bits (about a second on a
phone for 16 bits), and each solution is taken once. A script opening thousands of chats pays
for each; a person waits a moment.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from bot.ports import Clock

VALID_FOR = timedelta(minutes=2)


def leading_zero_bits(digest: bytes) -> int:
    """Count the zero bits a digest starts with."""
    bits = 0
    for byte in digest:
        if byte:
            return bits + 8 - byte.bit_length()
        bits += 8
    return bits


def solves(challenge: str, answer: str, bits: int) -> bool:
    """Tell whether *answer* solves *challenge* at *bits* (what the page computes)."""
    digest = hashlib.sha256(f"{challenge}:{answer}".encode()).digest()
    return leading_zero_bits(digest) >= bits


class Challenges:
    """Hands out challenges and takes each solution once, within a couple of minutes."""

    def __init__(self, clock: Clock, bits: int) -> None:
        self._clock = clock
        self.bits = bits
        self._key = secrets.token_bytes(32)  # a restart ends the challenges out: they are short
        self._taken: dict[str, datetime] = {}

    def _signed(self, body: str) -> str:
        return hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()[:32]

    def new(self) -> str:
        """Return a new challenge: when, something random, and our signature over both."""
        body = f"{int(self._clock.now().timestamp())}.{secrets.token_hex(8)}"
        return f"{body}.{self._signed(body)}"

    def take(self, challenge: str, answer: str) -> bool:
        """Tell whether *answer* solves a challenge of ours that is fresh and not yet used;
        use it up if so."""
        now = self._clock.now()
        issued, _, rest = challenge.partition(".")
        nonce, _, signature = rest.partition(".")
        if not issued.isdigit() or len(answer) > 20 or not nonce:
            return False
        if not hmac.compare_digest(signature, self._signed(f"{issued}.{nonce}")):
            return False
        age = now.timestamp() - int(issued)
        if not 0 <= age <= VALID_FOR.total_seconds() or challenge in self._taken:
            return False
        if not solves(challenge, answer, self.bits):
            return False
        self._taken = {c: at for c, at in self._taken.items() if now - at < VALID_FOR}
        self._taken[challenge] = now
        return True
