"""Alerts follow writes at once (issue 19 point 2): the `evaluate-dirty` step of a tick.

1. **Tracking.** Session events (registered once, on the `Session` class, when the scheduler
   package is imported) note the enterprises whose risk inputs a unit of work changes:
   `after_flush` collects the `enterprise_id` of every new, changed or deleted row of a tracked
   kind (`TRACKED`: production, shifts, work orders and deferrals, targets, planned stops,
   maintenance plans, kilns, incidents, change-control rows) into `session.info`;
   `after_commit` hands them to the pending set of that database and wakes the schedulers
   running in this process; `after_rollback` drops them (a write that did not commit makes
   nothing dirty).
2. **Evaluating.** The active scheduler's tick (`runner.Scheduler.tick`) takes the pending set
   of its database first and, outside any request's transaction, runs `alerts.evaluate` for
   each dirty enterprise (one unit of work per enterprise) up to the day before its latest
   production day, and no later than its region's local today (`_complete_up_to`: a day
   whose shifts are still being entered is not judged; the latest day is judged when the next
   day's records arrive, or by the midnight rollover). Whole enterprises, so each kiln's
   horizon is its enterprise's, as in a rollover. `evaluate` is incremental and idempotent, so evaluating an enterprise twice, or
   one nothing changed in, changes nothing.

The pending set lives in memory: not durable by itself. If the process dies before a tick took
it, nothing is lost for good: the next rollover (`rollover:region`, local midnight, also run by
`kilnguard worker --once` once it is due) evaluates every kiln of the region up to the new day,
and `evaluate` resumes after each kiln's last alert event. A failing evaluation is put back
and retried on the next ticks, `MAX_ATTEMPTS` times, then left to the next rollover.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import weakref
from itertools import chain
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, event, func, inspect, select
from sqlalchemy.orm import Session

from kilnguard.clock import Clock
from kilnguard.services import alerts, writes
from kilnguard.services.access import SYSTEM
from kilnguard.services.scheduler.runs import RunResult
from kilnguard.store import models as m
from kilnguard.store.change_models import ChangeHazardZoneRow, ChangeRecord, ChangeRequestRow
from kilnguard.store.db import unit_of_work

log = logging.getLogger("kilnguard.scheduler")

JOB = "evaluate-dirty"
MAX_ATTEMPTS = 5
INFO_KEY = "kilnguard.scheduler.dirty_enterprises"

TRACKED: tuple[type[Any], ...] = (
    m.ProductionRecord,
    m.Shift,
    m.WorkOrder,
    m.WorkOrderDeferral,
    m.Target,  # enterprise-wide or per kiln: the enterprise is re-evaluated either way
    m.PlannedStop,
    m.MaintenancePlan,
    m.Kiln,  # rating, commissioning, retirement
    m.Incident,
    ChangeRequestRow,
    ChangeRecord,  # every row about a change request (transitions, firings, PSSR, ...)
    ChangeHazardZoneRow,
)
"""Kinds of rows whose changes move a kiln's risk inputs (all carry `enterprise_id`)."""


class Wakeable(Protocol):
    def wake(self) -> None: ...


_lock = threading.Lock()
_pending: dict[str, dict[int, int]] = {}  # database -> {enterprise id: failed attempts}
_running: weakref.WeakSet[Wakeable] = weakref.WeakSet()


def database_key(bind: Engine | Connection) -> str:
    """The database a bind writes to (engines on the same URL share their pending set)."""
    return bind.engine.url.render_as_string(hide_password=True)


def _bind_of(session: Session) -> Engine | Connection | None:
    try:
        bind = session.get_bind()
    except Exception:  # an unbound session: nothing to key on
        return None
    return bind if isinstance(bind, Engine | Connection) else None


def _enterprise_of(obj: object) -> int | None:
    value = inspect(obj).dict.get("enterprise_id")
    return value if isinstance(value, int) else None


def _after_flush(session: Session, flush_context: object) -> None:
    found = {
        ent
        for obj in chain(session.new, session.dirty, session.deleted)
        if isinstance(obj, TRACKED) and (ent := _enterprise_of(obj)) is not None
    }
    if found:
        session.info.setdefault(INFO_KEY, set()).update(found)


def _after_commit(session: Session) -> None:
    found: set[int] | None = session.info.pop(INFO_KEY, None)
    if not found:
        return
    bind = _bind_of(session)
    if bind is None:
        return
    mark(database_key(bind), found)


def _after_rollback(session: Session) -> None:
    session.info.pop(INFO_KEY, None)


def register() -> None:
    """Listen on every `Session` (idempotent)."""
    for name, fn in (
        ("after_flush", _after_flush),
        ("after_commit", _after_commit),
        ("after_rollback", _after_rollback),
    ):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)


def mark(database: str, enterprise_ids: set[int], *, wake: bool = True) -> None:
    """Add enterprises to a database's pending set and wake the running schedulers."""
    with _lock:
        pending = _pending.setdefault(database, {})
        for ent in enterprise_ids:
            pending.setdefault(ent, 0)
        schedulers = list(_running) if wake else []
    for s in schedulers:
        s.wake()


def pending(engine: Engine) -> frozenset[int]:
    """The enterprises waiting for an evaluation on `engine`'s database."""
    with _lock:
        return frozenset(_pending.get(database_key(engine), {}))


def discard(engine: Engine) -> frozenset[int]:
    """Drop the pending set of `engine`'s database, unevaluated (the next rollover covers it);
    returns what was pending. For tests that isolate one job from writes made in their setup."""
    with _lock:
        return frozenset(_pending.pop(database_key(engine), {}))


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
            m.ProductionRecord.enterprise_id == ent.id, m.ProductionRecord.day <= today
        )
    )
    if latest is None:
        return None
    return min(today, latest - dt.timedelta(days=1))


def evaluate_pending(engine: Engine, clock: Clock) -> list[RunResult]:
    """Evaluate the alerts of the dirty enterprises of `engine`'s database (the tick's first
    step); a result line when there was anything to do."""
    key = database_key(engine)
    with _lock:
        batch = _pending.pop(key, {})
    if not batch:
        return []
    started = clock.now()
    raised = closed = kilns = 0
    failed: dict[int, int] = {}
    for ent_id, attempts in sorted(batch.items()):
        try:
            with unit_of_work(engine, clock=clock) as session:
                ent = session.get(m.Enterprise, ent_id)
                if ent is None:
                    continue
                as_of = _complete_up_to(session, ent)
                if as_of is None:
                    continue
                report = alerts.evaluate(session, SYSTEM, as_of, enterprise_ids={ent_id})
        except Exception:
            log.exception("%s: evaluating enterprise %s failed", JOB, ent_id)
            if attempts + 1 < MAX_ATTEMPTS:
                failed[ent_id] = attempts + 1
            else:
                log.error("%s: enterprise %s left to the next rollover", JOB, ent_id)
            continue
        kilns += report.kilns
        raised += len(report.raised)
        closed += len(report.closed)
    if failed:
        with _lock:
            again = _pending.setdefault(key, {})
            for ent_id, attempts in failed.items():
                again[ent_id] = max(again.get(ent_id, 0), attempts)
    outcome = (
        f"{len(batch) - len(failed)} enterprise(s), {kilns} kiln(s) evaluated: "
        f"{raised} alert(s) raised, {closed} closed"
        + (f"; {len(failed)} failed, retried on the next tick" if failed else "")
    )
    log.info("%s: %s", JOB, outcome)
    slot = started.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return [RunResult(JOB, slot, "failed" if failed else "done", outcome)]


register()
