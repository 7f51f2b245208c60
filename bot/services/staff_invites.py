"""Joining the staff: one-time, expiring invite codes, stored only as hashes."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.domain import staff_views as views
from bot.domain.cases import STAFF_CHANNEL, Staff, StaffRole
from bot.domain.dialogue import S_, Reply, Translatable
from bot.domain.model import Channel
from bot.domain.policy import Action, allowed
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
        return await unit.staff.by_telegram(int(address))

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

    async def invite(self, actor: Staff | None, role: StaffRole) -> Reply:
        """Let a coordinator invite someone to their own organisation."""
        if not allowed(actor, Action.INVITE):
            return views.refused(actor, Action.INVITE)
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
