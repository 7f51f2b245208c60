"""The staff desk's sign-in rules: how long a link and a session live, and what they are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class SessionLimits:
    """How long sign-in links and sessions live ([desk] in the configuration)."""

    link: timedelta = timedelta(minutes=15)  # a link unused this long is refused
    idle: timedelta = timedelta(minutes=30)  # a session untouched this long ends
    absolute: timedelta = timedelta(hours=12)  # and every session ends after this long
    # A session's last use is written at most this often: every page would otherwise be a
    # write, and the idle timeout only needs to be right to within this much.
    touch_every: timedelta = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class DeskSession:
    """A signed-in browser, as stored (its token is known only to that browser)."""

    staff_id: int
    csrf: str
    created_at: datetime
    seen_at: datetime

    def alive(self, now: datetime, limits: SessionLimits) -> bool:
        """Tell whether the session may still be used at *now*."""
        return now - self.seen_at < limits.idle and now - self.created_at < limits.absolute

    def stale(self, now: datetime, limits: SessionLimits) -> bool:
        """Tell whether its last use should be written again."""
        return now - self.seen_at >= limits.touch_every


@dataclass(frozen=True, slots=True)
class Passkey:
    """A staff member's registered WebAuthn credential."""

    credential_id: bytes
    staff_id: int
    public_key: bytes
    sign_count: int


@dataclass(frozen=True, slots=True)
class Access:
    """Something a staff member read or took out that is not one case's (a report)."""

    staff_id: int
    what: str
    detail: str
    at: datetime
