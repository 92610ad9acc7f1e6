"""The CP-SAT model's rules, one small named unit each, and its objective.

After cpsat-primer ``nurserostering/modules.py`` (one unit per rule, docstring states the rule).
Every rule here is *hard*: a plan the solver returns never breaks one. The only soft terms are
in the objective — unmet tonnes (weighted by deadline), tonnes above rating (when the allowed
margin is above 100 %) and fatigue-relevant shifts — so an unmeetable target yields a plan
with a shortfall, never an exception.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ortools.sat.python import cp_model

from kilnguard.domain.planning.firing import best_firing
from kilnguard.domain.planning.model import (
    NIGHT_WEIGHT,
    OUTPUT_UNITS_PER_T_PER_DAY,
    SHIFT_WEIGHT,
    SHORTFALL_WEIGHT,
    ModelContext,
    build_variables,
    overload_tiers,
    target_weight,
)
from kilnguard.domain.planning.problem import PlanningProblem

__all__ = ["CONSTRAINT_UNITS", "PRODUCTION_UNITS", "build_model", "build_production_model"]

_Expr = cp_model.LinearExpr | int


# --------------------------------------------------------------------------------------------
# Constraint units: one per rule
# --------------------------------------------------------------------------------------------
def output_within_rating(ctx: ModelContext) -> None:
    """A kiln-shift produces nothing unless fired, and at most rating × margin × L / 24 h.

    Source: SOURCES §2.1 — refractory wear is proportional to throughput, so the rating
    (× the allowed margin, default 1.00) is the safe ceiling for every shift.
    """
    for ki, _kiln in enumerate(ctx.problem.kilns):
        for t in range(ctx.problem.n_shifts):
            ctx.model.add(ctx.vars.out[ki][t] <= ctx.cap_units[ki] * ctx.vars.run[ki][t])


def crew_required(ctx: ModelContext) -> None:
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


def worker_availability(ctx: ModelContext) -> None:
    """No shift may start on a day the worker is unavailable (leave, sickness, training)."""
    for wi, worker in enumerate(ctx.problem.workers):
        for day_date in worker.unavailable_days:
            d = ctx.problem.day_of(day_date)
            if not 0 <= d < ctx.problem.horizon_days:
                continue
            for t in ctx.shifts_of_day(d):
                if (wi, t) in ctx.vars.works:
                    ctx.model.add(ctx.vars.works[(wi, t)] == 0)


def rest_span(problem: PlanningProblem) -> int:
    """Smallest number of shifts between two shift starts of one worker that leaves the
    minimum rest: (span − 1) × shift length ≥ min rest."""
    length = problem.shift_pattern.shift_length_h
    span = 1
    while (span - 1) * length < problem.rest_rules.min_rest_h - 1e-9:
        span += 1
    return span


def crew_capacity(ctx: ModelContext) -> None:
    """Production layer only: the crews the fired kiln-shifts need, in aggregate, never exceed
    what the workers can give — per kiln and shift (qualified, posted, available), per window
    of ``span`` shifts (one shift per worker, rest rule), per 168 h (hours rule) and per
    M + 1 days of nights (night rule).

    Each is implied by the per-worker rules of the full model, so the production layer is a
    relaxation of it and its bound is a bound of the full problem; the crew layer then names
    the workers (:func:`kilnguard.domain.planning.greedy.roster`).
    """
    problem = ctx.problem
    n, spd = problem.n_shifts, ctx.spd
    staff = [[w for w in problem.workers if w.may_operate(k)] for k in problem.kilns]
    anyone = [w for w in problem.workers if any(w.may_operate(k) for k in problem.kilns)]
    free = [
        {w.worker_id for w in anyone if problem.date_of(d) not in w.unavailable_days}
        for d in range(problem.horizon_days)
    ]
    demand: list[_Expr] = []
    for t in range(n):
        terms = []
        for ki, kiln in enumerate(problem.kilns):
            able = sum(1 for w in staff[ki] if w.worker_id in free[t // spd])
            if able < kiln.crew_size:
                ctx.model.add(ctx.vars.run[ki][t] == 0)
            terms.append(kiln.crew_size * ctx.vars.run[ki][t])
        demand.append(sum(terms))
    span = rest_span(problem)
    for t in range(n):
        days = {u // spd for u in range(t, min(n, t + span))}
        workers = len(set[str]().union(*(free[d] for d in days)))
        ctx.model.add(sum(demand[t : t + span]) <= workers)
    length = problem.shift_pattern.shift_length_h
    per_week = math.floor(problem.rest_rules.max_hours_per_7_days / length + 1e-9)
    width = 7 * spd
    if per_week < width:
        for t in range(max(1, n - width + 1)):
            ctx.model.add(sum(demand[t : t + width]) <= per_week * len(anyone))
    limit = problem.rest_rules.max_consecutive_nights
    nights = [t for t in range(n) if problem.is_night_shift(t)]
    for d in range(max(0, problem.horizon_days - limit)):
        window = [demand[t] for t in nights if d * spd <= t < (d + limit + 1) * spd]
        ctx.model.add(sum(window) <= limit * len(anyone))


def rest_between_shifts(ctx: ModelContext) -> None:
    """At least ``min_rest_h`` between the end of one shift and the start of the next.

    EU 2003/88/EC Art 3 [V]. With shift length L, shifts t and t + j (j ≥ 1) leave
    (j − 1)·L hours of rest, so a worker works at most one shift in every window of
    J + 1 consecutive shifts, J = the largest j with (j − 1)·L < min rest. The same window
    also forbids two kilns in one shift.
    """
    span = rest_span(ctx.problem)
    # span = smallest allowed gap j; window of `span` consecutive shifts holds ≤ 1 shift.
    n = ctx.problem.n_shifts
    for wi, _worker in enumerate(ctx.problem.workers):
        if (wi, 0) not in ctx.vars.works:
            continue
        for t in range(n):
            window = [ctx.vars.works[(wi, u)] for u in range(t, min(n, t + span))]
            ctx.model.add(sum(window) <= 1)


def _prefix(ctx: ModelContext, terms: Sequence[_Expr], name: str) -> list[cp_model.IntVar]:
    """Prefix sums P[i] = Σ terms[:i] as integer variables, so any window is P[b] − P[a]."""
    prefix: list[cp_model.IntVar] = [ctx.model.new_constant(0)]
    for i, term in enumerate(terms):
        p = ctx.model.new_int_var(0, i + 1, f"{name}[{i + 1}]")
        ctx.model.add(p == prefix[-1] + term)
        prefix.append(p)
    return prefix


def _worker_days(ctx: ModelContext, wi: int) -> list[_Expr]:
    return [
        sum(ctx.vars.works[(wi, t)] for t in ctx.shifts_of_day(d))
        for d in range(ctx.problem.horizon_days)
    ]


def consecutive_shifts(ctx: ModelContext) -> None:
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


def consecutive_nights(ctx: ModelContext) -> None:
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


def hours_per_7_days(ctx: ModelContext) -> None:
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


def maintenance_windows(ctx: ModelContext) -> None:
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


def planned_stops(ctx: ModelContext) -> None:
    """A kiln does not fire on the days of its planned stops."""
    for ki, kiln in enumerate(ctx.problem.kilns):
        for d in ctx.problem.stopped_days(kiln.kiln_id):
            for t in ctx.shifts_of_day(d):
                ctx.model.add(ctx.vars.run[ki][t] == 0)


def campaign_limit(ctx: ModelContext) -> None:
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
        ctx.vars.fired.append(fired)
        first_window = max(0, limit - kiln.days_run_since_stop) + 1  # days 0..first_window-1
        if first_window <= days:
            ctx.model.add(sum(fired[:first_window]) <= first_window - 1)
        for d in range(max(0, days - limit)):
            ctx.model.add(sum(fired[d : d + limit + 1]) <= limit)


def firing_limits(ctx: ModelContext) -> None:
    """Production layer only (a cut, no new rule): a kiln fires on no more days, in the
    horizon and in each target's window, than its best firing pattern
    (:func:`kilnguard.domain.planning.firing.best_firing`) — implied by the campaign,
    maintenance and stop rules, but invisible to the LP relaxation, whose bound it makes tight.
    Needs the ``fired`` days of :func:`campaign_limit`.
    """
    problem = ctx.problem
    windows = {(0, problem.horizon_days - 1)}
    for target in problem.targets:
        days = problem.target_days(target)
        if len(days):
            windows.add((days.start, days.stop - 1))
    for ki, kiln in enumerate(problem.kilns):
        for first, last in sorted(windows):
            best = best_firing(problem, kiln, first, last)
            if best is None:
                continue
            fired = ctx.vars.fired[ki][first : last + 1]
            ctx.model.add(sum(fired) <= len(best.days))
            # The same in tonnes, which the LP sees through the target accounting directly.
            out = ctx.vars.out[ki][first * ctx.spd : (last + 1) * ctx.spd]
            ctx.model.add(sum(out) <= ctx.cap_units[ki] * ctx.spd * len(best.days))


def wear_limit(ctx: ModelContext) -> None:
    """A kiln's lining damage at the end of the horizon stays within ``max_wear_damage``.

    Miner's rule with n = 1 (SOURCES §2.4 [V]; ``pushing.miner_wear``): D_end = D0 + Σ day
    output / (rating × design life), from 0 after a relining — so with a relining starting on
    day s only the output after it counts (one constraint per start, enforced by its literal).
    """
    problem = ctx.problem
    per_t = OUTPUT_UNITS_PER_T_PER_DAY * ctx.spd
    for ki, kiln in enumerate(problem.kilns):
        fresh = problem.wear_budget_t(kiln, reset=True)
        if fresh is None:
            continue
        relinings = [
            (task, ctx.vars.start[task.task_id])
            for task in kiln.maintenance
            if task.resets_wear and task.task_id in ctx.vars.start
        ]
        out = ctx.vars.out[ki]
        if not relinings:
            worn = problem.wear_budget_t(kiln, reset=False) or 0.0
            ctx.model.add(sum(out) <= math.floor(worn * per_t + 1e-6))
            continue
        for task, starts in relinings:
            for d0, lit in starts.items():
                after = out[(d0 + task.duration_days) * ctx.spd :]
                ctx.model.add(sum(after) <= math.floor(fresh * per_t + 1e-6)).only_enforce_if(lit)


def target_accounting(ctx: ModelContext) -> None:
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
    wear_limit,
    target_accounting,
)


# --------------------------------------------------------------------------------------------
# Objective
# --------------------------------------------------------------------------------------------
def _objective(ctx: ModelContext) -> None:
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
    if ctx.with_crews:
        for (_wi, t), lit in ctx.vars.works.items():
            terms.append((SHIFT_WEIGHT + (NIGHT_WEIGHT if night[t] else 0)) * lit)
    else:  # the same value: a fired kiln-shift has exactly crew_size workers
        for ki, kiln in enumerate(problem.kilns):
            for t, run in enumerate(ctx.vars.run[ki]):
                weight = kiln.crew_size * (SHIFT_WEIGHT + (NIGHT_WEIGHT if night[t] else 0))
                terms.append(weight * run)
    ctx.model.minimize(sum(terms))


#: The production layer's units: every kiln rule, crews only in aggregate.
PRODUCTION_UNITS = (
    output_within_rating,
    crew_capacity,
    maintenance_windows,
    planned_stops,
    campaign_limit,
    firing_limits,
    wear_limit,
    target_accounting,
)


def build_model(problem: PlanningProblem) -> tuple[cp_model.CpModel, ModelContext]:
    """Build the CP-SAT model: variables, every constraint unit, objective."""
    model = cp_model.CpModel()
    ctx = build_variables(problem, model)
    for unit in CONSTRAINT_UNITS:
        unit(ctx)
    _objective(ctx)
    return model, ctx


def build_production_model(problem: PlanningProblem) -> tuple[cp_model.CpModel, ModelContext]:
    """The production layer: which kiln-shifts fire, at what output, and when maintenance
    runs — no worker named. Same objective as :func:`build_model` (a fired kiln-shift costs
    its crew's worker-shifts); a relaxation of it (see :func:`crew_capacity`)."""
    model = cp_model.CpModel()
    ctx = build_variables(problem, model, with_crews=False)
    for unit in PRODUCTION_UNITS:
        unit(ctx)
    _objective(ctx)
    return model, ctx
