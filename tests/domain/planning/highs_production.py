"""A second, independent formulation of the planner's production layer, solved by HiGHS.

Day-level MILP (the CP-SAT production layer is shift-level): per kiln and day the number of
day-time and night shifts fired, the day's output, whether the kiln fires, maintenance start
days, the campaign windows and each target's credit. Crews are left out, so it is only valid
for instances whose crews are ample (the caller asserts it); the overload tiers are left out,
so only for margin 1.00. Same objective: 1000 × deadline weight × shortfall units + worker-
shifts + night worker-shifts.

HiGHS runs in its own process: OR-Tools bundles another HiGHS build, and the two cannot be
loaded into one interpreter. Run ``python -m tests.domain.planning.highs_production SEED
SECTIONS DAYS`` for the optimum of the first part of :func:`synthetic.instance`.
"""

from __future__ import annotations

import math
import sys

import highspy

from kilnguard.domain.planning.decompose import split
from kilnguard.domain.planning.problem import PlanningProblem
from kilnguard.domain.planning.synthetic import instance

UNITS = 100  # output units per (t/d): a shift's unit is 1 / (100 × shifts per day) t


def highs_production_optimum(problem: PlanningProblem) -> float:
    """The optimal production-layer objective by HiGHS (proven optimal, or AssertionError)."""
    assert problem.allowed_load_margin == 1.0
    spd = problem.shift_pattern.shifts_per_day
    nights = sum(problem.is_night_shift(s) for s in range(spd))
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.silent()
    days = range(problem.horizon_days)
    objective = []
    out: dict[tuple[str, int], highspy.highs_var] = {}
    for kiln in problem.kilns:
        per_shift = math.floor(kiln.rated_capacity_t_per_day * UNITS + 1e-9)
        fired = [h.addBinary() for _ in days]
        blocked = set(problem.stopped_days(kiln.kiln_id))
        for task in kiln.maintenance:
            window = problem.maintenance_window(task)
            if window is None:
                continue
            starts = {d: h.addBinary() for d in range(window[0], window[1] + 1)}
            h.addConstr(sum(starts.values()) == 1)
            for d0, s in starts.items():
                for d in range(d0, min(problem.horizon_days, d0 + task.duration_days)):
                    h.addConstr(fired[d] + s <= 1)
        for d in days:
            day_shifts = h.addIntegral(lb=0, ub=spd - nights)
            night_shifts = h.addIntegral(lb=0, ub=nights)
            made = h.addIntegral(lb=0, ub=per_shift * spd)
            h.addConstr(made <= per_shift * (day_shifts + night_shifts))
            h.addConstr(day_shifts + night_shifts <= spd * fired[d])
            if d in blocked:
                h.addConstr(fired[d] == 0)
            out[(kiln.kiln_id, d)] = made
            objective.append(kiln.crew_size * (day_shifts + 2 * night_shifts))
        limit = kiln.campaign_limit_days
        first = max(0, limit - kiln.days_run_since_stop) + 1
        if first <= problem.horizon_days:
            h.addConstr(sum(fired[:first]) <= first - 1)
        for d in range(max(0, problem.horizon_days - limit)):
            h.addConstr(sum(fired[d : d + limit + 1]) <= limit)
    latest = problem.priority_day
    claims: dict[tuple[str, int], list[highspy.highs_var]] = {}
    for target in problem.targets:
        qty = math.ceil(target.quantity_t * UNITS * spd - 1e-6)
        credit = []
        for kid in sorted(target.kiln_ids):
            for d in problem.target_days(target):
                a = h.addVariable(lb=0)
                claims.setdefault((kid, d), []).append(a)
                credit.append(a)
        shortfall = h.addVariable(lb=0, ub=qty)
        h.addConstr(shortfall + sum(credit) >= qty)
        weight = 1 + max(0, latest - problem.day_of(target.deadline)) // 7
        objective.append(1000 * weight * shortfall)
    for key, allocs in claims.items():
        h.addConstr(sum(allocs) <= out[key])
    h.minimize(sum(objective))
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return float(h.getInfo().objective_function_value)


if __name__ == "__main__":
    seed, sections, days = (int(a) for a in sys.argv[1:4])
    print(highs_production_optimum(split(instance(seed=seed, sections=sections, days=days))[0]))
