"""The adopted plan as a risk forecast (issue 14 point 5): "this plan takes RF-2 to red on 12 Dec".

The risk engine (``kilnguard.domain.risk``, used as it is) runs over the stored history with
the adopted plan's days appended as if they were records — its planned production per kiln-day,
its planned worker-shifts as the roster, a day on which the plan does not fire a kiln as a
planned stop, and each maintenance task done where the plan leaves room for it — and each
kiln's first day at amber, red and stop is read off. Two runs:

* **now**: the history up to the last recorded day, then the plan's days after it;
* **as adopted**: the history as it stood on the adoption's ``as_of``, then the whole plan — the
  forecast the plan was adopted with. A kiln whose forecast now reaches a higher level than
  as adopted is a deviation (:mod:`.deviations` raises the alert).

Maintenance is not stored with an adoption (only planned production and shifts): each task of
the planning problem as of ``as_of`` is placed at the earliest start in its window where the
plan leaves the kiln idle for the whole task (``domain.planning.previous.place_maintenance``,
the same reading the next planning run uses), and its work order counts as done on the slot's
last day; a relining slot is a relining stop.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain import risk as rk
from kilnguard.domain.planning.previous import PreviousPlan, place_maintenance
from kilnguard.services.access import Principal
from kilnguard.services.planning.baseline import latest_adoption
from kilnguard.services.planning.history import records_as_of
from kilnguard.services.planning.problem import PlanningInput, build_problem
from kilnguard.services.planning.replay import appended
from kilnguard.store import models as m
from kilnguard.store.planning_models import PlanAdoption, PlannedProduction, PlannedShift

__all__ = [
    "LEVELS_ABOVE_GREEN",
    "KilnForecast",
    "PlanForecast",
    "cached_forecast",
    "kiln_forecast",
    "plan_forecast",
    "previous_plan",
]

#: The levels whose first day the forecast names, lowest first.
LEVELS_ABOVE_GREEN = ("amber", "red", "stop")


@dataclass(frozen=True)
class KilnForecast:
    """One kiln under the adopted plan.

    ``level_now`` on the last recorded day; ``first_at[level]`` the first forecast day at that
    level or worse (None: not reached); ``worst_level`` / ``worst_day`` over the forecast days,
    ``why`` the engine's explanation of that day; ``adopted_worst`` the worst level of the
    forecast the plan was adopted with.
    """

    kiln_id: int
    kiln: str
    level_now: str
    worst_level: str
    worst_day: dt.date | None
    adopted_worst: str
    first_at: dict[str, dt.date | None]
    why: str = ""

    @property
    def risen(self) -> bool:
        """True if the forecast now reaches a higher level than when the plan was adopted."""
        return rk.LEVEL_NAMES.index(self.worst_level) > rk.LEVEL_NAMES.index(self.adopted_worst)

    @property
    def sentence(self) -> str:
        """ "This plan takes RF-2 to red on 12 Dec 2021", or that it keeps the kiln green."""
        day = self.first_at.get(self.worst_level)
        if day is None:
            return f"The adopted plan keeps {self.kiln} green."
        return f"This plan takes {self.kiln} to {self.worst_level} on {day:%d %b %Y}."

    def to_json(self) -> dict[str, Any]:
        return {
            "kiln_id": self.kiln_id,
            "kiln": self.kiln,
            "level_now": self.level_now,
            "worst_level": self.worst_level,
            "worst_day": self.worst_day.isoformat() if self.worst_day else None,
            "adopted_worst": self.adopted_worst,
            "risen": self.risen,
            "first_at": {k: v.isoformat() if v else None for k, v in self.first_at.items()},
            "sentence": self.sentence,
            "why": self.why,
        }


@dataclass(frozen=True)
class PlanForecast:
    """The forecast of an enterprise's adopted plan over the days after its last record
    (``first_day``..``last_day``; empty when the plan's days are all recorded)."""

    adoption_id: int
    enterprise_id: int
    adopted_at: dt.datetime
    last_record_day: dt.date | None
    first_day: dt.date
    last_day: dt.date
    kilns: list[KilnForecast] = field(default_factory=list)

    @property
    def days(self) -> int:
        """Forecast days [d] (0 when the plan has no day after the last record)."""
        return max(0, (self.last_day - self.first_day).days + 1)

    def to_json(self) -> dict[str, Any]:
        return {
            "adoption_id": self.adoption_id,
            "enterprise_id": self.enterprise_id,
            "adopted_at": self.adopted_at.isoformat(),
            "last_record_day": self.last_record_day.isoformat() if self.last_record_day else None,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "days": self.days,
            "kilns": [k.to_json() for k in self.kilns],
        }


@dataclass(frozen=True)
class _Planned:
    """The adoption's rows, as the engine's records wants them."""

    output: dict[tuple[str, dt.date], tuple[float, float]]  # (kiln, day) → (t, hours fired)
    by_shift: dict[tuple[str, dt.date, int], float]  # (kiln, day, shift of day) → t
    shifts: list[tuple[dt.datetime, rk.ShiftRecord]]  # (start, record)
    kilns: list[str]


def _planned(session: Session, adoption: PlanAdoption) -> _Planned:
    output: dict[tuple[str, dt.date], list[float]] = defaultdict(lambda: [0.0, 0.0])
    by_shift: dict[tuple[str, dt.date, int], float] = {}
    for row in session.scalars(
        select(PlannedProduction).where(PlannedProduction.adoption_id == adoption.id)
    ):
        acc = output[(str(row.kiln_id), row.day)]
        acc[0] += row.output_t
        acc[1] += (row.end_at - row.start_at).total_seconds() / 3600
        by_shift[(str(row.kiln_id), row.day, row.shift_no - 1)] = row.output_t
    shifts = [
        (
            s.start_at,
            rk.ShiftRecord(
                str(s.worker_id),
                str(s.crew_id) if s.crew_id is not None else str(-s.worker_id),
                str(s.kiln_id),
                s.start_at,
                s.end_at,
            ),
        )
        for s in session.scalars(
            select(PlannedShift).where(PlannedShift.adoption_id == adoption.id)
        )
    ]
    kilns = sorted({k for k, _d in output})
    return _Planned(
        {k: (v[0], min(24.0, v[1])) for k, v in output.items()}, by_shift, shifts, kilns
    )


def previous_plan(session: Session, adoption: PlanAdoption) -> PreviousPlan:
    """The adoption as the next planning run reads it (planned output per kiln-shift)."""
    return PreviousPlan(str(adoption.id), _planned(session, adoption).by_shift)


@dataclass(frozen=True)
class _Slot:
    kiln_id: str
    first: dt.date
    last: dt.date
    relines: bool
    order_id: int | None


def _slots(inp: PlanningInput, planned: _Planned, adoption_id: int) -> list[_Slot]:
    """Where the plan leaves room for each task of its problem (see the module docstring)."""
    problem = inp.problem
    starts = place_maintenance(problem, PreviousPlan(str(adoption_id), planned.by_shift))
    out = []
    for kiln in problem.kilns:
        for task in kiln.maintenance:
            if task.task_id not in starts:
                continue
            first = problem.date_of(starts[task.task_id])
            out.append(
                _Slot(
                    kiln.kiln_id,
                    first,
                    first + dt.timedelta(days=task.duration_days - 1),
                    task.resets_wear,
                    inp.task_orders.get(task.task_id),
                )
            )
    return out


def _with_plan(
    inp: PlanningInput,
    planned: _Planned,
    slots: Sequence[_Slot],
    after: dt.date,
    last_day: dt.date,
) -> rk.Records:
    """The records as they stood at the end of ``after``, then the plan's days up to
    ``last_day`` as if they were records."""
    offset = dt.timedelta(hours=inp.history.utc_offset_h)
    base = records_as_of(inp.history.records, after, inp.history.utc_offset_h)
    cut = dt.datetime.combine(after + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC) - offset
    production = [
        rk.ProductionRecord(kiln, day, out, hours)
        for (kiln, day), (out, hours) in sorted(planned.output.items(), key=lambda kv: kv[0][::-1])
        if after < day <= last_day
    ]
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC) - offset
    shifts = [s for start, s in planned.shifts if cut <= start.replace(tzinfo=dt.UTC) < end]
    stops: list[rk.PlannedStop] = []
    done: dict[int, dt.date] = {}
    day = after + dt.timedelta(days=1)
    for slot in slots:
        if slot.last <= after:
            continue
        if slot.relines:
            stops.append(rk.PlannedStop(slot.kiln_id, max(slot.first, day), slot.last, True))
        if slot.order_id is not None:
            done[slot.order_id] = min(done.get(slot.order_id, slot.last), slot.last)
    while day <= last_day:
        for kiln in (k.kiln_id for k in inp.problem.kilns):
            if (kiln, day) not in planned.output:
                stops.append(rk.PlannedStop(kiln, day, day, False))
        day += dt.timedelta(days=1)
    return appended(base, production, stops, shifts, done)


def _run(inp: PlanningInput, records: rk.Records, last_day: dt.date) -> rk.RiskResult:
    cfg = rk.RiskConfig()
    start = min(inp.history.start, last_day)
    return rk.assess(rk.build_inputs(records, start, last_day, cfg, inp.history.utc_offset_h), cfg)


def _worst(row: Sequence[int], lo: int, hi: int) -> tuple[int, int | None]:
    """Worst level over day indexes lo..hi and its first day (None without days)."""
    if hi < lo:
        return rk.GREEN, None
    level = max(row[lo : hi + 1])
    return level, lo + list(row[lo : hi + 1]).index(level)


#: Forecasts by (database, adoption, audit-chain head): recomputed when any record changes.
_CACHE: dict[tuple[Any, ...], PlanForecast] = {}
_CACHE_SIZE = 16


def _key(session: Session, who: Principal, adoption: PlanAdoption) -> tuple[Any, ...]:
    head = session.scalar(select(m.ChainHead.last_seq).where(m.ChainHead.id == 1))
    return (str(session.get_bind().engine.url), adoption.id, head, who.username)


def cached_forecast(
    session: Session, who: Principal, enterprise_id: int
) -> tuple[PlanAdoption | None, PlanForecast | None]:
    """The latest adoption and its forecast if already computed for the records as they are
    (never computes: for pages that must answer at once and load the forecast after)."""
    adoption = latest_adoption(session, who, enterprise_id)
    if adoption is None:
        return None, None
    return adoption, _CACHE.get(_key(session, who, adoption))


def plan_forecast(
    session: Session, who: Principal, enterprise_id: int, adoption: PlanAdoption | None = None
) -> PlanForecast | None:
    """The forecast of the enterprise's latest adoption (or of ``adoption``); None if it never
    adopted a plan. Refused (NotFound) outside what ``who`` may read."""
    adoption = adoption or latest_adoption(session, who, enterprise_id)
    if adoption is None:
        return None
    key = _key(session, who, adoption)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    inp = build_problem(session, who, enterprise_id=enterprise_id, as_of=adoption.as_of)
    planned = _planned(session, adoption)
    slots = _slots(inp, planned, adoption.id)
    last_record = inp.history.end if inp.history.records.production else None
    first = max(adoption.first_day, (last_record or adoption.as_of) + dt.timedelta(days=1))
    forecast = PlanForecast(
        adoption.id, enterprise_id, adoption.adopted_at, last_record, first, adoption.last_day
    )
    if forecast.days:
        after = first - dt.timedelta(days=1)
        now = _run(
            inp, _with_plan(inp, planned, slots, after, adoption.last_day), adoption.last_day
        )
        then = _run(
            inp,
            _with_plan(inp, planned, slots, adoption.as_of, adoption.last_day),
            adoption.last_day,
        )
        forecast.kilns.extend(_kilns(inp, now, then, after, adoption))
    while len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = forecast
    return forecast


def _kilns(
    inp: PlanningInput,
    now: rk.RiskResult,
    then: rk.RiskResult,
    after: dt.date,
    adoption: PlanAdoption,
) -> list[KilnForecast]:
    out = []
    for row in sorted(inp.kiln_rows.values(), key=lambda k: k.name):
        kid = str(row.id)
        i = next(j for j, k in enumerate(now.inputs.kilns) if k.kiln_id == kid)
        levels = [int(x) for x in now.levels[i]]
        lo = (after - now.inputs.start).days + 1
        hi = now.inputs.n_days - 1
        worst, at = _worst(levels, lo, hi)
        j = next(j for j, k in enumerate(then.inputs.kilns) if k.kiln_id == kid)
        then_levels = [int(x) for x in then.levels[j]]
        since = max(0, (adoption.first_day - then.inputs.start).days)
        then_worst, _ = _worst(then_levels, since, hi)
        first_at: dict[str, dt.date | None] = {}
        for name in LEVELS_ABOVE_GREEN:
            code = rk.LEVEL_NAMES.index(name)
            d = next((d for d in range(lo, hi + 1) if levels[d] >= code), None)
            first_at[name] = now.inputs.day(d) if d is not None else None
        out.append(
            KilnForecast(
                kiln_id=row.id,
                kiln=row.name,
                level_now=rk.LEVEL_NAMES[levels[lo - 1]] if lo > 0 else "green",
                worst_level=rk.LEVEL_NAMES[worst],
                worst_day=now.inputs.day(at) if at is not None and worst > rk.GREEN else None,
                adopted_worst=rk.LEVEL_NAMES[then_worst],
                first_at=first_at,
                why=rk.explain(now, i, at).text if at is not None and worst > rk.GREEN else "",
            )
        )
    return out


def kiln_forecast(
    session: Session, who: Principal, enterprise_id: int, kiln_id: int
) -> tuple[PlanForecast, KilnForecast | None] | None:
    """One kiln's forecast under its enterprise's adopted plan (None: no adoption)."""
    forecast = plan_forecast(session, who, enterprise_id)
    if forecast is None:
        return None
    return forecast, next((k for k in forecast.kilns if k.kiln_id == kiln_id), None)
