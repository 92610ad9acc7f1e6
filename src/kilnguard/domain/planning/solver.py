"""CP-SAT model of the safe production plan, built from small named constraint units.

Layout after PyJobShop ``solvers/ortools/CPModel.py`` (variables → constraints → objective)
and cpsat-primer ``nurserostering/modules.py`` (one unit per rule, docstring states the rule).
Every rule here is *hard*: a plan the solver returns never breaks one. The only soft terms are
in the objective — unmet tonnes (weighted by deadline), tonnes above rating (when the allowed
margin is above 100 %) and fatigue-relevant shifts — so an unmeetable target yields a plan
with a shortfall, never an exception.

Integer scaling: a kiln-shift's output is an integer number of *output units* of
``1 / (100 × shifts_per_day)`` t, so that rating × margin × (shift length / 24 h) is exact in
units: a 40 t/d kiln at margin 1.00 makes ≤ 4,000 units = 13.333 t per 8 h shift and
exactly 40 t per day.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from ortools.sat.python import cp_model

from kilnguard.domain.planning.problem import PlanningProblem
from kilnguard.domain.planning.result import (
    MaintenanceSlot,
    PlanResult,
    PlanStatus,
    ShiftAssignment,
    TargetOutcome,
)

__all__ = [
    "OUTPUT_UNITS_PER_T_PER_DAY",
    "SHORTFALL_WEIGHT",
    "PlanModelInvalid",
    "map_status",
    "solve_plan",
    "target_weight",
]

#: Output units per (t/d of rating): a shift's unit is 1 / (100 × shifts_per_day) t.
OUTPUT_UNITS_PER_T_PER_DAY = 100
#: Objective weight of one unit of shortfall (per deadline weight). Large against the
#: fatigue (≤ 2 per worker-shift) and overload (1 per unit) terms, so tonnes for targets come
#: first, then staying at rating, then the fewest and least night shifts.
SHORTFALL_WEIGHT = 1000
_Expr = cp_model.LinearExpr | int

#: Objective weight of one worker-shift, and of the extra cost of it being a night shift.
SHIFT_WEIGHT = 1
NIGHT_WEIGHT = 1


class PlanModelInvalid(RuntimeError):
    """CP-SAT rejected the model (MODEL_INVALID): a bug in the planner, never a user error."""


def map_status(status: cp_model.CpSolverStatus | int) -> PlanStatus:
    """Map a CP-SAT status to :class:`PlanStatus`, explicitly and exhaustively.

    MODEL_INVALID raises :class:`PlanModelInvalid` (a bug must not pass as "no plan");
    UNKNOWN (time limit before any solution) is TIMEOUT, which is *not* INFEASIBLE.
    """
    if status == cp_model.OPTIMAL:
        return PlanStatus.OPTIMAL
    if status == cp_model.FEASIBLE:
        return PlanStatus.FEASIBLE
    if status == cp_model.INFEASIBLE:
        return PlanStatus.INFEASIBLE
    if status == cp_model.UNKNOWN:
        return PlanStatus.TIMEOUT
    if status == cp_model.MODEL_INVALID:
        raise PlanModelInvalid("CP-SAT status MODEL_INVALID")
    raise PlanModelInvalid(f"unexpected CP-SAT status {status!r}")


def overload_tiers(rated_units: int, cap_units: int) -> list[tuple[int, int]]:
    """Tiers of output above rating: (lower edge, width) in units, each 25 % of rating wide.

    Each unit above a tier's lower edge costs 2**i more (tier i), so the marginal cost of a unit
    is 1, 3, 7, … — convex: a plan that must exceed the rating spreads the excess over many
    shifts instead of driving a few to the margin.
    """
    step = max(1, rated_units // 4)
    tiers = []
    low = rated_units
    while low < cap_units:
        tiers.append((low, min(step, cap_units - low)))
        low += step
    return tiers


def target_weight(problem: PlanningProblem, deadline_day: int) -> int:
    """Deadline weight of a target [-]: 1 + whole weeks before the latest deadline.

    Earlier deadlines weigh more, so when the kilns cannot serve every target the earliest
    is served first (earliest-due-date priority).
    """
    latest = max((problem.day_of(t.deadline) for t in problem.targets), default=0)
    return 1 + max(0, latest - deadline_day) // 7


# --------------------------------------------------------------------------------------------
# Variables
# --------------------------------------------------------------------------------------------
@dataclass
class _Variables:
    """Decision variables, indexed by kiln index ``k``, shift ``t``, worker index ``w``."""

    run: list[list[cp_model.IntVar]]
    out: list[list[cp_model.IntVar]]
    assign: dict[tuple[int, int, int], cp_model.IntVar]  # (w, k, t)
    works: dict[tuple[int, int], cp_model.IntVar]  # (w, t) -> 0/1 expression
    start: dict[str, dict[int, cp_model.IntVar]]  # task_id -> start day -> literal
    credited: list[cp_model.IntVar]  # per target, units
    shortfall: list[cp_model.IntVar]
    overload: list[cp_model.IntVar] = field(default_factory=list)


@dataclass
class _Context:
    problem: PlanningProblem
    model: cp_model.CpModel
    vars: _Variables
    cap_units: list[int]  # per kiln, per shift, at the allowed margin
    rated_units: list[int]  # per kiln, per shift, at 100 %
    qty_units: list[int]  # per target

    @property
    def spd(self) -> int:
        return self.problem.shift_pattern.shifts_per_day

    def shifts_of_day(self, day: int) -> range:
        return range(day * self.spd, (day + 1) * self.spd)


def _build_variables(problem: PlanningProblem, model: cp_model.CpModel) -> _Context:
    spd = problem.shift_pattern.shifts_per_day
    n = problem.n_shifts
    cap_units = [
        math.floor(
            k.rated_capacity_t_per_day * problem.allowed_load_margin * OUTPUT_UNITS_PER_T_PER_DAY
            + 1e-9
        )
        for k in problem.kilns
    ]
    rated_units = [
        math.floor(k.rated_capacity_t_per_day * OUTPUT_UNITS_PER_T_PER_DAY + 1e-9)
        for k in problem.kilns
    ]
    run = [[model.new_bool_var(f"run[{k.kiln_id},{t}]") for t in range(n)] for k in problem.kilns]
    out = [
        [model.new_int_var(0, cap_units[ki], f"out[{k.kiln_id},{t}]") for t in range(n)]
        for ki, k in enumerate(problem.kilns)
    ]
    assign: dict[tuple[int, int, int], cp_model.IntVar] = {}
    works: dict[tuple[int, int], cp_model.IntVar] = {}
    for wi, worker in enumerate(problem.workers):
        kilns = [ki for ki, k in enumerate(problem.kilns) if worker.may_operate(k)]
        if not kilns:
            continue
        for t in range(n):
            lits = []
            for ki in kilns:
                lit = model.new_bool_var(f"x[{worker.worker_id},{problem.kilns[ki].kiln_id},{t}]")
                assign[(wi, ki, t)] = lit
                lits.append(lit)
            if len(lits) == 1:
                works[(wi, t)] = lits[0]
            else:
                y = model.new_bool_var(f"works[{worker.worker_id},{t}]")
                model.add(y == sum(lits))
                works[(wi, t)] = y
    start: dict[str, dict[int, cp_model.IntVar]] = {}
    for kiln in problem.kilns:
        for task in kiln.maintenance:
            window = problem.maintenance_window(task)
            if window is None:
                continue
            first, last = window
            start[task.task_id] = {
                d: model.new_bool_var(f"start[{task.task_id},{d}]") for d in range(first, last + 1)
            }
    qty_units = [
        math.ceil(t.quantity_t * OUTPUT_UNITS_PER_T_PER_DAY * spd - 1e-6) for t in problem.targets
    ]
    credited = [
        model.new_int_var(0, q, f"credited[{t.target_id}]")
        for t, q in zip(problem.targets, qty_units, strict=True)
    ]
    shortfall = [
        model.new_int_var(0, q, f"shortfall[{t.target_id}]")
        for t, q in zip(problem.targets, qty_units, strict=True)
    ]
    variables = _Variables(run, out, assign, works, start, credited, shortfall)
    return _Context(problem, model, variables, cap_units, rated_units, qty_units)


# --------------------------------------------------------------------------------------------
# Constraint units: one per rule
# --------------------------------------------------------------------------------------------
def output_within_rating(ctx: _Context) -> None:
    """A kiln-shift produces nothing unless fired, and at most rating × margin × L / 24 h.

    Source: SOURCES §2.1 — refractory wear is proportional to throughput, so the rating
    (× the allowed margin, default 1.00) is the safe ceiling for every shift.
    """
    for ki, _kiln in enumerate(ctx.problem.kilns):
        for t in range(ctx.problem.n_shifts):
            ctx.model.add(ctx.vars.out[ki][t] <= ctx.cap_units[ki] * ctx.vars.run[ki][t])


def crew_required(ctx: _Context) -> None:
    """A kiln fires in a shift only with exactly ``crew_size`` qualified, posted workers.

    Qualification is enforced by construction: assignment variables exist only for workers
    whose ``qualified_kinds`` contain the kiln's kind and who are posted to it.
    """
    crews: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    for (_wi, ki, t), lit in ctx.vars.assign.items():
        crews.setdefault((ki, t), []).append(lit)
    for ki, kiln in enumerate(ctx.problem.kilns):
        for t in range(ctx.problem.n_shifts):
            crew = crews.get((ki, t), [])
            ctx.model.add(sum(crew) == kiln.crew_size * ctx.vars.run[ki][t])


def worker_availability(ctx: _Context) -> None:
    """No shift may start on a day the worker is unavailable (leave, sickness, training)."""
    for wi, worker in enumerate(ctx.problem.workers):
        for day_date in worker.unavailable_days:
            d = ctx.problem.day_of(day_date)
            if not 0 <= d < ctx.problem.horizon_days:
                continue
            for t in ctx.shifts_of_day(d):
                if (wi, t) in ctx.vars.works:
                    ctx.model.add(ctx.vars.works[(wi, t)] == 0)


def rest_between_shifts(ctx: _Context) -> None:
    """At least ``min_rest_h`` between the end of one shift and the start of the next.

    EU 2003/88/EC Art 3 [V]. With shift length L, shifts t and t + j (j ≥ 1) leave
    (j − 1)·L hours of rest, so a worker works at most one shift in every window of
    J + 1 consecutive shifts, J = the largest j with (j − 1)·L < min rest. The same window
    also forbids two kilns in one shift.
    """
    length = ctx.problem.shift_pattern.shift_length_h
    span = 1
    while (span - 1) * length < ctx.problem.rest_rules.min_rest_h - 1e-9:
        span += 1
    # span = smallest allowed gap j; window of `span` consecutive shifts holds ≤ 1 shift.
    n = ctx.problem.n_shifts
    for wi, _worker in enumerate(ctx.problem.workers):
        if (wi, 0) not in ctx.vars.works:
            continue
        for t in range(n):
            window = [ctx.vars.works[(wi, u)] for u in range(t, min(n, t + span))]
            ctx.model.add(sum(window) <= 1)


def _prefix(ctx: _Context, terms: Sequence[_Expr], name: str) -> list[cp_model.IntVar]:
    """Prefix sums P[i] = Σ terms[:i] as integer variables, so any window is P[b] − P[a]."""
    prefix: list[cp_model.IntVar] = [ctx.model.new_constant(0)]
    for i, term in enumerate(terms):
        p = ctx.model.new_int_var(0, i + 1, f"{name}[{i + 1}]")
        ctx.model.add(p == prefix[-1] + term)
        prefix.append(p)
    return prefix


def _worker_days(ctx: _Context, wi: int) -> list[_Expr]:
    return [
        sum(ctx.vars.works[(wi, t)] for t in ctx.shifts_of_day(d))
        for d in range(ctx.problem.horizon_days)
    ]


def consecutive_shifts(ctx: _Context) -> None:
    """At most N shifts in any N + 1 consecutive calendar days (N = max consecutive shifts).

    HSE HSG256 "≤ 5–7 consecutive work days" and EU 2003/88/EC Art 5 weekly rest [V]. This
    guarantees a day off after N working days in a row (the checker tests the run length).
    """
    limit = ctx.problem.rest_rules.max_consecutive_shifts
    days = ctx.problem.horizon_days
    for wi, worker in enumerate(ctx.problem.workers):
        if (wi, 0) not in ctx.vars.works or days <= limit:
            continue
        prefix = _prefix(ctx, _worker_days(ctx, wi), f"days[{worker.worker_id}]")
        for d in range(days - limit):
            ctx.model.add(prefix[d + limit + 1] - prefix[d] <= limit)


def consecutive_nights(ctx: _Context) -> None:
    """At most M night shifts in any M + 1 consecutive days (M = max consecutive nights).

    HSE HSG256 "≤ 3–4 successive nights" [V]; night shift as defined in :class:`RestRules`.
    """
    limit = ctx.problem.rest_rules.max_consecutive_nights
    problem = ctx.problem
    night_within = [
        s for s in range(ctx.spd) if problem.shift_pattern.is_night(s, problem.rest_rules)
    ]
    if not night_within:
        return
    days = problem.horizon_days
    for wi, worker in enumerate(problem.workers):
        if (wi, 0) not in ctx.vars.works or days <= limit:
            continue
        nights = [
            sum(ctx.vars.works[(wi, d * ctx.spd + s)] for s in night_within) for d in range(days)
        ]
        prefix = _prefix(ctx, nights, f"nights[{worker.worker_id}]")
        for d in range(days - limit):
            ctx.model.add(prefix[d + limit + 1] - prefix[d] <= limit)


def hours_per_7_days(ctx: _Context) -> None:
    """At most ``max_hours_per_7_days`` hours in every rolling 168 h window.

    EU 2003/88/EC Art 6 [V] (there an average; here every window — stricter). Windows start at
    every shift start and span 7 × shifts_per_day shifts, exactly 168 h.
    """
    length = ctx.problem.shift_pattern.shift_length_h
    max_shifts = math.floor(ctx.problem.rest_rules.max_hours_per_7_days / length + 1e-9)
    width = 7 * ctx.spd
    n = ctx.problem.n_shifts
    if max_shifts >= width:
        return
    for wi, worker in enumerate(ctx.problem.workers):
        if (wi, 0) not in ctx.vars.works:
            continue
        terms = [ctx.vars.works[(wi, t)] for t in range(n)]
        if n <= max_shifts:
            continue
        prefix = _prefix(ctx, terms, f"shifts[{worker.worker_id}]")
        for t in range(max(1, n - width + 1)):
            ctx.model.add(prefix[min(n, t + width)] - prefix[t] <= max_shifts)


def maintenance_windows(ctx: _Context) -> None:
    """Every due task is placed once, finishing by its due date (overdue: from day 0), and the
    kiln does not fire on any day of the task.

    SOURCES §2.6 / §5.2: an overdue barrier's failure probability keeps growing while it is
    deferred, so overdue work is scheduled first. Tasks may overlap one another (the kiln is
    cold for all of them).
    """
    problem = ctx.problem
    for ki, kiln in enumerate(problem.kilns):
        for task in kiln.maintenance:
            starts = ctx.vars.start.get(task.task_id)
            if starts is None:
                continue
            ctx.model.add_exactly_one(starts.values())
            for d0, lit in starts.items():
                for d in range(d0, min(problem.horizon_days, d0 + task.duration_days)):
                    for t in ctx.shifts_of_day(d):
                        ctx.model.add_implication(lit, ~ctx.vars.run[ki][t])


def planned_stops(ctx: _Context) -> None:
    """A kiln does not fire on the days of its planned stops."""
    for ki, kiln in enumerate(ctx.problem.kilns):
        for d in ctx.problem.stopped_days(kiln.kiln_id):
            for t in ctx.shifts_of_day(d):
                ctx.model.add(ctx.vars.run[ki][t] == 0)


def campaign_limit(ctx: _Context) -> None:
    """A kiln fires on at most ``campaign_limit_days`` consecutive days, then stops a full day.

    A day counts as fired if any shift fires. The first stop must come within
    ``campaign_limit_days − days_run_since_stop`` days (day 0 if the limit is already used up).
    Continuous operation without a stop was the Komusan pattern (SCENARIOS A).
    """
    problem = ctx.problem
    days = problem.horizon_days
    for ki, kiln in enumerate(problem.kilns):
        limit = kiln.campaign_limit_days
        fired = []
        for d in range(days):
            f = ctx.model.new_bool_var(f"fired[{kiln.kiln_id},{d}]")
            for t in ctx.shifts_of_day(d):
                ctx.model.add_implication(ctx.vars.run[ki][t], f)
            fired.append(f)
        first_window = max(0, limit - kiln.days_run_since_stop) + 1  # days 0..first_window-1
        if first_window <= days:
            ctx.model.add(sum(fired[:first_window]) <= first_window - 1)
        for d in range(max(0, days - limit)):
            ctx.model.add(sum(fired[d : d + limit + 1]) <= limit)


def target_accounting(ctx: _Context) -> None:
    """Each target is credited with output of its scope kilns made from its entry date through
    its deadline; a kiln-day's output is credited to at most one target in total (no double
    counting when scopes overlap); credit never exceeds the quantity.
    """
    problem = ctx.problem
    claims: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    kiln_index = {k.kiln_id: ki for ki, k in enumerate(problem.kilns)}
    for j, target in enumerate(problem.targets):
        allocated = []
        for kid in sorted(target.kiln_ids):
            ki = kiln_index[kid]
            for d in problem.target_days(target):
                a = ctx.model.new_int_var(
                    0, ctx.cap_units[ki] * ctx.spd, f"alloc[{target.target_id},{kid},{d}]"
                )
                claims.setdefault((ki, d), []).append(a)
                allocated.append(a)
        ctx.model.add(ctx.vars.credited[j] <= sum(allocated))
        ctx.model.add(ctx.vars.shortfall[j] == ctx.qty_units[j] - ctx.vars.credited[j])
    for (ki, d), allocs in claims.items():
        day_output = sum(ctx.vars.out[ki][t] for t in ctx.shifts_of_day(d))
        ctx.model.add(sum(allocs) <= day_output)


CONSTRAINT_UNITS = (
    output_within_rating,
    crew_required,
    worker_availability,
    rest_between_shifts,
    consecutive_shifts,
    consecutive_nights,
    hours_per_7_days,
    maintenance_windows,
    planned_stops,
    campaign_limit,
    target_accounting,
)


# --------------------------------------------------------------------------------------------
# Objective
# --------------------------------------------------------------------------------------------
def _objective(ctx: _Context) -> None:
    """Minimise, in priority order by weight:

    1. unmet tonnes per target × SHORTFALL_WEIGHT × deadline weight (earliest first);
    2. tonnes above rating (only possible when the allowed margin exceeds 1.00), in tiers of
       25 % of rating costing 1, 2, 4, … per unit (see :func:`overload_tiers`);
    3. worker-shifts (SHIFT_WEIGHT each) and night worker-shifts (NIGHT_WEIGHT extra each) —
       the fatigue-relevant patterns (Folkard & Tucker 2003: night shift RR ≈ 1.3, SOURCES §3.3).
    """
    problem = ctx.problem
    terms: list[cp_model.LinearExprT] = []
    for j, target in enumerate(problem.targets):
        weight = SHORTFALL_WEIGHT * target_weight(problem, problem.day_of(target.deadline))
        terms.append(weight * ctx.vars.shortfall[j])
    if problem.allowed_load_margin > 1.0:
        for ki, kiln in enumerate(problem.kilns):
            for t in range(problem.n_shifts):
                for tier, (low, _width) in enumerate(
                    overload_tiers(ctx.rated_units[ki], ctx.cap_units[ki])
                ):
                    ov = ctx.model.new_int_var(
                        0, ctx.cap_units[ki] - low, f"overload[{kiln.kiln_id},{t},{tier}]"
                    )
                    ctx.model.add(ov >= ctx.vars.out[ki][t] - low)
                    ctx.vars.overload.append(ov)
                    terms.append((2**tier) * ov)
    night = [problem.is_night_shift(t) for t in range(problem.n_shifts)]
    for (_wi, t), lit in ctx.vars.works.items():
        terms.append((SHIFT_WEIGHT + (NIGHT_WEIGHT if night[t] else 0)) * lit)
    ctx.model.minimize(sum(terms))


# --------------------------------------------------------------------------------------------
# Solve
# --------------------------------------------------------------------------------------------
class _FirstSolution(cp_model.CpSolverSolutionCallback):
    """Records the wall time of the first solution (benchmark figure)."""

    def __init__(self, t0: float) -> None:
        super().__init__()
        self._t0 = t0
        self.first_s: float | None = None
        self.count = 0

    def on_solution_callback(self) -> None:
        if self.first_s is None:
            self.first_s = time.perf_counter() - self._t0
        self.count += 1


def build_model(problem: PlanningProblem) -> tuple[cp_model.CpModel, _Context]:
    """Build the CP-SAT model: variables, every constraint unit, objective."""
    model = cp_model.CpModel()
    ctx = _build_variables(problem, model)
    for unit in CONSTRAINT_UNITS:
        unit(ctx)
    _objective(ctx)
    return model, ctx


def solve_plan(
    problem: PlanningProblem,
    *,
    time_limit_s: float = 10.0,
    num_workers: int = 0,
    random_seed: int = 0,
    hint: PlanResult | None = None,
) -> PlanResult:
    """Solve the planning problem once; no shortfall analysis (see ``plan()`` for that).

    ``num_workers`` = 0 lets CP-SAT choose. ``hint``: a plan (e.g. the greedy baseline) given
    to CP-SAT as a solution hint.
    """
    t0 = time.perf_counter()
    model, ctx = build_model(problem)
    if hint is not None and hint.status.has_plan:
        _add_hint(ctx, hint)
        _complete_hint(model, time_limit_s=min(15.0, time_limit_s / 4))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.random_seed = random_seed
    if num_workers:
        solver.parameters.num_workers = num_workers
    callback = _FirstSolution(t0)
    status = map_status(solver.solve(model, callback))
    runtime_s = time.perf_counter() - t0
    if not status.has_plan:
        return PlanResult(
            status=status,
            allowed_load_margin=problem.allowed_load_margin,
            runtime_s=runtime_s,
            bound=solver.best_objective_bound if status is PlanStatus.TIMEOUT else None,
        )
    return _extract(ctx, solver, status, runtime_s, callback.first_s)


def _add_hint(ctx: _Context, hint: PlanResult) -> None:
    problem = ctx.problem
    kiln_index = {k.kiln_id: ki for ki, k in enumerate(problem.kilns)}
    worker_index = {w.worker_id: wi for wi, w in enumerate(problem.workers)}
    spd = ctx.spd
    fired = {(kiln_index[s.kiln_id], s.shift_index): s for s in hint.shifts}
    for ki in range(len(problem.kilns)):
        for t in range(problem.n_shifts):
            s = fired.get((ki, t))
            ctx.model.add_hint(ctx.vars.run[ki][t], s is not None)
            units = 0 if s is None else round(s.output_t * OUTPUT_UNITS_PER_T_PER_DAY * spd)
            ctx.model.add_hint(ctx.vars.out[ki][t], min(units, ctx.cap_units[ki]))
    chosen = {
        (worker_index[w], kiln_index[s.kiln_id], s.shift_index)
        for s in hint.shifts
        for w in s.worker_ids
    }
    for key, lit in ctx.vars.assign.items():
        ctx.model.add_hint(lit, key in chosen)


def _complete_hint(model: cp_model.CpModel, *, time_limit_s: float) -> None:
    """Turn a partial hint (decisions only) into a complete one.

    CP-SAT uses a complete, feasible hint as its first solution at once; a partial hint
    (no prefix-sum or allocation values) is often lost. Fix the hinted decisions in a copy,
    let propagation fill in the rest, and hint every variable with the result. If the copy is
    not solved in time the partial hint stays as it is.
    """
    copy = model.clone()
    proto = copy.proto
    for i, value in zip(proto.solution_hint.vars, proto.solution_hint.values, strict=True):
        copy.add(copy.get_int_var_from_proto_index(i) == value)
    copy.clear_hints()  # type: ignore[no-untyped-call]
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.stop_after_first_solution = True
    if solver.solve(copy) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return
    model.clear_hints()  # type: ignore[no-untyped-call]
    for i in range(len(model.proto.variables)):
        var = model.get_int_var_from_proto_index(i)
        model.add_hint(var, solver.value(copy.get_int_var_from_proto_index(i)))


def _extract(
    ctx: _Context,
    solver: cp_model.CpSolver,
    status: PlanStatus,
    runtime_s: float,
    first_s: float | None,
) -> PlanResult:
    problem = ctx.problem
    spd = ctx.spd
    unit_t = 1.0 / (OUTPUT_UNITS_PER_T_PER_DAY * spd)
    crew_of = {w.worker_id: w.crew for w in problem.workers}
    staff: dict[tuple[int, int], list[str]] = {}
    for (wi, ki, t), lit in ctx.vars.assign.items():
        if solver.boolean_value(lit):
            staff.setdefault((ki, t), []).append(problem.workers[wi].worker_id)
    shifts: list[ShiftAssignment] = []
    length = problem.shift_pattern.shift_length_h
    for ki, kiln in enumerate(problem.kilns):
        for t in range(problem.n_shifts):
            if not solver.boolean_value(ctx.vars.run[ki][t]):
                continue
            units = solver.value(ctx.vars.out[ki][t])
            workers = tuple(sorted(staff.get((ki, t), [])))
            shifts.append(
                ShiftAssignment(
                    kiln_id=kiln.kiln_id,
                    day=problem.date_of(t // spd),
                    shift_index=t,
                    shift_of_day=t % spd,
                    start=problem.shift_start(t),
                    length_h=length,
                    night=problem.is_night_shift(t),
                    output_t=units * unit_t,
                    load_ratio=units / ctx.rated_units[ki] if ctx.rated_units[ki] else 0.0,
                    worker_ids=workers,
                    crews=tuple(sorted({crew_of[w] for w in workers})),
                )
            )
    slots: list[MaintenanceSlot] = []
    for kiln in problem.kilns:
        for task in kiln.maintenance:
            starts = ctx.vars.start.get(task.task_id)
            if starts is None:
                continue
            d0 = next(d for d, lit in starts.items() if solver.boolean_value(lit))
            first = problem.date_of(d0)
            slots.append(
                MaintenanceSlot(
                    task_id=task.task_id,
                    kiln_id=kiln.kiln_id,
                    name=task.name,
                    first_day=first,
                    last_day=first + timedelta(days=task.duration_days - 1),
                    due_on=task.due_on,
                    overdue=task.due_on < problem.horizon_start,
                )
            )
    outcomes = []
    for j, target in enumerate(problem.targets):
        credited_t = solver.value(ctx.vars.credited[j]) * unit_t
        planned = min(target.quantity_t, credited_t)
        outcomes.append(
            TargetOutcome(
                target_id=target.target_id,
                quantity_t=target.quantity_t,
                deadline=target.deadline,
                planned_t=planned,
                shortfall_t=max(0.0, target.quantity_t - planned),
            )
        )
    worker_shifts = sum(len(s.worker_ids) for s in shifts)
    night_worker_shifts = sum(len(s.worker_ids) for s in shifts if s.night)
    overload_t = sum(
        max(0.0, s.output_t - problem.kiln(s.kiln_id).rated_capacity_t_per_day / spd)
        for s in shifts
    )
    penalties = {
        "shortfall_t": sum(o.shortfall_t for o in outcomes),
        "overload_t": overload_t,
        "worker_shifts": float(worker_shifts),
        "night_worker_shifts": float(night_worker_shifts),
    }
    return PlanResult(
        status=status,
        allowed_load_margin=problem.allowed_load_margin,
        objective=solver.objective_value,
        bound=solver.best_objective_bound,
        runtime_s=runtime_s,
        first_solution_s=first_s,
        shifts=tuple(shifts),
        maintenance=tuple(slots),
        targets=tuple(outcomes),
        penalties=penalties,
    )
