"""Queries for the follow-up report: anonymous case facts for an organisation and a period."""

from __future__ import annotations

from datetime import datetime

from bot.domain.cases import Attempt, AttemptChannel, AttemptOutcome
from bot.domain.stats import TRANSFERRED, CaseFacts, parse_transfer
from bot.storage.connection import Connection
from bot.storage.timestamps import utc_text

_CASES = (
    "SELECT id, received_at, source, channel, locale, status, gender, age_group, role, "
    "district_id, crime, close_reason, daytime_only FROM cases "
    "WHERE org_id = ? AND received_at >= ? AND received_at < ? ORDER BY received_at"
)

# Each subquery picks the organisation's cases received in the period.
_NEEDS = (
    "SELECT case_id, need FROM case_needs WHERE case_id IN (SELECT id FROM cases "
    "WHERE org_id = ? AND received_at >= ? AND received_at < ?)"
)
_ATTEMPTS = (
    "SELECT case_id, at, channel, outcome FROM attempts WHERE case_id IN (SELECT id FROM cases "
    "WHERE org_id = ? AND received_at >= ? AND received_at < ?) ORDER BY at"
)
_ANSWERED = (
    "SELECT case_id, MIN(at) FROM case_events WHERE event = 'seeker_answered' AND case_id IN "
    "(SELECT id FROM cases WHERE org_id = ? AND received_at >= ? AND received_at < ?) "
    "GROUP BY case_id"
)


class StatsStore:
    """Read-only statistics queries inside one open transaction."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    async def cases(self, org_id: str, start: datetime, end: datetime) -> list[CaseFacts]:
        """Return the facts of the cases *org_id* received in [start, end)."""
        async with self._db.execute(_CASES, (org_id, utc_text(start), utc_text(end))) as cursor:
            rows = list(await cursor.fetchall())
        if not rows:
            return []
        period = (org_id, utc_text(start), utc_text(end))
        needs: dict[int, set[str]] = {}
        attempts: dict[int, list[Attempt]] = {}
        answered: dict[int, datetime] = {}
        async with self._db.execute(_NEEDS, period) as cursor:
            for case_id, need in await cursor.fetchall():
                needs.setdefault(case_id, set()).add(need)
        async with self._db.execute(_ATTEMPTS, period) as cursor:
            for case_id, at, channel, outcome in await cursor.fetchall():
                attempt = Attempt(
                    datetime.fromisoformat(at), AttemptChannel(channel), AttemptOutcome(outcome)
                )
                attempts.setdefault(case_id, []).append(attempt)
        async with self._db.execute(_ANSWERED, period) as cursor:
            for case_id, at in await cursor.fetchall():
                answered[case_id] = datetime.fromisoformat(at)
        return [
            CaseFacts(
                received_at=datetime.fromisoformat(r[1]),
                source=str(r[2]),
                channel=str(r[3]),
                locale=str(r[4]),
                status=str(r[5]),
                gender=r[6],
                age_group=r[7],
                role=r[8],
                district_id=r[9],
                crime=r[10],
                close_reason=r[11],
                evening_safe=not r[12],
                needs=frozenset(needs.get(int(r[0]), ())),
                attempts=tuple(attempts.get(int(r[0]), ())),
                answered_at=answered.get(int(r[0])),
            )
            for r in rows
        ]

    async def outcomes(self, start: datetime, end: datetime) -> list[str]:
        """Return the anonymous outcomes of intakes that made no case, in [start, end)."""
        async with self._db.execute(
            "SELECT outcome FROM intake_outcomes WHERE at >= ? AND at < ?",
            (utc_text(start), utc_text(end)),
        ) as cursor:
            return [str(r[0]) for r in await cursor.fetchall()]

    async def reminders(self, org_id: str, start: datetime, end: datetime) -> list[str]:
        """Return the rule of every reminder sent in [start, end) for *org_id*'s cases."""
        async with self._db.execute(
            "SELECT r.rule FROM reminders r JOIN cases c ON c.id = r.case_id "
            "WHERE c.org_id = ? AND r.state = 'sent' AND r.sent_at >= ? AND r.sent_at < ?",
            (org_id, utc_text(start), utc_text(end)),
        ) as cursor:
            return [str(r[0]) for r in await cursor.fetchall()]

    async def transfers(self, start: datetime, end: datetime) -> list[tuple[str, str]]:
        """Return (from, to) organisation ids of every case moved in [start, end)."""
        async with self._db.execute(
            "SELECT detail FROM case_events WHERE event = ? AND at >= ? AND at < ?",
            (TRANSFERRED, utc_text(start), utc_text(end)),
        ) as cursor:
            return [parse_transfer(str(r[0])) for r in await cursor.fetchall()]

    async def calls(
        self, org_id: str, start: datetime, end: datetime
    ) -> list[tuple[AttemptOutcome | None, int | None]]:
        """Return (outcome, seconds) of every call *org_id* placed in [start, end); a call
        Twilio refused was never placed."""
        async with self._db.execute(
            "SELECT outcome, seconds FROM calls WHERE org_id = ? AND requested_at >= ? "
            "AND requested_at < ? AND state != 'failed'",
            (org_id, utc_text(start), utc_text(end)),
        ) as cursor:
            rows = await cursor.fetchall()
        return [(AttemptOutcome(r[0]) if r[0] else None, r[1]) for r in rows]
