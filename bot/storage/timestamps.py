"""How moments are written to the database: ISO 8601 text in UTC, to the second."""

from __future__ import annotations

from datetime import datetime


def utc_text(moment: datetime) -> str:
    """Return *moment* as stored, e.g. '2026-11-28T17:05:00+00:00' (text compares in order)."""
    return moment.isoformat(timespec="seconds")
