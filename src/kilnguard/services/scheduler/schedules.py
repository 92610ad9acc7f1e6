"""When a job falls due: every N seconds, or at local midnight of an IANA zone.

A schedule cuts time into slots. A slot has a key that names it in the runs table and sorts in
time order as text (ISO 8601), the instant it fell due (UTC), and, for a daily slot, the local
day it starts. Slots are pure functions of time: two instances, or one instance before and
after a restart, name the same slot the same way, which is what makes the claim unique.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True, order=True)
class Slot:
    """One occurrence of a schedule: `key` (text, sorts in time order), when it fell due, and
    the local day it opens (daily schedules; None for intervals)."""

    key: str
    due_at: dt.datetime
    day: dt.date | None = None


class Schedule(Protocol):
    def slot_at(self, t: dt.datetime) -> Slot:
        """The latest slot due at or before `t`."""
        ...

    def named(self, key: str) -> Slot:
        """The slot of a stored key."""
        ...

    def after(self, slot: Slot) -> Slot:
        """The slot that follows `slot`."""
        ...

    def describe(self) -> str: ...


def _utc_key(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Every:
    """Every `seconds`, on the multiples of `seconds` since the Unix epoch (UTC): the slots of
    a one-minute job are the whole minutes, whoever computes them."""

    seconds: int

    def __post_init__(self) -> None:
        if self.seconds < 1:
            raise ValueError("an interval is at least one second")

    def slot_at(self, t: dt.datetime) -> Slot:
        n = int((t - EPOCH).total_seconds()) // self.seconds
        due = EPOCH + dt.timedelta(seconds=n * self.seconds)
        return Slot(_utc_key(due), due)

    def named(self, key: str) -> Slot:
        due = dt.datetime.strptime(key, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        return Slot(key, due)

    def after(self, slot: Slot) -> Slot:
        return self.slot_at(slot.due_at + dt.timedelta(seconds=self.seconds))

    def describe(self) -> str:
        return f"every {self.seconds} s"


@dataclass(frozen=True)
class DailyAtMidnight:
    """At 00:00 of every local day in the IANA zone `zone` (zoneinfo, so daylight saving is
    followed: a local day of 23 or 25 hours is still one slot, opened at its first instant).
    The slot's key is the local date it opens."""

    zone: str

    def _tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def _slot(self, day: dt.date) -> Slot:
        # `combine` at 00:00 gives the day's first instant, also where a DST gap swallows
        # midnight (the gap's earlier offset maps 00:00 onto the first real local time).
        start = dt.datetime.combine(day, dt.time(0), tzinfo=self._tz()).astimezone(dt.UTC)
        return Slot(day.isoformat(), start, day)

    def slot_at(self, t: dt.datetime) -> Slot:
        return self._slot(t.astimezone(self._tz()).date())

    def named(self, key: str) -> Slot:
        return self._slot(dt.date.fromisoformat(key))

    def after(self, slot: Slot) -> Slot:
        assert slot.day is not None
        return self._slot(slot.day + dt.timedelta(days=1))

    def describe(self) -> str:
        return f"daily at 00:00 {self.zone}"


def due_slots(
    schedule: Schedule, last_key: str | None, now: dt.datetime, *, each: bool, limit: int
) -> list[Slot]:
    """Slots due at `now` that follow the last claimed one (`last_key`), oldest first.

    A job never run before starts at the current slot (no backfill from the epoch). With
    `each`, every missed slot is returned, at most the `limit` latest (the first of them covers
    the older ones: the jobs are incremental); otherwise only the current slot, which covers
    every missed one (a job "as of now")."""
    current = schedule.slot_at(now)
    if last_key is None:
        return [current]
    if current.key <= last_key:
        return []
    if not each:
        return [current]
    s = schedule.after(schedule.named(last_key))
    if limit > 0 and current.due_at - s.due_at > dt.timedelta(days=limit + 1):
        # far behind (daily slots): skip ahead rather than walk every day of a long downtime
        s = schedule.slot_at(now - dt.timedelta(days=limit + 1))
    out: list[Slot] = []
    while s.key <= current.key:
        out.append(s)
        s = schedule.after(s)
    return out[-limit:] if limit > 0 else out
