"""Synthetic plants for the planner benchmark and tests: seeded, so every run plans the same.

Sections of 5 kilns of one kind, 30 workers per section posted to the section's kilns, crew of
1 per kiln-shift, some relinings (a few overdue), leave days, and one target per section of
5 × 40 t/d × (days − 5) — more than some sections can make safely, so shortfalls occur.
Sections share nothing, so the problem falls apart into one part per section
(:func:`kilnguard.domain.planning.decompose.split`).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from kilnguard.domain.planning.problem import (
    Kiln,
    MaintenanceTask,
    PlanningProblem,
    Target,
    Worker,
)

__all__ = ["START", "instance"]

START = date(2021, 10, 4)


def instance(
    seed: int = 7,
    sections: int = 10,
    days: int = 90,
    *,
    workers_per_section: int = 30,
    crew_size: int = 1,
) -> PlanningProblem:
    """``sections`` × 5 kilns over ``days`` days, ``workers_per_section`` workers per section
    (seed 7, 10 sections, 90 days is the issue-4 benchmark instance, unchanged). Few workers
    or a larger ``crew_size`` make crews, not kilns, the binding constraint (the crew
    layer's test: 8 workers for crews of 2)."""
    rng = random.Random(seed)
    kilns, workers, targets = [], [], []
    for sec in range(sections):
        kind = "periodic" if sec % 2 else "tunnel"
        ids = [f"S{sec}K{i}" for i in range(5)]
        for kid in ids:
            maint: tuple[MaintenanceTask, ...] = ()
            if rng.random() < 0.3:
                due = START + timedelta(days=rng.randint(-10, days - 10))
                maint = (MaintenanceTask(f"{kid}-M", "relining", rng.randint(2, 6), due, True),)
            kilns.append(
                Kiln(
                    kid,
                    kid,
                    kind,
                    float(rng.choice([30, 40, 50])),
                    crew_size=crew_size,
                    campaign_limit_days=rng.choice([20, 30, 45]),
                    days_run_since_stop=rng.randint(0, 20),
                    maintenance=maint,
                )
            )
        for w in range(workers_per_section):
            away = {
                START + timedelta(days=rng.randint(0, days - 1)) for _ in range(rng.randint(0, 4))
            }
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
            Target(
                f"S{sec}T",
                5 * 40.0 * (days - 5),
                START + timedelta(days=days - 1),
                frozenset(ids),
                START,
            )
        )
    return PlanningProblem(START, days, tuple(kilns), tuple(workers), tuple(targets))
