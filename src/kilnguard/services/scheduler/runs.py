"""Claiming a slot and running it once: the `scheduler_runs` table.

1. **Claim**: insert (job, slot) in a transaction of its own. The pair is unique, so however
   many instances compute the same slot, one row exists; a second insert fails and is ignored.
2. **Run**: in one unit of work, read the row (done already: skip), run the job, then
   `UPDATE scheduler_runs SET done_at … WHERE id = :id AND done_at IS NULL` and commit. The
   job's writes and the mark commit together or not at all. If two instances ever ran the same
   slot at once, the second one's conditional update finds the row done (PostgreSQL: it waits on
   the row lock of the first and re-reads it; SQLite: writers are serialised by the database
   lock) and its whole transaction is rolled back: the slot's effects are committed once.
3. A row claimed and not done is a run still owed: the process died, or the job failed (the
   failure is recorded with a backoff). It is run again, by this instance or the next one.

Rows are operational bookkeeping, not plant records: they carry no audit entry (the acts the
jobs do are audited by their services).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kilnguard.clock import Clock
from kilnguard.services.scheduler.jobs import Job
from kilnguard.services.scheduler.schedules import Slot, due_slots
from kilnguard.store.db import unit_of_work
from kilnguard.store.job_models import SchedulerRun

log = logging.getLogger("kilnguard.scheduler")

MAX_ATTEMPTS = 5
"""A slot of a catch-up job that failed this many times is given up (marked done with its
error) so that the days after it can run; the next day's rollover covers it."""
FIRST_RETRY = dt.timedelta(seconds=30)
MAX_RETRY = dt.timedelta(hours=1)


@dataclass(frozen=True)
class RunResult:
    job: str
    slot: str
    status: str  # done | skipped (done elsewhere) | failed | gave up
    outcome: str


class _DoneElsewhere(Exception):
    """The slot was marked done by another transaction meanwhile: roll this one back."""


def last_slot(session: Session, job: str) -> str | None:
    """The latest slot claimed for `job` (keys sort in time order)."""
    key: str | None = session.scalar(
        select(func.max(SchedulerRun.slot)).where(SchedulerRun.job == job)
    )
    return key


def claim(engine: Engine, clock: Clock, job: str, slots: Sequence[Slot], holder: str) -> list[str]:
    """Insert a run row for each slot not yet claimed (each in its own short transaction);
    return the keys this call claimed."""
    claimed = []
    for slot in slots:
        try:
            with engine.begin() as conn:
                conn.execute(
                    insert(SchedulerRun).values(
                        job=job,
                        slot=slot.key,
                        due_at=slot.due_at,
                        claimed_at=clock.now(),
                        claimed_by=holder,
                        attempts=0,
                        outcome="",
                        error="",
                    )
                )
            claimed.append(slot.key)
        except IntegrityError:
            continue  # claimed already (another instance, or this one before a restart)
    return claimed


def claim_due(
    engine: Engine, clock: Clock, job: Job, now: dt.datetime, holder: str, *, catch_up_days: int
) -> list[str]:
    """Claim the slots of `job` due at `now` after the last one claimed; for a job that runs
    only the current slot, mark older runs still owed as covered by it."""
    with unit_of_work(engine, clock=clock) as session:
        last = last_slot(session, job.name)
    slots = due_slots(job.schedule, last, now, each=job.each, limit=catch_up_days)
    keys = claim(engine, clock, job.name, slots, holder)
    if keys and not job.each:
        with unit_of_work(engine, clock=clock, write=True) as session:
            session.execute(
                update(SchedulerRun)
                .where(
                    SchedulerRun.job == job.name,
                    SchedulerRun.slot < keys[-1],
                    SchedulerRun.done_at.is_(None),
                )
                .values(done_at=now, outcome=f"covered by the run of {keys[-1]}")
            )
    return keys


def owed(session: Session, job: str) -> list[SchedulerRun]:
    """Runs of `job` claimed and not done, oldest slot first."""
    return list(
        session.scalars(
            select(SchedulerRun)
            .where(SchedulerRun.job == job, SchedulerRun.done_at.is_(None))
            .order_by(SchedulerRun.slot)
        )
    )


def _mark_done(session: Session, run_id: int, holder: str, now: dt.datetime, outcome: str) -> None:
    result: Any = session.execute(
        update(SchedulerRun)
        .where(SchedulerRun.id == run_id, SchedulerRun.done_at.is_(None))
        .values(
            done_at=now,
            outcome=outcome[:4000],
            claimed_by=holder,
            attempts=SchedulerRun.attempts + 1,
            retry_at=None,
            error="",
        )
    )
    if result.rowcount != 1:
        raise _DoneElsewhere


def execute(engine: Engine, clock: Clock, job: Job, run_id: int, holder: str) -> RunResult:
    """Run one claimed slot of `job` (see the module docstring for the guarantees)."""
    with unit_of_work(engine, clock=clock) as session:
        row = session.get(SchedulerRun, run_id)
        if row is None:
            return RunResult(job.name, "?", "skipped", "pruned")
        key, done = row.slot, row.done_at is not None
    if done:
        return RunResult(job.name, key, "skipped", "done already")
    slot = job.schedule.named(key)
    try:
        # an atomic job's writes and its mark commit together, under the write lock (SQLite)
        with unit_of_work(engine, clock=clock, write=job.atomic) as session:
            outcome = job.run(session, slot)
            if job.atomic:
                _mark_done(session, run_id, holder, clock.now(), outcome)
        if not job.atomic:
            with unit_of_work(engine, clock=clock, write=True) as session:
                _mark_done(session, run_id, holder, clock.now(), outcome)
    except _DoneElsewhere:
        log.info("%s %s: done by another instance meanwhile; this run rolled back", job.name, key)
        return RunResult(job.name, key, "skipped", "done by another instance")
    except Exception as exc:
        return _failed(engine, clock, job, run_id, key, exc)
    log.info("%s %s: %s", job.name, key, outcome)
    return RunResult(job.name, key, "done", outcome)


def _failed(
    engine: Engine, clock: Clock, job: Job, run_id: int, key: str, exc: Exception
) -> RunResult:
    """Record a failed attempt: retry after a backoff doubling from 30 s up to 1 h; a catch-up
    job's slot is given up after `MAX_ATTEMPTS` so the days after it are not held back."""
    log.exception("%s %s failed", job.name, key)
    error = f"{type(exc).__name__}: {exc}"[:4000]
    now = clock.now()
    with unit_of_work(engine, clock=clock, write=True) as session:
        row = session.get(SchedulerRun, run_id)
        if row is None or row.done_at is not None:
            return RunResult(job.name, key, "skipped", "done already")
        row.attempts += 1
        row.error = error
        row.retry_at = now + min(FIRST_RETRY * 2 ** (row.attempts - 1), MAX_RETRY)
        if row.attempts >= MAX_ATTEMPTS:
            row.done_at, row.outcome = now, f"gave up after {row.attempts} attempts: {error}"
            log.error("%s %s: %s", job.name, key, row.outcome)
            return RunResult(job.name, key, "gave up", row.outcome)
    return RunResult(job.name, key, "failed", error)
