"""The database connection: one hop per statement or per whole unit, and nothing half done."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage.connection import Connection, UnitSuspended
from bot.storage.database import Database


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = await Database.open(tmp_path / "j.db")
    async with db.transaction() as c:
        await c.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, v TEXT NOT NULL)")
    yield db
    await db.close()


async def rows(database: Database) -> list[tuple[int, str]]:
    async with database.lookup() as c, c.execute("SELECT n, v FROM t ORDER BY n") as result:
        return [(int(r[0]), str(r[1])) for r in await result.fetchall()]


async def test_a_whole_unit_commits_and_sees_its_own_writes(database: Database) -> None:
    """Statements in a unit run on the database thread see what the unit wrote before."""

    async def work(c: Connection) -> int:
        await c.execute("INSERT INTO t VALUES (1, 'a')")
        c.submit("INSERT INTO t VALUES (2, 'b')")
        async with c.execute("SELECT COUNT(*) FROM t") as result:
            row = await result.fetchone()
        assert row is not None
        return int(row[0])

    assert await database.run(work) == 2
    assert await rows(database) == [(1, "a"), (2, "b")]


async def test_a_failing_whole_unit_leaves_nothing(database: Database) -> None:
    """An error inside the unit rolls back every statement it ran."""

    async def work(c: Connection) -> None:
        await c.execute("INSERT INTO t VALUES (1, 'a')")
        await c.execute("INSERT INTO t VALUES (1, 'again')")  # the same key

    with pytest.raises(sqlite3.IntegrityError):
        await database.run(work)
    assert await rows(database) == []


async def test_a_unit_that_waits_for_anything_else_is_refused(database: Database) -> None:
    """On the database thread nothing can wake a suspended unit, so it is rolled back."""

    async def work(c: Connection) -> None:
        await c.execute("INSERT INTO t VALUES (1, 'a')")
        await asyncio.sleep(0)

    with pytest.raises(UnitSuspended):
        await database.run(work)
    assert await rows(database) == []


async def test_a_submitted_write_that_fails_undoes_its_transaction(database: Database) -> None:
    """A write sent without waiting still decides the commit: its failure rolls all back."""
    with pytest.raises(sqlite3.IntegrityError):
        async with database.transaction() as c:
            c.submit("INSERT INTO t VALUES (1, 'a')")
            c.submit("INSERT INTO t VALUES (1, 'again')")
            await c.execute("INSERT INTO t VALUES (2, 'b')")
    assert await rows(database) == []
    async with database.transaction() as c:
        c.submit("INSERT INTO t VALUES (3, 'c')")
    assert await rows(database) == [(3, "c")]
