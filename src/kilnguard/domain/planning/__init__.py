"""Safe production planner (issue 4): can this target be met safely, and if not, what can.

Pure domain: validated data in (:mod:`.problem`), a CP-SAT model built from named constraint
units (:mod:`.model` scale and variables, :mod:`.constraints` rules and objective), solved and
read back (:mod:`.solver` — :func:`~.solver.solve_safe_plan`, the one solve with the greedy
fallback — and :mod:`.readback`), the shortfall explanation (:mod:`.explain`), a greedy
baseline (:mod:`.greedy`) and the price of pushing (:mod:`.pushing`). The data and result types
import no solver, so the independent checker :mod:`.check` stays solver-free. Charts are not
drawn here: ``kilnguard.services.planning.charts`` renders them as PNG bytes.
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
