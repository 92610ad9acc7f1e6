"""Safe production planner (issue 4): can this target be met safely, and if not, what can.

Pure domain: validated data in (:mod:`.problem`), a CP-SAT model built from named constraint
units (:mod:`.solver`), the shortfall explanation (:mod:`.explain`), a greedy baseline
(:mod:`.greedy`) and the price of pushing (:mod:`.pushing`). The data and result types import
no solver, so the independent checker ``kilnguard.domain.plan_check`` stays solver-free.
"""

from kilnguard.domain.planning.problem import (
    Kiln,
    MaintenanceTask,
    PlannedStop,
    PlanningProblem,
    RestRules,
    ShiftPattern,
    Target,
    Worker,
)
from kilnguard.domain.planning.result import (
    MaintenanceSlot,
    PlanResult,
    PlanStatus,
    ShiftAssignment,
    TargetOutcome,
)

__all__ = [
    "Kiln",
    "MaintenanceSlot",
    "MaintenanceTask",
    "PlanResult",
    "PlanStatus",
    "PlannedStop",
    "PlanningProblem",
    "RestRules",
    "ShiftAssignment",
    "ShiftPattern",
    "Target",
    "TargetOutcome",
    "Worker",
]
