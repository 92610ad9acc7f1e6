"""Levels and alerts follow writes at once (issue 19 points 1 and 2): the scheduler's side.

Every committed write that changes a risk input marks its enterprise dirty in its own
transaction and recomputes the stored levels right after it commits
(`services.risk.follow` and `services.risk.levels`: `TRACKED`, `affected_day`, `mark`,
`refresh`); then it wakes the
schedulers running in this process (`register`). `evaluate_pending`, the first step of every
tick, recomputes what is still dirty (a failed recompute, a bulk load that deferred it) and
judges the alerts of every enterprise whose levels changed since they were last judged
(`judged_version` behind `computed_version`), whichever process wrote: up to the day before
its latest production day and no later than its region's local today (`_complete_up_to`: a
day whose shifts are still being entered is not judged; the latest day is judged when the
next day's records arrive, or by the midnight rollover). `evaluate` is incremental and
idempotent, so judging twice changes nothing. The waiting set is in the database: a restart
loses nothing, and with several processes the one active scheduler judges every write.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import weakref
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from kilnguard.clock import Clock
from kilnguard.services import alerts, writes
from kilnguard.services.access import SYSTEM
from kilnguard.services.risk import follow, levels
from kilnguard.services.scheduler.runs import RunResult
from kilnguard.store import models as m
from kilnguard.store.db import unit_of_work

log = logging.getLogger("kilnguard.scheduler")

JOB = "evaluate-dirty"
MAX_ATTEMPTS = 5


class Wakeable(Protocol):
    def wake(self) -> None: ...


_lock = threading.Lock()
_running: weakref.WeakSet[Wakeable] = weakref.WeakSet()


def register() -> None:
    """Wake this process's schedulers after every commit that marked levels dirty; while one
    runs, leave the recompute to its tick (`follow.SCHEDULED`)."""
    if wake_all not in follow.AFTER_COMMIT:
        follow.AFTER_COMMIT.append(wake_all)
    follow.SCHEDULED = _any_running


def _any_running() -> bool:
    with _lock:
        return bool(_running)


def wake_all() -> None:
    """Wake the schedulers running in this process."""
    with _lock:
        schedulers = list(_running)
    for s in schedulers:
        s.wake()


def pending(engine: Engine) -> frozenset[int]:
    """The enterprises whose levels or alerts wait for the scheduler on `engine`'s database."""
    with unit_of_work(engine) as session:
        return frozenset(_waiting(session))


def _waiting(session: Session) -> list[int]:
    s = levels.STATES
    return list(
        session.scalars(
            select(s.c.enterprise_id)
            .where(s.c.dirty_from.is_not(None) | (s.c.judged_version < s.c.computed_version))
            .order_by(s.c.enterprise_id)
        )
    )


def discard(engine: Engine) -> frozenset[int]:
    """Take the waiting enterprises as judged, unevaluated (the next rollover covers them);
    returns them. For tests that isolate one job from writes made in their setup."""
    with unit_of_work(engine, write=True) as session:
        waiting = _waiting(session)
        levels.refresh(session, waiting)
        s = levels.STATES
        session.execute(
            update(s)
            .where(s.c.enterprise_id.in_(waiting))
            .values(judged_version=s.c.computed_version)
        )
        return frozenset(waiting)


def running(scheduler: Wakeable, on: bool) -> None:
    """A scheduler started (`on`) or stopped in this process: commits wake the started ones."""
    with _lock:
        if on:
            _running.add(scheduler)
        else:
            _running.discard(scheduler)


def _complete_up_to(session: Session, ent: m.Enterprise) -> dt.date | None:
    """The last day of `ent` whose records are taken as complete: the day before its latest
    production day (the one being entered now), and no later than its region's local today.

    `evaluate` resumes after each kiln's last alert event and never revisits a day, so a day
    must not be judged while its shifts are still being entered (a half-entered day reads as a
    fall to green and would close the alert it should keep). The latest day is judged when the
    next day's records arrive, or by the rollover once it is over."""
    today = writes.now(session).astimezone(ZoneInfo(ent.region.timezone)).date()
    latest = session.scalar(
        select(func.max(m.ProductionRecord.day)).where(
            m.ProductionRecord.enterprise_id == ent.id,
            m.ProductionRecord.day <= today,
            m.ProductionRecord.voided_at.is_(None),
        )
    )
    if latest is None:
        return None
    return min(today, latest - dt.timedelta(days=1))


def evaluate_pending(engine: Engine, clock: Clock) -> list[RunResult]:
    """Recompute what is still dirty and judge the alerts of every enterprise whose levels
    changed since they were last judged (the tick's first step); a result line when there was
    anything to do. A failing enterprise stays waiting, retried on the next ticks, at most
    `MAX_ATTEMPTS` times in a row by this process (then left to the next rollover)."""
    with unit_of_work(engine, clock=clock) as session:
        waiting = [e for e in _waiting(session) if _failures.get(e, 0) < MAX_ATTEMPTS]
    if not waiting:
        return []
    started = clock.now()
    raised = closed = kilns = 0
    failed: list[int] = []
    for ent_id in waiting:
        try:
            with unit_of_work(engine, clock=clock, write=True) as session:
                s = levels.STATES
                # the state row first, as a writer takes it (its mark) before the audit head:
                # taking them in the writers' order is what keeps the two from deadlocking
                session.execute(
                    select(s.c.enterprise_id).where(s.c.enterprise_id == ent_id).with_for_update()
                )
                levels.refresh(session, [ent_id])
                version = session.scalar(
                    select(s.c.computed_version).where(s.c.enterprise_id == ent_id)
                )
                ent = session.get(m.Enterprise, ent_id)
                as_of = _complete_up_to(session, ent) if ent is not None else None
                if as_of is not None:
                    report = alerts.evaluate(
                        session, SYSTEM, as_of, enterprise_ids={ent_id}, at_now=True
                    )
                    kilns += report.kilns
                    raised += len(report.raised)
                    closed += len(report.closed)
                session.execute(
                    update(s).where(s.c.enterprise_id == ent_id).values(judged_version=version)
                )
            _failures.pop(ent_id, None)
        except Exception:
            log.exception("%s: evaluating enterprise %s failed", JOB, ent_id)
            _failures[ent_id] = _failures.get(ent_id, 0) + 1
            if _failures[ent_id] >= MAX_ATTEMPTS:
                log.error("%s: enterprise %s left to the next rollover", JOB, ent_id)
            failed.append(ent_id)
    outcome = (
        f"{len(waiting) - len(failed)} enterprise(s), {kilns} kiln(s) evaluated: "
        f"{raised} alert(s) raised, {closed} closed"
        + (f"; {len(failed)} failed, retried on the next tick" if failed else "")
    )
    log.info("%s: %s", JOB, outcome)
    slot = started.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return [RunResult(JOB, slot, "failed" if failed else "done", outcome)]


_failures: dict[int, int] = {}  # enterprise -> failed evaluations in a row (this process)


register()
