"""Planner benchmark (issue 14): three instances in one run, each solved for 60 s by the
anytime planner (greedy first, then improved; ``domain.planning.anytime``).

- ``plant-10x28``: a 10-kiln plant over 28 days, 60 workers;
- ``benchmark-50x90``: 50 kilns × 90 days × 3 shifts, 300 workers (the issue-4 instance);
- ``region-200x90``: a 200-kiln region over 90 days, 1,200 workers.

Synthetic, seeded: sections of 5 kilns of one kind, 30 workers per section posted to the
section's kilns, crew of 1 per kiln-shift, some overdue relinings, leave days, and one target
per section that exceeds what the section can make safely on some sections (so the objective
is not trivially small). Progress goes to stderr; figures to stdout; the LAST line is one JSON
object ``{"instances": [...]}``. The objective is minimised (``sense`` "min").

Run: .venv/bin/python benchmarks/planner.py  (about 3½ minutes on 2 cores)
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from kilnguard.domain.planning import PlanningProblem
from kilnguard.domain.planning.anytime import Progress, solve_safe_plan
from kilnguard.domain.planning.check import check_plan
from kilnguard.domain.planning.synthetic import instance

TIME_LIMIT_S = 60.0
MARKS_S = (1.0, 10.0, 60.0)


INSTANCES = (
    ("plant-10x28", {"seed": 11, "sections": 2, "days": 28}),
    ("benchmark-50x90", {"seed": 7, "sections": 10, "days": 90}),
    ("region-200x90", {"seed": 23, "sections": 40, "days": 90}),
)


@dataclass
class Timeline:
    """Every progress report of one run."""

    reports: list[Progress] = field(default_factory=list)

    def __call__(self, progress: Progress) -> None:
        self.reports.append(progress)
        print(
            f"  {progress.elapsed_s:7.2f} s {progress.stage:9s} objective "
            f"{progress.objective:,.0f} bound {progress.bound:,.0f} gap {progress.gap:.2e} "
            f"({progress.parts_solved}/{progress.parts} parts solved)",
            file=sys.stderr,
            flush=True,
        )

    def at(self, mark_s: float) -> Progress | None:
        """The last report at or before ``mark_s`` (the final one if the run ended sooner)."""
        seen = [p for p in self.reports if p.elapsed_s <= mark_s]
        return seen[-1] if seen else None


def run(name: str, problem: PlanningProblem) -> dict[str, Any]:
    """One instance: never raises; a failure is reported in ``status``."""
    row: dict[str, Any] = {
        "name": name,
        "kilns": len(problem.kilns),
        "days": problem.horizon_days,
        "workers": len(problem.workers),
        "sense": "min",
        "first_plan_s": None,
        "first_plan_checked": False,
        "objective_1s": None,
        "objective_10s": None,
        "objective_60s": None,
        "bound_60s": None,
        "gap_at_60s": None,
        "greedy_objective": None,
        "status": "not run",
    }
    timeline = Timeline()
    try:
        result = solve_safe_plan(problem, TIME_LIMIT_S, on_progress=timeline)
    except Exception as exc:  # the benchmark reports, never crashes
        traceback.print_exc(file=sys.stderr)
        row["status"] = f"error: {type(exc).__name__}: {exc}"
        return row
    first = timeline.reports[0] if timeline.reports else None
    if first is not None:
        row["first_plan_s"] = round(first.elapsed_s, 3)
        row["greedy_objective"] = first.objective
        row["first_plan_checked"] = not check_plan(problem, first.plan())
    for mark in MARKS_S:
        seen = timeline.at(mark)
        row[f"objective_{mark:g}s"] = seen.objective if seen else None
    last = timeline.at(MARKS_S[-1])
    if last is not None:
        row["bound_60s"] = last.bound
        row["gap_at_60s"] = round(last.gap, 6)
    violations = check_plan(problem, result)
    row["status"] = result.status.value if not violations else "violations"
    row["final_checker_violations"] = len(violations)
    row["runtime_s"] = round(result.runtime_s, 2)
    return row


def main() -> None:
    rows = []
    for name, params in INSTANCES:
        t0 = time.perf_counter()
        problem = instance(**params)
        print(
            f"{name}: {len(problem.kilns)} kilns × {problem.horizon_days} days × "
            f"{problem.shift_pattern.shifts_per_day} shifts, {len(problem.workers)} workers "
            f"(built in {time.perf_counter() - t0:.2f} s)",
            file=sys.stderr,
            flush=True,
        )
        row = run(name, problem)
        rows.append(row)
        print(
            f"{name}: first checked plan {row['first_plan_s']} s "
            f"(clean: {row['first_plan_checked']}), greedy {row['greedy_objective']}, "
            f"1 s {row['objective_1s']}, 10 s {row['objective_10s']}, 60 s "
            f"{row['objective_60s']}, bound {row['bound_60s']}, gap {row['gap_at_60s']}, "
            f"status {row['status']}"
        )
    print(json.dumps({"instances": rows}))


if __name__ == "__main__":
    main()
