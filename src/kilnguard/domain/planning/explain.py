"""The planner's answer when a target cannot be met safely: how much can, by when, and why not.

``plan()`` is the entry point the front ends call. It solves the CP-SAT model (with the greedy
plan as a hint), and for every unmet target adds

- ``max_safe_t``: the largest quantity makeable safely by the deadline — the planned credit
  when the target is planned alone; *proven* when it equals the capacity upper bound below or
  the solve is OPTIMAL;
- ``earliest_safe_date``: the first deadline at which the full quantity is met safely, found
  by extending the horizon: start at the capacity bound's date, solve, step forward by
  ⌈shortfall / daily capacity⌉ (a plan for a later date, cut at an earlier one, loses at most
  the daily capacity per day cut, so the step never jumps over the answer), then search
  back between the last miss and the first hit;
- ``binding``: the constraints in words with their numbers.

Capacity upper bound (arithmetic, no solver): per scope kiln, the firing days in the target
window when the kiln fires every day it may — planned stops and overdue maintenance block
days; the campaign limit forces a stop day after ``campaign_limit_days`` (firing as early as
possible maximises the firing days, an exchange argument); maintenance not yet overdue is left
out, so the bound stays an upper bound — × rating × margin. And per crew: the shifts each
qualified worker can work in the window under the rest rules, ÷ crew size, × shift output.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, replace
from datetime import date, timedelta

from kilnguard.domain.planning.anytime import OnProgress, solve_safe_plan
from kilnguard.domain.planning.greedy import greedy_plan
from kilnguard.domain.planning.previous import PreviousPlan
from kilnguard.domain.planning.problem import Kiln, PlanningProblem, Target
from kilnguard.domain.planning.result import PlanResult, PlanStatus
from kilnguard.domain.planning.solver import solve_plan

__all__ = [
    "CapacityBreakdown",
    "KilnCapacity",
    "binding_constraints",
    "capacity_bound",
    "earliest_safe_date",
    "plan",
]


@dataclass(frozen=True)
class KilnCapacity:
    """One kiln's firing days in a target window and what took the others away [d]."""

    kiln_id: str
    rated_capacity_t_per_day: float
    window_days: int
    stopped_days: int  # planned stops
    overdue_maintenance_days: int
    campaign_stop_days: int
    firing_days: int


@dataclass(frozen=True)
class CapacityBreakdown:
    """Upper bound on what the scope kilns can make safely in a target's window [t]."""

    target_id: str
    first_day: date
    last_day: date
    window_days: int
    margin: float
    kilns: tuple[KilnCapacity, ...]
    nominal_t: float  # Σ rating × margin × window days
    kiln_bound_t: float  # Σ rating × margin × firing days
    workers: int
    max_shifts_per_worker: int
    crew_kiln_shifts: int
    crew_bound_t: float

    @property
    def upper_bound_t(self) -> float:
        """min(kiln bound, crew bound) [t]."""
        return min(self.kiln_bound_t, self.crew_bound_t)


def _firing_days(problem: PlanningProblem, kiln: Kiln, days: range) -> KilnCapacity:
    blocked_stop = set(problem.stopped_days(kiln.kiln_id))
    blocked_maint: set[int] = set()
    for task in kiln.maintenance:
        if problem.is_overdue(task):
            blocked_maint.update(range(0, task.duration_days))
    run = kiln.days_run_since_stop
    firing = campaign = 0
    for d in range(days.stop):
        if d < days.start:
            run = 0  # best case: the kiln stopped just before the window opened
            continue
        if d in blocked_stop or d in blocked_maint:
            run = 0
            continue
        if run >= kiln.campaign_limit_days:
            campaign += 1
            run = 0
            continue
        run += 1
        firing += 1
    window = set(days)
    return KilnCapacity(
        kiln_id=kiln.kiln_id,
        rated_capacity_t_per_day=kiln.rated_capacity_t_per_day,
        window_days=len(days),
        stopped_days=len(blocked_stop & window),
        overdue_maintenance_days=len((blocked_maint - blocked_stop) & window),
        campaign_stop_days=campaign,
        firing_days=firing,
    )


def max_shifts_per_worker(problem: PlanningProblem, n_days: int) -> int:
    """Most shifts one worker can work in ``n_days`` days under the rest rules [shifts].

    The minimum of three independent limits: rest between shifts (one shift per window of
    ``span`` shifts), N shifts per N + 1 days, and the hours per rolling 168 h.
    """
    rules = problem.rest_rules
    spd = problem.shift_pattern.shifts_per_day
    length = problem.shift_pattern.shift_length_h
    span = 1
    while (span - 1) * length < rules.min_rest_h - 1e-9:
        span += 1
    n_shifts = n_days * spd
    by_rest = math.ceil(n_shifts / span)
    cons = rules.max_consecutive_shifts
    by_consecutive = cons * (n_days // (cons + 1)) + min(n_days % (cons + 1), cons)
    per_week = math.floor(rules.max_hours_per_7_days / length + 1e-9)
    width = 7 * spd
    by_hours = per_week * (n_shifts // width) + min(n_shifts % width, per_week)
    return min(by_rest, by_consecutive, by_hours)


def capacity_bound(problem: PlanningProblem, target: Target) -> CapacityBreakdown:
    """Arithmetic upper bound on the safe output for ``target`` by its deadline [t]."""
    days = problem.target_days(target)
    margin = problem.allowed_load_margin
    scope = [k for k in problem.kilns if k.kiln_id in target.kiln_ids]
    kilns = tuple(_firing_days(problem, k, days) for k in scope)
    nominal = sum(k.rated_capacity_t_per_day * margin * len(days) for k in scope)
    kiln_bound = sum(c.rated_capacity_t_per_day * margin * c.firing_days for c in kilns)
    staff = [w for w in problem.workers if any(w.may_operate(k) for k in scope)]
    per_worker = max_shifts_per_worker(problem, len(days))
    worker_shifts = 0
    for w in staff:
        away = sum(1 for d in w.unavailable_days if problem.day_of(d) in days)
        worker_shifts += min(per_worker, max_shifts_per_worker(problem, len(days) - away))
    min_crew = min((k.crew_size for k in scope), default=1)
    crew_kiln_shifts = worker_shifts // min_crew
    best_shift_t = max((problem.shift_cap_t(k) for k in scope), default=0.0)
    first = problem.date_of(days.start) if len(days) else target.deadline
    return CapacityBreakdown(
        target_id=target.target_id,
        first_day=first,
        last_day=target.deadline,
        window_days=len(days),
        margin=margin,
        kilns=kilns,
        nominal_t=nominal,
        kiln_bound_t=kiln_bound,
        workers=len(staff),
        max_shifts_per_worker=per_worker,
        crew_kiln_shifts=crew_kiln_shifts,
        crew_bound_t=crew_kiln_shifts * best_shift_t,
    )


def _t(x: float) -> str:
    return f"{x:,.0f} t"


def binding_constraints(
    problem: PlanningProblem, target: Target, planned_t: float
) -> tuple[str, ...]:
    """The constraints that keep ``target`` from being met safely, in words, with numbers."""
    cap = capacity_bound(problem, target)
    lines: list[str] = []
    q = target.quantity_t
    ratings = {k.rated_capacity_t_per_day for k in problem.kilns if k.kiln_id in target.kiln_ids}
    margin = "" if cap.margin == 1.0 else f" × margin {cap.margin:.2f}"
    cmp = "<" if cap.nominal_t < q else "≥"
    if len(ratings) == 1:
        rating = next(iter(ratings))
        lines.append(
            f"kiln capacity: {len(cap.kilns)} kilns × {rating:,.0f} t/day{margin} × "
            f"{cap.window_days} days ({cap.first_day}..{cap.last_day}) = {_t(cap.nominal_t)} "
            f"{cmp} {_t(q)}"
        )
    else:
        total = sum(ratings_k.rated_capacity_t_per_day for ratings_k in cap.kilns)
        lines.append(
            f"kiln capacity: {len(cap.kilns)} kilns, {total:,.0f} t/day together{margin} × "
            f"{cap.window_days} days ({cap.first_day}..{cap.last_day}) = {_t(cap.nominal_t)} "
            f"{cmp} {_t(q)}"
        )
    for kiln in problem.kilns:
        if kiln.kiln_id not in target.kiln_ids:
            continue
        for task in kiln.maintenance:
            window = problem.maintenance_window(task)
            if window is None or window[0] > problem.day_of(target.deadline):
                continue
            lost = task.duration_days * kiln.rated_capacity_t_per_day * cap.margin
            when = (
                f"overdue since {task.due_on}, scheduled first"
                if task.due_on < problem.horizon_start
                else f"due {task.due_on}"
            )
            lines.append(
                f"{task.name} of kiln {kiln.kiln_id} ({when}) needs {task.duration_days} days "
                f"before {target.deadline}: {task.duration_days} d × "
                f"{kiln.rated_capacity_t_per_day:,.0f} t/day = {_t(lost)} not fired"
            )
    for kc in cap.kilns:
        if kc.stopped_days:
            lines.append(
                f"planned stops of kiln {kc.kiln_id}: {kc.stopped_days} days × "
                f"{kc.rated_capacity_t_per_day:,.0f} t/day = "
                f"{_t(kc.stopped_days * kc.rated_capacity_t_per_day * cap.margin)} not fired"
            )
        if kc.campaign_stop_days:
            kiln = problem.kiln(kc.kiln_id)
            lines.append(
                f"campaign limit of kiln {kc.kiln_id}: at most {kiln.campaign_limit_days} "
                f"firing days in a row ({kiln.days_run_since_stop} already run), so "
                f"≥ {kc.campaign_stop_days} stop days = "
                f"{_t(kc.campaign_stop_days * kc.rated_capacity_t_per_day * cap.margin)} "
                f"not fired"
            )
    if cap.crew_bound_t < min(q, cap.kiln_bound_t) + 1e-6:
        length = problem.shift_pattern.shift_length_h
        rules = problem.rest_rules
        lines.append(
            f"crew availability: {cap.workers} qualified workers × ≤ "
            f"{cap.max_shifts_per_worker} shifts each in {cap.window_days} days (rest ≥ "
            f"{rules.min_rest_h:g} h, ≤ {rules.max_consecutive_shifts} shifts in "
            f"{rules.max_consecutive_shifts + 1} days, ≤ {rules.max_hours_per_7_days:g} h per "
            f"7 days at {length:g} h shifts) = {cap.crew_kiln_shifts:,} crewed kiln-shifts = "
            f"{_t(cap.crew_bound_t)} < {_t(min(q, cap.kiln_bound_t))}"
        )
    lines.append(
        f"safe maximum by {target.deadline}: {_t(planned_t)} of {_t(q)} "
        f"(shortfall {_t(q - planned_t)}); upper bound from the rules above "
        f"{_t(cap.upper_bound_t)}"
    )
    rate = sum(
        k.rated_capacity_t_per_day * cap.margin
        for k in problem.kilns
        if k.kiln_id in target.kiln_ids
    )
    if cap.window_days and rate > 0:
        lines.append(
            f"target pressure: {_t(q)} in {cap.window_days} days needs "
            f"{q / cap.window_days:,.1f} t/day = {q / cap.window_days / rate:.2f} × the "
            f"{rate:,.0f} t/day the kilns make within rating"
        )
    return tuple(lines)


def _single_target(problem: PlanningProblem, target: Target, deadline: date) -> PlanningProblem:
    """The problem with ``target`` alone, its deadline moved, the horizon ending there."""
    return replace(
        problem,
        horizon_days=max(1, (deadline - problem.horizon_start).days + 1),
        targets=(replace(target, deadline=deadline),),
    )


def _met_by(
    problem: PlanningProblem, target: Target, deadline: date, time_limit_s: float
) -> tuple[bool, float, bool]:
    """(met, planned_t, proven) for ``target`` alone with deadline ``deadline``."""
    sub = _single_target(problem, target, deadline)
    greedy = greedy_plan(sub)
    if greedy.targets[0].met:
        return True, greedy.targets[0].planned_t, True
    cap = capacity_bound(sub, sub.targets[0])
    if cap.upper_bound_t < target.quantity_t - 1e-6:
        return False, min(cap.upper_bound_t, target.quantity_t), True
    result = solve_plan(sub, time_limit_s=time_limit_s, hint=greedy)
    if not result.status.has_plan:
        return False, 0.0, False
    outcome = result.targets[0]
    return outcome.met, outcome.planned_t, result.status is PlanStatus.OPTIMAL


def earliest_safe_date(
    problem: PlanningProblem,
    target: Target,
    *,
    time_limit_s: float = 5.0,
    max_days: int = 1100,
) -> tuple[date | None, bool]:
    """First deadline by which ``target`` alone is met in full within every safety rule.

    Returns (date or None if not within ``max_days`` of the horizon start, proven): proven
    when every "not met" on the way was proven (capacity bound or OPTIMAL solve).
    """
    scope = [k for k in problem.kilns if k.kiln_id in target.kiln_ids]
    daily = sum(k.rated_capacity_t_per_day * problem.allowed_load_margin for k in scope)
    if daily <= 0:
        return None, True
    start = max(problem.horizon_start, target.entered_on)
    limit = problem.horizon_start + timedelta(days=max_days)
    # Capacity bound: the first date whose bound reaches the quantity.
    days_at_full_rate = math.ceil(target.quantity_t / daily)
    candidate = max(target.deadline, start + timedelta(days=days_at_full_rate - 1))
    proven = True
    last_miss: date | None = None
    while candidate <= limit:
        cap = capacity_bound(
            _single_target(problem, target, candidate), replace(target, deadline=candidate)
        )
        if cap.upper_bound_t < target.quantity_t - 1e-6:
            last_miss = candidate
            step = math.ceil((target.quantity_t - cap.upper_bound_t) / daily)
            candidate += timedelta(days=max(1, step))
            continue
        met, planned, was_proven = _met_by(problem, target, candidate, time_limit_s)
        if met:
            break
        proven = proven and was_proven
        last_miss = candidate
        candidate += timedelta(days=max(1, math.ceil((target.quantity_t - planned) / daily)))
    else:
        return None, proven
    # Search back between the last miss and the first hit.
    lo = last_miss if last_miss is not None else target.deadline
    hi = candidate
    while (hi - lo).days > 1:
        mid = lo + timedelta(days=(hi - lo).days // 2)
        met, _planned, was_proven = _met_by(problem, target, mid, time_limit_s)
        if met:
            hi = mid
        else:
            proven = proven and was_proven
            lo = mid
    return hi, proven


def plan(
    problem: PlanningProblem,
    *,
    time_limit_s: float = 20.0,
    search_time_limit_s: float = 5.0,
    max_search_days: int = 1100,
    explain: bool = True,
    on_progress: OnProgress | None = None,
    cancel: threading.Event | None = None,
    previous: PreviousPlan | None = None,
) -> PlanResult:
    """Plan safely; if a target cannot be met, say how much can, by when, and why.

    The plan itself is the best checked plan found in ``time_limit_s`` over all targets:
    greedy first, then improved, never worse (:func:`~.anytime.solve_safe_plan`, which
    reports ``on_progress``, stops on ``cancel`` and starts from ``previous``, the adopted plan,
    where it is still feasible). For each unmet target the explanation
    plans it alone (so ``max_safe_t`` is what the kilns could give that target if it had
    priority), earliest deadline first.
    """
    result = solve_safe_plan(
        problem, time_limit_s, on_progress=on_progress, cancel=cancel, previous=previous
    )
    if not explain or not result.status.has_plan or result.feasible:
        return result
    max_safe: dict[str, float] = {}
    max_proven: dict[str, bool] = {}
    earliest: dict[str, date | None] = {}
    earliest_proven: dict[str, bool] = {}
    binding: list[str] = []
    for outcome in sorted(result.targets, key=lambda o: (o.deadline, o.target_id)):
        if outcome.met:
            continue
        target = next(t for t in problem.targets if t.target_id == outcome.target_id)
        if len(problem.targets) == 1:
            planned, proven = outcome.planned_t, result.status is PlanStatus.OPTIMAL
        else:
            sub = replace(problem, targets=(target,))
            alone = solve_safe_plan(sub, search_time_limit_s, cancel=cancel)
            planned = alone.targets[0].planned_t if alone.status.has_plan else 0.0
            proven = alone.status is PlanStatus.OPTIMAL
            planned = max(planned, outcome.planned_t)
        bound = capacity_bound(problem, target).upper_bound_t
        max_safe[target.target_id] = planned
        max_proven[target.target_id] = proven or planned >= bound - 1e-6
        when, when_proven = earliest_safe_date(
            problem, target, time_limit_s=search_time_limit_s, max_days=max_search_days
        )
        earliest[target.target_id] = when
        earliest_proven[target.target_id] = when_proven
        binding.extend(binding_constraints(problem, target, planned))
        binding.append(
            f"earliest safe date for the full {_t(target.quantity_t)}: "
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
