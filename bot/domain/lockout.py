"""Lock out whoever keeps guessing: so many failures in a window, then a pause.

Pure and in memory: the keys are whatever the caller counts by (a Telegram user id), never
stored or logged, and forgotten once their window and lock are over.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

_PRUNE_ABOVE = 10_000  # keys held before old ones are swept out


@dataclass
class Lockout:
    failures: int = 5  # this many within *window* ...
    window: timedelta = timedelta(minutes=15)
    pause: timedelta = timedelta(hours=1)  # ... lock the key out for this long
    _failed: dict[Hashable, list[datetime]] = field(default_factory=dict)
    _locked_until: dict[Hashable, datetime] = field(default_factory=dict)
    _prune_above: int = _PRUNE_ABOVE

    def locked(self, key: Hashable, now: datetime) -> bool:
        """Tell whether *key* must wait before trying again."""
        until = self._locked_until.get(key)
        if until is None:
            return False
        if now < until:
            return True
        del self._locked_until[key]
        return False

    def failed(self, key: Hashable, now: datetime) -> bool:
        """Count a failure of *key*; True if it is now locked out."""
        recent = [at for at in self._failed.get(key, []) if now - at < self.window] + [now]
        if len(recent) >= self.failures:
            self._failed.pop(key, None)
            self._locked_until[key] = now + self.pause
            return True
        self._failed[key] = recent
        if len(self._failed) > self._prune_above:
            self._prune(now)
        return False

    def succeeded(self, key: Hashable) -> None:
        """Forget the failures of *key*."""
        self._failed.pop(key, None)

    def _prune(self, now: datetime) -> None:
        self._failed = {
            k: ats for k, ats in self._failed.items() if any(now - at < self.window for at in ats)
        }
        self._locked_until = {k: u for k, u in self._locked_until.items() if u > now}
        # What is still recent stays; sweep again only once as many more have come.
        self._prune_above = max(_PRUNE_ABOVE, 2 * len(self._failed))
