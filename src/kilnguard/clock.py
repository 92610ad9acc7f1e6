"""The clock, passed in from the shell so that services and the domain never read it.

The API uses `app.state.clock` (the wall clock unless a test or replay pins it); the CLI uses the
wall clock and passes dates the user names (`--as-of`, `--day`) as arguments; tests pin a
`FixedClock`. The unit of work carries the clock (`store.db.unit_of_work(engine, clock=...)`;
the wall clock when none is given), and services ask `services.writes.now(session)`: one place
to pin time for a replay or a test.
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
