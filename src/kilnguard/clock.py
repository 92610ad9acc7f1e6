"""The clock, passed in from the shell so that services and the domain never read it.

The API takes the request's time, the CLI the wall clock (or an `--as-of` option), tests a
`FixedClock`. The unit of work carries the clock (`store.db.unit_of_work(engine, clock=...)`),
and services ask `services.writes.now(session)`: one place to pin time for a replay or a test.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current time, timezone-aware (UTC)."""

    def now(self) -> dt.datetime: ...


class SystemClock:
    """The machine's wall clock, in UTC."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


@dataclass
class FixedClock:
    """A clock that stands still until moved: tests and replays."""

    at: dt.datetime = field(default_factory=lambda: dt.datetime(2021, 11, 24, 12, tzinfo=dt.UTC))

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware time (e.g. tzinfo=datetime.UTC)")

    def now(self) -> dt.datetime:
        return self.at

    def advance(self, delta: dt.timedelta) -> None:
        self.at = self.at + delta


SYSTEM_CLOCK: Clock = SystemClock()
