"""Planner results: the plan, its solver status, and the honest answer when targets cannot be met.

Solver-agnostic like the problem: the checker, the charts and the front ends read these
without importing OR-Tools.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kilnguard.domain.planning.problem import MaintenanceTask

__all__ = [
    "MaintenanceSlot",
    "PlanResult",
    "PlanStatus",
    "ProductionPlan",
    "ShiftAssignment",
    "TargetOutcome",
]


class PlanStatus(enum.Enum):
    """What the solver proved about the plan.

    - OPTIMAL: best plan under the objective, proven.
    - FEASIBLE: a plan that keeps every rule, found before the time limit; maybe not the best
      (see ``PlanResult.gap``).
    - INFEASIBLE: the safety rules contradict each other (proven). The planner is built so that
      idling is always allowed, so this signals contradictory input, never an unmet target.
    - TIMEOUT: no plan found before the time limit. Not a proof of anything — unlike INFEASIBLE.
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    TIMEOUT = "timeout"

    @property
    def has_plan(self) -> bool:
        """True if the result carries a plan."""
        return self in (PlanStatus.OPTIMAL, PlanStatus.FEASIBLE)


@dataclass(frozen=True)
class ProductionPlan:
    """The production layer's decision, before any worker is named: which kiln-shifts fire
    with what output [t] (keyed by kiln id and global shift index), and the start day index of
    every maintenance task placed. Crews are rostered for it afterwards (``greedy.roster``).
    """

    output_t: dict[tuple[str, int], float]
    maintenance_start: dict[str, int]


@dataclass(frozen=True)
class ShiftAssignment:
    """One kiln firing in one shift: who works it and what it should produce.

    ``output_t`` [t]; ``load_ratio`` [-] = output / (rating × shift length / 24 h).
    """

    kiln_id: str
    day: date
    shift_index: int  # global index in the horizon
    shift_of_day: int  # 0..shifts_per_day-1
    start: datetime
    length_h: float
    night: bool
    output_t: float
    load_ratio: float
    worker_ids: tuple[str, ...]
    crews: tuple[str, ...]


@dataclass(frozen=True)
class MaintenanceSlot:
    """A maintenance task placed in the plan: the kiln does not fire ``first_day..last_day``."""

    task_id: str
    kiln_id: str
    name: str
    first_day: date
    last_day: date
    due_on: date
    overdue: bool

    @classmethod
    def place(
        cls, kiln_id: str, task: MaintenanceTask, first_day: date, horizon_start: date
    ) -> MaintenanceSlot:
        """``task`` placed from ``first_day`` for its duration; overdue if due before the
        horizon starts (the greedy plan and the CP-SAT read-back place slots alike)."""
        return cls(
            task_id=task.task_id,
            kiln_id=kiln_id,
            name=task.name,
            first_day=first_day,
            last_day=first_day + timedelta(days=task.duration_days - 1),
            due_on=task.due_on,
            overdue=task.due_on < horizon_start,
        )


@dataclass(frozen=True)
class TargetOutcome:
    """What the plan delivers for one target by its deadline [t]."""

    target_id: str
    quantity_t: float
    deadline: date
    planned_t: float
    shortfall_t: float

    @property
    def met(self) -> bool:
        """True if the plan delivers the full quantity (to 1 kg)."""
        return self.shortfall_t <= 1e-3


@dataclass(frozen=True)
class PlanResult:
    """A solved plan and, when the targets cannot be met safely, the explanation.

    - ``objective`` / ``bound``: solver objective and its proven bound (minimisation), so the
      optimality gap is always reportable; ``gap`` = (objective − bound) / max(1, |objective|).
    - ``runtime_s`` [s] wall time of the solve; ``first_solution_s`` [s] time to the first plan.
    - ``shifts``: every kiln-shift that fires; ``maintenance``: every task placed.
    - ``max_safe_t`` [t]: largest quantity makeable safely by each target's deadline;
      ``earliest_safe_date``: the first day by which each full target can be made safely
      (None if not found within the search limit); ``binding``: the constraints in words
      with their numbers. Filled by ``plan()`` for unmet targets; empty when all are met.
    - ``penalties``: named soft-objective terms and their values (explainable plan).
    """

    status: PlanStatus
    allowed_load_margin: float
    objective: float | None = None
    bound: float | None = None
    runtime_s: float = 0.0
    first_solution_s: float | None = None
    shifts: tuple[ShiftAssignment, ...] = ()
    maintenance: tuple[MaintenanceSlot, ...] = ()
    targets: tuple[TargetOutcome, ...] = ()
    penalties: dict[str, float] = field(default_factory=dict)
    max_safe_t: dict[str, float] = field(default_factory=dict)
    max_safe_proven: dict[str, bool] = field(default_factory=dict)
    earliest_safe_date: dict[str, date | None] = field(default_factory=dict)
    earliest_safe_proven: dict[str, bool] = field(default_factory=dict)
    binding: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def feasible(self) -> bool:
        """True if a plan exists and it meets every target in full within every safety rule."""
        return self.status.has_plan and all(t.met for t in self.targets)

    @property
    def gap(self) -> float | None:
        """Relative optimality gap [-], None without a plan."""
        if self.objective is None or self.bound is None:
            return None
        return max(0.0, self.objective - self.bound) / max(1.0, abs(self.objective))

    @property
    def total_output_t(self) -> float:
        """Planned output of all kilns over the horizon [t]."""
        return sum(s.output_t for s in self.shifts)
