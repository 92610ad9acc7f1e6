"""The price of pushing: what each extra tonne above rating costs in wear, fatigue and risk.

For each allowed load margin (1.00 … 3.00 × rating) the planner makes its best plan; the table
shows the tonnes gained over the 100 % plan, the lining damage at the end of the horizon, a
fatigue proxy of the roster, and — when a replay callback is given — the worst risk level the
risk engine gives the plan. The risk engine is injected (never imported here), so the planner
and the risk engine can evolve separately and the replay can be faked in tests.

Wear (default, SOURCES §2.4 Palmgren–Miner [V] with the tonnage law n = 1, §2.1 [V])::

    D_end = D_0 + Σ_days r_d / L_design          r_d = day output / rating  [-]

restarting at 0 after a maintenance task with ``resets_wear`` (a relining). A different wear
model (e.g. ``kilnguard.domain.wear`` with cycles) is passed as ``wear``.

Every plan keeps the rest rules, maintenance and campaign limits — only the load margin moves.
The price therefore shows the *equipment* cost of pushing; the Komusan history also cut rest
and deferred repairs, which no margin here allows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Protocol

from kilnguard.domain.planning.anytime import solve_safe_plan
from kilnguard.domain.planning.problem import Kiln, PlanningProblem
from kilnguard.domain.planning.result import PlanResult, PlanStatus

__all__ = [
    "DEFAULT_MARGINS",
    "FatigueProxy",
    "PushingRow",
    "ReplaySummary",
    "WearModel",
    "fatigue_proxy",
    "miner_wear",
    "plan_wear",
    "price_of_pushing",
]

#: Load margins of the study [-]: 100 % to 300 % of rating (issue 4, point 3).
DEFAULT_MARGINS = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0)


class ReplaySummary(Protocol):
    """What the risk-engine replay of a plan returns; only ``worst_level`` is read here."""

    @property
    def worst_level(self) -> str:
        """Worst kiln risk level over the plan: "green", "amber", "red" or "stop"."""
        ...


#: Wear model: (kiln, daily load ratios [-] over the horizon, day index after which the lining
#: is new or None) → lining damage at the end of the horizon [-].
WearModel = Callable[[Kiln, Sequence[float], int | None], float]


def miner_wear(kiln: Kiln, daily_load_ratio: Sequence[float], relined_after: int | None) -> float:
    """Palmgren–Miner damage with n = 1: D_0 + Σ r_d / L_design [-] (SOURCES §2.4 [V]).

    >>> from kilnguard.domain.planning.problem import Kiln
    >>> k = Kiln("K", "K", "periodic", 40.0, lining_design_life_days=100.0, wear_damage=0.5)
    >>> round(miner_wear(k, [1.0] * 10 + [2.0] * 10, None), 6)  # 0.5 + (10 + 20) / 100
    0.8
    """
    damage = kiln.wear_damage
    for d, ratio in enumerate(daily_load_ratio):
        if relined_after is not None and d <= relined_after:
            damage = 0.0
            continue
        damage += ratio / kiln.lining_design_life_days
    return damage


def plan_wear(
    problem: PlanningProblem, result: PlanResult, wear: WearModel = miner_wear
) -> dict[str, float]:
    """Lining damage per kiln at the end of the plan [-]."""
    daily: dict[str, list[float]] = {k.kiln_id: [0.0] * problem.horizon_days for k in problem.kilns}
    for s in result.shifts:
        kiln = problem.kiln(s.kiln_id)
        daily[s.kiln_id][problem.day_of(s.day)] += s.output_t / kiln.rated_capacity_t_per_day
    relined: dict[str, int] = {}
    for m in result.maintenance:
        task = next(t for t in problem.kiln(m.kiln_id).maintenance if t.task_id == m.task_id)
        if task.resets_wear:
            relined[m.kiln_id] = max(relined.get(m.kiln_id, -1), problem.day_of(m.last_day))
    return {k.kiln_id: wear(k, daily[k.kiln_id], relined.get(k.kiln_id)) for k in problem.kilns}


@dataclass(frozen=True)
class FatigueProxy:
    """Roster figures that drive fatigue risk (SOURCES §3.3): counts [shifts], rest [h]."""

    worker_shifts: int
    night_worker_shifts: int
    long_worker_shifts: int  # shifts of ≥ 12 h (Folkard & Tucker 2003: RR ≈ 1.27 vs 8 h)
    shift_length_h: float
    min_rest_h: float | None  # shortest rest between two shifts of one worker
    max_consecutive_days: int


def fatigue_proxy(problem: PlanningProblem, result: PlanResult) -> FatigueProxy:
    """Night shifts, long shifts, shortest rest and longest run of work days in a plan."""
    by_worker: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
    for s in result.shifts:
        start_h = problem.shift_pattern.start_offset_h(s.shift_index)
        for w in s.worker_ids:
            by_worker[w].append((start_h, start_h + s.length_h, problem.day_of(s.day)))
    min_rest: float | None = None
    max_run = 0
    for shifts in by_worker.values():
        shifts.sort()
        for a, b in pairwise(shifts):
            rest = b[0] - a[1]
            min_rest = rest if min_rest is None else min(min_rest, rest)
        run = 0
        prev: int | None = None
        for _s, _e, day in shifts:
            if prev is not None and day == prev:
                continue
            run = run + 1 if prev is not None and day == prev + 1 else 1
            max_run = max(max_run, run)
            prev = day
    length = problem.shift_pattern.shift_length_h
    worker_shifts = sum(len(s.worker_ids) for s in result.shifts)
    return FatigueProxy(
        worker_shifts=worker_shifts,
        night_worker_shifts=sum(len(s.worker_ids) for s in result.shifts if s.night),
        long_worker_shifts=worker_shifts if length >= 12 else 0,
        shift_length_h=length,
        min_rest_h=min_rest,
        max_consecutive_days=max_run,
    )


@dataclass(frozen=True)
class PushingRow:
    """One margin of the study. Tonnes [t], damage [-], load ratio [-]."""

    margin: float
    status: PlanStatus
    planned_t: float  # credited to targets by their deadlines
    extra_t: float  # vs the 100 % plan
    total_output_t: float
    max_load_ratio: float
    wear_damage: dict[str, float]
    max_wear_damage: float
    fatigue: FatigueProxy
    worst_level: str | None  # None: not replayed
    plan: PlanResult


def price_of_pushing(
    problem: PlanningProblem,
    margins: Sequence[float] = DEFAULT_MARGINS,
    replay: Callable[[PlanResult], ReplaySummary] | None = None,
    *,
    wear: WearModel = miner_wear,
    time_limit_s: float = 10.0,
) -> tuple[PushingRow, ...]:
    """Plan at each load margin and price the extra tonnes in wear, fatigue and risk level.

    The 100 % plan is the reference for ``extra_t`` (solved even if 1.00 is not listed).
    ``replay`` is the risk engine's plan replay; every plan is replayed when it is given.
    Every margin's plan starts from the checked greedy plan (never worse than it).
    """

    def solve(margin: float) -> tuple[PlanningProblem, PlanResult]:
        sub = replace(problem, allowed_load_margin=margin)
        return sub, solve_safe_plan(sub, time_limit_s)

    solved = {m: solve(m) for m in margins}
    base = solved[1.0][1] if 1.0 in solved else solve(1.0)[1]
    base_t = sum(t.planned_t for t in base.targets)
    rows = []
    for margin in margins:
        sub, result = solved[margin]
        planned = sum(t.planned_t for t in result.targets)
        damage = plan_wear(sub, result, wear) if result.status.has_plan else {}
        rows.append(
            PushingRow(
                margin=margin,
                status=result.status,
                planned_t=planned,
                extra_t=planned - base_t,
                total_output_t=result.total_output_t,
                max_load_ratio=max((s.load_ratio for s in result.shifts), default=0.0),
                wear_damage=damage,
                max_wear_damage=max(damage.values(), default=0.0),
                fatigue=fatigue_proxy(sub, result),
                worst_level=None if replay is None else replay(result).worst_level,
                plan=result,
            )
        )
    return tuple(rows)
