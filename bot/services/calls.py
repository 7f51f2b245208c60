"""Calls through the association's number: a volunteer asks, the service rings them, then the
seeker, and logs the attempt from what the provider reports (issue 21).

The volunteer's phone and the seeker's are read from their sealed rows only to be handed to
the provider; neither is logged, stored here, or shown to the other side. Each step of a call
moves it forward once: a callback the provider sends twice, or late, changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.config_file import CallSettings
from bot.domain import call_views as views
from bot.domain.calls import (
    CALL_OPEN_AT_MOST,
    CORRECTIONS,
    Call,
    CallRefusal,
    CallState,
    call_refusal,
    day_start,
    may_be_called,
    outcome_of,
    plan_call,
)
from bot.domain.case_history import CALL, CALL_CORRECTED, CALL_LOGGED, CALL_OUTSIDE
from bot.domain.cases import AttemptChannel, AttemptOutcome, CaseStatus, Staff
from bot.domain.dialogue import Reply
from bot.domain.model import Partnership
from bot.domain.policy import Action, allowed
from bot.domain.staff_notices import StaffSettings
from bot.domain.staff_views import REFUSED, masked_phone
from bot.ports import CallNotPlaced, Clock, Unit, UnitsOfWork, VoiceGateway
from bot.services.staff_base import StaffBase

log = logging.getLogger(__name__)

_OPEN = (CaseStatus.NEW, CaseStatus.ASSIGNED, CaseStatus.IN_CONTACT)


@dataclass(frozen=True, slots=True)
class Bridge:
    """How to put the volunteer, who answered, through to the seeker."""

    seeker: str  # E.164, for the provider only
    caller_id: str  # the association's number: all the seeker sees
    ring_seconds: int
    screen: bool  # detect a machine and hang up on it: a voicemail is not safe


class CallService(StaffBase):
    """Ask for a call, follow it through the provider's callbacks, put its outcome right."""

    def __init__(
        self,
        units: UnitsOfWork,
        clock: Clock,
        partnership: Partnership,
        wake_outbox: Callable[[], None],
        *,
        settings: StaffSettings,
        calls: CallSettings,
        voice: VoiceGateway | None,
    ) -> None:
        super().__init__(units, clock, partnership, wake_outbox, settings=settings)
        self._calls = calls
        self._voice = voice

    def places_calls(self, org_id: str) -> bool:
        """Tell whether *org_id*'s volunteers can have the service call for them."""
        return self._voice is not None and self._calls.number(org_id) is not None

    # -- the volunteer asks ---------------------------------------------------------------

    async def request(
        self, actor: Staff | None, reference: str, *, confirmed: bool = False
    ) -> Reply:
        """Place a call for the case: ring the actor's phone, then the seeker's.

        Outside the time the seeker said is safe, nothing is placed until *confirmed*.
        """
        now = self._clock.now()
        async with self._units.begin() as unit:
            case = await self._permitted(unit, actor, Action.CALL, reference)
            if case is None or actor is None:
                return self._refusal(actor, Action.CALL)
            staff_phone = await unit.staff.phone(actor.id)
            voice, caller_id = self._voice, self._calls.number(case.org_id)
            why = call_refusal(
                case,
                voice=voice is not None and caller_id is not None,
                staff_phone=staff_phone is not None,
                placed_today=await unit.calls.placed_since(
                    case.org_id, day_start(now, self._partnership)
                ),
                per_day=self._calls.per_day,
                open_call=await unit.calls.open_for(case.id, now - CALL_OPEN_AT_MOST),
            )
            if why is not None or voice is None or caller_id is None or staff_phone is None:
                why = why or CallRefusal.NO_VOICE
                log.info("call.refused case=%s why=%s", case.reference, why)
                return views.call_refused(case.reference, why)
            plan = plan_call(
                case.call_time, case.voicemail_ok, now, self._partnership, confirmed=confirmed
            )
            if plan.confirm_first:
                return views.confirm_call(case.reference, case.call_time)
            call_id = await unit.calls.add(
                case.id, actor.id, case.org_id, plan.hang_up_on_machine, now
            )
            event = CALL_OUTSIDE if plan.outside_safe_time else CALL
            await unit.cases.record_event(case.id, actor.id, event, "", now)
        try:
            sid = await voice.place(staff_phone, caller_id, call_id)
        except CallNotPlaced:
            async with self._units.begin() as unit:
                await unit.calls.finish(call_id, CallState.FAILED, None, None, None)
            log.warning("call.not_placed case=%s call=%s", case.reference, call_id)
            return views.call_not_placed(case.reference)
        async with self._units.begin() as unit:
            await unit.calls.placed(call_id, sid)
        log.info("call.placed case=%s call=%s", case.reference, call_id)
        return views.ringing_you(case.reference, masked_phone(staff_phone))

    # -- the provider reports -------------------------------------------------------------

    async def connect(self, call_id: int, call_sid: str) -> Bridge | None:
        """The volunteer answered: say how to reach the seeker, or None to hang up (the case
        was closed, moved or erased meanwhile, or the call is not ours)."""
        now = self._clock.now()
        async with self._units.begin() as unit:
            call = await unit.calls.get(call_id)
            if call is None or call.state.over or (call.call_sid not in (None, call_sid)):
                return None
            case = await unit.cases.by_id(call.case_id)
            staff = await unit.staff.by_id(call.staff_id)
            if (
                case is None
                or case.status not in _OPEN
                or not may_be_called(case)
                or not allowed(staff, Action.CALL, case)
            ):
                reference = case.reference if case is not None else "?"
                await self._end(unit, call, CallState.MISSED, views.call_dropped(reference))
                log.info("call.dropped call=%s", call.id)
                return None
            if call.state is not CallState.DIALING:  # asked again: the same answer, once
                await unit.calls.dialing(call.id, now)
        caller_id = self._calls.number(call.org_id)
        if caller_id is None or case.phone is None:
            return None
        log.info("call.dialing case=%s call=%s", case.reference, call.id)
        return Bridge(
            case.phone, caller_id, self._calls.ring_seeker_seconds, call.hang_up_on_machine
        )

    async def screen(self, call_id: int, answered_by: str) -> bool:
        """The seeker's phone answered: keep what answered it; True to hang up before anything
        is heard or left (a machine, where the seeker said a voicemail is not safe)."""
        async with self._units.begin() as unit:
            call = await unit.calls.get(call_id)
            if call is None:
                return True
            await unit.calls.screened(call.id, answered_by)
        machine = answered_by.startswith(("machine", "fax"))
        if machine and call.hang_up_on_machine:
            log.info("call.machine_hung_up call=%s", call.id)
        return machine and call.hang_up_on_machine

    async def dialed(self, call_id: int, dial_status: str, seconds: int | None) -> None:
        """The seeker's leg ended (the <Dial action>): log the attempt, once."""
        async with self._units.begin() as unit:
            call = await unit.calls.get(call_id)
            if call is None or call.state.over:
                return  # sent again, or too late: it was counted
            outcome = outcome_of(dial_status, call.answered_by) or AttemptOutcome.FAILED
            if outcome is AttemptOutcome.REACHED and not seconds:
                outcome = AttemptOutcome.NO_ANSWER  # answered and gone at once: not a contact
            await self._log(unit, call, outcome, seconds)
        self._wake_outbox()

    async def ended(self, call_id: int, call_status: str, seconds: int | None) -> None:
        """The volunteer's leg ended (its status callback)."""
        async with self._units.begin() as unit:
            call = await unit.calls.get(call_id)
            if call is None or call.state.over:
                return
            if call.state is CallState.DIALING:
                # The seeker's phone rang, and the call ended before any <Dial action> came
                # (the volunteer hung up first): an attempt nobody answered.
                await self._log(unit, call, AttemptOutcome.NO_ANSWER, 0)
            else:
                case = await unit.cases.by_id(call.case_id)
                reference = case.reference if case is not None else "?"
                await self._end(unit, call, CallState.MISSED, views.call_missed(reference))
                log.info("call.missed call=%s status=%s", call.id, call_status[:20])
        self._wake_outbox()

    async def _log(
        self, unit: Unit, call: Call, outcome: AttemptOutcome, seconds: int | None
    ) -> None:
        """Log the call's attempt at the moment the seeker's phone began to ring (the evening
        rule reads the real time), and tell the volunteer with a way to put it right."""
        now = self._clock.now()
        at = call.dialed_at or now
        attempt_id = await unit.cases.add_attempt(
            call.case_id, call.staff_id, at, AttemptChannel.PHONE, outcome, now
        )
        await unit.calls.finish(call.id, CallState.DONE, outcome, seconds, attempt_id)
        await unit.cases.record_event(call.case_id, call.staff_id, CALL_LOGGED, outcome, now)
        case = await unit.cases.by_id(call.case_id)
        reference = case.reference if case else "?"
        log.info("call.logged case=%s call=%s outcome=%s", reference, call.id, outcome)
        await self._tell_volunteer(
            unit, call, views.call_logged(reference, call.id, at, outcome, seconds)
        )

    async def _end(self, unit: Unit, call: Call, state: CallState, reply: Reply) -> None:
        """End a call that made no attempt, and tell the volunteer why."""
        if await unit.calls.finish(call.id, state, None, None, None):
            await self._tell_volunteer(unit, call, reply)

    async def _tell_volunteer(self, unit: Unit, call: Call, reply: Reply) -> None:
        staff = await unit.staff.by_id(call.staff_id)
        telegram_id = await unit.staff.telegram_id(call.staff_id)
        if staff is not None and telegram_id is not None:
            to = self._staff_recipient(staff, telegram_id)
            await self._tell(unit, [to], [reply], self._clock.now())

    # -- the volunteer puts it right ------------------------------------------------------

    async def correct(
        self, actor: Staff | None, reference: str, call_id: int, outcome: AttemptOutcome
    ) -> Reply:
        """Put right the outcome a call logged (e.g. reached, but a voicemail after all)."""
        now = self._clock.now()
        async with self._units.begin() as unit:
            case = await self._permitted(unit, actor, Action.LOG_ATTEMPT, reference)
            call = await unit.calls.get(call_id) if case is not None else None
            if (
                case is None
                or actor is None
                or call is None
                or call.case_id != case.id
                or call.attempt_id is None
                or outcome not in CORRECTIONS
            ):
                return REFUSED
            await unit.cases.correct_attempt(case.id, call.attempt_id, outcome)
            await unit.calls.corrected(call.id, outcome)
            await unit.cases.record_event(case.id, actor.id, CALL_CORRECTED, outcome, now)
        log.info("call.corrected case=%s call=%s outcome=%s", case.reference, call.id, outcome)
        return views.call_corrected(case.reference, outcome)
