"""Signing staff in to the desk: one-time links, sessions with timeouts, sign-out.

Tokens are random and long; only their SHA-256 is stored, so a copy of the database signs
nobody in. Every request asks `user()`, which refuses a session past its idle or absolute
timeout and one whose owner was deactivated, whatever else happened to it.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from bot.domain.cases import Staff
from bot.domain.desk import Access, SessionLimits
from bot.domain.dialogue import S_, Reply
from bot.domain.lockout import Lockout
from bot.domain.staff_views import NOT_STAFF
from bot.ports import Clock, Unit, UnitsOfWork

log = logging.getLogger(__name__)

TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    """Return what is stored of a link's or a session's token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """Return a new unguessable token for a link, a session or a form."""
    return secrets.token_urlsafe(TOKEN_BYTES)


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new session: its token goes into the browser's cookie, nowhere else."""

    token: str
    staff: Staff


@dataclass(frozen=True, slots=True)
class DeskUser:
    """The staff member behind a request's session, and that session's form token."""

    staff: Staff
    csrf: str
    session: str  # the hash of the session's token


class TooManyTries(Exception):
    """This client failed to sign in too often; it must wait."""


class DeskAccess:
    """Issue sign-in links, turn them into sessions, and tell who a session belongs to."""

    def __init__(
        self,
        units: UnitsOfWork,
        clock: Clock,
        limits: SessionLimits,
        desk_url: str,
        guesses: Lockout | None = None,
    ) -> None:
        self._units = units
        self._clock = clock
        self._limits = limits
        self._desk_url = desk_url.rstrip("/")
        # Per client (a keyed hash of its address, made by the web layer), in memory only.
        self._guesses = guesses or Lockout(failures=10, window=self._limits.link)

    async def sign_in_link(self, actor: Staff | None) -> Reply:
        """Answer a staff member's /desk with a link for them alone."""
        link = await self.link_for(actor.id) if actor is not None else None
        if link is None:
            return NOT_STAFF
        minutes = int(self._limits.link.total_seconds() // 60)
        return Reply(
            S_("Your sign-in link for the desk. It works once, for {minutes} minutes; do not "
               "forward it:\n{link}"),
            params={"minutes": minutes, "link": link},
        )  # fmt: skip

    async def link_for(self, staff_id: int) -> str | None:
        """Return a one-time sign-in link for an active staff member; None for anyone else."""
        now = self._clock.now()
        token = new_token()
        async with self._units.begin() as unit:
            staff = await unit.staff.by_id(staff_id)
            if staff is None or not staff.active:
                return None
            await unit.desk.add_link(token_hash(token), staff.id, now, now + self._limits.link)
        log.info("desk.link_issued staff=%s", staff_id)
        return f"{self._desk_url}/sign-in/{token}"

    async def redeem(self, token: str, client: str) -> SignedIn | None:
        """Use up a link and open a session; None for a used, old or made-up link.

        TooManyTries once *client* has failed too often: guessing stays hopeless.
        """
        now = self._clock.now()
        if self._guesses.locked(client, now):
            raise TooManyTries
        async with self._units.begin() as unit:
            staff_id = await unit.desk.take_link(token_hash(token), now)
            staff = await unit.staff.by_id(staff_id) if staff_id is not None else None
            if staff is None or not staff.active:
                signed_in = None
            else:
                signed_in = await self._open_session(unit, staff)
        if signed_in is None:
            self._guesses.failed(client, now)
            log.info("desk.link_refused")
            return None
        log.info("desk.signed_in staff=%s by=link", signed_in.staff.id)
        return signed_in

    async def open_session(self, staff_id: int) -> SignedIn | None:
        """Open a session for an active staff member who proved who they are (a passkey)."""
        async with self._units.begin() as unit:
            staff = await unit.staff.by_id(staff_id)
            if staff is None or not staff.active:
                return None
            return await self._open_session(unit, staff)

    async def _open_session(self, unit: Unit, staff: Staff) -> SignedIn:
        """Store a new session for *staff*; sessions idle past the timeout go on the way."""
        now = self._clock.now()
        token = new_token()
        await unit.desk.end_sessions_seen_before(now - self._limits.idle)
        await unit.desk.add_session(token_hash(token), staff.id, new_token(), now)
        return SignedIn(token, staff)

    async def user(self, token: str) -> DeskUser | None:
        """Return who a session belongs to; None once it timed out, ended or its owner left."""
        now = self._clock.now()
        hashed = token_hash(token)
        async with self._units.begin() as unit:
            session = await unit.desk.session(hashed)
            if session is None:
                return None
            staff = await unit.staff.by_id(session.staff_id)
            if staff is None or not staff.active or not session.alive(now, self._limits):
                await unit.desk.end_session(hashed)
                return None
            if session.stale(now, self._limits):
                await unit.desk.touch_session(hashed, now)
        return DeskUser(staff, session.csrf, hashed)

    async def sign_out(self, user: DeskUser) -> None:
        """End this browser's session."""
        async with self._units.begin() as unit:
            await unit.desk.end_session(user.session)
        log.info("desk.signed_out staff=%s", user.staff.id)

    async def refused_client(self, client: str) -> None:
        """Count a failed sign-in of another kind (a passkey that did not check out)."""
        self._guesses.failed(client, self._clock.now())

    def locked(self, client: str) -> bool:
        """Tell whether *client* must wait before trying to sign in again."""
        return self._guesses.locked(client, self._clock.now())

    async def taken_out(self, user: DeskUser, days: int = 90) -> list[tuple[str, Access]]:
        """What the organisation's staff took out of the desk lately (reports), with who."""
        since = self._clock.now() - timedelta(days=days)
        async with self._units.begin() as unit:
            staff = {s.id: s.name for s in await unit.staff.of_org(user.staff.org_id)}
            found = await unit.desk.accesses(since)
        return [(staff[a.staff_id], a) for a in reversed(found) if a.staff_id in staff]

    async def record(self, user: DeskUser, what: str, detail: str) -> None:
        """Record that a staff member took something out of the desk (a report)."""
        access = Access(user.staff.id, what, detail, self._clock.now())
        async with self._units.begin() as unit:
            await unit.desk.record_access(access)
        log.info("desk.%s staff=%s %s", what, user.staff.id, detail)
