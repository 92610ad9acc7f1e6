"""The scheduler: ticks that claim and run due slots, in a thread of `kilnguard serve` or as
`kilnguard worker`.

A tick: (1) become or stay the active scheduler (`leadership`), else do nothing; (2) evaluate
the alerts of the enterprises that committed writes made dirty (`dirty`, the `evaluate-dirty`
step; a commit wakes a running scheduler for it); (3) for each job in order, claim its due
slots (`runs.claim_due`) and run every slot still owed, oldest first (a failed slot of a
catch-up job waits out its backoff and holds back the later ones). The time of a tick is the
scheduler's clock (the wall clock in production, a `FixedClock` the tests move); ticks are
spaced by `poll_s` of real time, which only decides how soon after a slot falls due it runs.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kilnguard.clock import SYSTEM_CLOCK, Clock
from kilnguard.config import env_number
from kilnguard.domain.errors import ValidationError
from kilnguard.services.scheduler import dirty, runs
from kilnguard.services.scheduler.jobs import Job, JobSettings, standard_jobs
from kilnguard.services.scheduler.leadership import Leadership, leadership_for
from kilnguard.store.db import unit_of_work

log = logging.getLogger("kilnguard.scheduler")

ENV = "KILNGUARD_SCHEDULER"


@dataclass(frozen=True)
class SchedulerConfig:
    """Settings, from `KILNGUARD_SCHEDULER_*` environment variables (docs/SCHEDULER.md)."""

    poll_s: float = 1.0  # real seconds between ticks
    lease_s: float = 30.0  # SQLite lease: another instance takes over this long after a crash
    catch_up_days: int = 31  # missed midnights run one by one, at most this many
    jobs: JobSettings = field(default_factory=JobSettings)

    @classmethod
    def from_env(cls) -> SchedulerConfig:
        def number(name: str, default: float, minimum: float) -> float:
            unit = "days" if name.endswith("_DAYS") else "seconds"
            return env_number(f"{ENV}_{name}", default, unit=unit, minimum=minimum)

        return cls(
            poll_s=number("POLL_S", cls.poll_s, 0.05),
            lease_s=number("LEASE_S", cls.lease_s, 1),
            catch_up_days=int(number("CATCH_UP_DAYS", cls.catch_up_days, 1)),
            jobs=JobSettings(
                escalate_s=int(number("ESCALATE_S", JobSettings.escalate_s, 1)),
                plan_deviations_s=int(
                    number("PLAN_DEVIATIONS_S", JobSettings.plan_deviations_s, 1)
                ),
                deliver_s=int(number("DELIVER_S", JobSettings.deliver_s, 1)),
                keep_days=int(number("KEEP_DAYS", JobSettings.keep_days, 1)),
            ),
        )


def enabled(default: bool) -> bool:
    """`KILNGUARD_SCHEDULER` = on or off; `default` when unset."""
    raw = os.environ.get(ENV, "").strip().lower()
    if not raw:
        return default
    if raw in {"on", "1", "true", "yes"}:
        return True
    if raw in {"off", "0", "false", "no"}:
        return False
    raise ValidationError(ENV, raw, "must be on or off")


@dataclass
class TickReport:
    leader: bool
    results: list[runs.RunResult] = field(default_factory=list)

    def summary(self) -> str:
        if not self.leader:
            return "another instance is the active scheduler; nothing run"
        done = [r for r in self.results if r.status == "done"]
        return f"{len(done)} run(s) done, {len(self.results) - len(done)} skipped or failed"


JobsFactory = Callable[[Session], list[Job]]


class Scheduler:
    """Durable, idempotent jobs on one database (see the package docstring)."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock = SYSTEM_CLOCK,
        config: SchedulerConfig | None = None,
        jobs: JobsFactory | None = None,
        leadership: Leadership | None = None,
        name: str = "",
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.config = config or SchedulerConfig.from_env()
        self.jobs = jobs or (lambda s: standard_jobs(s, self.config.jobs))
        self.holder = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.leadership = leadership or leadership_for(engine, self.holder, self.config.lease_s)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._tick_lock = threading.Lock()

    # ------------------------------------------------------------------------------ one tick
    def tick(self) -> TickReport:
        """Run what is due now, if this instance is the active scheduler."""
        with self._tick_lock:
            now = self.clock.now()
            if not self.leadership.acquire(now):
                return TickReport(leader=False)
            report = TickReport(leader=True)
            report.results += dirty.evaluate_pending(self.engine, self.clock)
            with unit_of_work(self.engine, clock=self.clock) as session:
                jobs = self.jobs(session)
            for job in jobs:
                runs.claim_due(
                    self.engine,
                    self.clock,
                    job,
                    now,
                    self.holder,
                    catch_up_days=self.config.catch_up_days,
                )
                report.results += self._run_owed(job, now)
                if not self.leadership.acquire(self.clock.now()):  # heartbeat between jobs
                    log.warning("scheduler: lost leadership during a tick; stopping it here")
                    break
            return report

    def _run_owed(self, job: Job, now: dt.datetime) -> list[runs.RunResult]:
        with unit_of_work(self.engine, clock=self.clock) as session:
            owed = [(r.id, r.retry_at) for r in runs.owed(session, job.name)]
        out = []
        for run_id, retry_at in owed:
            if retry_at is not None and retry_at > now:
                break  # in backoff: the later slots of this job wait for it, in order
            result = runs.execute(self.engine, self.clock, job, run_id, self.holder)
            out.append(result)
            # writes committed meanwhile are judged between runs, not after a long catch-up
            out += dirty.evaluate_pending(self.engine, self.clock)
            if result.status == "failed":
                break
        return out

    # -------------------------------------------------------------------- running for long
    def run_forever(self) -> None:
        """Tick every `poll_s` until `stop()`; a failing tick is logged and the next one
        tries again (a database that went away, say)."""
        log.info("scheduler %s started (tick every %g s)", self.holder, self.config.poll_s)
        try:
            while not self._stop.is_set():
                try:
                    self.tick()
                except Exception:
                    log.exception("scheduler tick failed")
                self._wake.wait(self.config.poll_s)
                self._wake.clear()
        finally:
            self._release()

    def start(self) -> None:
        """Run in a daemon thread (the server's background jobs)."""
        if self._thread is not None:
            return
        self._stop.clear()
        dirty.running(self, True)  # commits in this process wake it (alerts at once)
        self._thread = threading.Thread(
            target=self.run_forever, name="kilnguard-scheduler", daemon=True
        )
        self._thread.start()

    def wake(self) -> None:
        """Tick now rather than at the end of the current wait."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the current tick, and hand leadership over at once."""
        dirty.running(self, False)
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("scheduler did not stop within %g s", timeout)
            self._thread = None
        else:
            self._release()

    def _release(self) -> None:
        with self._tick_lock:
            try:
                self.leadership.release()
            except Exception:
                log.exception("scheduler: releasing leadership failed")
        log.info("scheduler %s stopped", self.holder)


class _ClockOf:
    """A clock that asks `source()` each time (the app's clock may be pinned after start)."""

    def __init__(self, source: Callable[[], Clock]) -> None:
        self.source = source

    def now(self) -> dt.datetime:
        return self.source().now()


@contextmanager
def background(
    engine: Engine, clock: Callable[[], Clock], *, default: bool
) -> Iterator[Scheduler | None]:
    """The scheduler in a background thread for as long as the block runs (a server's
    lifespan), when `KILNGUARD_SCHEDULER` (else `default`) says on; yields it, or None."""
    if not enabled(default):
        yield None
        return
    scheduler = Scheduler(engine, clock=_ClockOf(clock))
    scheduler.start()
    try:
        yield scheduler
    finally:
        scheduler.stop()
