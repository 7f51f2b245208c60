"""Moving a case to another organisation of the partnership (a referral between them).

The agreement links the partners: an association passes a seeker under 21 to Stödcentrum,
Stödcentrum passes one over 21 to the association of their district, and a case routed to
the wrong district moves to the right one. The case keeps its reference and its deadline:
the seeker was promised a first contact within three days of their intake, not of the move.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.domain import staff_notices as notices
from bot.domain import transfer_views as views
from bot.domain.cases import Staff, TransferReason
from bot.domain.dialogue import Reply
from bot.domain.policy import Action
from bot.domain.stats import TRANSFERRED, transfer_detail
from bot.ports import Recipient
from bot.services.outbox import queue
from bot.services.staff_base import StaffBase

log = logging.getLogger(__name__)


class TransferMixin(StaffBase):
    async def transfer(
        self,
        actor: Staff | None,
        reference: str,
        org_id: str = "",
        reason: TransferReason | None = None,
    ) -> Reply:
        """Offer the other organisations, ask why, then move the case to the one chosen.

        The seeker is told which organisation has their case now, in the same unit of work.
        """
        now = self._clock.now()
        async with self._units.begin() as unit:
            case = await self._permitted(unit, actor, Action.TRANSFER, reference)
            if case is None:
                return self._refusal(actor, Action.TRANSFER)
            others = [o for o in self._partnership.organisations if o.id != case.org_id]
            target = next((o for o in others if o.id == org_id), None)
            if target is None:
                return views.destinations(case.reference, others)
            if reason is None:
                return views.reasons(case.reference, target)
            assert actor is not None  # noqa: S101 - _permitted refuses None
            await unit.cases.transfer(case.id, target.id)
            detail = transfer_detail(case.org_id, target.id, reason)
            await unit.cases.record_event(case.id, actor.id, TRANSFERRED, detail, now)
            seeker = await unit.cases.seeker_of(case.id)
            state = await unit.intake.load_conversation(seeker.seeker_id) if seeker else None
            if seeker is not None and state is not None:
                # What the seeker reads now names the association that has their case.
                moved_state = replace(state, org_id=target.id)
                await unit.intake.save_conversation(seeker.seeker_id, moved_state, now)
            if seeker is not None and seeker.channel.traits.reachable_later:
                told = Reply(
                    views.MOVED_FOR_SEEKER,
                    {"reference": case.reference, "organisation": target.name},
                )
                locale = state.locale if state and state.locale else case.locale
                to = Recipient(seeker.channel, seeker.address, locale)
                await queue(unit, to, [told], now, seeker_id=seeker.seeker_id)
            moved = await unit.cases.by_id(case.id)
            assert moved is not None  # noqa: S101 - moved inside this transaction
            source = self._partnership.organisation(case.org_id).name
            notice = notices.received(
                self._settings, moved, self._due(moved), self._partnership, source, reason
            )
            await self._tell(unit, await self._coordinators(unit, target.id), [notice], now)
            confirmation = views.moved(case.reference, target.name)
            volunteer = await unit.staff.by_id(case.volunteer_id) if case.volunteer_id else None
            if volunteer is not None and volunteer.id != actor.id:
                telegram_id = await unit.staff.telegram_id(volunteer.id)
                if telegram_id is not None:
                    former = self._staff_recipient(volunteer, telegram_id)
                    await self._tell(unit, [former], [confirmation], now)
        self._wake_outbox()
        log.info("case.transferred case=%s from=%s to=%s", case.reference, case.org_id, target.id)
        return confirmation
