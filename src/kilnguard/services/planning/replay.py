"""Plans replayed through the risk engine before they are shown.

:func:`replay_plan` appends a plan's kiln-days and worker-shifts to the history as it stood on
``as_of`` and runs the risk engine over the plan's days; :func:`replay_actual` does the same for
what the factory actually recorded over those days, so the two can be compared.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kilnguard.domain import risk as rk
from kilnguard.domain.planning import PlanResult
from kilnguard.services.planning.history import records_as_of
from kilnguard.services.planning.problem import PlanningInput

__all__ = ["ReplaySummary", "appended", "plan_records", "replay_actual", "replay_plan"]


@dataclass(frozen=True)
class ReplaySummary:
    """Risk-engine levels of a plan (or of the recorded history) over the plan's days.

    ``levels[kiln name]`` is one level name per day from ``first_day``; ``worst_level`` is the
    worst over every kiln and day; ``why`` the engine's explanation of the worst kiln-day.
    """

    worst_level: str
    first_day: dt.date
    last_day: dt.date
    levels: dict[str, list[str]]
    worst_by_kiln: dict[str, str]
    worst_kiln: str | None = None
    worst_day: dt.date | None = None
    why: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "worst_level": self.worst_level,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "worst_by_kiln": self.worst_by_kiln,
            "worst_kiln": self.worst_kiln,
            "worst_day": self.worst_day.isoformat() if self.worst_day else None,
            "why": self.why,
            "kiln_days_by_level": self.counts,
        }


def _summarise(
    result: rk.RiskResult, kiln_ids: Sequence[str], names: dict[str, str]
) -> ReplaySummary:
    inp = result.inputs
    index = {k.kiln_id: i for i, k in enumerate(inp.kilns)}
    levels: dict[str, list[str]] = {}
    worst_by: dict[str, str] = {}
    counts: dict[str, int] = {name: 0 for name in rk.LEVEL_NAMES}
    worst = -1
    worst_at: tuple[int, int] | None = None
    for kid in kiln_ids:
        i = index[kid]
        row = [int(x) for x in result.levels[i]]
        levels[names[kid]] = [rk.LEVEL_NAMES[x] for x in row]
        worst_by[names[kid]] = rk.LEVEL_NAMES[max(row)] if row else "green"
        for x in row:
            counts[rk.LEVEL_NAMES[x]] += 1
        for d, x in enumerate(row):
            if x > worst:
                worst, worst_at = x, (i, d)
    why = ""
    worst_kiln = None
    worst_day = None
    if worst_at is not None:
        exp = rk.explain(result, worst_at[0], worst_at[1])
        why = exp.text
        worst_kiln = inp.kilns[worst_at[0]].name
        worst_day = inp.day(worst_at[1])
    return ReplaySummary(
        worst_level=rk.LEVEL_NAMES[max(worst, 0)],
        first_day=inp.start,
        last_day=inp.day(inp.n_days - 1),
        levels=levels,
        worst_by_kiln=worst_by,
        worst_kiln=worst_kiln,
        worst_day=worst_day,
        why=why,
        counts=counts,
    )


def plan_records(inp: PlanningInput, plan: PlanResult) -> rk.Records:
    """The history as of ``as_of`` with the plan's days appended as if they were records.

    Production per kiln-day; a plan day on which a kiln does not fire at all is a planned stop
    (the plan stops it), a relining slot a relining stop; the work orders the plan schedules
    are done on the slot's last day; the plan's worker-shifts are roster records (UTC).
    """
    problem = inp.problem
    base = records_as_of(inp.history.records, inp.as_of, inp.history.utc_offset_h)
    origin_shift = dt.timedelta(hours=inp.history.utc_offset_h)
    daily: dict[tuple[str, dt.date], list[float]] = defaultdict(lambda: [0.0, 0.0])
    shifts: list[rk.ShiftRecord] = []
    for s in plan.shifts:
        acc = daily[(s.kiln_id, s.day)]
        acc[0] += s.output_t
        acc[1] += s.length_h
        start = (s.start - origin_shift).replace(tzinfo=dt.UTC)
        end = start + dt.timedelta(hours=s.length_h)
        for w in s.worker_ids:
            shifts.append(rk.ShiftRecord(w, problem.worker(w).crew, s.kiln_id, start, end))
    production = [
        rk.ProductionRecord(kid, day, out, min(hours, 24.0))
        for (kid, day), (out, hours) in sorted(daily.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]
    stops: list[rk.PlannedStop] = []
    relined: set[tuple[str, dt.date]] = set()
    done: dict[int, dt.date] = {}
    for slot in plan.maintenance:
        task = next(t for t in problem.kiln(slot.kiln_id).maintenance if t.task_id == slot.task_id)
        stops.append(rk.PlannedStop(slot.kiln_id, slot.first_day, slot.last_day, task.resets_wear))
        if task.resets_wear:
            relined.add((slot.kiln_id, slot.first_day))
        order = inp.task_orders.get(slot.task_id)
        if order is not None:
            done[order] = min(done.get(order, slot.last_day), slot.last_day)
    for k in problem.kilns:
        for d in range(problem.horizon_days):
            day = problem.date_of(d)
            if (k.kiln_id, day) not in daily:
                stops.append(rk.PlannedStop(k.kiln_id, day, day, False))
    return appended(base, production, stops, shifts, done)


def appended(
    base: rk.Records,
    production: Sequence[rk.ProductionRecord],
    stops: Sequence[rk.PlannedStop],
    shifts: Sequence[rk.ShiftRecord],
    done: dict[int, dt.date],
) -> rk.Records:
    """``base`` with planned days appended as if recorded: their production, stops and
    worker-shifts, and the open work orders the plan does (order id → day done)."""
    orders = [
        replace(wo, done_on=done[int(wo.order_id)])
        if wo.done_on is None and wo.order_id.isdigit() and int(wo.order_id) in done
        else wo
        for wo in base.work_orders
    ]
    return replace(
        base,
        production=[*base.production, *production],
        stops=[*base.stops, *stops],
        work_orders=orders,
        shifts=[*base.shifts, *shifts],
    )


def _assess(inp: PlanningInput, records: rk.Records, end: dt.date) -> ReplaySummary:
    """The risk engine over the plan's days up to ``end``, summarised for the plan's kilns."""
    problem = inp.problem
    cfg = rk.RiskConfig()
    inputs = rk.build_inputs(records, problem.horizon_start, end, cfg, inp.history.utc_offset_h)
    result = rk.assess(inputs, cfg)
    names = {k.kiln_id: k.name for k in problem.kilns}
    return _summarise(result, [k.kiln_id for k in problem.kilns], names)


def replay_plan(inp: PlanningInput, plan: PlanResult) -> ReplaySummary:
    """Worst risk level the engine gives the plan over its kilns and days."""
    return _assess(inp, plan_records(inp, plan), inp.problem.horizon_end)


def replay_actual(inp: PlanningInput) -> ReplaySummary | None:
    """What the recorded history gives over the plan's days (None if nothing was recorded)."""
    end = min(inp.problem.horizon_end, inp.history.end)
    if end < inp.problem.horizon_start:
        return None
    return _assess(inp, inp.history.records, end)
