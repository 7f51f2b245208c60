"""The database connection: one hop per statement or per batch of units, nothing half done."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from bot.storage import database as database_module
from bot.storage.connection import Connection, Outcome, UnitSuspended, Work
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


def insert(n: int, v: str) -> Callable[[Connection], Coroutine[Any, Any, int]]:
    async def work(c: Connection) -> int:
        await c.execute("INSERT INTO t VALUES (?, ?)", (n, v))
        async with c.execute("SELECT COUNT(*) FROM t") as result:
            row = await result.fetchone()
        assert row is not None
        return int(row[0])

    return work


def count_trips(database: Database, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record how many units each trip to the database thread carried."""
    connection = database._connection
    sizes: list[int] = []
    real = connection.transact

    async def transact(begin: str, works: Sequence[Work]) -> list[Outcome]:
        sizes.append(len(works))
        return await real(begin, works)

    monkeypatch.setattr(connection, "transact", transact)
    return sizes


async def test_units_that_queue_up_share_one_trip_and_each_gets_its_own_result(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under load the hop and the commit are shared; every caller still sees its own unit."""
    trips = count_trips(database, monkeypatch)
    results = await asyncio.gather(*(database.run(insert(n, f"v{n}")) for n in range(1, 6)))
    assert results == [1, 2, 3, 4, 5]  # in order, each after the ones before it
    assert trips == [5]
    assert await rows(database) == [(n, f"v{n}") for n in range(1, 6)]
    assert await database.run(insert(6, "alone")) == 6
    assert trips == [5, 1]


async def test_a_failing_unit_in_a_shared_trip_leaves_nothing_and_the_others_hold(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each unit of a shared commit runs in its own savepoint."""
    trips = count_trips(database, monkeypatch)

    async def twice(c: Connection) -> None:
        await c.execute("INSERT INTO t VALUES (10, 'x')")
        await c.execute("INSERT INTO t VALUES (10, 'again')")

    async def suspends(c: Connection) -> None:
        await c.execute("INSERT INTO t VALUES (20, 'y')")
        await asyncio.sleep(0)

    results = await asyncio.gather(
        database.run(insert(1, "a")),
        database.run(twice),
        database.run(suspends),
        database.run(insert(2, "b")),
        return_exceptions=True,
    )
    assert trips == [4]
    assert results[0] == 1
    assert isinstance(results[1], sqlite3.IntegrityError)
    assert isinstance(results[2], UnitSuspended)
    assert results[3] == 2
    assert await rows(database) == [(1, "a"), (2, "b")]


async def test_when_the_shared_commit_fails_every_unit_of_it_fails(database: Database) -> None:
    """A constraint checked only at COMMIT undoes the whole trip, and says so to everyone."""
    async with database.transaction() as c:
        await c.execute(
            "CREATE TABLE child (n INTEGER REFERENCES t(n) DEFERRABLE INITIALLY DEFERRED)"
        )

    async def orphan(c: Connection) -> None:
        await c.execute("INSERT INTO child VALUES (99)")

    results = await asyncio.gather(
        database.run(insert(1, "a")), database.run(orphan), return_exceptions=True
    )
    assert all(isinstance(r, sqlite3.IntegrityError) for r in results)
    assert await rows(database) == []
    assert await database.run(insert(2, "b")) == 1  # the connection is usable again


async def test_a_unit_whose_caller_gave_up_before_it_left_never_runs(database: Database) -> None:
    first = asyncio.ensure_future(database.run(insert(1, "a")))
    cancelled = asyncio.ensure_future(database.run(insert(2, "b")))
    await asyncio.sleep(0)  # both are waiting for their trip now
    cancelled.cancel()
    assert await first == 1
    assert await rows(database) == [(1, "a")]


def rows_in_the_database_file_alone(db_file: Path, copy: Path) -> list[tuple[int, str]]:
    """What a reader would find in the main file if the write-ahead log were lost."""
    shutil.copyfile(db_file, copy)
    with closing(sqlite3.connect(copy)) as raw:
        return [(int(n), str(v)) for n, v in raw.execute("SELECT n, v FROM t ORDER BY n")]


async def test_checkpoints_run_aside_every_so_many_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Commits never copy the log back themselves; a second connection does, now and then."""
    monkeypatch.setattr(database_module, "CHECKPOINT_EVERY", 4)
    database = await Database.open(tmp_path / "j.db")  # the migration: commit 1
    copy = tmp_path / "copy.db"

    async def settled() -> list[tuple[int, str]]:
        if database._checkpointing is not None:
            await database._checkpointing
        return rows_in_the_database_file_alone(tmp_path / "j.db", copy)

    try:
        async with database.transaction() as c:  # commit 2
            await c.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        await database.run(insert(1, "a"))  # commit 3
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            await settled()
        await database.run(insert(2, "b"))  # commit 4: a checkpoint starts aside
        assert await settled() == [(1, "a"), (2, "b")]
        await database.run(insert(3, "c"))
        assert await settled() == [(1, "a"), (2, "b")]  # until the next one
    finally:
        await database.close()


async def test_commits_are_durable_unless_the_trade_off_is_chosen(tmp_path: Path) -> None:
    """synchronous=FULL (2) by default; NORMAL (1) only when asked for."""
    for asked, level in ((None, 2), ("normal", 1), ("full", 2)):
        opened = await (
            Database.open(tmp_path / f"{asked}.db")
            if asked is None
            else Database.open(tmp_path / f"{asked}.db", asked)
        )
        try:
            async with opened.lookup() as db, db.execute("PRAGMA synchronous") as cursor:
                row = await cursor.fetchone()
                assert row is not None and tuple(row) == (level,)
        finally:
            await opened.close()
    with pytest.raises(ValueError, match="synchronous"):
        await Database.open(tmp_path / "off.db", "off")
