"""Staff use cases: join, see cases, assign, log attempts, close, and talk to seekers.

Every action on a case loads it as stored and asks the policy; a refusal says the same
whether the case does not exist or is someone else's.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain import staff_views as views
from bot.domain.cases import (
    AttemptChannel,
    AttemptOutcome,
    CaseRecord,
    CaseSource,
    CaseStatus,
    CloseReason,
    Staff,
    StaffRole,
)
from bot.domain.dialogue import N_, S_, Choice, Line, Param, Reply, Translatable
from bot.domain.followup import FollowUp, follow_up
from bot.domain.model import (
    AgeGroup,
    CallTime,
    Channel,
    ContactMethod,
    CrimeCategory,
    Partnership,
    SupportNeed,
)
from bot.domain.policy import Action, allowed, may_receive, may_see_phone
from bot.domain.routing import suggest_volunteers
from bot.ports import Clock, Dispatcher, Recipient, Unit, UnitsOfWork

log = logging.getLogger(__name__)

INVITE_HOURS = 72
_INVITE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def hash_code(code: str) -> str:
    """Store invites by hash, so a copy of the database does not hand out accounts."""
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def new_invite_code() -> str:
    """Return a one-time code such as 'JQ4K-8WXM' (31^8 ≈ 8·10^11 of them)."""
    chars = [secrets.choice(_INVITE_ALPHABET) for _ in range(8)]
    return "".join(chars[:4]) + "-" + "".join(chars[4:])


@dataclass(frozen=True, slots=True)
class Invite:
    code: str
    org_id: str
    role: StaffRole
    expires_at: datetime


class StaffService:
    def __init__(
        self,
        units: UnitsOfWork,
        clock: Clock,
        partnership: Partnership,
        dispatcher: Dispatcher,
        language_names: Mapping[str, str],
        invite_code: Callable[[], str] = new_invite_code,
    ) -> None:
        self._units = units
        self._clock = clock
        self._partnership = partnership
        self._dispatcher = dispatcher
        self._names = language_names
        self._invite_code = invite_code

    # -- who is who -------------------------------------------------------------------

    async def identify(self, telegram_id: int) -> Staff | None:
        """Return the staff member behind a Telegram user, or None for everyone else."""
        async with self._units.begin() as unit:
            return await unit.staff.by_telegram(telegram_id)

    async def create_invite(
        self, org_id: str, role: StaffRole, created_by: int | None = None, hours: int = INVITE_HOURS
    ) -> Invite:
        """Make a one-time, expiring invite code for *org_id*."""
        self._partnership.organisation(org_id)  # KeyError for an unknown organisation
        now = self._clock.now()
        code, expires = self._invite_code(), now + timedelta(hours=hours)
        async with self._units.begin() as unit:
            await unit.staff.add_invite(
                code_hash=hash_code(code),
                org_id=org_id,
                role=role,
                created_by=created_by,
                now=now,
                expires_at=expires,
            )
        log.info("staff.invite_created org=%s role=%s", org_id, role)
        return Invite(code, org_id, role, expires)

    async def invite(self, actor: Staff | None, role: StaffRole) -> Reply:
        """Let a coordinator invite someone to their own organisation."""
        if not allowed(actor, Action.INVITE):
            return views.REFUSED if actor else views.NOT_STAFF
        assert actor is not None  # noqa: S101 - allowed() refuses None
        invite = await self.create_invite(actor.org_id, role, actor.id)
        return Reply(
            S_(
                "Invite code for a {role}: {code}\n"
                "It works once, until {expires}. Send it privately."
            ),
            params={
                "role": Translatable((views.ROLE[role],)),
                "code": invite.code,
                "expires": invite.expires_at,
            },
        )

    async def join(self, telegram_id: int, name: str, locale: str, code: str) -> Reply:
        """Register a Telegram user with a valid invite code."""
        now = self._clock.now()
        async with self._units.begin() as unit:
            if await unit.staff.by_telegram(telegram_id) is not None:
                return Reply(S_("You are already registered."))
            taken = await unit.staff.take_invite(hash_code(code), now)
            if taken is None:
                log.info("staff.join_refused")
                return Reply(S_("That code is not valid, already used, or expired."))
            org_id, role = taken
            staff_id = await unit.staff.add(
                org_id=org_id, role=role, name=name, telegram_id=telegram_id, locale=locale, now=now
            )
            await unit.staff.mark_invite_used_by(hash_code(code), staff_id)
        log.info("staff.joined staff=%s org=%s role=%s", staff_id, org_id, role)
        org = self._partnership.organisation(org_id)
        text = S_("Welcome. You are registered as {role} for {org}.")
        if role is StaffRole.VOLUNTEER:
            text = S_(
                "Welcome. You are registered as {role} for {org}. A coordinator will record "
                "your basic training and languages before you get cases."
            )
        return Reply(text, params={"role": Translatable((views.ROLE[role],)), "org": org.name})

    # -- seeing cases -----------------------------------------------------------------

    async def org_cases(self, actor: Staff | None) -> list[Reply]:
        """List a coordinator's unassigned, open and overdue cases."""
        if not allowed(actor, Action.ORG_CASES):
            return [views.REFUSED if actor else views.NOT_STAFF]
        assert actor is not None  # noqa: S101 - allowed() refuses None
        now = self._clock.now()
        async with self._units.begin() as unit:
            cases = await unit.cases.of_org(
                actor.org_id, (CaseStatus.NEW, CaseStatus.ASSIGNED, CaseStatus.IN_CONTACT)
            )
        dues = [(case, self._due(case)) for case in cases]
        unassigned = [(c, d) for c, d in dues if c.status is CaseStatus.NEW]
        overdue = [(c, d) for c, d in dues if d.overdue(now)]
        open_ = [(c, d) for c, d in dues if c.status is not CaseStatus.NEW]
        return [
            views.case_list(S_("Unassigned:"), unassigned[:20]),
            views.case_list(S_("Overdue (not reached within the deadline):"), overdue[:20]),
            views.case_list(S_("Open:"), open_[:20]),
        ]

    async def my_cases(self, actor: Staff | None) -> Reply:
        """List a volunteer's open cases with what is due next."""
        if not allowed(actor, Action.MY_CASES):
            return views.NOT_STAFF
        assert actor is not None  # noqa: S101 - allowed() refuses None
        async with self._units.begin() as unit:
            cases = await unit.cases.of_volunteer(actor.id)
        if not cases:
            return Reply(S_("You have no open cases."))
        return views.case_list(S_("Your open cases:"), [(c, self._due(c)) for c in cases])

    async def open_case(self, actor: Staff | None, reference: str) -> Reply:
        """Show a case in full."""
        async with self._units.begin() as unit:
            case = await self._permitted(unit, actor, Action.VIEW, reference)
            if case is None:
                return self._refusal(actor)
            volunteer = await unit.staff.by_id(case.volunteer_id) if case.volunteer_id else None
            conversation = await unit.cases.messages(case.id)
        due = self._due(case)
        return views.case_view(
            case,
            self._summary(case, due),
            due,
            show_phone=may_see_phone(actor, case),
            volunteer=volunteer.name if volunteer else None,
            conversation=conversation,
        )

    # -- assigning --------------------------------------------------------------------

    async def assign_menu(self, actor: Staff | None, reference: str) -> Reply:
        """Offer the volunteers who may take the case, best suited first."""
        async with self._units.begin() as unit:
            case = await self._permitted(unit, actor, Action.ASSIGN, reference)
            if case is None:
                return self._refusal(actor)
            volunteers = await unit.staff.of_org(case.org_id)
            load = await unit.staff.open_load(case.org_id)
        ranked = suggest_volunteers(case, volunteers, load)
        return views.suggestions(case, ranked, load, self._names)

    async def assign(self, actor: Staff | None, reference: str, volunteer_id: int) -> Reply:
        """Give the case to a trained, active volunteer of the organisation."""
        now = self._clock.now()
        async with self._units.begin() as unit:
            case = await self._permitted(unit, actor, Action.ASSIGN, reference)
            if case is None:
                return self._refusal(actor)
            assert actor is not None  # noqa: S101 - _permitted refuses None
            volunteer = await unit.staff.by_id(volunteer_id)
            if volunteer is None or not may_receive(volunteer, case):
                return Reply(
                    S_("That person cannot take cases: they must be an active volunteer of "
                       "this organisation with basic training recorded.")
                )  # fmt: skip
            await unit.cases.assign(case.id, volunteer.id)
            event = "reassigned" if case.volunteer_id else "assigned"
            await unit.cases.record_event(case.id, actor.id, event, str(volunteer.id), now)
            telegram_id = await unit.staff.telegram_id(volunteer.id)
        log.info("case.%s case=%s staff=%s", event, case.reference, volunteer.id)
        if telegram_id is not None:
            notice = views.assigned_notice(self._summary(case, self._due(case)))
            await self._dispatcher.send(self._staff_recipient(volunteer, telegram_id), [notice])
        return Reply(
            S_("{reference} is now with {name}."),
            params={"reference": case.reference, "name": volunteer.name},
        )

    # -- attempts and closing ---------------------------------------------------------

    async def attempt_step(
        self,
        actor: Staff | None,
        reference: str,
        channel: AttemptChannel | None = None,
        outcome: AttemptOutcome | None = None,
        minutes_ago: int | None = None,
    ) -> Reply:
        """Walk through logging an attempt: how, how it went, when; then record it."""
        async with self._units.begin() as unit:
            case = await self._permitted(unit, actor, Action.LOG_ATTEMPT, reference)
        if case is None:
            return self._refusal(actor)
        if channel is None:
            return views.attempt_channels(case.reference)
        if outcome is None:
            return views.attempt_outcomes(case.reference, channel)
        now_local = self._clock.now().astimezone(self._zone)
        if minutes_ago is None:
            return views.attempt_times(
                case.reference, channel, outcome, views.earlier_today_options(now_local)
            )
        at = self._clock.now() - timedelta(minutes=minutes_ago)
        return await self.log_attempt(actor, case.reference, channel, outcome, at)

    async def log_attempt(
        self,
        actor: Staff | None,
        reference: str,
        channel: AttemptChannel,
        outcome: AttemptOutcome,
        at: datetime,
    ) -> Reply:
        """Record an attempt made now or earlier the same (local) day."""
        now = self._clock.now()
        if at > now or at.astimezone(self._zone).date() != now.astimezone(self._zone).date():
            return Reply(S_("An attempt can be logged for earlier today only."))
        async with self._units.begin() as unit:
            case = await self._permitted(unit, actor, Action.LOG_ATTEMPT, reference)
            if case is None:
                return self._refusal(actor)
            assert actor is not None  # noqa: S101 - _permitted refuses None
            await unit.cases.add_attempt(case.id, actor.id, at, channel, outcome, now)
            await unit.cases.record_event(case.id, actor.id, "attempt", f"{channel}:{outcome}", now)
        log.info("case.attempt case=%s outcome=%s", case.reference, outcome)
        return views.attempt_logged(case.reference, at, outcome)

    async def log_attempt_today(
        self,
        actor: Staff | None,
        reference: str,
        channel: AttemptChannel,
        outcome: AttemptOutcome,
        local_time: time,
    ) -> Reply:
        """Record an attempt made at *local_time* today (Stockholm time)."""
        today = self._clock.now().astimezone(self._zone).date()
        at = datetime.combine(today, local_time, self._zone)
        return await self.log_attempt(actor, reference, channel, outcome, at)

    async def close(
        self, actor: Staff | None, reference: str, reason: CloseReason | None = None
    ) -> Reply:
        """Ask for a reason, then close the case."""
        now = self._clock.now()
        async with self._units.begin() as unit:
            case = await self._permitted(unit, actor, Action.CLOSE, reference)
            if case is None:
                return self._refusal(actor)
            if reason is None:
                return views.close_reasons(case.reference)
            assert actor is not None  # noqa: S101 - _permitted refuses None
            await unit.cases.close(case.id, reason, now)
            await unit.cases.record_event(case.id, actor.id, "closed", str(reason), now)
        log.info("case.closed case=%s reason=%s", case.reference, reason)
        return Reply(
            S_("{reference} is closed: {reason}."),
            params={
                "reference": case.reference,
                "reason": Translatable((views.CLOSE_REASON[reason],)),
            },
        )

    # -- the relay --------------------------------------------------------------------

    async def start_reply(self, actor: Staff | None, reference: str) -> Reply:
        """Make the staff member's next message go to the seeker of this case."""
        async with self._units.begin() as unit:
            case = await self._permitted(unit, actor, Action.RELAY, reference)
            if case is None:
                return self._refusal(actor)
            if await unit.cases.seeker_of(case.id) is None:
                return views.NO_CHAT
            assert actor is not None  # noqa: S101 - _permitted refuses None
            await unit.staff.set_replying_to(actor.id, case.id)
        return Reply(
            S_("Write your message for {reference}. It reaches the person without your name "
               "or number. /cancel to stop."),
            params={"reference": case.reference},
        )  # fmt: skip

    async def cancel_reply(self, actor: Staff | None) -> Reply:
        """Stop sending the next message to a seeker."""
        if actor is None:
            return views.NOT_STAFF
        async with self._units.begin() as unit:
            await unit.staff.set_replying_to(actor.id, None)
        return Reply(S_("Cancelled."))

    async def staff_text(self, actor: Staff | None, text: str) -> Reply | None:
        """Relay free text to the chosen seeker; None if no case was chosen."""
        if actor is None:
            return None
        async with self._units.begin() as unit:
            case_id = await unit.staff.replying_to(actor.id)
            case = await unit.cases.by_id(case_id) if case_id is not None else None
        if case is None:
            return None
        return await self.relay(actor, case.reference, text)

    async def relay(self, actor: Staff | None, reference: str, text: str) -> Reply:
        """Send a staff member's message to the seeker, on the seeker's own channel."""
        now = self._clock.now()
        async with self._units.begin() as unit:
            case = await self._permitted(unit, actor, Action.RELAY, reference)
            if case is None:
                return self._refusal(actor)
            seeker = await unit.cases.seeker_of(case.id)
            if seeker is None:
                return views.NO_CHAT
            assert actor is not None  # noqa: S101 - _permitted refuses None
            await unit.cases.add_message(
                case.id, from_seeker=False, staff_id=actor.id, body=text, now=now
            )
            await unit.cases.record_event(case.id, actor.id, "message_to_seeker", "", now)
            await unit.staff.set_replying_to(actor.id, None)
            state = await unit.intake.load_conversation(seeker[2])
        channel, address, _ = seeker
        locale = state.locale if state and state.locale else case.locale
        message = Reply(
            N_("Message from your support person ({reference}):"),  # read by the seeker
            params={"reference": case.reference},
            lines=(Line("{body}", {"body": text}),),
        )
        await self._dispatcher.send(Recipient(channel, address, locale), [message])
        log.info("case.relayed_to_seeker case=%s", case.reference)
        return Reply(S_("Sent to the seeker of {reference}."), params={"reference": case.reference})

    # -- told by the intake -----------------------------------------------------------

    async def case_created(self, case_id: int) -> None:
        """Tell the organisation's coordinators about a new case at once."""
        async with self._units.begin() as unit:
            case = await unit.cases.by_id(case_id)
            if case is None:
                return
            recipients = await self._coordinators(unit, case.org_id)
        notice = views.new_case_notice(self._summary(case, self._due(case)))
        for recipient in recipients:
            await self._dispatcher.send(recipient, [notice])

    async def seeker_wrote(self, case_id: int, text: str) -> None:
        """Pass a seeker's message to their volunteer, or to the coordinators until assigned.

        A seeker answering a message from their support person counts as reached (rule 4,
        for those who chose the chat), so the case is then in contact.
        """
        now = self._clock.now()
        async with self._units.begin() as unit:
            case = await unit.cases.by_id(case_id)
            if case is None:
                return
            conversation = await unit.cases.messages(case.id)
            answered = any(not from_seeker for _, from_seeker, _ in conversation)
            if answered and await unit.cases.mark_in_contact(case.id):
                await unit.cases.record_event(case.id, None, "seeker_answered", "", now)
            volunteer = await unit.staff.by_id(case.volunteer_id) if case.volunteer_id else None
            telegram_id = await unit.staff.telegram_id(volunteer.id) if volunteer else None
            if volunteer is not None and volunteer.active and telegram_id is not None:
                recipients = [self._staff_recipient(volunteer, telegram_id)]
            else:
                recipients = await self._coordinators(unit, case.org_id)
        message = Reply(
            S_("Message from the seeker in {reference}:"),
            params={"reference": case.reference},
            lines=(Line("{body}", {"body": text}),),
            choices=(Choice(f"reply:{case.reference}", S_("Answer")),),
            step=views.STAFF_STEP,
        )
        for recipient in recipients:
            await self._dispatcher.send(recipient, [message])
        log.info("case.relayed_to_staff case=%s", case.reference)

    # -- helpers ----------------------------------------------------------------------

    @property
    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self._partnership.timezone)

    def _due(self, case: CaseRecord) -> FollowUp:
        return follow_up(case, self._partnership)

    def _summary(self, case: CaseRecord, due: FollowUp) -> dict[str, Param]:
        return views.summary_params(case, self._partnership, self._names, due)

    @staticmethod
    def _refusal(actor: Staff | None) -> Reply:
        return views.REFUSED if actor else views.NOT_STAFF

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
        return Recipient(Channel.TELEGRAM, str(telegram_id), staff.locale)

    async def _coordinators(self, unit: Unit, org_id: str) -> list[Recipient]:
        recipients = []
        for staff in await unit.staff.of_org(org_id):
            if staff.active and staff.role is StaffRole.COORDINATOR:
                telegram_id = await unit.staff.telegram_id(staff.id)
                if telegram_id is not None:
                    recipients.append(self._staff_recipient(staff, telegram_id))
        return recipients


@dataclass(frozen=True, slots=True)
class ReferredCase:
    """A case that came another way: police referral, phone or walk-in."""

    org_id: str
    source: CaseSource
    locale: str
    phone: str | None = None
    age_group: AgeGroup | None = None
    district_id: str | None = None
    crime: CrimeCategory | None = None
    needs: tuple[SupportNeed, ...] = ()
    contact: ContactMethod = ContactMethod.CALL
    call_time: CallTime | None = None
    voicemail_ok: bool | None = None
    sms_ok: bool | None = None


async def register_case(
    units: UnitsOfWork,
    clock: Clock,
    partnership: Partnership,
    case: ReferredCase,
    new_reference: Callable[[], str],
) -> str:
    """Store a case registered by hand; from then on it is followed up like any other."""
    partnership.organisation(case.org_id)  # KeyError for an unknown organisation
    if case.district_id is not None:
        partnership.district(case.district_id)
    now = clock.now()
    async with units.begin() as unit:
        case_id, reference = await unit.cases.register(
            org_id=case.org_id,
            source=case.source,
            locale=case.locale,
            received_at=now,
            fields={
                "age_group": case.age_group,
                "district_id": case.district_id,
                "area_kind": "district" if case.district_id else "unknown",
                "crime": case.crime,
                "contact": case.contact,
                "talk_language": case.locale,
            },
            contacts={
                "phone": case.phone,
                "call_time": case.call_time,
                "voicemail_ok": case.voicemail_ok,
                "sms_ok": case.sms_ok,
            },
            needs=case.needs,
            new_reference=new_reference,
        )
        await unit.cases.record_event(case_id, None, "registered", str(case.source), now)
    log.info("case.registered case=%s org=%s source=%s", reference, case.org_id, case.source)
    return reference
