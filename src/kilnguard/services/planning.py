"""The safe production planner over the database: build the problem, plan, replay, adopt.

- :func:`build_problem` turns an enterprise's stored records, as known on ``as_of``, into a
  domain :class:`~kilnguard.domain.planning.PlanningProblem` for the days after ``as_of``:
  kilns (rating, lining damage from the risk replay on ``as_of``, campaign limit and days run
  since the last planned stop), the safety-critical maintenance open on ``as_of`` (overdue work
  is scheduled first by the domain), planned stops, the open targets with what is still to
  make, and the workers with their qualifications and crews.
- :func:`replay_plan` appends a plan's kiln-days and worker-shifts to the history as it stood
  on ``as_of`` and runs the risk engine over the plan's days; :func:`replay_actual` does the
  same for what the factory actually recorded over those days. Every plan is replayed before
  it is shown (:func:`make_plan`).
- :func:`adopt_plan` writes the planned production and planned shifts (one audit entry per
  row); managers and admins of the enterprise only.

``as_of`` default (:func:`default_as_of`): the day the most recent *additional* target was
entered — the planner's question is asked the day a target arrives — else the last day with a
production record. Records dated after ``as_of`` are never read into the problem or the
plan's replay (work done later is treated as still open; deferrals decided later are unknown).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import statistics
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kilnguard.domain import risk as rk
from kilnguard.domain.errors import NotFound, ValidationError
from kilnguard.domain.planning import (
    Kiln,
    MaintenanceTask,
    PlannedStop,
    PlanningProblem,
    PlanResult,
    RestRules,
    ShiftPattern,
    Target,
    Worker,
    pushing,
)
from kilnguard.domain.planning import explain as plan_explain
from kilnguard.domain.planning.greedy import greedy_plan
from kilnguard.domain.planning.result import PlanStatus
from kilnguard.domain.planning.solver import solve_plan
from kilnguard.domain.roles import Role
from kilnguard.services import audit
from kilnguard.services import risk as risk_svc
from kilnguard.services.access import (
    Principal,
    readable_enterprise_ids,
    require_role,
    writable_enterprise_ids,
)
from kilnguard.services.records import record_payload
from kilnguard.store import models as m
from kilnguard.store.planning_models import PlanAdoption, PlannedProduction, PlannedShift

__all__ = [
    "DEFAULT_CREW_SIZE",
    "MIN_HORIZON_DAYS",
    "PlanReport",
    "PlanningInput",
    "ReplaySummary",
    "adopt_plan",
    "build_problem",
    "chart_png",
    "default_as_of",
    "explained_plan",
    "make_plan",
    "price_of_pushing",
    "replay_actual",
    "replay_plan",
    "solve",
]

#: Workers per kiln-shift when the roster before ``as_of`` shows none for the kiln [workers].
DEFAULT_CREW_SIZE = 2
#: Shortest horizon planned when no open target sets one [d].
MIN_HORIZON_DAYS = 28
#: Days of roster before ``as_of`` read to find each kiln's usual crew size [d].
CREW_LOOKBACK_DAYS = 28


@dataclass(frozen=True)
class PlanningInput:
    """The problem and the database facts needed to replay, show and adopt its plans."""

    problem: PlanningProblem
    as_of: dt.date
    enterprise_id: int
    enterprise: str
    history: risk_svc.LoadedHistory
    kiln_rows: dict[str, m.Kiln]
    target_rows: dict[str, m.Target]
    worker_crews: dict[str, int | None]
    task_orders: dict[str, int]  # planner task id → work order id
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReplaySummary:
    """Risk-engine levels of a plan (or of the recorded history) over the plan's days.

    ``levels[kiln name]`` is one level name per day from ``first_day``; ``worst_level`` is the
    worst over every kiln and day; ``why`` the engine's explanation of the worst kiln-day.
    """

    worst_level: str
    first_day: dt.date
    last_day: dt.date
    levels: dict[str, list[str]]
    worst_by_kiln: dict[str, str]
    worst_kiln: str | None = None
    worst_day: dt.date | None = None
    why: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "worst_level": self.worst_level,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "worst_by_kiln": self.worst_by_kiln,
            "worst_kiln": self.worst_kiln,
            "worst_day": self.worst_day.isoformat() if self.worst_day else None,
            "why": self.why,
            "kiln_days_by_level": self.counts,
        }


# ------------------------------------------------------------------------------- as_of
def _enterprise_kilns(
    session: Session,
    who: Principal,
    *,
    enterprise: str | None = None,
    enterprise_id: int | None = None,
) -> list[m.Kiln]:
    if enterprise_id is not None:
        ids = readable_enterprise_ids(session, who)
        if ids is not None and enterprise_id not in ids:
            raise NotFound("enterprise", enterprise_id)
        kilns = [
            k for k in risk_svc.readable_kilns(session, who) if k.enterprise_id == enterprise_id
        ]
        if not kilns:
            raise NotFound("enterprise", enterprise_id)
        return kilns
    kilns = risk_svc.readable_kilns(session, who, enterprise=enterprise)
    if not kilns:
        raise NotFound("enterprise", enterprise or "")
    first = kilns[0].enterprise_id
    if any(k.enterprise_id != first for k in kilns):
        names = {
            e.id: e.name
            for e in session.scalars(
                select(m.Enterprise).where(m.Enterprise.id.in_({k.enterprise_id for k in kilns}))
            )
        }
        raise ValidationError(
            "enterprise",
            enterprise or "",
            "names more than one enterprise: " + ", ".join(sorted(names.values())),
        )
    return kilns


def default_as_of(session: Session, enterprise_id: int) -> dt.date:
    """The entry day of the most recent additional target, else the last production day."""
    entered = session.scalar(
        select(func.max(m.Target.entered_on)).where(
            m.Target.enterprise_id == enterprise_id, m.Target.additional
        )
    )
    if entered is not None:
        return entered
    last = session.scalar(
        select(func.max(m.ProductionRecord.day)).where(
            m.ProductionRecord.enterprise_id == enterprise_id
        )
    )
    if last is None:
        raise ValidationError(
            "as_of", None, "the enterprise has no production records; give --as-of"
        )
    return last


# ------------------------------------------------------------------------- the problem
def _original_due(wo: m.WorkOrder) -> dt.date:
    """The due date before any deferral (a deferral does not make the work less overdue)."""
    return wo.deferrals[0].previous_due_on if wo.deferrals else wo.due_on


def _short_task(task: str) -> str:
    return task.split("(")[0].strip() or task


def _crew_sizes(
    session: Session, kilns: Sequence[m.Kiln], as_of: dt.date, offset_h: float
) -> dict[int, int]:
    """Median workers per kiln-shift in the roster of the last weeks before ``as_of``."""
    ids = [k.id for k in kilns]
    until = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    until -= dt.timedelta(hours=offset_h)
    since = until - dt.timedelta(days=CREW_LOOKBACK_DAYS)
    counts: dict[tuple[int | None, dt.datetime], int] = defaultdict(int)
    for kiln_id, start in session.execute(
        select(m.Shift.kiln_id, m.Shift.start_at).where(
            m.Shift.kiln_id.in_(ids), m.Shift.start_at >= since, m.Shift.start_at < until
        )
    ):
        counts[(kiln_id, start)] += 1
    per_kiln: dict[int | None, list[int]] = defaultdict(list)
    for (kiln_id, _start), n in counts.items():
        per_kiln[kiln_id].append(n)
    return {k: max(1, round(statistics.median(v))) for k, v in per_kiln.items() if k is not None}


def _rest_carry_in(
    shifts: Sequence[rk.ShiftRecord],
    horizon_start: dt.date,
    offset_h: float,
    rules: RestRules,
    pattern: ShiftPattern,
) -> dict[str, frozenset[dt.date]]:
    """Days a worker may not start a shift because of the shifts worked up to ``as_of``.

    The domain starts its rest rules fresh on day 0, so the hand-over is made safe here, at
    whole-day granularity (conservative): day 0 is blocked when the last shift ended less than
    ``min_rest_h`` before day 0's first shift; after a run of r worked days up to ``as_of``,
    day ``max_consecutive_shifts − r`` is blocked so no run exceeds the limit.
    """
    origin = dt.datetime.combine(horizon_start, dt.time(), tzinfo=dt.UTC) - dt.timedelta(
        hours=offset_h
    )
    first_start_h = pattern.first_shift_start_h
    last_end: dict[str, float] = {}
    worked_days: dict[str, set[int]] = defaultdict(set)
    for s in shifts:
        start = s.start if s.start.tzinfo else s.start.replace(tzinfo=dt.UTC)
        end = s.end if s.end.tzinfo else s.end.replace(tzinfo=dt.UTC)
        start_h = (start - origin).total_seconds() / 3600
        end_h = (end - origin).total_seconds() / 3600
        if start_h >= 0 or start_h < -24 * 14:
            continue
        last_end[s.worker_id] = max(last_end.get(s.worker_id, -1e9), end_h)
        worked_days[s.worker_id].add(int(start_h // 24))
    blocked: dict[str, set[dt.date]] = defaultdict(set)
    for worker, end_h in last_end.items():
        if end_h + rules.min_rest_h > first_start_h:
            blocked[worker].add(horizon_start)
        run = 0
        day = -1
        while day in worked_days[worker]:
            run += 1
            day -= 1
        if run:
            free = max(0, rules.max_consecutive_shifts - run)
            blocked[worker].add(horizon_start + dt.timedelta(days=free))
    return {w: frozenset(d) for w, d in blocked.items()}


def build_problem(
    session: Session,
    who: Principal,
    *,
    enterprise: str | None = None,
    enterprise_id: int | None = None,
    as_of: dt.date | None = None,
    rest_rules: RestRules | None = None,
    shift_pattern: ShiftPattern | None = None,
    allowed_load_margin: float = 1.0,
) -> PlanningInput:
    """The planning problem of an enterprise for the days after ``as_of`` (see module doc)."""
    kilns = _enterprise_kilns(session, who, enterprise=enterprise, enterprise_id=enterprise_id)
    ent_id = kilns[0].enterprise_id
    ent = session.get(m.Enterprise, ent_id)
    assert ent is not None
    if as_of is None:
        as_of = default_as_of(session, ent_id)
    rules = rest_rules or RestRules()
    pattern = shift_pattern or ShiftPattern()
    history = risk_svc.load_history(session, kilns)
    horizon_start = as_of + dt.timedelta(days=1)
    notes: list[str] = []

    # lining damage and days since the last planned stop, from the risk replay on as_of
    first_record = min(history.start, as_of)
    known = risk_svc.LoadedHistory(
        _records_as_of(history.records, as_of, history.utc_offset_h),
        first_record,
        as_of,
        history.utc_offset_h,
        history.kiln_rows,
        history.enterprise_names,
    )
    state = risk_svc.replay(known)
    sid = {k.id: str(k.id) for k in kilns}
    kiln_index = {str(k.id): i for i, k in enumerate(kilns)}

    # open targets: what is still to make, by when
    by_section: dict[int, set[str]] = defaultdict(set)
    for k in kilns:
        if k.section_id is not None:
            by_section[k.section_id].add(sid[k.id])
    produced: dict[tuple[str, dt.date], float] = defaultdict(float)
    for p in history.records.production:
        if p.day <= as_of:
            produced[(p.kiln_id, p.day)] += p.output_t
    targets: list[Target] = []
    target_rows: dict[str, m.Target] = {}
    for t in session.scalars(
        select(m.Target).where(m.Target.enterprise_id == ent_id).order_by(m.Target.deadline)
    ):
        if t.entered_on > as_of or t.deadline < horizon_start:
            continue
        if t.kiln_id is not None:
            scope = {sid[t.kiln_id]} if t.kiln_id in sid else set()
        elif t.section_id is not None:
            scope = by_section.get(t.section_id, set())
        else:
            scope = set(sid.values())
        if not scope:
            continue
        made = sum(v for (kid, day), v in produced.items() if kid in scope and day >= t.entered_on)
        remaining = round(t.quantity_t - made, 3)
        if remaining <= 1e-3:
            notes.append(
                f"target {t.id} already met by {as_of}: {made:,.0f} t of {t.quantity_t:,.0f} t"
            )
            continue
        target = Target(
            target_id=str(t.id),
            quantity_t=remaining,
            deadline=t.deadline,
            kiln_ids=frozenset(scope),
            entered_on=max(t.entered_on, horizon_start),
        )
        targets.append(target)
        target_rows[target.target_id] = t
    last_deadline = max((t.deadline for t in targets), default=horizon_start)
    horizon_days = max(MIN_HORIZON_DAYS, (last_deadline - horizon_start).days + 1)
    horizon_end = horizon_start + dt.timedelta(days=horizon_days - 1)

    # safety-critical maintenance open on as_of, and recurrences falling due in the horizon
    ids = [k.id for k in kilns]
    plans = {
        p.id: p
        for p in session.scalars(
            select(m.MaintenancePlan).where(
                m.MaintenancePlan.kiln_id.in_(ids), m.MaintenancePlan.safety_critical
            )
        )
    }
    tasks: dict[int, list[MaintenanceTask]] = defaultdict(list)
    task_orders: dict[str, int] = {}
    last_due: dict[int, dt.date] = {}
    for wo in session.scalars(
        select(m.WorkOrder)
        .where(m.WorkOrder.kiln_id.in_(ids), m.WorkOrder.safety_critical)
        .order_by(m.WorkOrder.id)
    ):
        due = _original_due(wo)
        if due > horizon_end:
            continue
        if wo.plan_id is not None:
            last_due[wo.plan_id] = max(last_due.get(wo.plan_id, due), due)
        if wo.done_on is not None and wo.done_on <= as_of:
            continue
        plan = plans.get(wo.plan_id) if wo.plan_id is not None else None
        duration = plan.duration_days if plan is not None else 1
        task_id = f"wo-{wo.id}"
        tasks[wo.kiln_id].append(
            MaintenanceTask(
                task_id=task_id,
                name=_short_task(wo.task),
                duration_days=max(1, duration),
                due_on=due,
                resets_wear=any(w in wo.task.lower() for w in risk_svc.RELINE_WORDS),
            )
        )
        task_orders[task_id] = wo.id
    # Recurrences not yet issued as work orders are named, not planned: the domain places a
    # task anywhere from day 0 to its due date (no earliest start), so next month's inspection
    # would be "done" today alongside this month's, which is no inspection at all.
    names = {k.id: k.name for k in kilns}
    for plan in plans.values():
        if not plan.interval_days or plan.id not in last_due:
            continue
        due = last_due[plan.id] + dt.timedelta(days=plan.interval_days)
        if due <= horizon_end:
            notes.append(
                f"not planned: {_short_task(plan.task)} of {names[plan.kiln_id]} next due {due} "
                f"(every {plan.interval_days} days; planned once its work order is issued)"
            )

    crew = _crew_sizes(session, kilns, as_of, history.utc_offset_h)
    last = known.end
    planner_kilns: list[Kiln] = []
    for k in kilns:
        i = kiln_index[sid[k.id]]
        damage = float(state.wear_damage[i, -1]) if last == as_of else 0.0
        run = int(state.continuous_days[i, -1])
        fired_today = float(state.inputs.output_t[i, -1]) > 0
        own = sorted(tasks.get(k.id, []), key=lambda t: (t.due_on, t.task_id))
        planner_kilns.append(
            Kiln(
                kiln_id=sid[k.id],
                name=k.name,
                kind=k.kind,
                rated_capacity_t_per_day=k.rated_capacity_t_per_day,
                crew_size=crew.get(k.id, DEFAULT_CREW_SIZE),
                wear_damage=min(10.0, max(0.0, damage)),
                lining_design_life_days=float(k.lining_design_life_days or 365),
                campaign_limit_days=max(1, k.campaign_limit_days),
                days_run_since_stop=max(0, run) if fired_today else 0,
                maintenance=tuple(own),
            )
        )

    stops = tuple(
        PlannedStop(
            str(s.kiln_id),
            max(s.start_on, horizon_start),
            min(s.end_on, horizon_end),
            s.reason or "planned stop",
        )
        for s in session.scalars(select(m.PlannedStop).where(m.PlannedStop.kiln_id.in_(ids)))
        if s.end_on >= horizon_start and s.start_on <= horizon_end
    )

    kinds = {k.kind for k in kilns}
    blocked = _rest_carry_in(
        history.records.shifts, horizon_start, history.utc_offset_h, rules, pattern
    )
    workers: list[Worker] = []
    worker_crews: dict[str, int | None] = {}
    for w in session.scalars(
        select(m.Worker).where(m.Worker.enterprise_id == ent_id).order_by(m.Worker.id)
    ):
        quals = frozenset(q.strip() for q in w.qualifications.split(",") if q.strip())
        if not quals & kinds:
            continue
        wid = str(w.id)
        workers.append(
            Worker(
                worker_id=wid,
                crew=str(w.crew_id) if w.crew_id is not None else f"w{w.id}",
                qualified_kinds=quals,
                unavailable_days=blocked.get(wid, frozenset()),
            )
        )
        worker_crews[wid] = w.crew_id

    problem = PlanningProblem(
        horizon_start=horizon_start,
        horizon_days=horizon_days,
        kilns=tuple(planner_kilns),
        workers=tuple(workers),
        targets=tuple(targets),
        planned_stops=stops,
        shift_pattern=pattern,
        rest_rules=rules,
        allowed_load_margin=allowed_load_margin,
    )
    return PlanningInput(
        problem=problem,
        as_of=as_of,
        enterprise_id=ent_id,
        enterprise=ent.name,
        history=history,
        kiln_rows={sid[k.id]: k for k in kilns},
        target_rows=target_rows,
        worker_crews=worker_crews,
        task_orders=task_orders,
        notes=tuple(notes),
    )


# ---------------------------------------------------------------------------- replay
def _records_as_of(records: rk.Records, as_of: dt.date, utc_offset_h: float) -> rk.Records:
    """The records as they stood at the end of ``as_of``: nothing later is known."""
    orders = []
    for wo in records.work_orders:
        done = wo.done_on if wo.done_on is not None and wo.done_on <= as_of else None
        defs = tuple(d for d in wo.deferrals if d.on <= as_of)
        orders.append(replace(wo, done_on=done, deferrals=defs))
    return rk.Records(
        kilns=records.kilns,
        production=[p for p in records.production if p.day <= as_of],
        stops=list(records.stops),
        targets=[t for t in records.targets if t.entered_on <= as_of],
        plans=list(records.plans),
        work_orders=orders,
        shifts=_cut_shifts(
            records.shifts, as_of + dt.timedelta(days=1), dt.timedelta(hours=utc_offset_h)
        ),
        change_control=[c for c in records.change_control if c.day <= as_of],
        alarms=[a for a in records.alarms if a.day <= as_of],
    )


def _summarise(
    result: rk.RiskResult, kiln_ids: Sequence[str], names: dict[str, str]
) -> ReplaySummary:
    inp = result.inputs
    index = {k.kiln_id: i for i, k in enumerate(inp.kilns)}
    levels: dict[str, list[str]] = {}
    worst_by: dict[str, str] = {}
    counts: dict[str, int] = {name: 0 for name in rk.LEVEL_NAMES}
    worst = -1
    worst_at: tuple[int, int] | None = None
    for kid in kiln_ids:
        i = index[kid]
        row = [int(x) for x in result.levels[i]]
        levels[names[kid]] = [rk.LEVEL_NAMES[x] for x in row]
        worst_by[names[kid]] = rk.LEVEL_NAMES[max(row)] if row else "green"
        for x in row:
            counts[rk.LEVEL_NAMES[x]] += 1
        for d, x in enumerate(row):
            if x > worst:
                worst, worst_at = x, (i, d)
    why = ""
    worst_kiln = None
    worst_day = None
    if worst_at is not None:
        exp = rk.explain(result, worst_at[0], worst_at[1])
        why = exp.text
        worst_kiln = inp.kilns[worst_at[0]].name
        worst_day = inp.day(worst_at[1])
    return ReplaySummary(
        worst_level=rk.LEVEL_NAMES[max(worst, 0)],
        first_day=inp.start,
        last_day=inp.day(inp.n_days - 1),
        levels=levels,
        worst_by_kiln=worst_by,
        worst_kiln=worst_kiln,
        worst_day=worst_day,
        why=why,
        counts=counts,
    )


def plan_records(inp: PlanningInput, plan: PlanResult) -> rk.Records:
    """The history as of ``as_of`` with the plan's days appended as if they were records.

    Production per kiln-day; a plan day on which a kiln does not fire at all is a planned stop
    (the plan stops it), a relining slot a relining stop; the work orders the plan schedules
    are done on the slot's last day; the plan's worker-shifts are roster records (UTC).
    """
    problem = inp.problem
    base = _records_as_of(inp.history.records, inp.as_of, inp.history.utc_offset_h)
    origin_shift = dt.timedelta(hours=inp.history.utc_offset_h)
    daily: dict[tuple[str, dt.date], list[float]] = defaultdict(lambda: [0.0, 0.0])
    shifts: list[rk.ShiftRecord] = []
    for s in plan.shifts:
        acc = daily[(s.kiln_id, s.day)]
        acc[0] += s.output_t
        acc[1] += s.length_h
        start = (s.start - origin_shift).replace(tzinfo=dt.UTC)
        end = start + dt.timedelta(hours=s.length_h)
        for w in s.worker_ids:
            shifts.append(rk.ShiftRecord(w, problem.worker(w).crew, s.kiln_id, start, end))
    production = [
        rk.ProductionRecord(kid, day, out, min(hours, 24.0))
        for (kid, day), (out, hours) in sorted(daily.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]
    stops: list[rk.PlannedStop] = []
    relined: set[tuple[str, dt.date]] = set()
    done: dict[int, dt.date] = {}
    for slot in plan.maintenance:
        task = next(t for t in problem.kiln(slot.kiln_id).maintenance if t.task_id == slot.task_id)
        stops.append(rk.PlannedStop(slot.kiln_id, slot.first_day, slot.last_day, task.resets_wear))
        if task.resets_wear:
            relined.add((slot.kiln_id, slot.first_day))
        order = inp.task_orders.get(slot.task_id)
        if order is not None:
            done[order] = min(done.get(order, slot.last_day), slot.last_day)
    for k in problem.kilns:
        for d in range(problem.horizon_days):
            day = problem.date_of(d)
            if (k.kiln_id, day) not in daily:
                stops.append(rk.PlannedStop(k.kiln_id, day, day, False))
    orders = [
        replace(wo, done_on=done[int(wo.order_id)])
        if wo.done_on is None and wo.order_id.isdigit() and int(wo.order_id) in done
        else wo
        for wo in base.work_orders
    ]
    return replace(
        base,
        production=[*base.production, *production],
        stops=[*base.stops, *stops],
        work_orders=orders,
        shifts=[*base.shifts, *shifts],
    )


def _cut_shifts(
    shifts: Sequence[rk.ShiftRecord], horizon_start: dt.date, offset: dt.timedelta
) -> list[rk.ShiftRecord]:
    """Recorded shifts that started before the horizon's first local midnight."""
    cut = dt.datetime.combine(horizon_start, dt.time(), tzinfo=dt.UTC) - offset
    out = []
    for s in shifts:
        start = s.start if s.start.tzinfo else s.start.replace(tzinfo=dt.UTC)
        if start < cut:
            out.append(s)
    return out


def replay_plan(inp: PlanningInput, plan: PlanResult) -> ReplaySummary:
    """Worst risk level the engine gives the plan over its kilns and days."""
    problem = inp.problem
    records = plan_records(inp, plan)
    cfg = rk.RiskConfig()
    inputs = rk.build_inputs(
        records, problem.horizon_start, problem.horizon_end, cfg, inp.history.utc_offset_h
    )
    result = rk.assess(inputs, cfg)
    names = {k.kiln_id: k.name for k in problem.kilns}
    return _summarise(result, [k.kiln_id for k in problem.kilns], names)


def replay_actual(inp: PlanningInput) -> ReplaySummary | None:
    """What the recorded history gives over the plan's days (None if nothing was recorded)."""
    problem = inp.problem
    end = min(problem.horizon_end, inp.history.end)
    if end < problem.horizon_start:
        return None
    cfg = rk.RiskConfig()
    inputs = rk.build_inputs(
        inp.history.records, problem.horizon_start, end, cfg, inp.history.utc_offset_h
    )
    result = rk.assess(inputs, cfg)
    names = {k.kiln_id: k.name for k in problem.kilns}
    return _summarise(result, [k.kiln_id for k in problem.kilns], names)


# ----------------------------------------------------------------------------- the plan
@dataclass(frozen=True)
class PlanReport:
    """A planned, explained and replayed answer for one enterprise as of one day."""

    inp: PlanningInput
    result: PlanResult
    replay: ReplaySummary
    actual: ReplaySummary | None
    pushing: tuple[pushing.PushingRow, ...]

    @property
    def first_target(self) -> Target | None:
        targets = sorted(self.inp.problem.targets, key=lambda t: (t.deadline, t.target_id))
        return targets[0] if targets else None

    def _named(self, text: str) -> str:
        """Binding text with kiln names instead of database ids ("kiln RF-2", not "kiln 2")."""
        names = {k.kiln_id: k.name for k in self.inp.problem.kilns}
        return re.sub(
            r"\bkiln (\d+)\b", lambda g: f"kiln {names.get(g.group(1), g.group(1))}", text
        )

    def to_json(self) -> dict[str, Any]:
        """The planner's answer as plain JSON (CLI ``--json`` and ``GET /api/v1/plans``)."""
        r, p = self.result, self.inp.problem
        first = self.first_target
        outcomes = {t.target_id: t for t in r.targets}
        targets = []
        for t in sorted(p.targets, key=lambda t: (t.deadline, t.target_id)):
            o = outcomes.get(t.target_id)
            row = self.inp.target_rows[t.target_id]
            planned = o.planned_t if o else 0.0
            met = bool(o and o.met)
            max_safe = r.max_safe_t.get(t.target_id, planned)
            when = r.earliest_safe_date.get(t.target_id, t.deadline if met else None)
            targets.append(
                {
                    "target_id": int(t.target_id),
                    "description": row.description,
                    "imposed_by": row.imposed_by,
                    "additional": row.additional,
                    "quantity_t": row.quantity_t,
                    "remaining_t": round(t.quantity_t, 3),
                    "entered_on": row.entered_on.isoformat(),
                    "deadline": t.deadline.isoformat(),
                    "planned_t": round(planned, 3),
                    "shortfall_t": round(o.shortfall_t, 3) if o else round(t.quantity_t, 3),
                    "met": met,
                    "max_safe_t": round(max_safe, 3),
                    "max_safe_proven": r.max_safe_proven.get(t.target_id, met),
                    "earliest_safe_date": when.isoformat() if when else None,
                    "earliest_safe_proven": r.earliest_safe_proven.get(t.target_id, met),
                }
            )
        head = targets[0] if targets else None
        return {
            "enterprise": self.inp.enterprise,
            "enterprise_id": self.inp.enterprise_id,
            "as_of": self.inp.as_of.isoformat(),
            "horizon": {
                "first_day": p.horizon_start.isoformat(),
                "last_day": p.horizon_end.isoformat(),
                "days": p.horizon_days,
                "shifts_per_day": p.shift_pattern.shifts_per_day,
            },
            "feasible": r.feasible,
            "status": r.status.value,
            "objective": r.objective,
            "bound": r.bound,
            "gap": r.gap,
            "runtime_s": round(r.runtime_s, 3),
            "allowed_load_margin": r.allowed_load_margin,
            "first_deadline": first.deadline.isoformat() if first else None,
            "max_safe_t": head["max_safe_t"] if head else None,
            "earliest_safe_date": head["earliest_safe_date"] if head else None,
            "binding": [self._named(b) for b in r.binding],
            "targets": targets,
            "replay": {
                **self.replay.to_json(),
                "actual_worst_level": self.actual.worst_level if self.actual else None,
                "actual": self.actual.to_json() if self.actual else None,
            },
            "price_of_pushing": [_pushing_json(row) for row in self.pushing],
            "kilns": [
                {
                    "kiln_id": int(k.kiln_id),
                    "name": k.name,
                    "kind": k.kind,
                    "rated_capacity_t_per_day": k.rated_capacity_t_per_day,
                    "crew_size": k.crew_size,
                    "wear_damage": round(k.wear_damage, 4),
                    "campaign_limit_days": k.campaign_limit_days,
                    "days_run_since_stop": k.days_run_since_stop,
                    "planned_output_t": round(
                        sum(s.output_t for s in r.shifts if s.kiln_id == k.kiln_id), 3
                    ),
                    "maintenance": [
                        {
                            "task": t.name,
                            "duration_days": t.duration_days,
                            "due_on": t.due_on.isoformat(),
                            "overdue": p.is_overdue(t),
                        }
                        for t in k.maintenance
                    ],
                }
                for k in p.kilns
            ],
            "maintenance": [
                {
                    "kiln": p.kiln(s.kiln_id).name,
                    "task": s.name,
                    "first_day": s.first_day.isoformat(),
                    "last_day": s.last_day.isoformat(),
                    "due_on": s.due_on.isoformat(),
                    "overdue": s.overdue,
                }
                for s in r.maintenance
            ],
            "planned_output_t": round(r.total_output_t, 3),
            "kiln_shifts": len(r.shifts),
            "worker_shifts": sum(len(s.worker_ids) for s in r.shifts),
            "notes": [*self.inp.notes, *r.notes],
        }


def _pushing_json(row: pushing.PushingRow) -> dict[str, Any]:
    f = row.fatigue
    return {
        "margin": row.margin,
        "status": row.status.value,
        "planned_t": round(row.planned_t, 3),
        "extra_t": round(row.extra_t, 3),
        "total_output_t": round(row.total_output_t, 3),
        "max_load_ratio": round(row.max_load_ratio, 4),
        "wear_damage": round(row.max_wear_damage, 4),
        "wear_damage_by_kiln": {k: round(v, 4) for k, v in row.wear_damage.items()},
        "worker_shifts": f.worker_shifts,
        "night_worker_shifts": f.night_worker_shifts,
        "min_rest_h": f.min_rest_h,
        "max_consecutive_days": f.max_consecutive_days,
        "worst_level": row.worst_level,
    }


def solve(problem: PlanningProblem, time_limit_s: float) -> PlanResult:
    """CP-SAT hinted with the greedy plan; the greedy plan itself if CP-SAT finds none in time.

    On small plants CP-SAT's presolve can take longer than a short time limit (the Komusan
    instance needs ≈ 14 s on 2 cores to its first plan); the greedy plan keeps every rule
    (``plan_check``-tested in the domain), so it is shown rather than nothing, with a note and
    status ``feasible`` (not proven optimal; no bound, so no gap).
    """
    hint = greedy_plan(problem)
    result = solve_plan(problem, time_limit_s=time_limit_s, hint=hint)
    if result.status.has_plan:
        return result
    note = (
        f"CP-SAT found no plan within {time_limit_s:g} s ({result.status.value}); "
        "the greedy plan is shown (it keeps every rule; not proven optimal)"
    )
    return replace(hint, notes=(*hint.notes, note))


def explained_plan(
    problem: PlanningProblem,
    *,
    time_limit_s: float = 20.0,
    search_time_limit_s: float = 5.0,
    max_search_days: int = 1100,
) -> PlanResult:
    """``domain.planning.explain.plan`` with the greedy fallback of :func:`solve`.

    Same explanation: for each unmet target the safe maximum (the target planned alone),
    the earliest safe date and the binding constraints in words.
    """
    result = solve(problem, time_limit_s)
    if result.feasible:
        return result
    max_safe: dict[str, float] = {}
    max_proven: dict[str, bool] = {}
    earliest: dict[str, dt.date | None] = {}
    earliest_proven: dict[str, bool] = {}
    binding: list[str] = []
    for outcome in sorted(result.targets, key=lambda o: (o.deadline, o.target_id)):
        if outcome.met:
            continue
        target = next(t for t in problem.targets if t.target_id == outcome.target_id)
        if len(problem.targets) == 1:
            planned, proven = outcome.planned_t, result.status is PlanStatus.OPTIMAL
        else:
            alone = solve(replace(problem, targets=(target,)), search_time_limit_s)
            planned = alone.targets[0].planned_t if alone.status.has_plan else 0.0
            proven = alone.status is PlanStatus.OPTIMAL
            planned = max(planned, outcome.planned_t)
        bound = plan_explain.capacity_bound(problem, target).upper_bound_t
        max_safe[target.target_id] = planned
        max_proven[target.target_id] = proven or planned >= bound - 1e-6
        when, when_proven = plan_explain.earliest_safe_date(
            problem, target, time_limit_s=search_time_limit_s, max_days=max_search_days
        )
        earliest[target.target_id] = when
        earliest_proven[target.target_id] = when_proven
        binding.extend(plan_explain.binding_constraints(problem, target, planned))
        binding.append(
            f"earliest safe date for the full {target.quantity_t:,.0f} t: "
            + (f"{when}" if when else f"not within {max_search_days} days")
            + ("" if when_proven else " (not proven earliest: a solve hit its time limit)")
        )
    return replace(
        result,
        max_safe_t=max_safe,
        max_safe_proven=max_proven,
        earliest_safe_date=earliest,
        earliest_safe_proven=earliest_proven,
        binding=tuple(binding),
    )


def price_of_pushing(
    inp: PlanningInput,
    margins: Sequence[float] = pushing.DEFAULT_MARGINS,
    *,
    time_limit_s: float = 5.0,
) -> tuple[pushing.PushingRow, ...]:
    """``domain.planning.pushing.price_of_pushing`` with the greedy fallback, every plan
    replayed through the risk engine (:func:`replay_plan`)."""
    problem = inp.problem
    solved = {mg: solve(replace(problem, allowed_load_margin=mg), time_limit_s) for mg in margins}
    base = solved[1.0] if 1.0 in solved else solve(problem, time_limit_s)
    base_t = sum(t.planned_t for t in base.targets)
    rows = []
    for mg in margins:
        sub = replace(problem, allowed_load_margin=mg)
        result = solved[mg]
        planned = sum(t.planned_t for t in result.targets)
        damage = pushing.plan_wear(sub, result) if result.status.has_plan else {}
        rows.append(
            pushing.PushingRow(
                margin=mg,
                status=result.status,
                planned_t=planned,
                extra_t=planned - base_t,
                total_output_t=result.total_output_t,
                max_load_ratio=max((s.load_ratio for s in result.shifts), default=0.0),
                wear_damage=damage,
                max_wear_damage=max(damage.values(), default=0.0),
                fatigue=pushing.fatigue_proxy(sub, result),
                worst_level=replay_plan(inp, result).worst_level,
                plan=result,
            )
        )
    return tuple(rows)


#: Reports by (database, enterprise, as_of, limits, margins, audit-chain head): every write
#: appends to the audit chain, so a report is reused only while the records are unchanged.
_CACHE: dict[tuple[Any, ...], PlanReport] = {}
_CACHE_SIZE = 8


def make_plan(
    session: Session,
    who: Principal,
    *,
    enterprise: str | None = None,
    enterprise_id: int | None = None,
    as_of: dt.date | None = None,
    time_limit_s: float = 20.0,
    search_time_limit_s: float = 5.0,
    pushing_time_limit_s: float = 5.0,
    margins: Sequence[float] = pushing.DEFAULT_MARGINS,
    progress: Callable[[str], None] | None = None,
) -> PlanReport:
    """Build the problem, plan (with the shortfall explanation), replay, price the pushing.

    The report is cached while the records are unchanged (same audit-chain head), so the web
    page, its chart images and an adoption reuse one solve.
    """
    say = progress or (lambda _msg: None)
    say("reading records")
    inp = build_problem(
        session, who, enterprise=enterprise, enterprise_id=enterprise_id, as_of=as_of
    )
    head = session.scalar(select(m.ChainHead.last_seq).where(m.ChainHead.id == 1))
    key = (
        str(session.get_bind().engine.url),
        inp.enterprise_id,
        inp.as_of,
        time_limit_s,
        search_time_limit_s,
        pushing_time_limit_s,
        tuple(margins),
        head,
    )
    cached = _CACHE.get(key)
    if cached is not None:
        return replace(cached, inp=inp)
    say("solving the safe plan and explaining any shortfall")
    result = explained_plan(
        inp.problem, time_limit_s=time_limit_s, search_time_limit_s=search_time_limit_s
    )
    say("replaying the plan and the recorded history through the risk engine")
    replayed = replay_plan(inp, result)
    actual = replay_actual(inp)
    rows: tuple[pushing.PushingRow, ...] = ()
    if margins:
        say("pricing the pushing: planning at each load margin and replaying it")
        rows = price_of_pushing(inp, margins, time_limit_s=pushing_time_limit_s)
    report = PlanReport(inp, result, replayed, actual, rows)
    while len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = report
    return report


def chart_png(report: PlanReport, which: str) -> bytes:
    """The Gantt chart (``which="gantt"``) or the output-vs-risk chart (``"risk"``) as PNG."""
    from kilnguard.domain import plan_charts

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{which}.png"
        subtitle = f"{report.inp.enterprise}, as of {report.inp.as_of} (inputs reconstructed where labelled)"
        if which == "gantt":
            plan_charts.plot_plan_gantt(report.inp.problem, report.result, path, subtitle=subtitle)
        elif which == "risk":
            plan_charts.plot_price_of_pushing(report.pushing, path, subtitle=subtitle)
        else:
            raise ValidationError("chart", which, "must be gantt or risk")
        buf = io.BytesIO(path.read_bytes())
    return buf.getvalue()


# ------------------------------------------------------------------------------- adopt
def _require_planner(session: Session, who: Principal, enterprise_id: int) -> None:
    ids = writable_enterprise_ids(who)
    if ids is not None and enterprise_id not in ids:
        readable = readable_enterprise_ids(session, who)
        if readable is None or enterprise_id in readable:
            require_role(who, Role.MANAGER, Role.ADMIN)
        raise NotFound("enterprise", enterprise_id)
    require_role(who, Role.MANAGER, Role.ADMIN)


def adopt_plan(
    session: Session, who: Principal, report: PlanReport, *, now: dt.datetime | None = None
) -> PlanAdoption:
    """Write the plan's production and shifts as planned rows, one audit entry per row."""
    inp = report.inp
    _require_planner(session, who, inp.enterprise_id)
    r = report.result
    if not r.status.has_plan:
        raise ValidationError("plan", r.status.value, "there is no plan to adopt")
    offset = dt.timedelta(hours=inp.history.utc_offset_h)
    adoption = PlanAdoption(
        enterprise_id=inp.enterprise_id,
        as_of=inp.as_of,
        first_day=inp.problem.horizon_start,
        last_day=inp.problem.horizon_end,
        adopted_by=who.username,
        adopted_at=now or dt.datetime.now(dt.UTC),
        status=r.status.value,
        feasible=r.feasible,
        allowed_load_margin=r.allowed_load_margin,
        planned_output_t=round(r.total_output_t, 3),
        replay_worst_level=report.replay.worst_level,
        summary="\n".join(r.binding),
    )
    session.add(adoption)
    session.flush()
    rows: list[m.Base] = [adoption]
    for s in r.shifts:
        start = (s.start - offset).replace(tzinfo=dt.UTC)
        end = start + dt.timedelta(hours=s.length_h)
        rows.append(
            PlannedProduction(
                enterprise_id=inp.enterprise_id,
                adoption_id=adoption.id,
                kiln_id=int(s.kiln_id),
                day=s.day,
                shift_no=s.shift_of_day + 1,
                start_at=start,
                end_at=end,
                output_t=round(s.output_t, 3),
                load_ratio=round(s.load_ratio, 4),
            )
        )
        for w in s.worker_ids:
            rows.append(
                PlannedShift(
                    enterprise_id=inp.enterprise_id,
                    adoption_id=adoption.id,
                    worker_id=int(w),
                    crew_id=inp.worker_crews.get(w),
                    kiln_id=int(s.kiln_id),
                    start_at=start,
                    end_at=end,
                    night=s.night,
                )
            )
    session.add_all(rows[1:])
    session.flush()
    entity = {
        PlanAdoption: "plan_adoption",
        PlannedProduction: "planned_production",
        PlannedShift: "planned_shift",
    }
    for row in rows:
        audit.append(
            session,
            actor=who.username,
            action="adopt",
            entity=entity[type(row)],
            entity_id=row.id,  # type: ignore[attr-defined]
            enterprise_id=inp.enterprise_id,
            payload=record_payload(row),
        )
    return adoption
