"""Solving the CP-SAT model of the safe production plan: status, hints, the plan read back.

The model itself is built in :mod:`.model` (scale, variables) and :mod:`.constraints` (one unit
per rule, objective). :func:`solve_plan` is one CP-SAT solve of the whole model (small
problems, the explanation's searches, tests); the planner the front ends use is
:func:`kilnguard.domain.planning.anytime.solve_safe_plan` (greedy first, then improve).
"""

from __future__ import annotations

import time

from ortools.sat.python import cp_model

from kilnguard.domain.planning.constraints import build_model
from kilnguard.domain.planning.model import (
    OUTPUT_UNITS_PER_T_PER_DAY,
    SHORTFALL_WEIGHT,
    ModelContext,
    target_weight,
)
from kilnguard.domain.planning.problem import PlanningProblem
from kilnguard.domain.planning.readback import extract_plan
from kilnguard.domain.planning.result import PlanResult, PlanStatus

__all__ = [
    "OUTPUT_UNITS_PER_T_PER_DAY",
    "SHORTFALL_WEIGHT",
    "PlanModelInvalid",
    "add_hint",
    "build_model",
    "complete_hint",
    "map_status",
    "solve_plan",
    "target_weight",
]


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
        add_hint(ctx, hint)
        complete_hint(model, time_limit_s=min(15.0, time_limit_s / 4))
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
    return extract_plan(ctx, solver, status, runtime_s, callback.first_s)


def add_hint(ctx: ModelContext, hint: PlanResult) -> None:
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


def complete_hint(model: cp_model.CpModel, *, time_limit_s: float) -> None:
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
