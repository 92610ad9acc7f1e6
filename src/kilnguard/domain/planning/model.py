"""The CP-SAT model's integer scale, decision variables and context (see :mod:`.solver`).

Layout after PyJobShop ``solvers/ortools/CPModel.py`` (variables → constraints → objective).
Integer scaling: a kiln-shift's output is an integer number of *output units* of
``1 / (100 × shifts_per_day)`` t, so that rating × margin × (shift length / 24 h) is exact in
units: a 40 t/d kiln at margin 1.00 makes ≤ 4,000 units = 13.333 t per 8 h shift and
exactly 40 t per day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from kilnguard.domain.planning.problem import PlanningProblem

__all__ = [
    "NIGHT_WEIGHT",
    "OUTPUT_UNITS_PER_T_PER_DAY",
    "SHIFT_WEIGHT",
    "SHORTFALL_WEIGHT",
    "ModelContext",
    "ModelVariables",
    "build_variables",
    "overload_tiers",
    "quantity_units",
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
    return 1 + max(0, problem.priority_day - deadline_day) // 7


def quantity_units(problem: PlanningProblem) -> list[int]:
    """Each target's quantity in output units (rounded up: a target is met only in full)."""
    spd = problem.shift_pattern.shifts_per_day
    return [
        math.ceil(t.quantity_t * OUTPUT_UNITS_PER_T_PER_DAY * spd - 1e-6) for t in problem.targets
    ]


# --------------------------------------------------------------------------------------------
# Variables
# --------------------------------------------------------------------------------------------
@dataclass
class ModelVariables:
    """Decision variables, indexed by kiln index ``k``, shift ``t``, worker index ``w``."""

    run: list[list[cp_model.IntVar]]
    out: list[list[cp_model.IntVar]]
    assign: dict[tuple[int, int, int], cp_model.IntVar]  # (w, k, t)
    works: dict[tuple[int, int], cp_model.IntVar]  # (w, t) -> 0/1 expression
    start: dict[str, dict[int, cp_model.IntVar]]  # task_id -> start day -> literal
    credited: list[cp_model.IntVar]  # per target, units
    shortfall: list[cp_model.IntVar]
    overload: list[cp_model.IntVar] = field(default_factory=list)
    fired: list[list[cp_model.IntVar]] = field(default_factory=list)  # [k][day], campaign


@dataclass
class ModelContext:
    problem: PlanningProblem
    model: cp_model.CpModel
    vars: ModelVariables
    cap_units: list[int]  # per kiln, per shift, at the allowed margin
    rated_units: list[int]  # per kiln, per shift, at 100 %
    qty_units: list[int]  # per target
    #: False for the production layer: no worker variables; crews enter only in aggregate.
    with_crews: bool = True

    @property
    def spd(self) -> int:
        return self.problem.shift_pattern.shifts_per_day

    def shifts_of_day(self, day: int) -> range:
        return range(day * self.spd, (day + 1) * self.spd)


def build_variables(
    problem: PlanningProblem, model: cp_model.CpModel, *, with_crews: bool = True
) -> ModelContext:
    """The decision variables; ``with_crews=False`` leaves out every worker variable (the
    production layer of :func:`~.constraints.build_production_model`)."""
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
    for wi, worker in enumerate(problem.workers if with_crews else ()):
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
    qty_units = quantity_units(problem)
    credited = [
        model.new_int_var(0, q, f"credited[{t.target_id}]")
        for t, q in zip(problem.targets, qty_units, strict=True)
    ]
    shortfall = [
        model.new_int_var(0, q, f"shortfall[{t.target_id}]")
        for t, q in zip(problem.targets, qty_units, strict=True)
    ]
    variables = ModelVariables(run, out, assign, works, start, credited, shortfall)
    return ModelContext(problem, model, variables, cap_units, rated_units, qty_units, with_crews)
