"""Planning off the request path (issue 14 point 4): a planning job per question, run by a
thread pool, with a durable record (`plan_jobs`) that the page, the API and the CLI read.

- :func:`start_job` answers from the store when the same question was asked before — same
  enterprise, day, solver limit and the same inputs (:func:`inputs_hash`: the planning
  problem and the audit-chain head, so any write to the records makes a new question) — and
  otherwise records a queued job and hands it to the pool.
- The job runs the planner (:func:`~kilnguard.services.planning.report.make_plan`): greedy
  first, then improved; every progress report of the anytime planner is written to the job
  row (stage, elapsed, incumbent objective, bound, and a summary of the best plan so far),
  so the first checked plan is visible within about a second and better ones follow.
- :func:`cancel_job` stops the search; the job keeps the best plan found.

The job rows are operational state, not plant records: they are written directly, not through
``services.writes`` — an audited write would move the audit-chain head, which is part of every
plan's inputs hash, and so make every stored answer stale.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kilnguard.clock import Clock
from kilnguard.domain.planning.anytime import Progress
from kilnguard.services import access, writes
from kilnguard.services.access import Principal
from kilnguard.services.planning.problem import PlanningInput, build_problem
from kilnguard.services.planning.report import make_plan
from kilnguard.store import models as m
from kilnguard.store.db import unit_of_work
from kilnguard.store.plan_job_models import PlanJob

__all__ = [
    "ACTIVE",
    "JobView",
    "cancel_job",
    "get_job",
    "inputs_hash",
    "start_job",
    "wait_for_job",
]

#: Jobs solving at once (the machine's cores; each job's solves use them too).
WORKERS = 2
#: States of a job that still answers its question (a cancelled or failed one does not).
ACTIVE = ("queued", "running", "done")
#: Least time between two progress writes of one job [s] (the first and last always go).
_WRITE_EVERY_S = 0.5

_POOL = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="plan-job")
_CANCEL: dict[int, threading.Event] = {}


def _canonical(value: Any) -> Any:
    """A JSON-able, order-independent form of the problem (frozensets sorted), so the hash is
    the same in every process whatever the string hash seed."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, frozenset | set):
        return sorted((_canonical(v) for v in value), key=repr)
    if isinstance(value, tuple | list):
        return [_canonical(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def inputs_hash(session: Session, inp: PlanningInput, time_limit_s: float) -> str:
    """SHA-256 of what a plan depends on: the problem, the limit, the records' audit head."""
    head = session.scalar(select(m.ChainHead.last_seq).where(m.ChainHead.id == 1))
    text = json.dumps(
        {
            "problem": _canonical(inp.problem),
            "enterprise_id": inp.enterprise_id,
            "as_of": inp.as_of.isoformat(),
            "time_limit_s": time_limit_s,
            "audit_head": head,
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class JobView:
    """A planning job as the front ends show it; ``plan`` is the best plan so far (summary)
    while it runs and the full report JSON once done."""

    job_id: int
    enterprise_id: int
    as_of: dt.date
    status: str
    stage: str
    elapsed_s: float
    time_limit_s: float
    objective: float | None
    bound: float | None
    gap: float | None
    greedy_objective: float | None
    plan: dict[str, Any] | None
    error: str

    @property
    def finished(self) -> bool:
        return self.status in ("done", "cancelled", "failed")


def _view(job: PlanJob) -> JobView:
    gap = None
    if job.objective is not None and job.bound is not None:
        gap = max(0.0, job.objective - job.bound) / max(1.0, abs(job.objective))
    derived = {
        "job_id": job.id,
        "elapsed_s": round(job.elapsed_s, 3),
        "gap": gap,
        "plan": json.loads(job.plan_json or job.summary or "null"),
    }
    stored = {
        f.name: getattr(job, f.name) for f in dataclasses.fields(JobView) if f.name not in derived
    }
    return JobView(**stored, **derived)


#: How long after its time limit an unfinished job run by another process still counts [s].
_GRACE_S = 300.0


def _lost(job: PlanJob, now: dt.datetime) -> bool:
    """An unfinished job no thread here runs, long past its time limit (a restarted server):
    not an answer; the question is planned again."""
    if job.status == "done" or job.id in _CANCEL:
        return False
    created = job.created_at if job.created_at.tzinfo else job.created_at.replace(tzinfo=dt.UTC)
    return (now - created).total_seconds() > job.time_limit_s + _GRACE_S


def start_job(
    engine: Engine,
    who: Principal,
    *,
    enterprise_id: int,
    as_of: dt.date | None,
    time_limit_s: float,
    clock: Clock | None = None,
) -> JobView:
    """The job answering this question: a stored one with the same inputs, or a new one
    started in the background. Tenancy: ``build_problem`` refuses an unreadable enterprise."""
    with unit_of_work(engine, clock=clock, write=True) as session:
        inp = build_problem(session, who, enterprise_id=enterprise_id, as_of=as_of)
        key = inputs_hash(session, inp, time_limit_s)
        stored = session.scalars(
            select(PlanJob)
            .where(PlanJob.inputs_hash == key, PlanJob.status.in_(ACTIVE))
            .order_by(PlanJob.id.desc())
        ).first()
        if stored is not None and not _lost(stored, writes.now(session)):
            return _view(stored)
        job = PlanJob(
            enterprise_id=inp.enterprise_id,
            inputs_hash=key,
            as_of=inp.as_of,
            time_limit_s=time_limit_s,
            requested_by=who.username,
            created_at=writes.now(session),
            status="queued",
            stage="",
            elapsed_s=0.0,
        )
        session.add(job)
        session.flush()
        view = _view(job)
    _CANCEL[view.job_id] = threading.Event()
    _POOL.submit(_run, engine, who, view.job_id, inp.enterprise_id, inp.as_of, time_limit_s)
    return view


def _summary(progress: Progress) -> dict[str, Any]:
    """The best plan so far, in brief (the full report comes when the job is done)."""
    plan = progress.plan()
    return {
        "stage": progress.stage,
        "parts_solved": progress.parts_solved,
        "parts": progress.parts,
        "feasible": plan.feasible,
        "status": plan.status.value,
        "planned_output_t": round(plan.total_output_t, 3),
        "kiln_shifts": len(plan.shifts),
        "worker_shifts": sum(len(s.worker_ids) for s in plan.shifts),
        "targets": [
            {
                "target_id": o.target_id,
                "deadline": o.deadline.isoformat(),
                "quantity_t": round(o.quantity_t, 3),
                "planned_t": round(o.planned_t, 3),
                "shortfall_t": round(o.shortfall_t, 3),
                "met": o.met,
            }
            for o in plan.targets
        ],
    }


def _update(engine: Engine, job_id: int, *, finish: bool = False, **values: Any) -> None:
    """Write the job row's ``values`` (and ``finished_at`` now, when ``finish``)."""
    with unit_of_work(engine, write=True) as session:
        job = session.get(PlanJob, job_id)
        if job is not None:
            for name, value in values.items():
                setattr(job, name, value)
            if finish:
                job.finished_at = writes.now(session)


def _run(
    engine: Engine,
    who: Principal,
    job_id: int,
    enterprise_id: int,
    as_of: dt.date,
    time_limit_s: float,
) -> None:
    cancel = _CANCEL.setdefault(job_id, threading.Event())
    t0 = time.perf_counter()
    last = [0.0]
    _update(engine, job_id, status="running", stage="greedy")

    def on_progress(progress: Progress) -> None:
        now = time.perf_counter()
        first = progress.stage == "greedy"
        if not first and progress.stage != "done" and now - last[0] < _WRITE_EVERY_S:
            return
        last[0] = now
        values: dict[str, Any] = {
            "stage": progress.stage,
            "elapsed_s": now - t0,
            "objective": progress.objective,
            "bound": progress.bound,
            "summary": json.dumps(_summary(progress)),
        }
        if first:
            values["greedy_objective"] = progress.objective
        _update(engine, job_id, **values)

    try:
        with unit_of_work(engine) as session:
            report = make_plan(
                session,
                who,
                enterprise_id=enterprise_id,
                as_of=as_of,
                time_limit_s=time_limit_s,
                search_time_limit_s=min(3.0, max(1.0, time_limit_s / 4)),
                pushing_time_limit_s=min(3.0, max(1.0, time_limit_s / 4)),
                on_progress=on_progress,
                cancel=cancel,
            )
            body = report.to_json()
        _update(
            engine,
            job_id,
            status="cancelled" if cancel.is_set() else "done",
            stage="done",
            elapsed_s=time.perf_counter() - t0,
            objective=body.get("objective"),
            bound=body.get("bound"),
            plan_json=json.dumps(body, default=str),
            finish=True,
        )
    except Exception as exc:  # recorded on the job; the pool thread must not die silently
        _update(
            engine,
            job_id,
            status="failed",
            error=f"{type(exc).__name__}: {exc}",
            finish=True,
        )
    finally:
        _CANCEL.pop(job_id, None)


def get_job(session: Session, who: Principal, job_id: int) -> JobView:
    """The job's state and best plan so far (a job of an unreadable enterprise is not found)."""
    return _view(access.get_readable(session, who, PlanJob, job_id))


def cancel_job(engine: Engine, who: Principal, job_id: int) -> JobView:
    """Stop the job's search; it keeps and stores the best plan found so far."""
    with unit_of_work(engine) as session:
        job = access.get_readable(session, who, PlanJob, job_id)
        view = _view(job)
    event = _CANCEL.get(job_id)
    if event is not None:
        event.set()
    elif not view.finished:  # queued in another process, or lost: nothing runs it here
        _update(engine, job_id, status="cancelled", finish=True)
    with unit_of_work(engine) as session:
        return _view(access.get_readable(session, who, PlanJob, job_id))


def wait_for_job(
    engine: Engine, who: Principal, job_id: int, timeout_s: float, *, first_plan: bool = False
) -> JobView:
    """Poll the job until it finishes (or, with ``first_plan``, has a plan) or ``timeout_s``
    passes (the page, the CLI, tests)."""
    deadline = time.monotonic() + timeout_s
    while True:
        with unit_of_work(engine) as session:
            view = get_job(session, who, job_id)
        if view.finished or (first_plan and view.plan is not None):
            return view
        if time.monotonic() > deadline:
            return view
        time.sleep(0.05 if first_plan else 0.2)
