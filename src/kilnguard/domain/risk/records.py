"""Plain record dataclasses (one per SQL row) and the columnar ``RiskInputs`` built from them.

The records are what the plant writes down: kilns, daily production, planned stops, targets,
maintenance plans and work orders with their deferrals, shift rosters, and two interfaces other
issues fill (change-control state, active alarms). ``build_inputs`` (:mod:`.build`) turns them
into ``RiskInputs``, arrays of kilns × days.

Day convention: a *day* is a plant-local calendar date; day index 0 is ``start``; ``as_of`` of day
d is the end of that local day, so day d's records count on day d. Shift datetimes are UTC and are
moved to plant local time with ``utc_offset_h``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from kilnguard.domain.fatigue import ShiftTable

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Day index meaning "never" (open work order, no event) — far beyond any replay.
NEVER = 1 << 40


@dataclass(frozen=True, slots=True)
class KilnSpec:
    """A kiln and its design basis."""

    kiln_id: str
    name: str
    kind: str  # e.g. "periodic", "tunnel", "rotary", "test" — selects the wear exponent
    enterprise: str
    rated_capacity_t_per_day: float  # [t/day] output (or charge, for periodic/test kilns)
    lining_design_life_days: float  # [day] at rated load
    campaign_limit_days: float  # [day] continuous operation allowed between planned stops
    lining_installed_on: date | None = None
    cycles_to_failure: float | None = None  # [cycles] thermal cycles a lining survives; None = off


@dataclass(frozen=True, slots=True)
class ProductionRecord:
    """Output of one kiln on one local day."""

    kiln_id: str
    day: date
    output_t: float  # [t]
    hours_fired: float  # [h]
    thermal_cycles: int = 0  # firing starts / stop-restarts that day


@dataclass(frozen=True, slots=True)
class PlannedStop:
    """A planned stop, ``start``..``end`` inclusive; ``relined`` = the lining was renewed."""

    kiln_id: str
    start: date
    end: date
    relined: bool = False


@dataclass(frozen=True, slots=True)
class Target:
    """A production target: ``quantity_t`` from the kilns in scope between entry and deadline."""

    target_id: str
    kiln_ids: tuple[str, ...]
    quantity_t: float  # [t]
    entered_on: date
    deadline: date
    imposed_by: str
    additional: bool = False  # on top of the plan (else a nested view of the same plan)


@dataclass(frozen=True, slots=True)
class MaintenancePlan:
    """A recurring maintenance task of one kiln."""

    plan_id: str
    kiln_id: str
    task: str  # plain words, e.g. "refractory inspection"
    interval_days: float  # [day]
    safety_critical: bool = True
    protects_ipl: bool = False  # proof test of an independent protection layer (trip/relief)
    renews_lining: bool = False  # doing it renews the lining (relining)


@dataclass(frozen=True, slots=True)
class Deferral:
    """A recorded decision to postpone a work order."""

    on: date
    reason: str
    by: str


@dataclass(frozen=True, slots=True)
class WorkOrder:
    """One due occurrence of a maintenance plan. Overdue on days after ``due_on`` until done."""

    order_id: str
    plan_id: str
    due_on: date
    done_on: date | None = None
    deferrals: tuple[Deferral, ...] = ()


@dataclass(frozen=True, slots=True)
class ShiftRecord:
    """One worker's shift on one kiln (``start``/``end`` timezone-aware UTC, or naive = UTC)."""

    worker_id: str
    crew: str
    kiln_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class ChangeControlState:
    """Interface (change-control issue): severity 0..3 of a kiln on a day, and why."""

    kiln_id: str
    day: date
    severity: int
    reason: str


@dataclass(frozen=True, slots=True)
class AlarmState:
    """Interface (telemetry issue): active high-priority alarms on a kiln on a day."""

    kiln_id: str
    day: date
    high_priority_active: int
    summary: str = ""


@dataclass(frozen=True)
class Records:
    """Everything the engine reads. Records of kilns not listed in ``kilns`` are ignored."""

    kilns: Sequence[KilnSpec]
    production: Sequence[ProductionRecord] = ()
    stops: Sequence[PlannedStop] = ()
    targets: Sequence[Target] = ()
    plans: Sequence[MaintenancePlan] = ()
    work_orders: Sequence[WorkOrder] = ()
    shifts: Sequence[ShiftRecord] = ()
    change_control: Sequence[ChangeControlState] = ()
    alarms: Sequence[AlarmState] = ()


@dataclass(frozen=True)
class RiskInputs:
    """Columnar inputs: arrays of kilns × days plus small per-event tables.

    Built by :func:`build_inputs`; every array is read-only by convention.
    """

    kilns: tuple[KilnSpec, ...]
    start: date
    n_days: int
    rated_t_per_day: FloatArray  # (K,)
    design_life_days: FloatArray  # (K,)
    exponent_n: FloatArray  # (K,)
    campaign_limit_days: FloatArray  # (K,)
    cycles_to_failure: FloatArray  # (K,) inf = off
    output_t: FloatArray  # (K, D)
    hours_fired: FloatArray  # (K, D)
    thermal_cycles: FloatArray  # (K, D)
    prior_output_t: FloatArray  # (K, 6) the 6 days before start, oldest first
    wear_initial: FloatArray  # (K,) Miner damage carried in
    reline_kiln: IntArray
    reline_day: IntArray
    stop_mask: NDArray[np.bool_]  # (K, D) planned-stop day
    last_stop_before: IntArray  # (K,) day index (< 0) of the last stop day before start
    # safety-critical work orders (W,)
    wo_kiln: IntArray
    wo_due: IntArray
    wo_done: IntArray  # NEVER if open
    wo_interval_days: FloatArray
    wo_ipl: NDArray[np.bool_]
    wo_t_before: FloatArray  # tonnes fired after due and before start
    wo_task: tuple[str, ...]
    wo_deferrals: tuple[tuple[tuple[int, str], ...], ...]  # (day index, reason) sorted by day
    # targets (T,) and their scope pairs
    tg_entered: IntArray
    tg_deadline: IntArray
    tg_quantity_t: FloatArray
    tg_additional: NDArray[np.bool_]
    tg_produced_before: FloatArray  # tonnes by the scope between entry and start
    tg_capacity_t_per_day: FloatArray
    tg_pair_target: IntArray  # scope pairs, sorted by target then scope order
    tg_pair_kiln: IntArray
    tg_info: tuple[Target, ...]
    # shifts
    shifts: ShiftTable
    shift_kd: IntArray  # k * D + d of each shift row, -1 when outside the window
    shift_crew: IntArray  # crew code of each shift row
    shift_order: IntArray  # rows with shift_kd ≥ 0, sorted by (kd, crew), stable
    crew_starts: IntArray  # segment starts (in shift_order) of each (kd, crew) group
    kd_starts: IntArray  # segment starts (in crew groups) of each kd
    kd_ids: IntArray  # kd of each kd segment
    # interfaces
    change_severity: NDArray[np.int8]  # (K, D)
    change_reasons: dict[tuple[int, int], str] = field(default_factory=dict)
    alarms_high: NDArray[np.int16] = field(default_factory=lambda: np.zeros((0, 0), np.int16))
    alarm_summaries: dict[tuple[int, int], str] = field(default_factory=dict)

    @property
    def n_kilns(self) -> int:
        return len(self.kilns)

    def day(self, index: int) -> date:
        """Calendar date of a day index."""
        return self.start + timedelta(days=int(index))
