"""One SQLite connection with serialized transactions and migrations by user_version.

Checkpoints (copying the write-ahead log back into the database file) run on a second
connection beside the first, not inside a commit: there they held up whichever unit of work
happened to commit when the log grew past its limit, and all the units waiting behind it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from bot.storage.connection import Connection, Outcome, Work
from bot.storage.migrations import MIGRATIONS, statements

log = logging.getLogger(__name__)

T = TypeVar("T")
# About as much log between checkpoints as SQLite's own default of 1,000 pages, at the 20-30
# pages a busy commit writes.
CHECKPOINT_EVERY = 40  # commits


class Database:
    """Own the connection; hand out one transaction at a time.

    The connection runs on one thread, and a connection is one transaction: two tasks
    sharing it would commit each other's half-done work. The lock makes every unit of work
    (reads included, so they see committed state) run alone.
    """

    def __init__(self, connection: Connection, path: Path | str) -> None:
        self._connection = connection
        self._path = path
        self._lock = asyncio.Lock()
        self._waiting: list[tuple[Work, asyncio.Future[Any]]] = []
        self._runner: asyncio.Task[None] | None = None
        self._commits = 0  # since the last checkpoint
        self._checkpointer: Connection | None = None
        # Long reads (the report) run here, in a snapshot of their own, beside the writer.
        self._reader: Connection | None = None
        self._reading = asyncio.Lock()
        self._checkpointing: asyncio.Task[None] | None = None
        self._closing = False

    @classmethod
    async def open(cls, path: Path | str, synchronous: str = "full") -> Database:
        """Open (creating if needed) the database at *path* and bring its schema up to date.

        *synchronous* "full" makes every commit durable before it returns: what a provider
        was told we have survives a power cut. "normal" may lose the last commits to one.
        """
        if synchronous not in ("full", "normal"):
            raise ValueError(f"synchronous: {synchronous!r}")
        connection = await Connection.open(path)
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA busy_timeout=5000",
            "PRAGMA foreign_keys=ON",
            "PRAGMA secure_delete=ON",
            f"PRAGMA synchronous={synchronous.upper()}",
            "PRAGMA cache_size=-32000",  # 32 MB: the hot pages of a large history stay cached
            "PRAGMA wal_autocheckpoint=0",  # checkpoints run aside (see the module's docstring)
        ):
            await connection.execute(pragma)
        database = cls(connection, path)
        await database.migrate()
        return database

    async def close(self) -> None:
        """Close the connections once the running unit of work and checkpoint are done."""
        self._closing = True
        if self._checkpointing is not None:
            await self._checkpointing
        async with self._reading:
            if self._reader is not None:
                await self._reader.close()
        async with self._lock:
            if self._checkpointer is not None:
                await self._checkpointer.close()
            await self._connection.close()

    def _committed(self) -> None:
        """Count a commit; every so many, copy the log back into the database aside."""
        self._commits += 1
        if self._commits >= CHECKPOINT_EVERY and self._checkpointing is None and not self._closing:
            self._commits = 0
            self._checkpointing = asyncio.create_task(self._checkpoint_aside())

    async def _checkpoint_aside(self) -> None:
        try:
            if self._checkpointer is None:
                self._checkpointer = await Connection.open(self._path)
                await self._checkpointer.execute("PRAGMA busy_timeout=5000")
            # PASSIVE takes no lock that writers wait for: commits go on meanwhile.
            await self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)")
        # Swallowed on purpose: the log only grows until the next one succeeds.
        except Exception as error:
            log.warning("database.checkpoint_failed error=%s", type(error).__name__)
        finally:
            self._checkpointing = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """Run a unit of work in BEGIN IMMEDIATE; commit on success, roll back on error."""
        async with self._lock:
            self._connection.begin_with_next("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                await self._connection.finish(commit=False)
                raise
            await self._connection.finish(commit=True)
        self._committed()

    async def run(self, work: Callable[[Connection], Coroutine[Any, Any, T]]) -> T:
        """Run a unit of work whole on the database thread in BEGIN IMMEDIATE.

        Units that arrive while others are on the thread wait and then go together, in one
        hop and one commit (each in its own savepoint): under load the cost of the hop and
        of the commit is shared, while a lone unit runs at once.
        """
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiting.append((work, done))
        if self._runner is None:
            self._runner = asyncio.create_task(self._run_waiting())
        return await done

    async def _run_waiting(self) -> None:
        batch: list[tuple[Work, asyncio.Future[Any]]] = []
        try:
            while self._waiting:
                # A caller that gave up before its unit left (cancelled) has it dropped.
                batch = [(work, done) for work, done in self._waiting if not done.done()]
                self._waiting = []
                if not batch:
                    continue
                try:
                    async with self._lock:
                        outcomes = await self._connection.transact(
                            "BEGIN IMMEDIATE", [work for work, _ in batch]
                        )
                except Exception as failure:  # the commit failed: none of the batch holds
                    outcomes = [Outcome(failure=failure)] * len(batch)
                else:
                    self._committed()
                for (_, done), outcome in zip(batch, outcomes, strict=True):
                    if done.done():
                        continue  # its caller gave up while it ran; the work still happened
                    if outcome.failure is None:
                        done.set_result(outcome.result)
                    else:
                        done.set_exception(outcome.failure)
                batch = []
        except asyncio.CancelledError:
            for _, done in batch + self._waiting:
                done.cancel()
            self._waiting = []
            raise
        finally:
            self._runner = None

    @asynccontextmanager
    async def lookup(self) -> AsyncIterator[Connection]:
        """Run one reading statement on its own, without a transaction around it."""
        async with self._lock:
            yield self._connection

    async def read_whole(self, work: Callable[[Connection], Coroutine[Any, Any, T]]) -> T:
        """Run a reading unit of work whole on the reader's own thread, in a snapshot.

        Like snapshot(), it never holds up the writer; unlike it, nothing of the read runs
        on the event loop (the rows become values on the reader's thread).
        """
        async with self._reading:
            reader = await self._open_reader()
            return await reader.run(reader.read_whole, work)

    async def _open_reader(self) -> Connection:
        if self._reader is None:
            self._reader = await Connection.open(self._path)
            for pragma in ("PRAGMA busy_timeout=5000", "PRAGMA query_only=ON"):
                await self._reader.execute(pragma)
        return self._reader

    async def checkpoint(self) -> None:
        """Copy the WAL into the database and truncate it (secure_delete zeroes freed pages)."""
        async with self._lock:
            await self._connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def backup(self, target: Path) -> None:
        """Write a consistent copy of the live database to *target* (SQLite's backup API)."""
        async with self._lock:
            await self._connection.backup(target)

    async def schema_version(self) -> int:
        """Return the schema version recorded in PRAGMA user_version."""
        async with self._connection.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self) -> int:
        """Apply every migration newer than the database; return the resulting version."""
        async with self.transaction() as db:
            async with db.execute("PRAGMA user_version") as cursor:
                row = await cursor.fetchone()
            version = int(row[0]) if row else 0
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in statements(script):
                    await db.execute(statement)
                # PRAGMA takes no parameters; number is our own integer.
                await db.execute(f"PRAGMA user_version = {number:d}")
        return len(MIGRATIONS)
