"""Planning problem: validated, solver-agnostic input data for the safe production planner.

Everything the planner needs is in these frozen dataclasses, and nothing in them knows about
CP-SAT. The independent checker (``kilnguard.domain.planning.check``) reads the same data, so a
plan can be judged without trusting the solver that produced it (cpsat-primer
``examples/tdd/nurserostering/validation.py``; PyJobShop ``ProblemData.py``).

Time grid: the horizon is ``horizon_days`` calendar days from ``horizon_start``; each day has
``ShiftPattern.shifts_per_day`` equal shifts, the first starting at ``first_shift_start_h``.
Shift ``t`` (a global index) is shift ``t % shifts_per_day`` of day ``t // shifts_per_day``.

Validation raises :class:`kilnguard.domain.errors.ValidationError` naming the field, the value
and the rule; an unmeetable target is *not* an error (it is a planner result).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from kilnguard.domain.errors import ValidationError

__all__ = [
    "Kiln",
    "MaintenanceTask",
    "PlannedStop",
    "PlanningProblem",
    "RestRules",
    "ShiftPattern",
    "Target",
    "Worker",
]

#: Shifts per day accepted by :class:`ShiftPattern`: 24 h must split into whole-hour shifts.
ALLOWED_SHIFTS_PER_DAY = (1, 2, 3, 4, 6)


@dataclass(frozen=True)
class RestRules:
    """Working-time limits every planned roster must keep (hard constraints, never traded).

    Parameters (defaults and provenance, tags from ``docs/SOURCES.md`` §3.5):

    - ``min_rest_h`` [h] = 11: minimum rest between the end of one shift and the start of the
      next. EU Directive 2003/88/EC Art 3 (daily rest ≥ 11 consecutive hours per 24 h) [V].
      HSE HSG256 (2006) recommends ≥ 12 h; 11 h is the legal floor.
    - ``max_consecutive_shifts`` [shifts] = 6: shifts on consecutive calendar days; after that
      a full day off. HSE HSG256 "≤ 5–7 consecutive work days" [V]; EU 2003/88/EC Art 5
      (≥ 24 h weekly rest per 7 days) [V]. The planner enforces the stronger form "at most N
      shifts in any N + 1 consecutive days".
    - ``max_consecutive_nights`` [shifts] = 3: HSE HSG256 "≤ 3–4 successive nights" [V]. The
      planner enforces "at most N night shifts in any N + 1 consecutive days".
    - ``max_hours_per_7_days`` [h] = 48: EU 2003/88/EC Art 6 (average week ≤ 48 h incl.
      overtime) [V]. Applied here to *every* rolling 168 h window, which is stricter than the
      Directive's average over a reference period of up to 4 months.
    - ``night_start_h``, ``night_end_h`` [h of day] = 23, 6: the night period; a shift is a
      night shift if at least ``night_min_h`` = 3 h of it fall in that period. EU 2003/88/EC
      Art 2(3)–(4) (night time ≥ 7 h including 00:00–05:00; night worker ≥ 3 h of night
      work) [R]; 23:00–06:00 is the UK Working Time Regulations 1998 default [R].

    References
    ----------
    Directive 2003/88/EC of the European Parliament and of the Council of 4 November 2003
    concerning certain aspects of the organisation of working time, OJ L 299, 18.11.2003.
    HSE (2006) Managing shiftwork: health and safety guidance, HSG256, ISBN 978 0 7176 6197 8.
    """

    min_rest_h: float = 11.0  # [V] EU 2003/88/EC Art 3
    max_consecutive_shifts: int = 6  # [V] HSE HSG256; EU 2003/88/EC Art 5
    max_consecutive_nights: int = 3  # [V] HSE HSG256
    max_hours_per_7_days: float = 48.0  # [V] EU 2003/88/EC Art 6 (rolling, stricter)
    night_start_h: float = 23.0  # [R] UK WTR 1998 default night period
    night_end_h: float = 6.0  # [R]
    night_min_h: float = 3.0  # [R] EU 2003/88/EC Art 2(4)

    def __post_init__(self) -> None:
        if not 0 <= self.min_rest_h <= 48:
            raise ValidationError("min_rest_h", self.min_rest_h, "must be within 0..48 h")
        if self.max_consecutive_shifts < 1:
            raise ValidationError(
                "max_consecutive_shifts", self.max_consecutive_shifts, "must be at least 1"
            )
        if self.max_consecutive_nights < 0:
            raise ValidationError(
                "max_consecutive_nights", self.max_consecutive_nights, "must be 0 or more"
            )
        if not 0 < self.max_hours_per_7_days <= 168:
            raise ValidationError(
                "max_hours_per_7_days", self.max_hours_per_7_days, "must be within (0, 168] h"
            )
        for name in ("night_start_h", "night_end_h"):
            value = getattr(self, name)
            if not 0 <= value < 24:
                raise ValidationError(name, value, "must be an hour of day in [0, 24)")
        if not 0 < self.night_min_h <= 24:
            raise ValidationError("night_min_h", self.night_min_h, "must be within (0, 24] h")


@dataclass(frozen=True)
class ShiftPattern:
    """Equal shifts covering the day: 3 × 8 h (default) or 2 × 12 h, etc.

    ``first_shift_start_h`` [h of day] is when the first shift of a calendar day begins;
    06:00 gives 06–14, 14–22, 22–06 for three shifts.
    """

    shifts_per_day: int = 3
    first_shift_start_h: float = 6.0

    def __post_init__(self) -> None:
        if self.shifts_per_day not in ALLOWED_SHIFTS_PER_DAY:
            raise ValidationError(
                "shifts_per_day",
                self.shifts_per_day,
                f"must be one of {ALLOWED_SHIFTS_PER_DAY} (equal whole-hour shifts)",
            )
        if not 0 <= self.first_shift_start_h < 24:
            raise ValidationError(
                "first_shift_start_h", self.first_shift_start_h, "must be in [0, 24) h"
            )

    @property
    def shift_length_h(self) -> float:
        """Length of every shift [h]."""
        return 24.0 / self.shifts_per_day

    def start_offset_h(self, shift_index: int) -> float:
        """Start of global shift ``shift_index`` in hours after horizon-start midnight [h]."""
        day, within = divmod(shift_index, self.shifts_per_day)
        return 24.0 * day + self.first_shift_start_h + within * self.shift_length_h

    def night_hours(self, within_day_index: int, rules: RestRules) -> float:
        """Hours of shift ``within_day_index`` that fall in the rules' night period [h]."""
        start = self.first_shift_start_h + within_day_index * self.shift_length_h
        end = start + self.shift_length_h
        total = 0.0
        # The night period repeats daily; test it on the three days the shift can touch.
        for day_offset in (-24.0, 0.0, 24.0):
            night_start = rules.night_start_h + day_offset
            night_end = rules.night_end_h + day_offset
            if night_end <= night_start:
                night_end += 24.0
            total += max(0.0, min(end, night_end) - max(start, night_start))
        return total

    def is_night(self, within_day_index: int, rules: RestRules) -> bool:
        """True if the shift has at least ``rules.night_min_h`` hours of night work."""
        return self.night_hours(within_day_index, rules) >= rules.night_min_h - 1e-9


@dataclass(frozen=True)
class MaintenanceTask:
    """Maintenance that stops firing of one kiln for whole days (relining, inspection...).

    ``duration_days`` [d] whole days during which the kiln cannot fire. ``due_on`` is the date
    by which the work must be *finished* (the kiln fires again on ``due_on``). A task already
    late at the horizon start (``due_on - duration_days < horizon_start``) is *overdue* and is
    scheduled from the first day of the horizon — SOURCES §2.6/§5.2: an overdue barrier
    degrades every day it is deferred, so deferring it further is never a safe plan.
    """

    task_id: str
    name: str
    duration_days: int
    due_on: date
    resets_wear: bool = False  # True for a relining: lining damage restarts at 0 after it

    def __post_init__(self) -> None:
        if not self.task_id:
            raise ValidationError("task_id", self.task_id, "must not be empty")
        if self.duration_days < 1:
            raise ValidationError(
                f"maintenance[{self.task_id}].duration_days",
                self.duration_days,
                "must be at least 1 day",
            )


@dataclass(frozen=True)
class Kiln:
    """A kiln as the planner sees it.

    - ``rated_capacity_t_per_day`` [t/d]: nameplate rating; output in a shift of length L h is
      at most rating × allowed margin × L / 24 (SOURCES §2.1: wear ∝ throughput).
    - ``wear_damage`` [-]: Palmgren–Miner damage of the current lining, 0 = new, 1 = design
      life used (SOURCES §2.4 [V]); bounded at the horizon's end by ``max_wear_damage``.
    - ``lining_design_life_days`` [d at rated load]: for the damage accounting; 365 d default
      (one planned refractory stop per year, SOURCES §2.5 [V Holcim] / [T]).
    - ``campaign_limit_days`` [d]: longest continuous firing allowed before a full day's stop;
      ``days_run_since_stop`` [d] the firing days already accumulated at the horizon start.
    - ``crew_size`` [workers]: qualified workers required in every shift the kiln fires.
    - ``maintenance``: due tasks; ``planned_stops`` are given as :class:`PlannedStop`.
    """

    kiln_id: str
    name: str
    kind: str
    rated_capacity_t_per_day: float
    crew_size: int = 2
    wear_damage: float = 0.0
    lining_design_life_days: float = 365.0  # [T] SOURCES §2.5
    campaign_limit_days: int = 30  # [T] plant-specific editable default
    days_run_since_stop: int = 0
    maintenance: tuple[MaintenanceTask, ...] = ()
    #: Most lining damage allowed at the end of the horizon [-] (None: not constrained). The
    #: damage is Miner's, n = 1 (``pushing.miner_wear``): D_end = D0 + Σ r_d / L_design, from
    #: 0 again after a relining (a task with ``resets_wear``).
    max_wear_damage: float | None = None

    def __post_init__(self) -> None:
        if not self.kiln_id:
            raise ValidationError("kiln_id", self.kiln_id, "must not be empty")
        if not 0 < self.rated_capacity_t_per_day <= 100_000:
            raise ValidationError(
                f"kiln[{self.kiln_id}].rated_capacity_t_per_day",
                self.rated_capacity_t_per_day,
                "must be within (0, 100000] t/d",
            )
        if self.crew_size < 1:
            raise ValidationError(f"kiln[{self.kiln_id}].crew_size", self.crew_size, "≥ 1")
        if not 0 <= self.wear_damage <= 10:
            raise ValidationError(
                f"kiln[{self.kiln_id}].wear_damage", self.wear_damage, "must be within 0..10"
            )
        if self.lining_design_life_days <= 0:
            raise ValidationError(
                f"kiln[{self.kiln_id}].lining_design_life_days",
                self.lining_design_life_days,
                "must be positive",
            )
        if self.campaign_limit_days < 1:
            raise ValidationError(
                f"kiln[{self.kiln_id}].campaign_limit_days", self.campaign_limit_days, "≥ 1 d"
            )
        if self.days_run_since_stop < 0:
            raise ValidationError(
                f"kiln[{self.kiln_id}].days_run_since_stop", self.days_run_since_stop, "≥ 0 d"
            )
        if self.max_wear_damage is not None and not 0 < self.max_wear_damage <= 10:
            raise ValidationError(
                f"kiln[{self.kiln_id}].max_wear_damage", self.max_wear_damage, "within (0, 10]"
            )
        ids = [task.task_id for task in self.maintenance]
        if len(ids) != len(set(ids)):
            raise ValidationError(f"kiln[{self.kiln_id}].maintenance", ids, "duplicate task id")


@dataclass(frozen=True)
class PlannedStop:
    """A planned stop: the kiln does not fire from ``first_day`` to ``last_day`` inclusive."""

    kiln_id: str
    first_day: date
    last_day: date
    reason: str = "planned stop"

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise ValidationError(
                f"planned_stop[{self.kiln_id}].last_day", self.last_day, "must be ≥ first_day"
            )


@dataclass(frozen=True)
class Target:
    """A production target: ``quantity_t`` [t] from the scope kilns by the end of ``deadline``.

    Output counts from ``entered_on`` (or the horizon start, if later) through ``deadline``
    inclusive. ``kiln_ids`` is the scope (an enterprise's or a section's kilns).
    """

    target_id: str
    quantity_t: float
    deadline: date
    kiln_ids: frozenset[str]
    entered_on: date

    def __post_init__(self) -> None:
        if not self.target_id:
            raise ValidationError("target_id", self.target_id, "must not be empty")
        if not 0 < self.quantity_t <= 1e9:
            raise ValidationError(
                f"target[{self.target_id}].quantity_t", self.quantity_t, "must be in (0, 1e9] t"
            )
        if not self.kiln_ids:
            raise ValidationError(
                f"target[{self.target_id}].kiln_ids", self.kiln_ids, "must name ≥ 1 kiln"
            )
        if self.deadline < self.entered_on:
            raise ValidationError(
                f"target[{self.target_id}].deadline", self.deadline, "must be ≥ entered_on"
            )


@dataclass(frozen=True)
class Worker:
    """A kiln worker.

    ``qualified_kinds``: kiln kinds the worker may operate. ``kiln_ids``: the kilns the worker is
    posted to (``None`` = any kiln of a qualified kind). ``unavailable_days``: leave, sickness,
    training; no shift may *start* on those days.
    """

    worker_id: str
    crew: str
    qualified_kinds: frozenset[str]
    kiln_ids: frozenset[str] | None = None
    unavailable_days: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not self.worker_id:
            raise ValidationError("worker_id", self.worker_id, "must not be empty")

    def may_operate(self, kiln: Kiln) -> bool:
        """True if qualified for the kiln's kind and posted to it (or posted anywhere)."""
        posted = self.kiln_ids is None or kiln.kiln_id in self.kiln_ids
        return posted and kiln.kind in self.qualified_kinds


@dataclass(frozen=True)
class PlanningProblem:
    """Everything the planner decides over, validated once.

    ``allowed_load_margin`` [-] = 1.00 means every kiln-shift at most 100 % of its rating; the
    "price of pushing" study raises it to 3.00 to show what the extra tonnes cost.
    """

    horizon_start: date
    horizon_days: int
    kilns: tuple[Kiln, ...]
    workers: tuple[Worker, ...]
    targets: tuple[Target, ...] = ()
    planned_stops: tuple[PlannedStop, ...] = ()
    shift_pattern: ShiftPattern = field(default_factory=ShiftPattern)
    rest_rules: RestRules = field(default_factory=RestRules)
    allowed_load_margin: float = 1.0
    #: The day deadline weights count back from (None: the latest target deadline). A part of
    #: a decomposed problem keeps its whole problem's, so the parts' objectives add up.
    priority_until: date | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.horizon_days <= 3660:
            raise ValidationError("horizon_days", self.horizon_days, "must be within 1..3660 d")
        if not self.kilns:
            raise ValidationError("kilns", self.kilns, "at least one kiln is needed")
        if not 0.1 <= self.allowed_load_margin <= 5.0:
            raise ValidationError(
                "allowed_load_margin", self.allowed_load_margin, "must be within 0.1..5.0"
            )
        _unique("kiln_id", (k.kiln_id for k in self.kilns))
        _unique("worker_id", (w.worker_id for w in self.workers))
        _unique("target_id", (t.target_id for t in self.targets))
        task_ids = [task.task_id for k in self.kilns for task in k.maintenance]
        _unique("maintenance task_id", task_ids)
        kiln_ids = {k.kiln_id for k in self.kilns}
        for target in self.targets:
            unknown = target.kiln_ids - kiln_ids
            if unknown:
                raise ValidationError(
                    f"target[{target.target_id}].kiln_ids", sorted(unknown), "unknown kiln"
                )
            if target.deadline > self.horizon_end:
                raise ValidationError(
                    f"target[{target.target_id}].deadline",
                    target.deadline,
                    f"is after the horizon end {self.horizon_end}; extend horizon_days",
                )
        for stop in self.planned_stops:
            if stop.kiln_id not in kiln_ids:
                raise ValidationError("planned_stop.kiln_id", stop.kiln_id, "unknown kiln")
        for worker in self.workers:
            if worker.kiln_ids is not None and worker.kiln_ids - kiln_ids:
                raise ValidationError(
                    f"worker[{worker.worker_id}].kiln_ids",
                    sorted(worker.kiln_ids - kiln_ids),
                    "unknown kiln",
                )

    # --- time grid -------------------------------------------------------------------------
    @property
    def horizon_end(self) -> date:
        """Last calendar day of the horizon (inclusive)."""
        return self.horizon_start + timedelta(days=self.horizon_days - 1)

    @property
    def n_shifts(self) -> int:
        """Number of shifts in the horizon."""
        return self.horizon_days * self.shift_pattern.shifts_per_day

    def day_of(self, d: date) -> int:
        """Day index of calendar date ``d`` (may be negative or beyond the horizon)."""
        return (d - self.horizon_start).days

    def date_of(self, day_index: int) -> date:
        """Calendar date of day index ``day_index``."""
        return self.horizon_start + timedelta(days=day_index)

    def shift_start(self, shift_index: int) -> datetime:
        """Start of global shift ``shift_index`` as a naive plant-local datetime."""
        midnight = datetime.combine(self.horizon_start, time())
        return midnight + timedelta(hours=self.shift_pattern.start_offset_h(shift_index))

    def is_night_shift(self, shift_index: int) -> bool:
        """True if global shift ``shift_index`` is a night shift under the rest rules."""
        within = shift_index % self.shift_pattern.shifts_per_day
        return self.shift_pattern.is_night(within, self.rest_rules)

    def shift_cap_t(self, kiln: Kiln, margin: float | None = None) -> float:
        """Largest output of one shift [t] = rating × margin × shift length / 24 h."""
        m = self.allowed_load_margin if margin is None else margin
        return kiln.rated_capacity_t_per_day * m / self.shift_pattern.shifts_per_day

    def kiln(self, kiln_id: str) -> Kiln:
        """The kiln with id ``kiln_id``."""
        return _one(self.kilns, lambda k: k.kiln_id, kiln_id, "kiln")

    def worker(self, worker_id: str) -> Worker:
        """The worker with id ``worker_id``."""
        return _one(self.workers, lambda w: w.worker_id, worker_id, "worker")

    def stopped_days(self, kiln_id: str) -> frozenset[int]:
        """Day indices (within the horizon) covered by planned stops of the kiln."""
        days: set[int] = set()
        for stop in self.planned_stops:
            if stop.kiln_id != kiln_id:
                continue
            first = max(0, self.day_of(stop.first_day))
            last = min(self.horizon_days - 1, self.day_of(stop.last_day))
            days.update(range(first, last + 1))
        return frozenset(days)

    def maintenance_window(self, task: MaintenanceTask) -> tuple[int, int] | None:
        """Allowed start-day range ``(earliest, latest)`` of a task, or None if not due yet.

        Overdue tasks (already late at the horizon start) start on day 0. Others start on day
        0 at the earliest and finish by their due date at the latest. A task whose latest start
        lies beyond the horizon is not due within it and is not planned.
        """
        latest = self.day_of(task.due_on) - task.duration_days
        if latest < 0:
            return (0, 0)
        if latest >= self.horizon_days:
            return None
        return (0, latest)

    def is_overdue(self, task: MaintenanceTask) -> bool:
        """True if the task cannot be finished by its due date even if started on day 0."""
        return self.day_of(task.due_on) - task.duration_days < 0

    @property
    def priority_day(self) -> int:
        """Day index the deadline weights count back from (see ``priority_until``)."""
        if self.priority_until is not None:
            return self.day_of(self.priority_until)
        return max((self.day_of(t.deadline) for t in self.targets), default=0)

    def wear_budget_t(self, kiln: Kiln, reset: bool) -> float | None:
        """Tonnes the kiln may still make before the horizon ends without its lining damage
        passing ``max_wear_damage`` [t]: after a relining (``reset``) from 0, else from the
        current damage. None when not constrained."""
        if kiln.max_wear_damage is None:
            return None
        start = 0.0 if reset else kiln.wear_damage
        left = max(0.0, kiln.max_wear_damage - start)
        return left * kiln.lining_design_life_days * kiln.rated_capacity_t_per_day

    def target_days(self, target: Target) -> range:
        """Day indices whose output counts for the target (entered_on..deadline inclusive)."""
        first = max(0, self.day_of(target.entered_on))
        last = min(self.horizon_days - 1, self.day_of(target.deadline))
        return range(first, last + 1)


def _unique(name: str, values: Iterable[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValidationError(name, value, "duplicate id")
        seen.add(value)


_Item = TypeVar("_Item")


def _one(items: Iterable[_Item], id_of: Callable[[_Item], str], wanted: str, what: str) -> _Item:
    """The item whose id is `wanted`; a validation error on `<what>_id` when there is none."""
    found = next((x for x in items if id_of(x) == wanted), None)
    if found is None:
        raise ValidationError(f"{what}_id", wanted, f"unknown {what}")
    return found
