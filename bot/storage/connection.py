"""One SQLite connection on a thread of its own, where each statement costs one hop.

sqlite3 blocks, so it runs on a dedicated thread and the event loop only waits. The hop to
that thread and back costs far more than a small statement itself (about 100 µs against 5 µs
on a small virtual machine), and every unit of work holds the database while it hops. So:

- a statement comes back with all its rows, its rowid and its row count in one hop (aiosqlite
  spent three on a SELECT: execute, fetch and close);
- a transaction's BEGIN travels with its first statement;
- a write whose result nobody needs is only sent (`submit`): the thread runs it in order while
  the unit of work goes on, and the commit waits for it and fails if it failed;
- a hot unit of work runs whole on the database thread (`transact`): one hop for all of it.
  There every statement runs at once, so the unit's coroutine never suspends; one that waits
  for anything else is refused, since the event loop is not there to wake it. Units that
  queue up go together, each in a savepoint, and share the hop and the commit.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Coroutine, Generator, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
Params = Sequence[Any] | dict[str, Any]
# A unit of work: a coroutine that only awaits statements on the connection it is given.
Work = Callable[["Connection"], Coroutine[Any, Any, Any]]


class Rows:
    """What a statement gave back, already fetched."""

    __slots__ = ("_rows", "lastrowid", "rowcount")

    def __init__(self, rows: list[sqlite3.Row], lastrowid: int | None, rowcount: int) -> None:
        self._rows = rows
        self.lastrowid = lastrowid
        self.rowcount = rowcount

    async def fetchone(self) -> sqlite3.Row | None:
        """Return the first row, if any."""
        return self._rows[0] if self._rows else None

    async def fetchall(self) -> list[sqlite3.Row]:
        """Return every row."""
        return self._rows

    async def __aenter__(self) -> Rows:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


class Statement:
    """A statement sent to the database thread (or already run there): await it for its rows."""

    __slots__ = ("_future", "_rows")

    def __init__(self, future: asyncio.Future[Rows] | None, rows: Rows | None = None) -> None:
        self._future, self._rows = future, rows

    def __await__(self) -> Generator[Any, None, Rows]:
        if self._future is None:
            return _ready(self._rows)
        return self._future.__await__()

    async def __aenter__(self) -> Rows:
        return await self

    async def __aexit__(self, *exc: object) -> None:
        return None


def _ready(rows: Rows | None) -> Generator[Any, None, Rows]:
    """Give an awaiter the rows at once, without suspending."""
    assert rows is not None  # noqa: S101 - a Statement has a future or its rows
    return rows
    yield  # a generator that never suspends


class Outcome:
    """What one unit of work of a batch came to: its result, or what it raised."""

    __slots__ = ("failure", "result")

    def __init__(self, result: Any = None, failure: Exception | None = None) -> None:
        self.result, self.failure = result, failure


class UnitSuspended(RuntimeError):
    """A unit of work on the database thread waited for something other than the database."""


class Connection:
    """A sqlite3 connection in autocommit mode, used from the event loop through one thread."""

    def __init__(self, raw: sqlite3.Connection, thread: ThreadPoolExecutor) -> None:
        self._raw = raw
        self._thread = thread
        self._pending_begin: str | None = None
        self._unread: list[asyncio.Future[Any]] = []
        self._thread_id = -1  # set once the thread has started

    @classmethod
    async def open(cls, path: Path | str) -> Connection:
        """Open the database at *path* on a new thread of its own."""
        thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        connect = partial(sqlite3.connect, str(path), isolation_level=None, check_same_thread=False)
        raw = await asyncio.get_running_loop().run_in_executor(thread, connect)
        raw.row_factory = sqlite3.Row
        connection = cls(raw, thread)
        connection._thread_id = await connection.run(threading.get_ident)
        return connection

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """Run *work* on the connection's thread."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, work, *args)

    def execute(self, sql: str, params: Params = ()) -> Statement:
        """Send one statement now; await it (or `async with` it) for its rows."""
        if self._here():
            return Statement(None, self._fetch(sql, params))
        return Statement(self._send(self._fetch, sql, params))

    def submit(self, sql: str, params: Params = ()) -> None:
        """Send a write whose result is not needed; the commit waits for it."""
        if self._here():
            self._fetch(sql, params)
        else:
            self._unread.append(self._send(self._fetch, sql, params))

    def submit_many(self, sql: str, rows: Iterable[Params]) -> None:
        """Send one statement for each of *rows*; the commit waits for them."""
        if self._here():
            self._executemany(sql, list(rows))
        else:
            self._unread.append(self._send(self._executemany, sql, list(rows)))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for each of *rows*, in one hop."""
        if self._here():
            self._executemany(sql, list(rows))
        else:
            await self._send(self._executemany, sql, list(rows))

    def _here(self) -> bool:
        return threading.get_ident() == self._thread_id

    async def transact(self, begin: str, works: Sequence[Work]) -> list[Outcome]:
        """Run *works* whole on the database thread in one BEGIN ... COMMIT: one hop.

        Each unit of work runs in a savepoint of its own, so one that fails leaves nothing
        and the others still commit. Outcomes come back in order, once all is committed; if
        the commit itself fails, it is raised and none of them happened.
        """
        return await self.run(self._transact, begin, works)

    def _transact(self, begin: str, works: Sequence[Work]) -> list[Outcome]:
        raw = self._raw
        alone = len(works) == 1  # the common case needs no savepoint
        outcomes: list[Outcome] = []
        raw.execute(begin)
        try:
            for work in works:
                if not alone:
                    raw.execute("SAVEPOINT unit")
                try:
                    outcomes.append(Outcome(self._complete(work)))
                except Exception as failure:
                    if not raw.in_transaction:
                        raise  # SQLite gave the whole transaction up: nothing of it holds
                    if not alone:
                        raw.execute("ROLLBACK TO unit")
                    outcomes.append(Outcome(failure=failure))
                if not alone:
                    raw.execute("RELEASE unit")
            raw.execute("ROLLBACK" if alone and outcomes[0].failure is not None else "COMMIT")
        except BaseException:
            if raw.in_transaction:
                raw.execute("ROLLBACK")
            raise
        return outcomes

    def read_whole(self, work: Callable[[Connection], Coroutine[Any, Any, T]]) -> T:
        """Run *work* whole in a read transaction, on this connection's thread (call it there).

        The rows are turned into values there too, off the event loop: a long read (a
        year's report) then takes no time from the turns the loop is running.
        """
        self._raw.execute("BEGIN")
        try:
            return self._complete(work)
        finally:
            self._raw.execute("ROLLBACK")  # it only read

    def _complete(self, work: Callable[[Connection], Coroutine[Any, Any, T]]) -> T:
        coroutine = work(self)
        try:
            coroutine.send(None)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        coroutine.close()
        raise UnitSuspended("a unit of work waited for something besides the database")

    def _send(self, work: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        begin, self._pending_begin = self._pending_begin, None
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(self._thread, self._after_begin, begin, work, *args)

    def _after_begin(self, begin: str | None, work: Callable[..., T], *args: Any) -> T:
        if begin is not None:
            self._raw.execute(begin)
        return work(*args)

    def _fetch(self, sql: str, params: Params) -> Rows:
        cursor = self._raw.execute(sql, params)
        return Rows(cursor.fetchall(), cursor.lastrowid, cursor.rowcount)

    def _executemany(self, sql: str, rows: list[Params]) -> None:
        self._raw.executemany(sql, rows)

    def begin_with_next(self, statement: str) -> None:
        """Open a transaction with *statement* when the next statement runs, in its hop."""
        self._pending_begin = statement

    async def finish(self, commit: bool) -> None:
        """Commit (or roll back) the open transaction once every submitted write is done.

        A submitted write that failed turns the commit into a rollback and is raised here.
        """
        unread, self._unread = self._unread, []
        outcomes = await asyncio.gather(*unread, return_exceptions=True)
        failure = next((o for o in outcomes if isinstance(o, BaseException)), None)
        if self._pending_begin is not None:
            self._pending_begin = None  # nothing ran, so there is nothing to end
        elif self._raw.in_transaction:
            ending = "COMMIT" if commit and failure is None else "ROLLBACK"
            await self.run(self._raw.execute, ending)
        if failure is not None and commit:
            raise failure

    async def backup(self, target: Path) -> None:
        """Copy the database to *target* with SQLite's online backup."""

        def copy() -> None:
            destination = sqlite3.connect(str(target))
            try:
                self._raw.backup(destination)
            finally:
                destination.close()

        await self.run(copy)

    async def close(self) -> None:
        """Close the connection and let its thread end."""
        await self.run(self._raw.close)
        self._thread.shutdown(wait=True)
