"""A bounded pool for password hashing (issue 15 point 3).

An argon2id hash (RFC 9106 low-memory profile) takes 64 MiB for its duration: 32 logins at
once, right or wrong, took 2 GB. `BoundedHasher` wraps the hasher so that at most `slots`
hashes or verifications run at a time (default `KILNGUARD_HASH_SLOTS`, else the number of
CPUs, at least 1); the others wait their turn, up to `wait_s`, then are refused with
`HashingBusy` (try again) instead of queueing without end. Memory for hashing is then at most
slots × 64 MiB, and the CPU is no more oversubscribed than by one hash per core.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import TypeVar

from argon2 import PasswordHasher

from kilnguard.domain.errors import KilnguardError

T = TypeVar("T")
WAIT_S = 30.0
"""How long a login waits for a free slot before it is refused [s]."""


class HashingBusy(KilnguardError):
    """Every hashing slot stayed busy for `wait_s`: too many logins at once; try again."""


def default_slots() -> int:
    """`KILNGUARD_HASH_SLOTS` when set (≥ 1), else the number of CPUs."""
    raw = os.environ.get("KILNGUARD_HASH_SLOTS", "")
    if raw.strip().isdigit() and int(raw) >= 1:
        return int(raw)
    return max(1, os.cpu_count() or 1)


class BoundedHasher:
    """`hash`, `verify` and `check_needs_rehash` of an argon2 `PasswordHasher`, at most
    `slots` of the first two at a time (see the module doc)."""

    def __init__(
        self, hasher: PasswordHasher, slots: int | None = None, wait_s: float = WAIT_S
    ) -> None:
        self.hasher = hasher
        self.slots = slots or default_slots()
        self.wait_s = wait_s
        self._gate = threading.BoundedSemaphore(self.slots)

    def _bounded(self, work: Callable[[], T]) -> T:
        if not self._gate.acquire(timeout=self.wait_s):
            raise HashingBusy("too many logins at once: try again in a few seconds")
        try:
            return work()
        finally:
            self._gate.release()

    def hash(self, password: str) -> str:
        return self._bounded(lambda: self.hasher.hash(password))

    def verify(self, password_hash: str, password: str) -> bool:
        """True when `password` matches; raises argon2's VerificationError when not."""
        return self._bounded(lambda: self.hasher.verify(password_hash, password))

    def check_needs_rehash(self, password_hash: str) -> bool:
        return self.hasher.check_needs_rehash(password_hash)
