"""Plain record dataclasses (one per SQL row) and the columnar ``RiskInputs`` built from them.

The records are what the plant writes down: kilns, daily production, planned stops, targets,
maintenance plans and work orders with their deferrals, shift rosters, and two interfaces other
issues fill (change-control state, active alarms). ``build_inputs`` (:mod:`.build`) turns them
into ``RiskInputs``, arrays of kilns × days.

Day convention: a *day* is a plant-local calendar date; day index 0 is ``start``; ``as_of`` of day
d is the end of that local day, so day d's records count on day d. Shift datetimes are UTC and are
moved to plant local time with the kiln's IANA zone at each instant (``KilnSpec.timezone``; the
fixed ``utc_offset_h`` of ``build_inputs`` for a kiln without one).

The two big tables, production and shifts, also come as columns (``ProductionColumns``,
``ShiftColumns``: NumPy arrays, one element per row, as a database driver returns them), so a
region's history never becomes millions of Python objects. Both are read-only sequences of the
record dataclasses too (a row is made on demand), so code written for lists keeps working.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar, overload

import numpy as np
from numpy.typing import NDArray

from kilnguard.domain.errors import ValidationError
from kilnguard.domain.fatigue import ShiftTable

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Days of output before ``start`` carried into ``RiskInputs.prior_output_t``: the 30-day overload
#: window of the operating envelope (issue 13 point 4) needs the 29 days before the first one.
PRIOR_DAYS = 29

#: Day index meaning "never" (open work order, no event) — far beyond any replay.
NEVER = 1 << 40

#: Column days count from this date (day 0), as ``datetime64[D]`` and SQL ``day - DATE '1970-01-01'``.
EPOCH = date(1970, 1, 1)
EPOCH_ORDINAL = EPOCH.toordinal()
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
R = TypeVar("R")


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
    #: IANA zone of the kiln's region (e.g. "Asia/Pyongyang"): shift times are moved to local time
    #: with it at each instant; "" = the fixed ``utc_offset_h`` of ``build_inputs``.
    timezone: str = ""
    cycles_to_failure: float | None = None  # [cycles] thermal cycles a lining survives; None = off
    #: [fraction of design life] Miner damage of the lining in place on the kiln's onboarding day
    #: (its first production record), from before the records began; cleared by a reline on or
    #: after that day (build_inputs).
    lining_wear_at_onboarding: float = 0.0


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


def _codes(values: Iterable[str], table: dict[str, int]) -> IntArray:
    return np.fromiter((table.setdefault(v, len(table)) for v in values), dtype=np.int64)


def _check_lengths(name: str, n: int, **columns: NDArray[np.generic]) -> None:
    for col, arr in columns.items():
        if arr.ndim != 1 or len(arr) != n:
            raise ValidationError(name, col, f"every column must be 1-D with {n} rows")


class _Columns(Sequence[R]):
    """What the column tables share: row ``i`` is `_row` (negative counts from the end), a slice
    is a list of rows."""

    def _row(self, i: int) -> R:  # pragma: no cover - every table defines it
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> R: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[R]: ...
    def __getitem__(self, index: int | slice) -> R | Sequence[R]:
        if isinstance(index, slice):
            return list(self)[index]
        return self._row(range(len(self))[index])


@dataclass(frozen=True, eq=False)
class ProductionColumns(_Columns[ProductionRecord]):
    """Production rows as columns: row i is kiln ``kiln_ids[kiln[i]]`` on day ``EPOCH + day[i]``.

    Several rows of one kiln and day (one per shift) add up, as several ``ProductionRecord``s do.
    """

    kiln_ids: tuple[str, ...]
    kiln: IntArray  # (N,) index into kiln_ids
    day: IntArray  # (N,) plant-local date, days since 1970-01-01
    output_t: FloatArray  # (N,) [t]
    hours_fired: FloatArray  # (N,) [h]
    thermal_cycles: FloatArray | None = None  # (N,) firing starts that day; None = 0

    def __post_init__(self) -> None:
        cols = {"day": self.day, "output_t": self.output_t, "hours_fired": self.hours_fired}
        if self.thermal_cycles is not None:
            cols["thermal_cycles"] = self.thermal_cycles
        _check_lengths("ProductionColumns", len(self.kiln), kiln=self.kiln, **cols)
        if len(self.kiln) and not 0 <= int(self.kiln.min()) <= int(self.kiln.max()) < len(
            self.kiln_ids
        ):
            raise ValidationError("ProductionColumns.kiln", "code", "must index kiln_ids")

    @classmethod
    def from_records(cls, records: Iterable[ProductionRecord]) -> ProductionColumns:
        """The same rows, as columns (kiln codes in order of first appearance)."""
        rows = list(records)
        table: dict[str, int] = {}
        kiln = _codes((r.kiln_id for r in rows), table)
        n = len(rows)
        return cls(
            tuple(table),
            kiln,
            np.fromiter((r.day.toordinal() - EPOCH_ORDINAL for r in rows), np.int64, n),
            np.fromiter((r.output_t for r in rows), np.float64, n),
            np.fromiter((r.hours_fired for r in rows), np.float64, n),
            np.fromiter((r.thermal_cycles for r in rows), np.float64, n),
        )

    def cycles(self) -> FloatArray:
        """Thermal cycles per row (zeros when not given)."""
        if self.thermal_cycles is None:
            return np.zeros(len(self.kiln))
        return self.thermal_cycles

    def __len__(self) -> int:
        return len(self.kiln)

    def _row(self, i: int) -> ProductionRecord:
        return ProductionRecord(
            self.kiln_ids[int(self.kiln[i])],
            date.fromordinal(EPOCH_ORDINAL + int(self.day[i])),
            float(self.output_t[i]),
            float(self.hours_fired[i]),
            0 if self.thermal_cycles is None else int(self.thermal_cycles[i]),
        )

    def __iter__(self) -> Iterator[ProductionRecord]:
        ids = self.kiln_ids
        days: dict[int, date] = {}
        for k, d, o, h, c in zip(
            self.kiln.tolist(),
            self.day.tolist(),
            self.output_t.tolist(),
            self.hours_fired.tolist(),
            self.cycles().tolist(),
            strict=True,
        ):
            day = days.get(d)
            if day is None:
                day = days[d] = date.fromordinal(EPOCH_ORDINAL + d)
            yield ProductionRecord(ids[k], day, o, h, int(c))


@dataclass(frozen=True, eq=False)
class ShiftColumns(_Columns[ShiftRecord]):
    """Shift rows as columns; times are integer microseconds since 1970-01-01T00:00Z (UTC).

    Integer microseconds keep every instant exact, so columns and ``ShiftRecord``s give
    bit-identical hours. Row order matters as for a list: workers are numbered in order of their
    first row (give rows in start order, as a database query sorted by start does).
    """

    worker_ids: tuple[str, ...]
    worker: IntArray  # (N,) index into worker_ids
    crew_ids: tuple[str, ...]
    crew: IntArray  # (N,) index into crew_ids
    kiln_ids: tuple[str, ...]
    kiln: IntArray  # (N,) index into kiln_ids
    start_us: IntArray  # (N,) [µs since the Unix epoch, UTC]
    end_us: IntArray  # (N,)

    def __post_init__(self) -> None:
        _check_lengths(
            "ShiftColumns",
            len(self.worker),
            crew=self.crew,
            kiln=self.kiln,
            start_us=self.start_us,
            end_us=self.end_us,
        )
        for name, codes, table in (
            ("worker", self.worker, self.worker_ids),
            ("crew", self.crew, self.crew_ids),
            ("kiln", self.kiln, self.kiln_ids),
        ):
            if len(codes) and not 0 <= int(codes.min()) <= int(codes.max()) < len(table):
                raise ValidationError(f"ShiftColumns.{name}", "code", f"must index {name}_ids")

    @classmethod
    def from_records(cls, records: Iterable[ShiftRecord]) -> ShiftColumns:
        """The same rows, as columns (naive datetimes are UTC, as in ``ShiftRecord``)."""
        rows = list(records)
        w: dict[str, int] = {}
        c: dict[str, int] = {}
        k: dict[str, int] = {}
        worker = _codes((r.worker_id for r in rows), w)
        crew = _codes((r.crew for r in rows), c)
        kiln = _codes((r.kiln_id for r in rows), k)
        return cls(
            tuple(w),
            worker,
            tuple(c),
            crew,
            tuple(k),
            kiln,
            np.fromiter((to_epoch_us(r.start) for r in rows), np.int64, len(rows)),
            np.fromiter((to_epoch_us(r.end) for r in rows), np.int64, len(rows)),
        )

    def __len__(self) -> int:
        return len(self.worker)

    def _row(self, i: int) -> ShiftRecord:
        return ShiftRecord(
            self.worker_ids[int(self.worker[i])],
            self.crew_ids[int(self.crew[i])],
            self.kiln_ids[int(self.kiln[i])],
            from_epoch_us(int(self.start_us[i])),
            from_epoch_us(int(self.end_us[i])),
        )

    def __iter__(self) -> Iterator[ShiftRecord]:
        w_ids, c_ids, k_ids = self.worker_ids, self.crew_ids, self.kiln_ids
        for w, c, k, s, e in zip(
            self.worker.tolist(),
            self.crew.tolist(),
            self.kiln.tolist(),
            self.start_us.tolist(),
            self.end_us.tolist(),
            strict=True,
        ):
            yield ShiftRecord(w_ids[w], c_ids[c], k_ids[k], from_epoch_us(s), from_epoch_us(e))


def to_epoch_us(t: datetime) -> int:
    """Integer microseconds since 1970-01-01T00:00Z of a datetime (naive = UTC)."""
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    delta = t - _EPOCH_UTC
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_epoch_us(us: int) -> datetime:
    """The aware UTC datetime of integer microseconds since the epoch (exact)."""
    return _EPOCH_UTC + timedelta(microseconds=us)


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
    """Everything the engine reads. Records of kilns not listed in ``kilns`` are ignored.

    ``production`` and ``shifts`` are lists of records or their columnar forms
    (``ProductionColumns``, ``ShiftColumns``); ``build_inputs`` gives the same inputs for both.
    """

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
    prior_output_t: FloatArray  # (K, PRIOR_DAYS) the days before start, oldest first
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
    shift_kd: IntArray  # k * D + d of the day each shift row starts, -1 before the window
    shift_crew: IntArray  # crew code of each shift row
    shift_order: IntArray  # rows, once per kiln-day they overlap, sorted by (kd, crew), stable
    crew_starts: IntArray  # segment starts (in shift_order) of each (kd, crew) group
    kd_starts: IntArray  # segment starts (in crew groups) of each kd
    kd_ids: IntArray  # kd of each kd segment
    # interfaces
    change_severity: NDArray[np.int8]  # (K, D)
    change_reasons: dict[tuple[int, int], str] = field(default_factory=dict)
    alarms_high: NDArray[np.int16] = field(default_factory=lambda: np.zeros((0, 0), np.int16))
    alarm_summaries: dict[tuple[int, int], str] = field(default_factory=dict)
    order_kd: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    worker_ids: tuple[str, ...] = ()
    """Worker id of each worker code of ``shifts.worker``."""
    crew_ids: tuple[str, ...] = ()
    """Crew of each crew code of ``shift_crew``."""
    overload_exponent_n: FloatArray = field(default_factory=lambda: np.zeros(0))
    """(K,) inverse-power-law exponent of lining wear above rating (``RiskConfig``)."""
    """kd of each ``shift_order`` entry (a shift counts on every local day it overlaps)."""

    @property
    def n_kilns(self) -> int:
        return len(self.kilns)

    def day(self, index: int) -> date:
        """Calendar date of a day index."""
        return self.start + timedelta(days=int(index))
