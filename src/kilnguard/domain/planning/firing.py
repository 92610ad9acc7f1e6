"""The most firing days a kiln can have, and where its maintenance then goes.

Given the days a kiln may not fire, firing every day the campaign limit allows (stop a day
only when the limit is reached) gives the most firing days — an exchange argument: moving a
stop day later never loses a firing day. Maintenance not yet overdue can be placed anywhere in
its window, so the best placement is found by trying every start (a task laid over a campaign
stop costs nothing). Used twice: as a cut that makes the production layer's bound tight
(:func:`~.constraints.firing_limits`), and as a production plan that beats the greedy one
(:func:`best_production`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from kilnguard.domain.planning.problem import Kiln, PlanningProblem
from kilnguard.domain.planning.result import ProductionPlan

__all__ = ["BestFiring", "best_firing", "best_production"]

#: Most maintenance placements tried per kiln; beyond it no best pattern is claimed.
_MAX_PLACEMENTS = 4000


@dataclass(frozen=True)
class BestFiring:
    """A kiln's most firing days in ``first..last`` and the maintenance starts that give them."""

    days: tuple[int, ...]
    starts: dict[str, int]


def _scan(kiln: Kiln, blocked: set[int], first: int, last: int, run: int) -> list[int]:
    days = []
    for d in range(first, last + 1):
        if d in blocked or run >= kiln.campaign_limit_days:
            run = 0
            continue
        run += 1
        days.append(d)
    return days


def best_firing(
    problem: PlanningProblem, kiln: Kiln, first: int = 0, last: int | None = None
) -> BestFiring | None:
    """The most firing days of ``kiln`` in days ``first..last`` (default: the horizon).

    From a day after the first the kiln is taken as rested (an upper bound). None when the
    maintenance placements are too many to try.
    """
    last = problem.horizon_days - 1 if last is None else last
    stopped = set(problem.stopped_days(kiln.kiln_id))
    tasks = []
    for task in kiln.maintenance:
        window = problem.maintenance_window(task)
        if window is not None:
            tasks.append((task, range(window[0], window[1] + 1)))
    count = 1
    for _task, starts in tasks:
        count *= len(starts)
    if count > _MAX_PLACEMENTS:
        return None
    run0 = kiln.days_run_since_stop if first == 0 else 0
    best: BestFiring | None = None
    for combo in itertools.product(*(starts for _task, starts in tasks)):
        blocked = set(stopped)
        for (task, _starts), d0 in zip(tasks, combo, strict=True):
            blocked.update(range(d0, d0 + task.duration_days))
        days = _scan(kiln, blocked, first, last, run0)
        if best is None or len(days) > len(best.days):
            best = BestFiring(
                tuple(days), {t.task_id: d0 for (t, _s), d0 in zip(tasks, combo, strict=True)}
            )
    return best


def best_production(problem: PlanningProblem) -> ProductionPlan | None:
    """Every kiln on its best firing pattern, every shift of a firing day at rating (the
    roster fires only what open targets still need). None if a kiln has no best pattern."""
    spd = problem.shift_pattern.shifts_per_day
    output: dict[tuple[str, int], float] = {}
    starts: dict[str, int] = {}
    for kiln in problem.kilns:
        best = best_firing(problem, kiln)
        if best is None:
            return None
        starts.update(best.starts)
        shift_t = kiln.rated_capacity_t_per_day * min(1.0, problem.allowed_load_margin) / spd
        for d in best.days:
            for t in range(d * spd, (d + 1) * spd):
                output[(kiln.kiln_id, t)] = shift_t
    return ProductionPlan(output, starts)
