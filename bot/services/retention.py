"""Retention and erasure on request: personal data goes, the anonymous statistics stay."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.config import Retention
from bot.ports import Clock, UnitsOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Purged:
    closed_cases: int
    abandoned_intakes: int
    inbound_ids: int


class RetentionService:
    def __init__(self, units: UnitsOfWork, clock: Clock, retention: Retention) -> None:
        self._units = units
        self._clock = clock
        self._retention = retention

    async def purge(self) -> Purged:
        """Apply the retention periods now (daily, and `jourbot purge`)."""
        now = self._clock.now()
        r = self._retention
        async with self._units.begin() as unit:
            closed = await unit.retention.closed_before(now - timedelta(days=r.closed_case_days))
            for case_id in closed:
                await unit.retention.strip(case_id)
            abandoned = await unit.retention.abandoned_before(
                now - timedelta(days=r.abandoned_intake_days)
            )
            for seeker_id in abandoned:
                await unit.retention.delete_seeker(seeker_id)
            ids = await unit.retention.forget_inbound_before(
                now - timedelta(days=r.inbound_id_days)
            )
        if closed or abandoned:
            await self._units.scrub()
        purged = Purged(len(closed), len(abandoned), ids)
        log.info(
            "retention.purged closed_cases=%d abandoned_intakes=%d inbound_ids=%d",
            purged.closed_cases, purged.abandoned_intakes, purged.inbound_ids,
        )  # fmt: skip
        return purged

    async def erase_case(self, reference: str) -> bool:
        """Erase one case's personal data at once (staff acting on the seeker's request)."""
        async with self._units.begin() as unit:
            found = await unit.retention.case_by_reference(reference)
            if found is None:
                return False
            case_id, seeker_id = found
            if seeker_id is not None:
                await unit.intake.forget_seeker(seeker_id)
            else:
                await unit.retention.strip(case_id)
                await unit.retention.mark_erased(case_id)
        await self._units.scrub()
        log.info("retention.case_erased case=%s", reference.upper())
        return True
