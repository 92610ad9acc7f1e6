"""Planner benchmark: 50 kilns × 90 days × 3 shifts, 300 workers (issue 4, point 7).

Synthetic instance (seeded): 10 sections of 5 kilns of one kind, 30 workers per section posted
to the section's kilns, crew of 1 per kiln-shift, some overdue relinings, leave days, and one
target per section that exceeds what the section can make safely (so the objective is not
trivially zero). Prints human-readable figures; the LAST line is JSON.

Run: .venv/bin/python benchmarks/planner.py  (about 2 minutes on 2 cores)
"""

from __future__ import annotations

import json
import random
import time
from datetime import date, timedelta

from kilnguard.domain.planning import Kiln, MaintenanceTask, PlanningProblem, Target, Worker
from kilnguard.domain.planning.check import check_plan
from kilnguard.domain.planning.greedy import greedy_plan
from kilnguard.domain.planning.solver import solve_plan

START = date(2021, 10, 4)
TIME_LIMIT_S = 60.0


def instance(seed: int = 7) -> PlanningProblem:
    rng = random.Random(seed)
    kilns, workers, targets = [], [], []
    for sec in range(10):
        kind = "periodic" if sec % 2 else "tunnel"
        ids = [f"S{sec}K{i}" for i in range(5)]
        for kid in ids:
            maint = ()
            if rng.random() < 0.3:
                due = START + timedelta(days=rng.randint(-10, 80))
                maint = (MaintenanceTask(f"{kid}-M", "relining", rng.randint(2, 6), due, True),)
            kilns.append(
                Kiln(
                    kid,
                    kid,
                    kind,
                    float(rng.choice([30, 40, 50])),
                    crew_size=1,
                    campaign_limit_days=rng.choice([20, 30, 45]),
                    days_run_since_stop=rng.randint(0, 20),
                    maintenance=maint,
                )
            )
        for w in range(30):
            away = {START + timedelta(days=rng.randint(0, 89)) for _ in range(rng.randint(0, 4))}
            workers.append(
                Worker(
                    f"S{sec}W{w}",
                    f"S{sec}C{w % 4}",
                    frozenset({kind}),
                    frozenset(ids),
                    frozenset(away),
                )
            )
        targets.append(
            Target(f"S{sec}T", 5 * 40.0 * 85, START + timedelta(days=89), frozenset(ids), START)
        )
    return PlanningProblem(START, 90, tuple(kilns), tuple(workers), tuple(targets))


def main() -> None:
    problem = instance()
    print(
        f"instance: {len(problem.kilns)} kilns × {problem.horizon_days} days × "
        f"{problem.shift_pattern.shifts_per_day} shifts, {len(problem.workers)} workers"
    )
    t0 = time.perf_counter()
    greedy = greedy_plan(problem)
    greedy_s = time.perf_counter() - t0
    assert greedy.objective is not None
    print(
        f"greedy baseline: objective {greedy.objective:,.0f}, "
        f"{sum(t.planned_t for t in greedy.targets):,.0f} t for targets, {greedy_s:.2f} s"
    )
    result = solve_plan(problem, time_limit_s=TIME_LIMIT_S, hint=greedy)
    violations = check_plan(problem, result)
    planned = sum(t.planned_t for t in result.targets)
    print(
        f"CP-SAT: status {result.status.value}, objective {result.objective:,.0f}, "
        f"bound {result.bound:,.0f}, gap {100 * (result.gap or 0):.2f} %, "
        f"{planned:,.0f} t for targets"
    )
    print(
        f"time to first feasible plan {result.first_solution_s:.2f} s "
        f"(incl. model build and greedy hint), total {result.runtime_s:.1f} s "
        f"(limit {TIME_LIMIT_S:g} s)"
    )
    print(f"independent checker: {len(violations)} violations")
    optimal = result.status.value == "optimal"
    print(
        json.dumps(
            {
                "instance": "50 kilns x 90 days x 3 shifts, 300 workers",
                "time_to_first_feasible_s": round(result.first_solution_s or -1, 3),
                "time_to_optimum_s": round(result.runtime_s, 3) if optimal else None,
                "gap_at_limit": None if optimal else round(result.gap or 0, 6),
                "time_limit_s": TIME_LIMIT_S,
                "status": result.status.value,
                "objective": result.objective,
                "bound": result.bound,
                "planned_t": round(planned, 1),
                "greedy_objective": greedy.objective,
                "greedy_planned_t": round(sum(t.planned_t for t in greedy.targets), 1),
                "greedy_runtime_s": round(greedy_s, 3),
                "checker_violations": len(violations),
            }
        )
    )


if __name__ == "__main__":
    main()
