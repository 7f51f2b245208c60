"""Erasing a case's personal data: one definition for a seeker's request and for retention."""

from __future__ import annotations

from collections.abc import Sequence

from bot.storage.connection import Connection

# What a case holds about the person; the case row keeps only anonymous statistics.
_PERSONAL_TABLES = ("case_contacts", "case_messages")


async def strip_cases(db: Connection, cases: str, params: Sequence[object]) -> None:
    """Delete the personal data of the cases whose ids the SELECT *cases* gives."""
    for table in _PERSONAL_TABLES:
        await db.execute(
            f"DELETE FROM {table} WHERE case_id IN ({cases})",  # noqa: S608 - our own SQL
            params,
        )
    await db.execute(
        f"UPDATE cases SET talk_language = NULL WHERE id IN ({cases})",  # noqa: S608
        params,
    )
