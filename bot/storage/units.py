"""Units of work over the database, one per use case, each in its own transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.storage.database import Database
from bot.storage.intake_store import IntakeStore


class Units:
    """Open the transactions the services ask for."""

    def __init__(self, database: Database) -> None:
        self._database = database

    @asynccontextmanager
    async def intake(self) -> AsyncIterator[IntakeStore]:
        """Open one transaction for an intake turn."""
        async with self._database.transaction() as db:
            yield IntakeStore(db)
