"""The planning problem of an enterprise, built from its stored records as they stood on a day.

:func:`build_problem` turns an enterprise's stored records, as known on ``as_of``, into a
domain :class:`~kilnguard.domain.planning.PlanningProblem` for the days after ``as_of``: kilns
(rating, lining damage from the risk replay on ``as_of``, campaign limit and days run since
the last planned stop), the safety-critical maintenance open on ``as_of`` (overdue work is
scheduled first by the domain), planned stops, the open targets with what is still to make,
and the workers with their qualifications and crews.

``as_of`` default (:func:`default_as_of`): the day the most recent *additional* target was
entered — the planner's question is asked the day a target arrives — else the last day with a
production record. Records dated after ``as_of`` are never read (:mod:`.history`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kilnguard.config import env_number
from kilnguard.domain import planning as dp
from kilnguard.domain.errors import NotFound, ValidationError
from kilnguard.domain.plant import Protects
from kilnguard.services import access
from kilnguard.services import risk as risk_svc
from kilnguard.services.access import Principal
from kilnguard.services.planning.history import crew_sizes, records_as_of, rest_carry_in
from kilnguard.store import models as m

__all__ = [
    "DEFAULT_CREW_SIZE",
    "MIN_HORIZON_DAYS",
    "PlanningInput",
    "build_problem",
    "default_as_of",
]

#: Workers per kiln-shift when the roster before ``as_of`` shows none for the kiln [workers].
DEFAULT_CREW_SIZE = 2

#: Setting: most lining damage a kiln may end the horizon with [-] (Miner, 1 = design life
#: used); unset = wear reported, not constrained.
MAX_WEAR_DAMAGE_SETTING = "KILNGUARD_PLAN_MAX_WEAR_DAMAGE"


def max_wear_damage() -> float | None:
    """The wear limit of ``KILNGUARD_PLAN_MAX_WEAR_DAMAGE`` (None when unset)."""
    if not os.environ.get(MAX_WEAR_DAMAGE_SETTING, "").strip():
        return None
    return env_number(MAX_WEAR_DAMAGE_SETTING, 1.0, unit="(lining damage)", above=True)


#: Shortest horizon planned when no open target sets one [d].
MIN_HORIZON_DAYS = 28


@dataclass(frozen=True)
class PlanningInput:
    """The problem and the database facts needed to replay, show and adopt its plans."""

    problem: dp.PlanningProblem
    as_of: dt.date
    enterprise_id: int
    enterprise: str
    history: risk_svc.LoadedHistory
    kiln_rows: dict[str, m.Kiln]
    target_rows: dict[str, m.Target]
    worker_crews: dict[str, int | None]
    task_orders: dict[str, int]  # planner task id → work order id
    notes: tuple[str, ...] = ()


# ------------------------------------------------------------------------------- as_of
def _enterprise_kilns(
    session: Session,
    who: Principal,
    *,
    enterprise: str | None = None,
    enterprise_id: int | None = None,
) -> list[m.Kiln]:
    """The kilns of one enterprise `who` may read: by id, or by (a part of) its name."""
    if enterprise_id is not None:
        access.require_readable_enterprise(session, who, enterprise_id)
        kilns = [
            k for k in risk_svc.readable_kilns(session, who) if k.enterprise_id == enterprise_id
        ]
        if not kilns:
            raise NotFound("enterprise", enterprise_id)
        return kilns
    kilns = risk_svc.readable_kilns(session, who, enterprise=enterprise)
    if not kilns:
        raise NotFound("enterprise", enterprise or "")
    named = {k.enterprise_id for k in kilns}
    if len(named) > 1:
        names = [e.name for e in access.readable_enterprises(session, who) if e.id in named]
        raise ValidationError(
            "enterprise",
            enterprise or "",
            "names more than one enterprise: " + ", ".join(sorted(names)),
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
            m.ProductionRecord.enterprise_id == enterprise_id,
            m.ProductionRecord.voided_at.is_(None),
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


def _open_targets(
    session: Session,
    kilns: Sequence[m.Kiln],
    history: risk_svc.LoadedHistory,
    as_of: dt.date,
    notes: list[str],
) -> tuple[list[dp.Target], dict[str, m.Target]]:
    """Open targets with what is still to make by their deadlines (met ones become notes)."""
    horizon_start = as_of + dt.timedelta(days=1)
    sid = {k.id: str(k.id) for k in kilns}
    by_section: dict[int, set[str]] = defaultdict(set)
    for k in kilns:
        if k.section_id is not None:
            by_section[k.section_id].add(sid[k.id])
    produced: dict[tuple[str, dt.date], float] = defaultdict(float)
    for p in history.records.production:
        if p.day <= as_of:
            produced[(p.kiln_id, p.day)] += p.output_t
    targets: list[dp.Target] = []
    target_rows: dict[str, m.Target] = {}
    for t in session.scalars(
        select(m.Target)
        .where(m.Target.enterprise_id == kilns[0].enterprise_id, m.Target.voided_at.is_(None))
        .order_by(m.Target.deadline)
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
        target = dp.Target(
            target_id=str(t.id),
            quantity_t=remaining,
            deadline=t.deadline,
            kiln_ids=frozenset(scope),
            entered_on=max(t.entered_on, horizon_start),
        )
        targets.append(target)
        target_rows[target.target_id] = t
    return targets, target_rows


def _open_maintenance(
    session: Session,
    kilns: Sequence[m.Kiln],
    as_of: dt.date,
    horizon_end: dt.date,
    notes: list[str],
) -> tuple[dict[int, list[dp.MaintenanceTask]], dict[str, int]]:
    """Safety-critical work orders open on ``as_of`` and due within the horizon, per kiln, and
    the work order of each planner task; recurrences not yet issued become notes."""
    ids = [k.id for k in kilns]
    plans = {
        p.id: p
        for p in session.scalars(
            select(m.MaintenancePlan).where(
                m.MaintenancePlan.kiln_id.in_(ids),
                m.MaintenancePlan.safety_critical,
                m.MaintenancePlan.voided_at.is_(None),
            )
        )
    }
    tasks: dict[int, list[dp.MaintenanceTask]] = defaultdict(list)
    task_orders: dict[str, int] = {}
    last_due: dict[int, dt.date] = {}
    for wo in session.scalars(
        select(m.WorkOrder)
        .where(
            m.WorkOrder.kiln_id.in_(ids),
            m.WorkOrder.safety_critical,
            m.WorkOrder.voided_at.is_(None),
        )
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
            dp.MaintenanceTask(
                task_id=task_id,
                name=_short_task(wo.task),
                duration_days=max(1, duration),
                due_on=due,
                # a reline is what the plan says it protects, never guessed from the words
                resets_wear=plan is not None and plan.protects == Protects.LINING.value,
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
    return tasks, task_orders


def _workers(
    session: Session,
    kilns: Sequence[m.Kiln],
    blocked: dict[str, frozenset[dt.date]],
) -> tuple[list[dp.Worker], dict[str, int | None]]:
    """Workers qualified for at least one of the kilns' kinds, and each worker's crew id."""
    kinds = {k.kind for k in kilns}
    workers: list[dp.Worker] = []
    worker_crews: dict[str, int | None] = {}
    for w in session.scalars(
        select(m.Worker)
        .where(m.Worker.enterprise_id == kilns[0].enterprise_id)
        .order_by(m.Worker.id)
    ):
        quals = frozenset(q.strip() for q in w.qualifications.split(",") if q.strip())
        if not quals & kinds:
            continue
        wid = str(w.id)
        workers.append(
            dp.Worker(
                worker_id=wid,
                crew=str(w.crew_id) if w.crew_id is not None else f"w{w.id}",
                qualified_kinds=quals,
                unavailable_days=blocked.get(wid, frozenset()),
            )
        )
        worker_crews[wid] = w.crew_id
    return workers, worker_crews


def build_problem(
    session: Session,
    who: Principal,
    *,
    enterprise: str | None = None,
    enterprise_id: int | None = None,
    as_of: dt.date | None = None,
    rest_rules: dp.RestRules | None = None,
    shift_pattern: dp.ShiftPattern | None = None,
    allowed_load_margin: float = 1.0,
) -> PlanningInput:
    """The planning problem of an enterprise for the days after ``as_of`` (see module doc)."""
    kilns = _enterprise_kilns(session, who, enterprise=enterprise, enterprise_id=enterprise_id)
    ent = access.get_readable(session, who, m.Enterprise, kilns[0].enterprise_id)
    if as_of is None:
        as_of = default_as_of(session, ent.id)
    rules = rest_rules or dp.RestRules()
    pattern = shift_pattern or dp.ShiftPattern()
    history = risk_svc.load_history(session, kilns)
    horizon_start = as_of + dt.timedelta(days=1)
    notes: list[str] = []

    # lining damage and days since the last planned stop, from the risk replay on as_of
    known = risk_svc.LoadedHistory(
        records_as_of(history.records, as_of, history.utc_offset_h),
        min(history.start, as_of),
        as_of,
        history.utc_offset_h,
        history.kiln_rows,
        history.enterprise_names,
    )
    state = risk_svc.replay(known)

    targets, target_rows = _open_targets(session, kilns, history, as_of, notes)
    last_deadline = max((t.deadline for t in targets), default=horizon_start)
    horizon_days = max(MIN_HORIZON_DAYS, (last_deadline - horizon_start).days + 1)
    horizon_end = horizon_start + dt.timedelta(days=horizon_days - 1)
    tasks, task_orders = _open_maintenance(session, kilns, as_of, horizon_end, notes)

    crew = crew_sizes(session, kilns, as_of, history.utc_offset_h)
    planner_kilns: list[dp.Kiln] = []
    wear_limit = max_wear_damage()
    for i, k in enumerate(kilns):
        damage = float(state.wear_damage[i, -1]) if known.end == as_of else 0.0
        run = int(state.continuous_days[i, -1])
        fired_today = float(state.inputs.output_t[i, -1]) > 0
        planner_kilns.append(
            dp.Kiln(
                kiln_id=str(k.id),
                name=k.name,
                kind=k.kind,
                rated_capacity_t_per_day=k.rated_capacity_t_per_day,
                crew_size=crew.get(k.id, DEFAULT_CREW_SIZE),
                wear_damage=min(10.0, max(0.0, damage)),
                lining_design_life_days=float(k.lining_design_life_days or 365),
                campaign_limit_days=max(1, k.campaign_limit_days),
                days_run_since_stop=max(0, run) if fired_today else 0,
                maintenance=tuple(sorted(tasks.get(k.id, []), key=lambda t: (t.due_on, t.task_id))),
                max_wear_damage=wear_limit,
            )
        )
    stops = tuple(
        dp.PlannedStop(
            str(s.kiln_id),
            max(s.start_on, horizon_start),
            min(s.end_on, horizon_end),
            s.reason or "planned stop",
        )
        for s in session.scalars(
            select(m.PlannedStop).where(
                m.PlannedStop.kiln_id.in_([k.id for k in kilns]), m.PlannedStop.voided_at.is_(None)
            )
        )
        if s.end_on >= horizon_start and s.start_on <= horizon_end
    )
    blocked = rest_carry_in(
        history.records.shifts, horizon_start, history.utc_offset_h, rules, pattern
    )
    workers, worker_crews = _workers(session, kilns, blocked)
    problem = dp.PlanningProblem(
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
        enterprise_id=ent.id,
        enterprise=ent.name,
        history=history,
        kiln_rows={str(k.id): k for k in kilns},
        target_rows=target_rows,
        worker_crews=worker_crews,
        task_orders=task_orders,
        notes=tuple(notes),
    )
