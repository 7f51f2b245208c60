"""What is due for a case: the three-day deadline and the attempt rules (rules 3 and 4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.cases import AttemptChannel, AttemptOutcome, CaseRecord
from bot.domain.confirmation import first_contact_deadline
from bot.domain.model import Partnership


@dataclass(frozen=True, slots=True)
class FollowUp:
    deadline: datetime
    attempts: int
    evening_attempt: bool
    reached: bool

    def overdue(self, now: datetime) -> bool:
        """Tell whether the first contact is late."""
        return not self.reached and now > self.deadline


def in_evening(moment: datetime, partnership: Partnership) -> bool:
    """Tell whether *moment* falls in the local evening window (default 18:00-21:00)."""
    local = moment.astimezone(ZoneInfo(partnership.timezone)).time()
    return partnership.evening_start <= local < partnership.evening_end


def follow_up(case: CaseRecord, partnership: Partnership) -> FollowUp:
    """Summarise a case's attempts against the promises to the city."""
    phone_attempts = [a for a in case.attempts if a.channel is AttemptChannel.PHONE]
    return FollowUp(
        deadline=first_contact_deadline(partnership, case.received_at),
        attempts=len(case.attempts),
        evening_attempt=any(in_evening(a.at, partnership) for a in phone_attempts),
        reached=any(a.outcome is AttemptOutcome.REACHED for a in case.attempts),
    )
