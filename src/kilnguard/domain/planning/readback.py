"""A solved CP-SAT model read back as a plan: kiln-shifts with their crews, maintenance slots,
what each target is credited, and the objective's named terms."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from kilnguard.domain.planning.model import OUTPUT_UNITS_PER_T_PER_DAY, ModelContext
from kilnguard.domain.planning.result import (
    MaintenanceSlot,
    PlanResult,
    ProductionPlan,
    ShiftAssignment,
    TargetOutcome,
)

if TYPE_CHECKING:
    from kilnguard.domain.planning.result import PlanStatus

__all__ = ["Values", "extract_plan", "extract_production"]

Values = cp_model.CpSolver | cp_model.CpSolverSolutionCallback
"""Where variable values are read: a solver after its solve, or a solution callback."""


def _maintenance_starts(ctx: ModelContext, solver: Values) -> dict[str, int]:
    """Start day index of every placed maintenance task."""
    return {
        task_id: next(d for d, lit in starts.items() if solver.boolean_value(lit))
        for task_id, starts in ctx.vars.start.items()
    }


def extract_production(ctx: ModelContext, solver: Values) -> ProductionPlan:
    """The production layer's answer: fired kiln-shifts with their output, maintenance starts
    (from the solver after a solve, or from a solution callback during one)."""
    unit_t = 1.0 / (OUTPUT_UNITS_PER_T_PER_DAY * ctx.spd)
    output = {
        (kiln.kiln_id, t): solver.value(ctx.vars.out[ki][t]) * unit_t
        for ki, kiln in enumerate(ctx.problem.kilns)
        for t in range(ctx.problem.n_shifts)
        if solver.boolean_value(ctx.vars.run[ki][t])
    }
    return ProductionPlan(output, _maintenance_starts(ctx, solver))


def extract_plan(
    ctx: ModelContext,
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
    placed = _maintenance_starts(ctx, solver)
    for kiln in problem.kilns:
        for task in kiln.maintenance:
            d0 = placed.get(task.task_id)
            if d0 is None:
                continue
            slots.append(
                MaintenanceSlot.place(
                    kiln.kiln_id, task, problem.date_of(d0), problem.horizon_start
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
