"""The recorded history as it stood at the end of a day, for the planner.

Records dated after ``as_of`` are never read into the problem or the plan's replay: work done
later is treated as still open, deferrals decided later are unknown. From the roster up to
``as_of`` come each kiln's usual crew size and the rest each worker carries into the plan.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain import risk as rk
from kilnguard.domain.planning import RestRules, ShiftPattern
from kilnguard.store import models as m

__all__ = ["CREW_LOOKBACK_DAYS", "crew_sizes", "cut_shifts", "records_as_of", "rest_carry_in"]

#: Days of roster before ``as_of`` read to find each kiln's usual crew size [d].
CREW_LOOKBACK_DAYS = 28


def records_as_of(records: rk.Records, as_of: dt.date, utc_offset_h: float) -> rk.Records:
    """The records as they stood at the end of ``as_of``: nothing later is known."""
    orders = []
    for wo in records.work_orders:
        done = wo.done_on if wo.done_on is not None and wo.done_on <= as_of else None
        defs = tuple(d for d in wo.deferrals if d.on <= as_of)
        orders.append(replace(wo, done_on=done, deferrals=defs))
    return rk.Records(
        kilns=records.kilns,
        production=[p for p in records.production if p.day <= as_of],
        stops=list(records.stops),
        targets=[t for t in records.targets if t.entered_on <= as_of],
        plans=list(records.plans),
        work_orders=orders,
        shifts=cut_shifts(
            records.shifts, as_of + dt.timedelta(days=1), dt.timedelta(hours=utc_offset_h)
        ),
        change_control=[c for c in records.change_control if c.day <= as_of],
        alarms=[a for a in records.alarms if a.day <= as_of],
    )


def cut_shifts(
    shifts: Sequence[rk.ShiftRecord], horizon_start: dt.date, offset: dt.timedelta
) -> list[rk.ShiftRecord]:
    """Recorded shifts that started before the horizon's first local midnight."""
    cut = dt.datetime.combine(horizon_start, dt.time(), tzinfo=dt.UTC) - offset
    out = []
    for s in shifts:
        start = s.start if s.start.tzinfo else s.start.replace(tzinfo=dt.UTC)
        if start < cut:
            out.append(s)
    return out


def crew_sizes(
    session: Session, kilns: Sequence[m.Kiln], as_of: dt.date, offset_h: float
) -> dict[int, int]:
    """Median workers per kiln-shift in the roster of the last weeks before ``as_of``."""
    ids = [k.id for k in kilns]
    until = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    until -= dt.timedelta(hours=offset_h)
    since = until - dt.timedelta(days=CREW_LOOKBACK_DAYS)
    counts: dict[tuple[int | None, dt.datetime], int] = defaultdict(int)
    for kiln_id, start in session.execute(
        select(m.Shift.kiln_id, m.Shift.start_at).where(
            m.Shift.kiln_id.in_(ids),
            m.Shift.start_at >= since,
            m.Shift.start_at < until,
            m.Shift.voided_at.is_(None),
        )
    ):
        counts[(kiln_id, start)] += 1
    per_kiln: dict[int | None, list[int]] = defaultdict(list)
    for (kiln_id, _start), n in counts.items():
        per_kiln[kiln_id].append(n)
    return {k: max(1, round(statistics.median(v))) for k, v in per_kiln.items() if k is not None}


def rest_carry_in(
    shifts: Sequence[rk.ShiftRecord],
    horizon_start: dt.date,
    offset_h: float,
    rules: RestRules,
    pattern: ShiftPattern,
) -> dict[str, frozenset[dt.date]]:
    """Days a worker may not start a shift because of the shifts worked up to ``as_of``.

    The domain starts its rest rules fresh on day 0, so the hand-over is made safe here, at
    whole-day granularity (conservative): day 0 is blocked when the last shift ended less than
    ``min_rest_h`` before day 0's first shift; after a run of r worked days up to ``as_of``,
    day ``max_consecutive_shifts − r`` is blocked so no run exceeds the limit.
    """
    origin = dt.datetime.combine(horizon_start, dt.time(), tzinfo=dt.UTC) - dt.timedelta(
        hours=offset_h
    )
    first_start_h = pattern.first_shift_start_h
    last_end: dict[str, float] = {}
    worked_days: dict[str, set[int]] = defaultdict(set)
    for s in shifts:
        start = s.start if s.start.tzinfo else s.start.replace(tzinfo=dt.UTC)
        end = s.end if s.end.tzinfo else s.end.replace(tzinfo=dt.UTC)
        start_h = (start - origin).total_seconds() / 3600
        end_h = (end - origin).total_seconds() / 3600
        if start_h >= 0 or start_h < -24 * 14:
            continue
        last_end[s.worker_id] = max(last_end.get(s.worker_id, -1e9), end_h)
        worked_days[s.worker_id].add(int(start_h // 24))
    blocked: dict[str, set[dt.date]] = defaultdict(set)
    for worker, end_h in last_end.items():
        if end_h + rules.min_rest_h > first_start_h:
            blocked[worker].add(horizon_start)
        run = 0
        day = -1
        while day in worked_days[worker]:
            run += 1
            day -= 1
        if run:
            free = max(0, rules.max_consecutive_shifts - run)
            blocked[worker].add(horizon_start + dt.timedelta(days=free))
    return {w: frozenset(d) for w, d in blocked.items()}
