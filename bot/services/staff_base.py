"""What every staff use case shares: the services it needs, access checks, recipients."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain import staff_views as views
from bot.domain.cases import (
    STAFF_CHANNEL,
    CaseRecord,
    Staff,
    StaffRole,
)
from bot.domain.dialogue import Reply
from bot.domain.followup import FollowUp, follow_up
from bot.domain.lockout import Lockout
from bot.domain.model import (
    Partnership,
)
from bot.domain.policy import Action, allowed
from bot.domain.staff_notices import StaffSettings
from bot.ports import Clock, Recipient, Unit, UnitsOfWork
from bot.services.invite_codes import new_invite_code
from bot.services.outbox import queue


class StaffBase:
    """Dependencies and helpers for the staff use cases (split by feature into mixins)."""

    def __init__(
        self,
        units: UnitsOfWork,
        clock: Clock,
        partnership: Partnership,
        wake_outbox: Callable[[], None],
        invite_code: Callable[[], str] = new_invite_code,
        *,
        settings: StaffSettings,
    ) -> None:
        self._units = units
        self._clock = clock
        self._partnership = partnership
        # Whether staff chats get the seeker's details, and the desk the notices link to.
        self._settings = settings
        # Every message is queued in the unit of work of the change that causes it; once
        # that commits, the outbox worker is told there is something to send.
        self._wake_outbox = wake_outbox
        self._invite_code = invite_code
        self._join_guesses = Lockout()  # per Telegram account, in memory only

    # -- helpers ----------------------------------------------------------------------

    @property
    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self._partnership.timezone)

    def _due(self, case: CaseRecord) -> FollowUp:
        return follow_up(case, self._partnership)

    @staticmethod
    def _refusal(actor: Staff | None, action: Action) -> Reply:
        return views.refused(actor, action)

    @staticmethod
    async def _permitted(
        unit: Unit, actor: Staff | None, action: Action, reference: str
    ) -> CaseRecord | None:
        """Load the case only for someone allowed to act on it."""
        if actor is None or not actor.active:
            return None
        case = await unit.cases.by_reference(reference)
        return case if case is not None and allowed(actor, action, case) else None

    @staticmethod
    def _staff_recipient(staff: Staff, telegram_id: int) -> Recipient:
        return staff_recipient(staff, telegram_id)

    @staticmethod
    async def _tell(
        unit: Unit,
        recipients: Iterable[Recipient],
        replies: Sequence[Reply],
        now: datetime,
        about: int | None = None,
    ) -> None:
        """Queue *replies* for each of *recipients* in the caller's unit of work.

        A message *about* a seeker (carrying what they wrote) is theirs: should they erase
        their data before it is sent, it goes with it.
        """
        for recipient in recipients:
            await queue(unit, recipient, replies, now, seeker_id=about)

    async def _coordinators(self, unit: Unit, org_id: str) -> list[Recipient]:
        recipients = []
        for staff in await unit.staff.of_org(org_id):
            if staff.active and staff.role is StaffRole.COORDINATOR:
                telegram_id = await unit.staff.telegram_id(staff.id)
                if telegram_id is not None:
                    recipients.append(self._staff_recipient(staff, telegram_id))
        return recipients


def staff_recipient(staff: Staff, telegram_id: int) -> Recipient:
    """Address a staff member's own chat; what it is sent cannot be forwarded or saved."""
    return Recipient(STAFF_CHANNEL, str(telegram_id), staff.locale, protected=True)
