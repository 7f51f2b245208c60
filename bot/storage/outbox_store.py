"""Queries for the outbox: queue a message with its cause, hand out what is due, fairly.

A row is 'pending' until the worker claims it ('sending'), then 'sent' or 'failed'. A row
being sent when its person erases their data becomes 'erasing': it keeps its place, so the
erasure's own confirmation cannot overtake it, and it goes as soon as its send is over.
Only an address's oldest unsent row (its head) is handed out; triggers (migration 10) make
the next one the head when it leaves.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from datetime import datetime
from typing import Any

from bot.domain.dialogue import Reply
from bot.domain.model import Channel
from bot.ports import FollowUp, Queued
from bot.storage.connection import Connection
from bot.storage.crypto import Cipher, SealError
from bot.storage.reply_codec import decode_replies, encode_replies
from bot.storage.seekers import find_seeker
from bot.storage.timestamps import utc_text

log = logging.getLogger(__name__)

ADDRESS = "outbox.address"
MESSAGE = "outbox.message"
FOLLOW_UP = "outbox.follow_up"
DIGEST = "outbox.digest"
# However a chat is flooded, this many unsent messages to it is where we stop queueing:
# the rest is dropped (and counted in the log). Repeats of a queued message are not queued.
MAX_QUEUED_PER_ADDRESS = 200
_UNSENT = "('pending', 'sending', 'erasing')"
_DONE = "('sent', 'failed')"  # as the partial index outbox_done has it
# Each address's head (its oldest unsent message) only, and the shortest queues first: a new
# person's first reply never waits behind another chat's backlog. The index holds the heads
# in that order, so a look costs what it hands out, however long the queue.
# The seeker's opt-out comes along, so a text to someone who sent STOP is never handed out.
_DUE = (
    "SELECT o.id, o.channel, o.address, o.address_hash, o.locale, o.message, o.edit_of, "
    "o.attempts, o.seeker_id, s.opted_out_at FROM outbox o INDEXED BY outbox_heads "
    # A message about a seeker goes to staff on another channel: only one on the seeker's
    # own channel is to them, and stopped by their opt-out.
    "LEFT JOIN seekers s ON s.id = o.seeker_id AND s.channel = o.channel "
    "WHERE o.state = 'pending' AND o.head = 1 AND o.next_attempt_at <= ? "
    "ORDER BY o.seq, o.id LIMIT ?"
)


class OutboxStore:
    """The outbox inside one open transaction."""

    def __init__(self, db: Connection, cipher: Cipher) -> None:
        self._db = db
        self._cipher = cipher

    async def add(
        self,
        *,
        channel: Channel,
        address: str,
        locale: str,
        replies: list[Reply],
        now: datetime,
        seeker_id: int | None = None,
        edit_of: int | None = None,
        split: bool = False,
        on_sent: FollowUp | None = None,
        on_failed: FollowUp | None = None,
    ) -> int:
        """Queue *replies* as one message, or with *split* each as its own; count those queued.

        Sealed: a message may hold anything a person wrote. Only the first message of a
        split edits the message *edit_of*. *on_sent* and *on_failed* are queued in turn when
        the (last) message is sent or given up. A message identical to one still waiting for
        the same address is not queued again, and past MAX_QUEUED_PER_ADDRESS nothing is.
        """
        messages = [[r] for r in replies] if split else [replies]
        if seeker_id is None and channel.traits.opt_out:
            # Staff are never written to on such a channel: a text to a known number is the
            # seeker's, held back by their opt-out and taken by their erasure.
            seeker_id = await find_seeker(self._db, self._cipher, channel, address)
        address_hash = self._cipher.lookup(f"{channel}:{address}", ADDRESS)
        async with self._db.execute(
            f"SELECT digest FROM outbox INDEXED BY outbox_order WHERE address_hash = ? "  # noqa: S608
            f"AND state IN {_UNSENT}",
            (address_hash,),
        ) as cursor:
            waiting = {row[0] for row in await cursor.fetchall()}
        queued, dropped, rows = len(waiting), 0, []
        address_sealed = self._cipher.seal(address, ADDRESS)
        last = len(messages) - 1
        for number, message in enumerate(messages):
            encoded = encode_replies(message)
            edit = edit_of if number == 0 else None
            digest = self._cipher.lookup(f"{edit}:{encoded}", DIGEST)
            if digest in waiting:
                continue
            if queued >= MAX_QUEUED_PER_ADDRESS:
                dropped += 1
                continue
            waiting.add(digest)
            rows.append(
                (
                    channel, address_sealed, address_hash, seeker_id, locale,
                    self._cipher.seal(encoded, MESSAGE), edit, utc_text(now), utc_text(now),
                    queued, int(queued == 0), digest,
                    self._follow_up(on_sent) if number == last else None,
                    self._follow_up(on_failed) if number == last else None,
                )
            )  # fmt: skip
            queued += 1
        if dropped:
            log.warning("outbox.dropped_over_cap channel=%s count=%d", channel, dropped)
        self._db.submit_many(  # sent on; the commit waits for it
            "INSERT INTO outbox (channel, address, address_hash, seeker_id, locale, message, "
            "edit_of, state, next_attempt_at, created_at, seq, head, digest, on_sent, on_failed) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        return len(rows)

    def _follow_up(self, follow_up: FollowUp | None) -> str | None:
        if follow_up is None:
            return None
        data = {
            "channel": follow_up.to.channel.value,
            "address": follow_up.to.address,
            "locale": follow_up.to.locale,
            "replies": json.loads(encode_replies(list(follow_up.replies))),
        }
        return self._cipher.seal(json.dumps(data, ensure_ascii=False), FOLLOW_UP)

    async def claim_due(
        self, now: datetime, limit: int, resting: Collection[str] = ()
    ) -> list[Queued]:
        """Claim up to *limit* messages due now, never two to one address, none to *resting*.

        A claimed message is 'sending' and is never handed out again, until start-up puts
        what a crash left 'sending' back in the queue. A message no configured key opens is
        given up at once, instead of stopping everyone else's; so is a text to someone who
        asked for no more (whoever wrote it hears it could not be delivered).
        """
        async with self._db.execute(_DUE, (utc_text(now), limit + len(resting))) as cursor:
            rows = [r for r in await cursor.fetchall() if r[3] not in resting][:limit]
        claimed: list[Queued] = []
        for r in rows:
            if r[9] is not None:
                log.info("outbox.suppressed_opted_out")
                await self._give_up(int(r[0]), "opted_out", now)
                continue
            try:
                queued = Queued(
                    id=int(r[0]),
                    channel=Channel(r[1]),
                    address=str(self._cipher.open(r[2], ADDRESS)),
                    address_hash=str(r[3]),
                    locale=str(r[4]),
                    replies=decode_replies(str(self._cipher.open(r[5], MESSAGE))),
                    edit_of=r[6],
                    attempts=int(r[7]) + 1,
                    seeker_id=r[8],
                )
            except (SealError, ValueError, KeyError, TypeError):
                log.error("outbox.unreadable")
                await self._give_up(int(r[0]), "unreadable", now)
                continue
            claimed.append(queued)
        await self._db.executemany(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1 "
            "WHERE id = ? AND state = 'pending'",
            [(q.id,) for q in claimed],
        )
        return claimed

    async def _give_up(self, row_id: int, reason: str, now: datetime) -> None:
        """Give up on a message before it is handed out (as if it had been, and failed)."""
        await self._db.execute("UPDATE outbox SET state = 'sending' WHERE id = ?", (row_id,))
        await self.failed(row_id, reason, now)

    async def sent(self, row_id: int, provider_id: str | None, now: datetime) -> None:
        """Record that the provider took the message; its text is no longer needed."""
        await self._finish(row_id, "sent", provider_id, None, now)

    async def retry(self, row_id: int, at: datetime, error: str) -> None:
        """Put a message back in the queue for *at*."""
        if await self._gone_if_erased(row_id):
            return
        await self._db.execute(
            "UPDATE outbox SET state = 'pending', next_attempt_at = ?, error = ? "
            "WHERE id = ? AND state = 'sending'",
            (utc_text(at), error, row_id),
        )

    async def failed(self, row_id: int, error: str, now: datetime) -> None:
        """Give up on a message no retry can deliver (blocked bot, opted-out number)."""
        await self._finish(row_id, "failed", None, error, now)

    async def _finish(
        self, row_id: int, state: str, provider_id: str | None, error: str | None, now: datetime
    ) -> None:
        """End a message being sent as 'sent' or 'failed', and queue what was to follow."""
        if await self._gone_if_erased(row_id):
            return
        follow_up = await self._take_follow_up(
            row_id, "on_sent" if state == "sent" else "on_failed"
        )
        await self._db.execute(
            "UPDATE outbox SET state = ?, sent_at = ?, provider_id = ?, "
            "error = COALESCE(?, error), message = '', address = '', on_sent = NULL, "
            "on_failed = NULL WHERE id = ? AND state = 'sending'",
            (state, utc_text(now), provider_id, error, row_id),
        )
        await self._queue_follow_up(follow_up, now)

    async def _gone_if_erased(self, row_id: int) -> bool:
        """Delete a row whose person erased their data while it was being sent."""
        cursor = await self._db.execute(
            "DELETE FROM outbox WHERE id = ? AND state = 'erasing'", (row_id,)
        )
        return cursor.rowcount == 1

    async def _take_follow_up(self, row_id: int, column: str) -> dict[str, Any] | None:
        async with self._db.execute(
            f"SELECT {column} FROM outbox WHERE id = ? AND state = 'sending'",  # noqa: S608 - ours
            (row_id,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None or row[0] is None:
            return None
        try:
            data: dict[str, Any] = json.loads(str(self._cipher.open(row[0], FOLLOW_UP)))
        except (SealError, ValueError):
            log.error("outbox.follow_up_unreadable")
            return None
        return data

    async def _queue_follow_up(self, data: dict[str, Any] | None, now: datetime) -> None:
        if data is None:
            return
        await self.add(
            channel=Channel(data["channel"]),
            address=str(data["address"]),
            locale=str(data["locale"]),
            replies=decode_replies(json.dumps(data["replies"])),
            now=now,
        )

    async def recover(self) -> int:
        """Put back what a crash left being sent; drop what was erased meanwhile. Count both.

        Every address's head is worked out again from the queue itself, whatever happened.
        """
        cursor = await self._db.execute(
            "UPDATE outbox SET state = 'pending' WHERE state = 'sending'"
        )
        erased = await self._db.execute("DELETE FROM outbox WHERE state = 'erasing'")
        await self._db.execute(
            "UPDATE outbox SET head = (id = (SELECT MIN(p.id) FROM outbox p INDEXED BY "
            "outbox_order WHERE p.address_hash = outbox.address_hash AND p.state IN "
            "('pending', 'sending', 'erasing'))) WHERE state IN ('pending', 'sending', 'erasing')"
        )
        return cursor.rowcount + erased.rowcount

    async def forget(
        self, channel: Channel, address: str, seeker_id: int | None = None
    ) -> list[str]:
        """Delete every message to *address*; return the provider ids of those sent.

        Messages to others about the seeker *seeker_id* (what they wrote, passed to staff)
        go when the seeker does, by cascade. A message on its way, to them or about them,
        keeps its place, emptied and no longer the seeker's (so the cascade does not take
        it), until its send is over: what the erasure says is the last thing they get.
        """
        hashes = self._cipher.lookups(f"{channel}:{address}", ADDRESS)
        marks = ",".join("?" * len(hashes))  # one per key; only "?" goes into the SQL
        async with self._db.execute(
            f"SELECT provider_id FROM outbox WHERE address_hash IN ({marks}) "  # noqa: S608
            f"AND state IN {_DONE} AND state = 'sent' AND provider_id IS NOT NULL ORDER BY id",
            hashes,
        ) as cursor:
            sent = [str(row[0]) for row in await cursor.fetchall()]
        await self._db.execute(
            "UPDATE outbox SET state = 'erasing', message = '', address = '', "  # noqa: S608
            "seeker_id = NULL, on_sent = NULL, on_failed = NULL WHERE state = 'sending' AND "
            f"(address_hash IN ({marks}) OR seeker_id = ?)",
            (*hashes, seeker_id),
        )
        # Each state list as its partial index has it, so each delete reads only this
        # address's rows in those states (what is on its way, once emptied, stays).
        for states in (f"{_UNSENT} AND state != 'erasing'", _DONE):
            await self._db.execute(
                f"DELETE FROM outbox WHERE address_hash IN ({marks}) AND state IN {states}",  # noqa: S608
                hashes,
            )
        return sent

    async def pending(self) -> int:
        """Count messages not yet sent or given up."""
        async with self._db.execute(
            f"SELECT COUNT(*) FROM outbox WHERE state IN {_UNSENT}"  # noqa: S608
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def next_due(self) -> datetime | None:
        """Return when the next queued message is due."""
        async with self._db.execute(
            "SELECT MIN(next_attempt_at) FROM outbox INDEXED BY outbox_heads "
            "WHERE state = 'pending' AND head = 1"
        ) as cursor:
            row = await cursor.fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None
