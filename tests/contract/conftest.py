"""Every contract test runs once per implementation of the storage ports.

A new implementation joins by adding its name to IMPLEMENTATIONS, a branch to `units`, and
the exception it raises for a write its schema refuses to `refused`.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.domain.model import Partnership
from bot.ports import UnitsOfWork
from bot.storage.database import Database
from bot.storage.migrations import MIGRATIONS
from bot.storage.units import Units
from tests.memory_units import IntegrityError, MemoryUnits

IMPLEMENTATIONS = ("sqlite", "memory")

# mypy checks here that the fake is a whole UnitsOfWork (the Protocol is not runtime-checked).
_check: UnitsOfWork = MemoryUnits()


@pytest.fixture(params=IMPLEMENTATIONS)
def implementation(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a database file with the whole schema: a copy opens ten times faster."""
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def migrate() -> None:
        database = await Database.open(path)
        try:
            assert await database.schema_version() == len(MIGRATIONS)
        finally:
            await database.close()

    asyncio.run(migrate())
    return path


@pytest.fixture
async def units(implementation: str, tmp_path: Path, migrated: Path) -> AsyncIterator[UnitsOfWork]:
    if implementation == "sqlite":
        path = tmp_path / "contract.db"
        shutil.copyfile(migrated, path)
        database = await Database.open(path)
        try:
            yield Units(database)
        finally:
            await database.close()
    else:
        yield MemoryUnits()


@pytest.fixture
def refused(implementation: str) -> type[Exception]:
    """What the implementation raises for a write its schema refuses (unique, reference)."""
    errors: dict[str, type[Exception]] = {
        "sqlite": sqlite3.IntegrityError,
        "memory": IntegrityError,
    }
    return errors[implementation]


@pytest.fixture(scope="session")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Partnership:
    """Return the shipped partnership, read once (the suite's `partnership`, per test, is slow)."""
    path = tmp_path_factory.mktemp("settings") / "unused.db"
    return load_settings({"JOURBOT_DB": str(path)}).partnership


@pytest.fixture
def org(shipped: Partnership) -> str:
    return shipped.default_org_id


@pytest.fixture
def other_org(shipped: Partnership) -> str:
    return next(o.id for o in shipped.organisations if o.id != shipped.default_org_id)


@pytest.fixture
def district(shipped: Partnership) -> str:
    return shipped.districts[0].id
