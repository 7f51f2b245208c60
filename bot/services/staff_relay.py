"""The relay: what seekers and their support person write to each other through the bot."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.domain import staff_notices as notices
from bot.domain import staff_views as views
from bot.domain.cases import CaseRecord, Staff
from bot.domain.dialogue import N_, S_, Line, Reply
from bot.domain.policy import Action
from bot.domain.safety_warnings import relay_warnings
from bot.ports import FollowUp, Recipient, Unit
from bot.services.outbox import queue
from bot.services.staff_base import StaffBase

log = logging.getLogger(__name__)

# At most this many of a seeker's messages in RELAY_WINDOW are sent on to staff one by one.
RELAYED_IN_WINDOW = 10
RELAY_WINDOW = timedelta(minutes=10)


class RelayMixin(StaffBase):
    """Messages between a seeker and staff, and what staff are told by the intake."""

    # -- the relay --------------------------------------------------------------------

    async def start_reply(self, actor: Staff | None, reference: str) -> Reply:
        """Make the staff member's next message go to the seeker of this case."""
        async with self._units.begin() as unit:
            case = await self._permitted(unit, actor, Action.RELAY, reference)
            if case is None:
                return self._refusal(actor, Action.RELAY)
            seeker = await unit.cases.seeker_of(case.id)
            if seeker is None or not seeker.channel.traits.reachable_later:
                return views.NO_CHAT
            if await unit.messages.opted_out(seeker.channel, seeker.address):
                return views.opted_out(case.reference)
            assert actor is not None  # noqa: S101 - _permitted refuses None
            await unit.staff.set_replying_to(actor.id, case.id)
        return Reply(
            S_("Write your message for {reference}. It reaches the person without your name "
               "or number. /cancel to stop."),
            params={"reference": case.reference},
            lines=tuple(relay_warnings(case, seeker.channel)),
        )  # fmt: skip

    async def cancel_reply(self, actor: Staff | None) -> Reply:
        """Stop sending the next message to a seeker."""
        if actor is None:
            return views.NOT_STAFF
        async with self._units.begin() as unit:
            await unit.staff.set_replying_to(actor.id, None)
        return Reply(S_("Cancelled."))

    async def staff_text(self, actor: Staff | None, text: str) -> list[Reply] | None:
        """Relay free text to the chosen seeker; None if no case was chosen."""
        if actor is None:
            return None
        async with self._units.begin() as unit:
            case_id = await unit.staff.replying_to(actor.id)
            case = await unit.cases.by_id(case_id) if case_id is not None else None
        if case is None:
            return None
        return await self.relay(actor, case.reference, text)

    async def relay(self, actor: Staff | None, reference: str, text: str) -> list[Reply]:
        """Send a staff member's message to the seeker, on the seeker's own channel.

        The message is queued with the case's change, in one transaction: an erasure either
        comes first (and there is no one to write to) or takes the queued message with it.
        The sender hears "Sent" once the provider took it, or that it could not be
        delivered, never before; without a chat to tell them in, they are told at once.
        """
        now = self._clock.now()
        async with self._units.begin() as unit:
            case = await self._permitted(unit, actor, Action.RELAY, reference)
            if case is None:
                return [self._refusal(actor, Action.RELAY)]
            seeker = await unit.cases.seeker_of(case.id)
            if seeker is None or not seeker.channel.traits.reachable_later:
                return [views.NO_CHAT]
            channel, address, seeker_id = seeker.channel, seeker.address, seeker.seeker_id
            if await unit.messages.opted_out(channel, address):
                return [views.opted_out(case.reference)]
            assert actor is not None  # noqa: S101 - _permitted refuses None
            await unit.cases.add_message(
                case.id, from_seeker=False, staff_id=actor.id, body=text, now=now
            )
            await unit.cases.record_event(case.id, actor.id, "message_to_seeker", "", now)
            await unit.staff.set_replying_to(actor.id, None)
            state = await unit.intake.load_conversation(seeker_id)
            locale = state.locale if state and state.locale else case.locale
            message = Reply(
                N_("Message from your support person ({reference}):"),  # read by the seeker
                params={"reference": case.reference},
                lines=(Line("{body}", {"body": text}),),
            )
            sent, undelivered = views.relay_sent(case.reference), views.relay_failed(case.reference)
            staff_chat = await unit.staff.telegram_id(actor.id)
            me = None if staff_chat is None else self._staff_recipient(actor, staff_chat)
            await queue(
                unit, Recipient(channel, address, locale), [message], now, seeker_id=seeker_id,
                on_sent=FollowUp(me, (sent,)) if me else None,
                on_failed=FollowUp(me, (undelivered,)) if me else None,
            )  # fmt: skip
        self._wake_outbox()
        log.info("case.relayed_to_seeker case=%s", case.reference)
        return [] if me else [sent]

    # -- told by the intake, inside the intake's unit of work --------------------------

    async def case_created(
        self,
        unit: Unit,
        case_id: int,
        seeker_id: int | None,
        now: datetime,
        follows: CaseRecord | None = None,
    ) -> None:
        """Tell the organisation's coordinators about a new case at once (and which closed
        case it follows, for a seeker who came back)."""
        case = await unit.cases.by_id(case_id)
        if case is None:
            return
        earlier = None
        if follows is not None:
            volunteer = (
                await unit.staff.by_id(follows.volunteer_id) if follows.volunteer_id else None
            )
            earlier = views.Earlier(follows, volunteer.name if volunteer else None)
        notice = notices.new_case(self._settings, case, self._due(case), self._partnership, earlier)
        recipients = await self._coordinators(unit, case.org_id)
        await self._tell(unit, recipients, [notice], now, about=seeker_id)

    async def seeker_wrote(
        self, unit: Unit, case_id: int, seeker_id: int, text: str, now: datetime
    ) -> None:
        """Pass a seeker's message to their volunteer, or to the coordinators until assigned.

        A seeker answering a message from their support person counts as reached (rule 4,
        for those who chose the chat), so the case is then in contact. Past a few messages
        in a short time each is kept with the case but no longer sent on one by one: staff
        get one "more messages" notice instead, so a flood cannot bury their other notices.
        """
        case = await unit.cases.by_id(case_id)
        if case is None:
            return
        answered, recent = await unit.cases.relay_counts(case.id, now - RELAY_WINDOW)
        if answered and await unit.cases.mark_in_contact(case.id):
            await unit.cases.record_event(case.id, None, "seeker_answered", "", now)
        if recent > RELAYED_IN_WINDOW + 1:
            log.info("case.relay_held case=%s", case.reference)  # kept with the case, said once
            return
        if recent == RELAYED_IN_WINDOW + 1:
            message = notices.more_from_seeker(self._settings, case.reference)
        else:
            message = notices.seeker_wrote(self._settings, case.reference, text)
        volunteer = await unit.staff.by_id(case.volunteer_id) if case.volunteer_id else None
        telegram_id = await unit.staff.telegram_id(volunteer.id) if volunteer else None
        if volunteer is not None and volunteer.active and telegram_id is not None:
            recipients = [self._staff_recipient(volunteer, telegram_id)]
        else:
            recipients = await self._coordinators(unit, case.org_id)
        await self._tell(unit, recipients, [message], now, about=seeker_id)
        log.info("case.relayed_to_staff case=%s", case.reference)
