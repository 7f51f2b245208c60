"""So many actions in a window per key, then wait: counted in memory, never stored.

The keys are whatever the caller counts by (a keyed hash of a client's address, a chat),
forgotten once their window is over.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

_PRUNE_ABOVE = 10_000  # keys held before old ones are swept out


@dataclass
class RateLimit:
    limit: int  # this many actions ...
    window: timedelta  # ... in this long, per key
    prune_floor: int = _PRUNE_ABOVE  # keys held before the first sweep
    _seen: dict[Hashable, list[datetime]] = field(default_factory=dict)
    _prune_above: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self._prune_above = self.prune_floor

    def allow(self, key: Hashable, now: datetime) -> bool:
        """Count one action of *key* at *now*; False (and not counted) once over the limit."""
        recent = [at for at in self._seen.get(key, ()) if now - at < self.window]
        if len(recent) >= self.limit:
            self._seen[key] = recent
            return False
        self._seen[key] = [*recent, now]
        if len(self._seen) > self._prune_above:
            self._prune(now)
        return True

    def retry_after(self, key: Hashable, now: datetime) -> timedelta:
        """How long *key* must wait before one more action is allowed."""
        recent = [at for at in self._seen.get(key, ()) if now - at < self.window]
        if len(recent) < self.limit:
            return timedelta(0)
        return recent[-self.limit] + self.window - now

    def _prune(self, now: datetime) -> None:
        self._seen = {
            k: ats for k, ats in self._seen.items() if any(now - at < self.window for at in ats)
        }
        # What is still recent stays; sweep again only once as many more have come.
        self._prune_above = max(self.prune_floor, 2 * len(self._seen))
