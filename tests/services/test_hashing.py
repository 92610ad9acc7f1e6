"""The bounded hashing pool: at most `slots` argon2 hashes run at once, so 32 concurrent failed
logins cost slots × 64 MiB, not 2 GB; a caller that waits too long is refused, not queued."""

from __future__ import annotations

import threading
import time

import pytest
from argon2 import PasswordHasher, profiles
from argon2.exceptions import VerificationError

from kilnguard.services.hashing import BoundedHasher, HashingBusy, default_slots
from tests.conftest import at_once


class Counting(PasswordHasher):
    """A cheap hasher that records how many hashes ran at the same time."""

    def __init__(self) -> None:
        p = profiles.CHEAPEST
        super().__init__(p.time_cost, p.memory_cost, p.parallelism, p.hash_len, p.salt_len)
        self.running = self.most = 0
        self.lock = threading.Lock()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.02)
        try:
            return super().verify(hash, password)
        finally:
            with self.lock:
                self.running -= 1


def test_thirty_two_concurrent_failed_logins_hash_two_at_a_time() -> None:
    inner = Counting()
    pool = BoundedHasher(inner, slots=2)
    stored = pool.hash("correct-horse-battery")
    refused: list[bool] = []

    def wrong_login() -> None:
        try:
            pool.verify(stored, "wrong password")
        except VerificationError:
            refused.append(True)

    at_once(wrong_login, 32)
    assert len(refused) == 32 and inner.most == 2
    assert pool.verify(stored, "correct-horse-battery")


def test_a_login_waiting_too_long_for_a_slot_is_refused() -> None:
    pool = BoundedHasher(Counting(), slots=1, wait_s=0.05)
    stored = pool.hash("correct-horse-battery")
    pool._gate.acquire()  # the one slot busy
    try:
        with pytest.raises(HashingBusy, match="try again"):
            pool.verify(stored, "correct-horse-battery")
    finally:
        pool._gate.release()


def test_slots_come_from_the_setting_or_the_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KILNGUARD_HASH_SLOTS", "3")
    assert default_slots() == 3
    monkeypatch.setenv("KILNGUARD_HASH_SLOTS", "0")
    assert default_slots() >= 1
