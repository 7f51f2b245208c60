"""Joining the staff: one-time, expiring invite codes, stored only as hashes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta

from bot.domain import staff_views as views
from bot.domain.cases import STAFF_CHANNEL, Staff, StaffRole
from bot.domain.dialogue import S_, Line, Param, Reply, Translatable
from bot.domain.model import Channel
from bot.domain.policy import Action, allowed, may_train
from bot.domain.typed import normalise_phone
from bot.i18n import known_language
from bot.ports import Unit
from bot.services.invite_codes import Invite, hash_code
from bot.services.staff_base import StaffBase

log = logging.getLogger(__name__)

INVITE_HOURS = 72  # how long an invite code works
MAX_INVITE_HOURS = 24 * 30  # an unused code is a way in: it must not live for long
TOO_MANY_GUESSES = Reply(
    S_("Too many wrong codes. Wait an hour, then try again with a new code from your coordinator.")
)


class InviteMixin(StaffBase):
    """Who is staff, and how they join."""

    # -- who is who -------------------------------------------------------------------

    async def identify(self, telegram_id: int) -> Staff | None:
        """Return the staff member behind a Telegram user, or None for everyone else."""
        # Asked for every Telegram update, so it reads in one statement, outside a transaction.
        async with self._units.lookup() as unit:
            return await unit.staff.by_telegram(telegram_id)

    @staticmethod
    async def staff_at(unit: Unit, channel: Channel, address: str) -> Staff | None:
        """Return the staff member whose own chat *address* is, within the caller's unit."""
        if channel is not STAFF_CHANNEL or not address.isdigit():
            return None
        staff = await unit.staff.by_telegram(int(address))
        # Someone no longer active is a person like any other: they may need support too.
        return staff if staff is not None and staff.active else None

    async def create_invite(
        self, org_id: str, role: StaffRole, created_by: int | None = None, hours: int = INVITE_HOURS
    ) -> Invite:
        """Make a one-time, expiring invite code for *org_id*; ValueError for bad *hours*."""
        self._partnership.organisation(org_id)  # KeyError for an unknown organisation
        if not 0 < hours <= MAX_INVITE_HOURS:
            raise ValueError(f"an invite is valid for 1 to {MAX_INVITE_HOURS} hours")
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

    async def invite(
        self, actor: Staff | None, role: StaffRole, link: Callable[[str], str] | None = None
    ) -> Reply:
        """Let a coordinator invite someone to their own organisation.

        *link* makes the code into a link that joins at one tap (Telegram's start link).
        """
        if not allowed(actor, Action.INVITE):
            return views.refused(actor, Action.INVITE)
        assert actor is not None  # noqa: S101 - allowed() refuses None
        invite = await self.create_invite(actor.org_id, role, actor.id)
        params: dict[str, Param] = {
            "role": Translatable((views.ROLE[role],)),
            "code": invite.code,
            "expires": invite.expires_at,
        }
        how = S_("They write /join {code} to this bot.")
        if link is not None:
            how = S_("They open {link} and press Start, or write /join {code} to this bot.")
            params["link"] = link(invite.code)
        return Reply(
            S_(
                "Invite code for a {role}: {code}\n"
                "It works once, until {expires}. Send it privately."
            ),
            params=params,
            lines=(Line(how, params),),
        )

    async def record_training(self, actor: Staff | None, staff_id: int) -> Reply:
        """Record today as a volunteer's basic training (rule 9); the volunteer is told."""
        now = self._clock.now()
        async with self._units.begin() as unit:
            volunteer = await unit.staff.by_id(staff_id)
            if volunteer is None or not may_train(actor, volunteer):
                return views.refused(actor, Action.TRAIN)
            await unit.staff.update(staff_id, trained_on=now.astimezone(self._zone).date())
            chat = await unit.staff.telegram_id(staff_id)
            if chat is not None and volunteer.id != (actor.id if actor else None):
                to = self._staff_recipient(volunteer, chat)
                await self._tell(unit, [to], [views.YOUR_TRAINING], now)
        self._wake_outbox()
        log.info("staff.trained staff=%s", staff_id)
        return views.training_recorded(volunteer)

    async def own_phone(self, actor: Staff | None) -> str | None:
        """Return the actor's own phone for calls, masked as their account page shows it."""
        if not allowed(actor, Action.ACCOUNT) or actor is None:
            return None
        async with self._units.lookup() as unit:
            phone = await unit.staff.phone(actor.id)
        return views.masked_phone(phone) if phone else None

    async def set_own_phone(self, actor: Staff | None, text: str) -> Reply:
        """Keep the phone the service rings the actor on before it calls a seeker for them
        (never shown to a seeker); an empty *text* forgets it."""
        if not allowed(actor, Action.ACCOUNT) or actor is None:
            return views.refused(actor, Action.ACCOUNT)
        phone = normalise_phone(text) if text.strip() else None
        if text.strip() and phone is None:
            return views.NOT_A_PHONE
        async with self._units.begin() as unit:
            await unit.staff.set_phone(actor.id, phone)
        log.info("staff.phone_%s staff=%s", "set" if phone else "removed", actor.id)
        if phone is None:
            return views.PHONE_REMOVED
        return Reply(views.PHONE_SAVED, {"phone": views.masked_phone(phone)})

    async def deactivate(self, actor: Staff | None, staff_id: int) -> Reply:
        """Take a staff member of the coordinator's organisation off the service: their desk
        sessions end at once and they get no more cases (their open ones stay to reassign)."""
        async with self._units.begin() as unit:
            staff = await unit.staff.by_id(staff_id)
            if staff is None or not may_train(actor, staff) or (actor and actor.id == staff.id):
                return views.refused(actor, Action.TRAIN)
            await unit.staff.update(staff_id, active=False)  # their phone for calls goes too
            ended = await unit.desk.end_sessions_of(staff_id)
        log.info("staff.deactivated staff=%s sessions_ended=%s", staff_id, ended)
        return Reply(S_("{name} is deactivated."), {"name": staff.name})

    async def set_languages(
        self, actor: Staff | None, staff_id: int, codes: Sequence[str]
    ) -> Reply:
        """Record the languages a volunteer speaks (language codes: sv, ar, so, ...)."""
        unknown = [code for code in codes if not known_language(code)]
        if unknown or not codes:
            return Reply(
                S_("Not a language code: {codes}. Write codes such as sv, ar, so, fa."),
                {"codes": ", ".join(unknown) or "-"},
            )
        async with self._units.begin() as unit:
            volunteer = await unit.staff.by_id(staff_id)
            if volunteer is None or not may_train(actor, volunteer):
                return views.refused(actor, Action.TRAIN)
            languages = tuple(dict.fromkeys(code.lower() for code in codes))
            await unit.staff.update(staff_id, languages=languages)
        return Reply(
            S_("Languages recorded for {name}: {languages}."),
            {"name": volunteer.name, "languages": ", ".join(languages)},
        )

    async def join(self, telegram_id: int, name: str, locale: str, code: str) -> Reply | None:
        """Register a Telegram user with a valid invite code; lock out one who keeps guessing.

        The lockout is said once, when it starts; until it ends, tries get no answer at all,
        so a flood of guesses costs us no messages.
        """
        now = self._clock.now()
        if self._join_guesses.locked(telegram_id, now):
            log.info("staff.join_locked_out")
            return None
        async with self._units.begin() as unit:
            if await unit.staff.by_telegram(telegram_id) is not None:
                return Reply(S_("You are already registered."))
            taken = await unit.staff.take_invite(hash_code(code), now)
            if taken is None:
                log.info("staff.join_refused")
                if self._join_guesses.failed(telegram_id, now):
                    return TOO_MANY_GUESSES
                return Reply(S_("That code is not valid, already used, or expired."))
            org_id, role = taken
            staff_id = await unit.staff.add(
                org_id=org_id, role=role, name=name, telegram_id=telegram_id, locale=locale, now=now
            )
            await unit.staff.mark_invite_used_by(hash_code(code), staff_id)
            joined = await unit.staff.by_id(staff_id)
            assert joined is not None  # noqa: S101 - added in this unit of work
            others = [
                r for r in await self._coordinators(unit, org_id) if r.address != str(telegram_id)
            ]
            await self._tell(unit, others, [views.joined_notice(joined)], now)
        self._wake_outbox()
        self._join_guesses.succeeded(telegram_id)
        log.info("staff.joined staff=%s org=%s role=%s", staff_id, org_id, role)
        org = self._partnership.organisation(org_id)
        text = S_("Welcome. You are registered as {role} for {org}.")
        if role is StaffRole.VOLUNTEER:
            text = S_(
                "Welcome. You are registered as {role} for {org}. A coordinator will record "
                "your basic training and languages before you get cases."
            )
        return Reply(text, params={"role": Translatable((views.ROLE[role],)), "org": org.name})
