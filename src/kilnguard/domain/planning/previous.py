"""The adopted plan read back by the next planning run (issue 14 point 5): carried over onto the
new problem as a starting plan where it is still feasible, and compared with the new plan.

A previous plan is only what an adoption keeps: planned output per kiln, day and shift of day
[t]. :func:`carry_over` turns it into a production decision of the new problem — the kiln-shifts
inside the new horizon, each task's maintenance placed at the earliest start in its window
where the previous plan leaves the kiln idle for the whole task (:func:`place_maintenance`;
the window's first day when it leaves no room, the previous output on those days dropped) —
and rosters it (:func:`~.greedy.roster`), which drops any kiln-shift the new rules no longer
allow. The result is run through the independent checker before anyone sees it; the anytime
planner offers it as a candidate incumbent, kept only when it beats greedy
(:func:`~.anytime.solve_safe_plan`). :func:`difference` says, per kiln, how the new plan
differs from the previous one over the days both cover.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from kilnguard.domain.planning.check import check_plan
from kilnguard.domain.planning.greedy import roster
from kilnguard.domain.planning.problem import PlanningProblem
from kilnguard.domain.planning.result import PlanResult, ProductionPlan

__all__ = [
    "KilnChange",
    "PreviousPlan",
    "carry_over",
    "difference",
    "place_maintenance",
]


@dataclass(frozen=True)
class PreviousPlan:
    """An adopted plan as stored: output [t] per (kiln id, day, shift of day, 0-based)."""

    plan_id: str
    output_t: Mapping[tuple[str, date, int], float]

    @classmethod
    def of(cls, plan_id: str, plan: PlanResult) -> PreviousPlan:
        """The part of ``plan`` an adoption keeps."""
        return cls(plan_id, {(s.kiln_id, s.day, s.shift_of_day): s.output_t for s in plan.shifts})

    def fired_days(self, kiln_id: str) -> set[date]:
        """The days the previous plan fires ``kiln_id`` at all."""
        return {d for (k, d, _s), out in self.output_t.items() if k == kiln_id and out > 0}


@dataclass(frozen=True)
class KilnChange:
    """One kiln over the days both plans cover: tonnes and firing shifts, previous and new."""

    kiln_id: str
    previous_t: float
    new_t: float
    previous_shifts: int
    new_shifts: int
    shifts_moved: int  # kiln-shifts fired by one plan and not the other

    @property
    def change_t(self) -> float:
        """New − previous [t]."""
        return self.new_t - self.previous_t


def place_maintenance(problem: PlanningProblem, previous: PreviousPlan) -> dict[str, int]:
    """Start day index of every task due in the horizon: the earliest start in its window at
    which the previous plan fires the kiln on none of the task's days, else the window's
    first day (the task wins: the previous output on its days is dropped by :func:`carry_over`).
    """
    starts: dict[str, int] = {}
    for kiln in problem.kilns:
        fired = {problem.day_of(d) for d in previous.fired_days(kiln.kiln_id)}
        for task in kiln.maintenance:
            window = problem.maintenance_window(task)
            if window is None:
                continue
            first, latest = window
            starts[task.task_id] = next(
                (
                    d
                    for d in range(first, latest + 1)
                    if not fired.intersection(range(d, d + task.duration_days))
                ),
                first,
            )
    return starts


def carry_over(problem: PlanningProblem, previous: PreviousPlan) -> PlanResult | None:
    """The previous plan on the new problem, checked; None when nothing of it is left.

    Kiln-shifts outside the horizon, on unknown kilns, on maintenance or stop days, or above
    the kiln's safe shift output are left out; the roster names the crews and drops what the
    rest, campaign and wear rules no longer allow. A plan the checker refuses is never
    returned (it would be a bug: the roster keeps every rule by construction).
    """
    known = {k.kiln_id for k in problem.kilns}
    spd = problem.shift_pattern.shifts_per_day
    starts = place_maintenance(problem, previous)
    blocked: dict[str, set[int]] = {
        k.kiln_id: set(problem.stopped_days(k.kiln_id)) for k in problem.kilns
    }
    for kiln in problem.kilns:
        for task in kiln.maintenance:
            if task.task_id in starts:
                d0 = starts[task.task_id]
                blocked[kiln.kiln_id].update(range(d0, d0 + task.duration_days))
    output: dict[tuple[str, int], float] = {}
    for (kiln_id, day, s), out in previous.output_t.items():
        if kiln_id not in known or out <= 0 or not 0 <= s < spd:
            continue
        if not problem.horizon_start <= day <= problem.horizon_end:
            continue
        d = problem.day_of(day)
        if d in blocked[kiln_id]:
            continue
        cap = problem.shift_cap_t(problem.kiln(kiln_id))
        output[(kiln_id, d * spd + s)] = min(out, cap)
    if not output:
        return None
    plan = roster(problem, ProductionPlan(output, starts))
    if check_plan(problem, plan):
        return None
    return plan


def difference(previous: PreviousPlan, plan: PlanResult) -> list[KilnChange]:
    """Per kiln, the previous and the new plan over the days both cover (the new plan's days
    that the previous plan also planned: from its first to its last planned day)."""
    if not plan.shifts or not previous.output_t:
        return []
    first = max(min(d for _k, d, _s in previous.output_t), min(s.day for s in plan.shifts))
    last = max(d for _k, d, _s in previous.output_t)
    before: dict[str, dict[tuple[date, int], float]] = defaultdict(dict)
    for (kiln_id, day, s), out in previous.output_t.items():
        if first <= day <= last and out > 0:
            before[kiln_id][(day, s)] = out
    after: dict[str, dict[tuple[date, int], float]] = defaultdict(dict)
    for shift in plan.shifts:
        if first <= shift.day <= last:
            after[shift.kiln_id][(shift.day, shift.shift_of_day)] = shift.output_t
    return [
        KilnChange(
            kiln_id,
            round(sum(before[kiln_id].values()), 3),
            round(sum(after[kiln_id].values()), 3),
            len(before[kiln_id]),
            len(after[kiln_id]),
            len(set(before[kiln_id]) ^ set(after[kiln_id])),
        )
        for kiln_id in sorted(set(before) | set(after))
    ]
