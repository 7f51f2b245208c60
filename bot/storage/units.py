"""Units of work: one transaction, with the queries of every use case bound to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.storage.absence_store import AbsenceStore
from bot.storage.call_store import CallStore
from bot.storage.care_store import CareStore
from bot.storage.case_store import CaseStore
from bot.storage.connection import Connection
from bot.storage.crypto import Cipher
from bot.storage.database import Database
from bot.storage.desk_store import DeskStore
from bot.storage.inbox_store import InboxStore
from bot.storage.intake_store import IntakeStore
from bot.storage.keyring import prepare, write_check
from bot.storage.message_store import MessageStore
from bot.storage.outbox_store import OutboxStore
from bot.storage.rekey import rekey
from bot.storage.reminder_store import ReminderStore
from bot.storage.retention_store import RetentionStore
from bot.storage.staff_store import StaffStore
from bot.storage.stats_store import StatsStore
from bot.storage.training_store import TrainingStore
from bot.storage.webchat_store import WebChatStore

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SqliteUnit:
    intake: IntakeStore
    messages: MessageStore
    staff: StaffStore
    cases: CaseStore
    reminders: ReminderStore
    retention: RetentionStore
    outbox: OutboxStore
    inbox: InboxStore
    stats: StatsStore
    desk: DeskStore
    webchat: WebChatStore
    calls: CallStore
    absences: AbsenceStore
    care: CareStore
    training: TrainingStore


class Units:
    """Open the transactions the services ask for."""

    def __init__(self, database: Database, cipher: Cipher | None = None) -> None:
        self._database = database
        self._cipher = cipher or Cipher(None)
        self._bound: tuple[Connection, SqliteUnit] | None = None

    @classmethod
    async def open(cls, database: Database, cipher: Cipher) -> Units:
        """Check *cipher*'s keys against the stored data (KeyringError if none fits) first.

        Plain data found with a key configured is sealed here, before anything is served.
        """
        async with database.transaction() as db:
            sealed_now = await prepare(db, cipher)
        units = cls(database, cipher)
        if sealed_now:
            await units.scrub()
        return units

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[SqliteUnit]:
        """Open one transaction; commit when the block ends, roll back on error."""
        async with self._database.transaction() as db:
            yield self._unit(db)

    async def run(self, work: Callable[[SqliteUnit], Coroutine[Any, Any, T]]) -> T:
        """Run a unit of work whole on the database thread: one hop for all its statements.

        *work* may only await the unit's queries; anything else belongs before or after it.
        """
        return await self._database.run(lambda db: work(self._unit(db)))

    @asynccontextmanager
    async def lookup(self) -> AsyncIterator[SqliteUnit]:
        """Run one reading statement alone: a single statement needs no transaction."""
        async with self._database.lookup() as db:
            yield self._unit(db)

    async def read_whole(self, work: Callable[[SqliteUnit], Coroutine[Any, Any, T]]) -> T:
        """Run a reading unit of work whole in a snapshot, off the event loop (the report)."""
        return await self._database.read_whole(lambda db: work(self._unit(db)))

    def _unit(self, db: Connection) -> SqliteUnit:
        # The stores keep nothing but the connection and the cipher, so one set serves
        # every transaction on the same connection; this runs for every message.
        if self._bound is not None and self._bound[0] is db:
            return self._bound[1]
        cipher = self._cipher
        unit = SqliteUnit(
            IntakeStore(db, cipher),
            MessageStore(db, cipher),
            StaffStore(db, cipher),
            CaseStore(db, cipher),
            ReminderStore(db),
            RetentionStore(db),
            OutboxStore(db, cipher),
            InboxStore(db, cipher),
            StatsStore(db),
            DeskStore(db),
            WebChatStore(db, cipher),
            CallStore(db),
            AbsenceStore(db),
            CareStore(db),
            TrainingStore(db),
        )
        self._bound = (db, unit)
        return unit

    async def rekey(self) -> int:
        """Seal every personal value under the current key; then scrub the old copies."""
        async with self._database.transaction() as db:
            changed = await rekey(db, self._cipher)
            await write_check(db, self._cipher)
        await self.scrub()
        return changed

    async def scrub(self) -> None:
        """Fold the WAL into the database so erased data leaves no copy in either file."""
        await self._database.checkpoint()
