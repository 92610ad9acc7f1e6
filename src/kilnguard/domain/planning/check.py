"""Independent plan checker: does a plan keep every safety rule? No solver involved.

Solver- and algorithm-agnostic (after cpsat-primer ``nurserostering/validation.py``): it reads
the problem and the plan and re-checks each rule directly in its human form — hours between
shifts from clock times, runs of consecutive days, rolling 168 h windows — not in the
encoded form the CP-SAT model uses. Every plan the planner returns must pass (tests assert it);
a violation message names the worker or kiln, the shifts and the numbers.

Importing this module must not import OR-Tools (tested): it depends only on the data types.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise

from kilnguard.domain.planning.problem import PlanningProblem
from kilnguard.domain.planning.result import PlanResult, ShiftAssignment

__all__ = [
    "CHECKS",
    "PlanViolation",
    "PlanViolationError",
    "assert_plan_valid",
    "check_campaign_limit",
    "check_consecutive_nights",
    "check_consecutive_shifts",
    "check_crew_and_qualification",
    "check_hours_per_7_days",
    "check_maintenance_windows",
    "check_plan",
    "check_planned_stops",
    "check_rating",
    "check_rest_between_shifts",
    "check_target_accounting",
    "check_wear",
]

_EPS_T = 1e-6  # [t] tolerance for float output comparisons
_EPS_H = 1e-6  # [h]


@dataclass(frozen=True)
class PlanViolation:
    """One broken rule: ``rule`` (the check's name) and a message with names and numbers."""

    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


class PlanViolationError(AssertionError):
    """Raised by :func:`assert_plan_valid`; carries every violation found."""

    def __init__(self, violations: list[PlanViolation]) -> None:
        self.violations = violations
        super().__init__("; ".join(str(v) for v in violations[:10]))


Check = Callable[[PlanningProblem, PlanResult], list[PlanViolation]]
_Finder = Callable[[PlanningProblem, PlanResult], Iterator["str | PlanViolation"]]


def _rule(name: str) -> Callable[[_Finder], Check]:
    """Make a check of the findings a generator yields: a plain message breaks the check's
    own rule `name`; a `PlanViolation` names another (crew, availability)."""

    def wrap(find: _Finder) -> Check:
        @functools.wraps(find)
        def check(problem: PlanningProblem, result: PlanResult) -> list[PlanViolation]:
            return [
                f if isinstance(f, PlanViolation) else PlanViolation(name, f)
                for f in find(problem, result)
            ]

        return check

    return wrap


def _worker_shifts(result: PlanResult) -> dict[str, list[ShiftAssignment]]:
    by_worker: dict[str, list[ShiftAssignment]] = defaultdict(list)
    for s in result.shifts:
        for w in s.worker_ids:
            by_worker[w].append(s)
    for shifts in by_worker.values():
        shifts.sort(key=lambda s: s.start)
    return by_worker


def _runs(days: Iterable[date]) -> list[tuple[date, int]]:
    """Maximal runs of consecutive dates as (first day, length)."""
    ordered = sorted(set(days))
    runs: list[tuple[date, int]] = []
    for d in ordered:
        if runs and runs[-1][0] + timedelta(days=runs[-1][1]) == d:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((d, 1))
    return runs


@_rule("rating")
def check_rating(problem: PlanningProblem, result: PlanResult) -> Iterator[str | PlanViolation]:
    """Every kiln-shift's output ≤ rating × allowed margin × shift length / 24 h [t]."""
    kilns = {k.kiln_id: k for k in problem.kilns}
    for s in result.shifts:
        kiln = kilns[s.kiln_id]
        cap = kiln.rated_capacity_t_per_day * result.allowed_load_margin * s.length_h / 24.0
        if s.output_t > cap + _EPS_T or s.output_t < -_EPS_T:
            yield (
                f"kiln {s.kiln_id} shift {s.start:%Y-%m-%d %H:%M} plans {s.output_t:.3f} t, "
                f"limit {kiln.rated_capacity_t_per_day:g} t/day × {result.allowed_load_margin:.2f}"
                f" × {s.length_h:g} h / 24 h = {cap:.3f} t"
            )


def _maintenance_days(result: PlanResult) -> dict[str, list[tuple[date, date, str]]]:
    by_kiln: dict[str, list[tuple[date, date, str]]] = defaultdict(list)
    for m in result.maintenance:
        by_kiln[m.kiln_id].append((m.first_day, m.last_day, m.name))
    return by_kiln


@_rule("maintenance")
def check_maintenance_windows(
    problem: PlanningProblem, result: PlanResult
) -> Iterator[str | PlanViolation]:
    """Every task due in the horizon is placed once, finishes by its due date (overdue tasks
    start on the first day), and the kiln does not fire on any maintenance day."""
    placed = {m.task_id: m for m in result.maintenance}
    for kiln in problem.kilns:
        for task in kiln.maintenance:
            due_in_horizon = problem.day_of(task.due_on) - task.duration_days < problem.horizon_days
            slot = placed.get(task.task_id)
            if slot is None:
                if due_in_horizon:
                    yield (
                        f"{task.name} ({task.task_id}) of kiln {kiln.kiln_id}, due {task.due_on},"
                        f" is not scheduled"
                    )
                continue
            if (slot.last_day - slot.first_day).days + 1 != task.duration_days:
                yield (
                    f"{task.name} of kiln {kiln.kiln_id} scheduled "
                    f"{(slot.last_day - slot.first_day).days + 1} days, needs "
                    f"{task.duration_days} days"
                )
            late_at_start = problem.day_of(task.due_on) - task.duration_days < 0
            if late_at_start and slot.first_day != problem.horizon_start:
                yield (
                    f"{task.name} of kiln {kiln.kiln_id} is overdue (due {task.due_on}) but starts"
                    f" {slot.first_day}, not on the first day {problem.horizon_start}"
                )
            if not late_at_start and slot.last_day >= task.due_on:
                yield (
                    f"{task.name} of kiln {kiln.kiln_id} ends {slot.last_day}, due {task.due_on}"
                )
            if slot.first_day < problem.horizon_start:
                yield f"{task.name} of kiln {kiln.kiln_id} starts before the horizon"
    windows = _maintenance_days(result)
    for s in result.shifts:
        for first, last, name in windows.get(s.kiln_id, []):
            if first <= s.day <= last:
                yield (
                    f"kiln {s.kiln_id} fires on {s.day} shift {s.shift_of_day} during {name} "
                    f"({first}..{last})"
                )


@_rule("planned stop")
def check_planned_stops(
    problem: PlanningProblem, result: PlanResult
) -> Iterator[str | PlanViolation]:
    """No kiln fires on a day of its planned stops."""
    for s in result.shifts:
        for stop in problem.planned_stops:
            if stop.kiln_id == s.kiln_id and stop.first_day <= s.day <= stop.last_day:
                yield (
                    f"kiln {s.kiln_id} fires on {s.day} during {stop.reason} "
                    f"({stop.first_day}..{stop.last_day})"
                )


@_rule("campaign limit")
def check_campaign_limit(
    problem: PlanningProblem, result: PlanResult
) -> Iterator[str | PlanViolation]:
    """No kiln fires more than ``campaign_limit_days`` consecutive days (counting the days
    already run at the horizon start)."""
    fired: dict[str, set[date]] = defaultdict(set)
    for s in result.shifts:
        fired[s.kiln_id].add(s.day)
    for kiln in problem.kilns:
        for first, length in _runs(fired[kiln.kiln_id]):
            carried = kiln.days_run_since_stop if first == problem.horizon_start else 0
            if length + carried > kiln.campaign_limit_days:
                yield (
                    f"kiln {kiln.kiln_id} fires {length} days from {first}"
                    + (f" after {carried} days already run" if carried else "")
                    + f": {length + carried} > limit {kiln.campaign_limit_days} days"
                )


@_rule("qualification")
def check_crew_and_qualification(
    problem: PlanningProblem, result: PlanResult
) -> Iterator[str | PlanViolation]:
    """Every firing kiln-shift has exactly ``crew_size`` distinct workers, each qualified for
    the kiln's kind, posted to it, available that day, and in no other kiln that shift."""
    kilns = {k.kiln_id: k for k in problem.kilns}
    workers = {w.worker_id: w for w in problem.workers}
    busy: dict[tuple[str, int], str] = {}
    for s in result.shifts:
        kiln = kilns[s.kiln_id]
        if len(set(s.worker_ids)) != kiln.crew_size or len(s.worker_ids) != kiln.crew_size:
            yield PlanViolation(
                "crew",
                f"kiln {s.kiln_id} shift {s.start:%Y-%m-%d %H:%M} has {len(s.worker_ids)} "
                f"workers, needs {kiln.crew_size}",
            )
        for wid in s.worker_ids:
            worker = workers.get(wid)
            if worker is None:
                yield f"unknown worker {wid}"
                continue
            if kiln.kind not in worker.qualified_kinds:
                yield (
                    f"worker {wid} is not qualified for {kiln.kind} kilns (kiln {s.kiln_id}, "
                    f"{s.start:%Y-%m-%d %H:%M})"
                )
            if worker.kiln_ids is not None and kiln.kiln_id not in worker.kiln_ids:
                yield f"worker {wid} is not posted to kiln {s.kiln_id}"
            if s.day in worker.unavailable_days:
                yield PlanViolation(
                    "availability", f"worker {wid} is unavailable on {s.day} but works it"
                )
            other = busy.get((wid, s.shift_index))
            if other is not None:
                yield PlanViolation(
                    "crew",
                    f"worker {wid} is on kilns {other} and {s.kiln_id} in the same shift "
                    f"{s.start:%Y-%m-%d %H:%M}",
                )
            busy[(wid, s.shift_index)] = s.kiln_id


@_rule("rest between shifts")
def check_rest_between_shifts(
    problem: PlanningProblem, result: PlanResult
) -> Iterator[str | PlanViolation]:
    """Between the end of a worker's shift and the start of their next: ≥ ``min_rest_h``."""
    need = problem.rest_rules.min_rest_h
    for wid, shifts in _worker_shifts(result).items():
        for a, b in pairwise(shifts):
            if a.shift_index == b.shift_index:
                continue  # double booking is the crew check's finding
            rest_h = (b.start - (a.start + timedelta(hours=a.length_h))).total_seconds() / 3600
            if rest_h < need - _EPS_H:
                yield (
                    f"worker {wid}: shifts {a.start:%Y-%m-%d %H:%M} and {b.start:%Y-%m-%d %H:%M}"
                    f" leave {rest_h:g} h rest < {need:g} h"
                )


def _long_runs(
    result: PlanResult,
    limit: int,
    what: str,
    counts: Callable[[ShiftAssignment], bool] = lambda _: True,
) -> Iterator[str]:
    """Each worker's runs of more than `limit` consecutive days with a shift that `counts`."""
    for wid, shifts in _worker_shifts(result).items():
        for first, length in _runs(s.day for s in shifts if counts(s)):
            if length > limit:
                yield f"worker {wid} works {length} consecutive {what} from {first} > {limit}"


@_rule("consecutive shifts")
def check_consecutive_shifts(
    problem: PlanningProblem, result: PlanResult
) -> Iterator[str | PlanViolation]:
    """No worker works shifts on more than ``max_consecutive_shifts`` consecutive days."""
    yield from _long_runs(result, problem.rest_rules.max_consecutive_shifts, "days")


@_rule("consecutive nights")
def check_consecutive_nights(
    problem: PlanningProblem, result: PlanResult
) -> Iterator[str | PlanViolation]:
    """No worker works night shifts on more than ``max_consecutive_nights`` consecutive days.

    A night shift has at least ``night_min_h`` hours in the night period — recomputed here
    from clock times, not taken from the plan's ``night`` flag.
    """
    rules = problem.rest_rules
    limit = rules.max_consecutive_nights

    def is_night(s: ShiftAssignment) -> bool:
        # Night hours depend only on when in its day a shift starts and how long it is.
        key = (s.start - datetime.combine(s.day, datetime.min.time()), s.length_h)
        if key not in known:
            known[key] = night_hours(s) >= rules.night_min_h - _EPS_H
        return known[key]

    known: dict[tuple[timedelta, float], bool] = {}

    def night_hours(s: ShiftAssignment) -> float:
        total = 0.0
        day0 = datetime.combine(s.day, datetime.min.time())
        end = s.start + timedelta(hours=s.length_h)
        for offset in (-1, 0, 1):
            n_start = day0 + timedelta(days=offset, hours=rules.night_start_h)
            n_end = day0 + timedelta(days=offset, hours=rules.night_end_h)
            if n_end <= n_start:
                n_end += timedelta(days=1)
            overlap = (min(end, n_end) - max(s.start, n_start)).total_seconds() / 3600
            total += max(0.0, overlap)
        return total

    yield from _long_runs(result, limit, "nights", is_night)


@_rule("hours per 7 days")
def check_hours_per_7_days(
    problem: PlanningProblem, result: PlanResult
) -> Iterator[str | PlanViolation]:
    """In every 168 h window starting at one of a worker's shift starts: hours of shifts that
    start in it ≤ ``max_hours_per_7_days``."""
    limit = problem.rest_rules.max_hours_per_7_days
    week = timedelta(days=7)
    for wid, shifts in _worker_shifts(result).items():
        n = len(shifts)
        for i, a in enumerate(shifts):
            # Sorted by start: the shifts starting in the window follow `a` without a gap.
            end, hours, j = a.start + week, 0.0, i
            while j < n and shifts[j].start < end:
                hours += shifts[j].length_h
                j += 1
            if hours > limit + _EPS_H:
                yield (
                    f"worker {wid} works {hours:g} h in the 7 days from "
                    f"{a.start:%Y-%m-%d %H:%M} > {limit:g} h"
                )
                break


@_rule("wear")
def check_wear(problem: PlanningProblem, result: PlanResult) -> Iterator[str | PlanViolation]:
    """Lining damage at the end of the horizon ≤ ``max_wear_damage`` per kiln: Miner, n = 1,
    D_end = D0 + Σ output / (rating × design life), from 0 after the last relining."""
    for kiln in problem.kilns:
        if kiln.max_wear_damage is None:
            continue
        relined = [
            m.last_day
            for m in result.maintenance
            if m.kiln_id == kiln.kiln_id
            and any(t.task_id == m.task_id and t.resets_wear for t in kiln.maintenance)
        ]
        after = max(relined, default=None)
        made = sum(
            s.output_t
            for s in result.shifts
            if s.kiln_id == kiln.kiln_id and (after is None or s.day > after)
        )
        damage = (0.0 if after else kiln.wear_damage) + made / (
            kiln.rated_capacity_t_per_day * kiln.lining_design_life_days
        )
        if damage > kiln.max_wear_damage + 1e-6:
            yield (
                f"kiln {kiln.kiln_id} ends the horizon with lining damage {damage:.4f} > "
                f"limit {kiln.max_wear_damage:g}"
            )


@_rule("targets")
def check_target_accounting(
    problem: PlanningProblem, result: PlanResult
) -> Iterator[str | PlanViolation]:
    """The tonnes the plan credits to targets exist: per target, planned ≤ scope output in its
    window; in total, ≤ the output of all kilns; shortfall = quantity − planned."""
    credited_total = 0.0
    for outcome in result.targets:
        target = next(t for t in problem.targets if t.target_id == outcome.target_id)
        made = sum(
            s.output_t
            for s in result.shifts
            if s.kiln_id in target.kiln_ids and target.entered_on <= s.day <= target.deadline
        )
        if outcome.planned_t > made + _EPS_T * max(1, len(result.shifts)):
            yield (
                f"target {target.target_id} credited {outcome.planned_t:.3f} t but its kilns make"
                f" {made:.3f} t by {target.deadline}"
            )
        if abs(outcome.shortfall_t - max(0.0, target.quantity_t - outcome.planned_t)) > 1e-6:
            yield f"target {target.target_id} shortfall does not add up"
        credited_total += outcome.planned_t
    if credited_total > result.total_output_t + _EPS_T * max(1, len(result.shifts)):
        yield (
            f"targets credited {credited_total:.3f} t > total output {result.total_output_t:.3f} t"
        )


CHECKS: tuple[Callable[[PlanningProblem, PlanResult], list[PlanViolation]], ...] = (
    check_rating,
    check_maintenance_windows,
    check_planned_stops,
    check_campaign_limit,
    check_crew_and_qualification,
    check_rest_between_shifts,
    check_consecutive_shifts,
    check_consecutive_nights,
    check_hours_per_7_days,
    check_wear,
    check_target_accounting,
)


def check_plan(problem: PlanningProblem, result: PlanResult) -> list[PlanViolation]:
    """Run every check; an empty list means the plan keeps every rule."""
    return [v for check in CHECKS for v in check(problem, result)]


def assert_plan_valid(problem: PlanningProblem, result: PlanResult) -> None:
    """Raise :class:`PlanViolationError` listing every violation, if any."""
    violations = check_plan(problem, result)
    if violations:
        raise PlanViolationError(violations)
