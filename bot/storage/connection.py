"""One SQLite connection on a thread of its own, where each statement costs one hop.

sqlite3 blocks, so it runs on a dedicated thread and the event loop only waits. The hop to
that thread and back costs far more than a small statement itself (about 100 µs against 5 µs
on a small virtual machine), and every unit of work holds the database while it hops. So a
statement comes back with all its rows, its rowid and its row count in one hop, and a
transaction's BEGIN travels with its first statement. (aiosqlite spent three hops on a
SELECT: execute, fetch and close.)
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Generator, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
Params = Sequence[Any] | dict[str, Any]


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
    """A statement to run: await it, or use it as `async with ... as rows`."""

    __slots__ = ("_connection", "_params", "_sql")

    def __init__(self, connection: Connection, sql: str, params: Params) -> None:
        self._connection, self._sql, self._params = connection, sql, params

    def __await__(self) -> Generator[Any, None, Rows]:
        return self._connection.fetch(self._sql, self._params).__await__()

    async def __aenter__(self) -> Rows:
        return await self._connection.fetch(self._sql, self._params)

    async def __aexit__(self, *exc: object) -> None:
        return None


class Connection:
    """A sqlite3 connection in autocommit mode, used from the event loop through one thread."""

    def __init__(self, raw: sqlite3.Connection, thread: ThreadPoolExecutor) -> None:
        self._raw = raw
        self._thread = thread
        self._pending_begin: str | None = None

    @classmethod
    async def open(cls, path: Path | str) -> Connection:
        """Open the database at *path* on a new thread of its own."""
        thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        connect = partial(sqlite3.connect, str(path), isolation_level=None, check_same_thread=False)
        raw = await asyncio.get_running_loop().run_in_executor(thread, connect)
        raw.row_factory = sqlite3.Row
        return cls(raw, thread)

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """Run *work* on the connection's thread."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, work, *args)

    def execute(self, sql: str, params: Params = ()) -> Statement:
        """Run one statement; await it or `async with` it for its rows."""
        return Statement(self, sql, params)

    async def fetch(self, sql: str, params: Params = ()) -> Rows:
        """Run one statement (after a pending BEGIN) and return its rows, in one hop."""
        begin, self._pending_begin = self._pending_begin, None
        return await self.run(self._fetch, begin, sql, params)

    def _fetch(self, begin: str | None, sql: str, params: Params) -> Rows:
        if begin is not None:
            self._raw.execute(begin)
        cursor = self._raw.execute(sql, params)
        return Rows(cursor.fetchall(), cursor.lastrowid, cursor.rowcount)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for each of *rows*, in one hop."""
        begin, self._pending_begin = self._pending_begin, None
        await self.run(self._executemany, begin, sql, list(rows))

    def _executemany(self, begin: str | None, sql: str, rows: list[Params]) -> None:
        if begin is not None:
            self._raw.execute(begin)
        self._raw.executemany(sql, rows)

    def begin_with_next(self, statement: str) -> None:
        """Open a transaction with *statement* when the next statement runs, in its hop."""
        self._pending_begin = statement

    async def finish(self, commit: bool) -> None:
        """Commit (or roll back) the open transaction; drop a BEGIN that never ran."""
        if self._pending_begin is not None:
            self._pending_begin = None  # nothing ran, so there is nothing to end
            return
        if self._raw.in_transaction:
            await self.run(self._raw.execute, "COMMIT" if commit else "ROLLBACK")

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
