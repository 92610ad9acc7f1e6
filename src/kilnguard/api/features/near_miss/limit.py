"""How often one address may file an anonymous near miss: at most `PER_WINDOW` reports per
`WINDOW`, per server process.

Why here and in memory: the report must keep no identity, so no address may reach the database
(not even hashed with a stable salt, which a copy of the database could test guesses against).
The address is hashed with a salt drawn when the process starts, held only in memory, and
forgotten once its window has passed. `api.limits` bounds bodies and concurrent expensive
requests per login; a per-address count of anonymous posts is this feature's own need.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
from collections import deque

PER_WINDOW = 5
"""Reports one address may file within `WINDOW` (a crew sharing a phone files a few)."""
WINDOW = dt.timedelta(hours=1)


class AddressLimit:
    """A sliding window of report times per (salted, hashed) address."""

    def __init__(self, per_window: int = PER_WINDOW, window: dt.timedelta = WINDOW) -> None:
        self.per_window = per_window
        self.window = window
        self._salt = secrets.token_bytes(16)
        self._times: dict[str, deque[dt.datetime]] = {}
        self._lock = threading.Lock()

    def _key(self, address: str) -> str:
        return hashlib.sha256(self._salt + address.encode()).hexdigest()

    def _forget_old(self, now: dt.datetime) -> None:
        for key in list(self._times):
            times = self._times[key]
            while times and now - times[0] >= self.window:
                times.popleft()
            if not times:
                del self._times[key]

    def retry_after_s(self, address: str, now: dt.datetime) -> int:
        """Seconds until `address` may report again; 0 when it may now."""
        with self._lock:
            self._forget_old(now)
            times = self._times.get(self._key(address), deque())
            if len(times) < self.per_window:
                return 0
            return max(1, int((times[0] + self.window - now).total_seconds()) + 1)

    def count(self, address: str, now: dt.datetime) -> None:
        """Count one report filed from `address` at `now`."""
        with self._lock:
            self._times.setdefault(self._key(address), deque()).append(now)

    def remembered(self) -> int:
        """How many addresses are held now (for tests: old ones are forgotten)."""
        with self._lock:
            return len(self._times)
