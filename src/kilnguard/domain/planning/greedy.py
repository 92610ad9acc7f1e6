"""Greedy baseline planner: shift by shift, fire every kiln that may fire, with the most rested
qualified workers, at full allowed load until the targets are met.

Purpose: (1) the benchmark's baseline objective, so the CP-SAT gain is a number; (2) a
solution hint that gives CP-SAT a good first plan on large instances. It keeps every hard rule
(the same rules as the CP-SAT units and the checker) but does not look ahead, so it may leave
tonnes on the table (e.g. a crew rested for a night shift is used on the afternoon before).
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass, field, replace

from kilnguard.domain.planning.problem import Kiln, PlanningProblem, Worker
from kilnguard.domain.planning.result import (
    MaintenanceSlot,
    PlanResult,
    PlanStatus,
    ProductionPlan,
    ShiftAssignment,
    TargetOutcome,
)

__all__ = ["greedy_plan", "plan_objective", "roster"]

_OUTPUT_UNITS_PER_T_PER_DAY = 100  # same scale as the CP-SAT model (solver.py)
_SHORTFALL_WEIGHT = 1000


@dataclass
class _WorkerState:
    shift_starts: list[int] = field(default_factory=list)  # global shift indices worked
    days: set[int] = field(default_factory=set)
    nights: set[int] = field(default_factory=set)


def _run_length(days: set[int], day: int) -> int:
    """Number of consecutive days in ``days`` ending the day before ``day``."""
    n = 0
    while day - 1 - n in days:
        n += 1
    return n


class _Roster:
    """Who has worked when, and who may work a shift next under the rest rules.

    The rules are those of the CP-SAT units and the checker; shifts must be added in time
    order (the 168 h window ending at the new shift is then the only new one).
    """

    def __init__(self, problem: PlanningProblem) -> None:
        self.problem = problem
        self.spd = problem.shift_pattern.shifts_per_day
        length = problem.shift_pattern.shift_length_h
        rules = problem.rest_rules
        self.max_shifts_7d = int(rules.max_hours_per_7_days / length + 1e-9)
        self.gap = 1
        while (self.gap - 1) * length < rules.min_rest_h - 1e-9:
            self.gap += 1
        self.night = [problem.is_night_shift(s) for s in range(self.spd)]
        self.state = {w.worker_id: _WorkerState() for w in problem.workers}
        self.staff = {
            k.kiln_id: [w for w in problem.workers if w.may_operate(k)] for k in problem.kilns
        }
        # Eligibility in the current shift, per worker: it depends on the worker's own record
        # only, and a worker booked in the shift is `taken` anyway (the first plan in ≤ 1 s).
        self.memo_t = -1
        self.memo: dict[str, bool] = {}

    def eligible(self, worker_id: str, t: int, day: int, night: bool) -> bool:
        rules = self.problem.rest_rules
        st = self.state[worker_id]
        if st.shift_starts and t - st.shift_starts[-1] < self.gap:
            return False
        if day not in st.days and _run_length(st.days, day) >= rules.max_consecutive_shifts:
            return False
        if (
            night
            and day not in st.nights
            and (_run_length(st.nights, day) >= rules.max_consecutive_nights)
        ):
            return False
        n = self.max_shifts_7d
        return len(st.shift_starts) < n or st.shift_starts[-n] <= t - 7 * self.spd

    def crew(self, kiln: Kiln, t: int, taken: set[str]) -> list[Worker] | None:
        """The most rested eligible crew for ``kiln`` in shift ``t``, or None if too few."""
        day = t // self.spd
        day_date = self.problem.date_of(day)
        night = self.night[t % self.spd]
        if t != self.memo_t:
            self.memo_t, self.memo = t, {}
        memo = self.memo
        crew = []
        for w in self.staff[kiln.kiln_id]:
            if w.worker_id in taken:
                continue
            ok = memo.get(w.worker_id)
            if ok is None:
                ok = memo[w.worker_id] = day_date not in w.unavailable_days and self.eligible(
                    w.worker_id, t, day, night
                )
            if ok:
                crew.append(w)
        if len(crew) < kiln.crew_size:
            return None
        return heapq.nsmallest(
            kiln.crew_size,
            crew,
            key=lambda w: (len(self.state[w.worker_id].shift_starts), w.worker_id),
        )

    def book(self, workers: list[Worker], t: int, taken: set[str]) -> None:
        day = t // self.spd
        night = self.night[t % self.spd]
        for w in workers:
            st = self.state[w.worker_id]
            st.shift_starts.append(t)
            st.days.add(day)
            if night:
                st.nights.add(day)
            taken.add(w.worker_id)


class _WearBudgets:
    """Tonnes each kiln may still make without its lining damage at the horizon's end passing
    ``max_wear_damage`` (the CP-SAT ``wear_limit`` rule); output before a relining is free."""

    def __init__(self, problem: PlanningProblem, slots: list[MaintenanceSlot]) -> None:
        per_t = _OUTPUT_UNITS_PER_T_PER_DAY * problem.shift_pattern.shifts_per_day
        self.left: dict[str, float] = {}
        self.counts_from: dict[str, int] = {}
        for kiln in problem.kilns:
            resets = [
                problem.day_of(slot.last_day) + 1
                for slot in slots
                for task in kiln.maintenance
                if slot.task_id == task.task_id and task.resets_wear
            ]
            budget = problem.wear_budget_t(kiln, reset=bool(resets))
            if budget is not None:  # whole output units, as the CP-SAT rule
                self.left[kiln.kiln_id] = int(budget * per_t + 1e-6) / per_t
                self.counts_from[kiln.kiln_id] = max(resets, default=0)

    def cap(self, kiln_id: str, day: int, output: float) -> float:
        """``output`` cut to what the lining may still take [t]."""
        if kiln_id not in self.left or day < self.counts_from[kiln_id]:
            return output
        return max(0.0, min(output, self.left[kiln_id]))

    def use(self, kiln_id: str, day: int, output: float) -> None:
        if kiln_id in self.left and day >= self.counts_from[kiln_id]:
            self.left[kiln_id] -= output


def greedy_plan(problem: PlanningProblem) -> PlanResult:
    """Plan greedily; the result passes the independent checker (tested)."""
    return _plan(problem, None)


def roster(problem: PlanningProblem, production: ProductionPlan) -> PlanResult:
    """Crews for a fixed production plan (the crew layer), most rested worker first.

    A kiln-shift no eligible crew can be found for is dropped (its output lost), and one whose
    targets are already met is not fired, so the result always keeps every rule; compare its
    objective with the production layer's to see whether the roster covered everything.
    """
    return _plan(problem, production)


def _plan(problem: PlanningProblem, production: ProductionPlan | None) -> PlanResult:
    t0 = time.perf_counter()
    spd = problem.shift_pattern.shifts_per_day
    length = problem.shift_pattern.shift_length_h
    # Maintenance as early as allowed (greedy): overdue work first, and the earliest start is
    # safest. With a production plan: where the production layer put it.
    blocked: dict[str, set[int]] = {
        k.kiln_id: set(problem.stopped_days(k.kiln_id)) for k in problem.kilns
    }
    slots = []
    for kiln in problem.kilns:
        for task in kiln.maintenance:
            window = problem.maintenance_window(task)
            if window is None:
                continue
            d0 = window[0] if production is None else production.maintenance_start[task.task_id]
            blocked[kiln.kiln_id].update(range(d0, d0 + task.duration_days))
            slots.append(
                MaintenanceSlot.place(
                    kiln.kiln_id, task, problem.date_of(d0), problem.horizon_start
                )
            )
    wear = _WearBudgets(problem, slots)
    # Remaining need per target [t]; kilns serve the earliest-deadline open target in scope.
    need = {t.target_id: t.quantity_t for t in problem.targets}
    targets = sorted(problem.targets, key=lambda t: t.deadline)
    credited = {t.target_id: 0.0 for t in problem.targets}
    crews = _Roster(problem)
    run_days = {k.kiln_id: k.days_run_since_stop for k in problem.kilns}
    fired_today: dict[str, bool] = {}
    shifts: list[ShiftAssignment] = []
    credit_of: list[str] = []  # target credited by each shift

    def open_targets(kiln: Kiln, day: int) -> list[str]:
        return [
            target.target_id
            for target in targets
            if kiln.kiln_id in target.kiln_ids
            and day in problem.target_days(target)
            and need[target.target_id] > 1e-9
        ]

    for day in range(problem.horizon_days):
        fired_today = {k.kiln_id: False for k in problem.kilns}
        day_date = problem.date_of(day)
        for s in range(spd):
            t = day * spd + s
            night = crews.night[s]
            taken: set[str] = set()
            for kiln in problem.kilns:
                if day in blocked[kiln.kiln_id]:
                    continue
                if not fired_today[kiln.kiln_id] and run_days[kiln.kiln_id] >= (
                    kiln.campaign_limit_days
                ):
                    continue
                open_ids = open_targets(kiln, day)
                if not open_ids:  # nothing left to make: no crew spent on it
                    continue
                if production is None:
                    # First pass at rating (100 %); tonnes above rating in the top-up below.
                    rated_units = int(
                        kiln.rated_capacity_t_per_day
                        * min(1.0, problem.allowed_load_margin)
                        * _OUTPUT_UNITS_PER_T_PER_DAY
                        + 1e-9
                    )
                    output = min(
                        rated_units / (_OUTPUT_UNITS_PER_T_PER_DAY * spd), need[open_ids[0]]
                    )
                else:
                    output = production.output_t.get((kiln.kiln_id, t), -1.0)
                    if output < 0:
                        continue
                output = wear.cap(kiln.kiln_id, day, output)
                if output <= 1e-9:
                    continue
                chosen = crews.crew(kiln, t, taken)
                if chosen is None:
                    continue
                crews.book(chosen, t, taken)
                wear.use(kiln.kiln_id, day, output)
                left = output
                for target_id in open_ids:  # greedy: one target; production: split the output
                    share = min(left, need[target_id])
                    need[target_id] -= share
                    credited[target_id] += share
                    left -= share
                    if left <= 1e-12:
                        break
                credit_of.append(open_ids[0])
                if not fired_today[kiln.kiln_id]:
                    run_days[kiln.kiln_id] += 1
                fired_today[kiln.kiln_id] = True
                rated = kiln.rated_capacity_t_per_day / spd
                shifts.append(
                    ShiftAssignment(
                        kiln_id=kiln.kiln_id,
                        day=day_date,
                        shift_index=t,
                        shift_of_day=s,
                        start=problem.shift_start(t),
                        length_h=length,
                        night=night,
                        output_t=output,
                        load_ratio=output / rated,
                        worker_ids=tuple(sorted(w.worker_id for w in chosen)),
                        crews=tuple(sorted({w.crew for w in chosen})),
                    )
                )
        for kiln in problem.kilns:
            if not fired_today[kiln.kiln_id]:
                run_days[kiln.kiln_id] = 0
    # Top-up: if a target is still short and the margin allows, raise its shifts in steps of
    # 25 % of rating (all shifts to 125 %, then 150 %, …) so the excess is spread, not peaked.
    level = 1.0
    while production is None and level < problem.allowed_load_margin - 1e-9:
        level = min(problem.allowed_load_margin, level + 0.25)
        for target in targets:
            for i, s_ in enumerate(shifts):
                if need[target.target_id] <= 1e-9:
                    break
                if credit_of[i] != target.target_id:
                    continue
                kiln = problem.kiln(s_.kiln_id)
                cap_units = int(
                    kiln.rated_capacity_t_per_day * level * _OUTPUT_UNITS_PER_T_PER_DAY + 1e-9
                )
                cap_t = cap_units / (_OUTPUT_UNITS_PER_T_PER_DAY * spd)
                day = problem.day_of(s_.day)
                extra = wear.cap(s_.kiln_id, day, min(cap_t - s_.output_t, need[target.target_id]))
                if extra <= 0:
                    continue
                wear.use(s_.kiln_id, day, extra)
                need[target.target_id] -= extra
                credited[target.target_id] += extra
                output = s_.output_t + extra
                shifts[i] = replace(
                    s_, output_t=output, load_ratio=output * spd / kiln.rated_capacity_t_per_day
                )
    outcomes = tuple(
        TargetOutcome(
            t.target_id,
            t.quantity_t,
            t.deadline,
            credited[t.target_id],
            max(0.0, t.quantity_t - credited[t.target_id]),
        )
        for t in problem.targets
    )
    result = PlanResult(
        status=PlanStatus.FEASIBLE,
        allowed_load_margin=problem.allowed_load_margin,
        runtime_s=time.perf_counter() - t0,
        shifts=tuple(shifts),
        maintenance=tuple(slots),
        targets=outcomes,
    )
    return replace(
        result,
        objective=plan_objective(problem, result),
        first_solution_s=result.runtime_s,
        penalties={
            "shortfall_t": sum(o.shortfall_t for o in outcomes),
            "worker_shifts": float(sum(len(s.worker_ids) for s in shifts)),
            "night_worker_shifts": float(sum(len(s.worker_ids) for s in shifts if s.night)),
        },
    )


def plan_objective(problem: PlanningProblem, result: PlanResult) -> float:
    """The CP-SAT objective recomputed from a plan, so any two plans compare on one scale.

    Σ_targets 1000 × weight × shortfall units + tiered overload units (2**i per unit above
    tier edge i, tiers 25 % of rating wide) + worker-shifts + night
    worker-shifts (see ``solver._objective``); 1 unit = 1 / (100 × shifts_per_day) t.
    """
    spd = problem.shift_pattern.shifts_per_day
    per_t = _OUTPUT_UNITS_PER_T_PER_DAY * spd
    latest = problem.priority_day
    total = 0.0
    by_id = {o.target_id: o for o in result.targets}
    for target in problem.targets:
        weight = 1 + max(0, latest - problem.day_of(target.deadline)) // 7
        outcome = by_id[target.target_id]
        qty_units = -(-round(target.quantity_t * per_t * 1000) // 1000)
        planned_units = round(outcome.planned_t * per_t)
        total += _SHORTFALL_WEIGHT * weight * max(0, qty_units - planned_units)
    kilns = {k.kiln_id: k for k in problem.kilns}
    for s in result.shifts:
        rated_units = int(
            kilns[s.kiln_id].rated_capacity_t_per_day * _OUTPUT_UNITS_PER_T_PER_DAY + 1e-9
        )
        units = round(s.output_t * per_t)
        step = max(1, rated_units // 4)
        tier, low = 0, rated_units
        cap_units = int(
            kilns[s.kiln_id].rated_capacity_t_per_day
            * result.allowed_load_margin
            * _OUTPUT_UNITS_PER_T_PER_DAY
            + 1e-9
        )
        while low < cap_units:  # same tiers as solver.overload_tiers
            total += (2**tier) * max(0, units - low)
            tier, low = tier + 1, low + step
        total += len(s.worker_ids) * (2 if s.night else 1)
    return total
