"""Test oracle: the plain-loop builder of ``RiskInputs`` as it was before the columnar path.

Kept verbatim (one loop per record) so that ``tests/domain/risk/test_build_columns.py`` can check
that the vectorised builder gives the very same inputs, bit for bit; it knows nothing of the
lining state at onboarding. Not used by the application.

Original docstring: the builder of the columnar ``RiskInputs`` from the plain records.

``build_inputs`` turns the records into arrays of kilns × days so that every indicator is a vector
operation; it is the only place that loops over records. Records dated after ``end`` (the ``as_of``
of the last day) are ignored, so the result depends only on what was known by then.

Day convention: a *day* is a plant-local calendar date; day index 0 is ``start``; ``as_of`` of day
d is the end of that local day, so day d's records count on day d. Shift datetimes are UTC and are
moved to plant local time with ``utc_offset_h``.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TypedDict, TypeVar
from zoneinfo import ZoneInfo

import numpy as np

from kilnguard.domain.errors import ValidationError
from kilnguard.domain.fatigue import ShiftTable
from kilnguard.domain.risk.build import group_shifts
from kilnguard.domain.risk.config import RiskConfig
from kilnguard.domain.risk.records import (
    NEVER,
    PRIOR_DAYS,
    AlarmState,
    ChangeControlState,
    IntArray,
    Records,
    RiskInputs,
    Target,
)
from kilnguard.domain.wear import daily_damage_scalar


def _to_local_hours(t: datetime, origin_utc: datetime, zone: str = "") -> float:
    """Hours from the local midnight of day 0; with a zone, each instant converted by zoneinfo."""
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    if zone:
        local = t.astimezone(ZoneInfo(zone)).replace(tzinfo=UTC)
        return (local - origin_utc).total_seconds() / 3600.0
    return (t - origin_utc).total_seconds() / 3600.0


def build_inputs_loop(
    records: Records,
    start: date,
    end: date,
    config: RiskConfig | None = None,
    utc_offset_h: float = 0.0,
) -> RiskInputs:
    """Turn record dataclasses into columnar ``RiskInputs`` for days ``start``..``end`` inclusive.

    Only records dated on or before ``end`` are used (``end`` is the ``as_of`` of the last day).
    Records before ``start`` are carried in: lining damage, last planned stop, the 6 days of output
    before start, overdue work orders, target progress, and ``config.warmup_days`` of rosters.
    Records of kilns not in ``records.kilns`` are ignored; a target's capacity counts only the
    listed kilns of its scope, so pass every kiln a target names. Local dates are plant time;
    ``utc_offset_h`` moves UTC shift times to it (e.g. +9 for Korea).
    """
    cfg = config or RiskConfig()
    if end < start:
        raise ValidationError("end", end, f"must be on or after start {start}")
    kilns = tuple(records.kilns)
    ids = [k.kiln_id for k in kilns]
    if len(set(ids)) != len(ids):
        raise ValidationError("kilns", ids, "kiln_id must be unique")
    for k in kilns:
        if not k.rated_capacity_t_per_day > 0:
            raise ValidationError("rated_capacity_t_per_day", k.rated_capacity_t_per_day, "> 0")
        if not k.lining_design_life_days > 0:
            raise ValidationError("lining_design_life_days", k.lining_design_life_days, "> 0")
        if not k.campaign_limit_days > 0:
            raise ValidationError("campaign_limit_days", k.campaign_limit_days, "> 0")
    kix = {kid: i for i, kid in enumerate(ids)}
    n_k, n_d = len(kilns), (end - start).days + 1
    s_ord = start.toordinal()
    end_i = n_d - 1

    def di(day: date) -> int:
        return day.toordinal() - s_ord

    rated = np.array([k.rated_capacity_t_per_day for k in kilns], dtype=np.float64)
    life = np.array([k.lining_design_life_days for k in kilns], dtype=np.float64)
    expo = np.array([cfg.wear_exponent(k.kind) for k in kilns], dtype=np.float64)
    expo_over = np.array([cfg.overload_wear_exponent(k.kind) for k in kilns], dtype=np.float64)
    limit = np.array([k.campaign_limit_days for k in kilns], dtype=np.float64)
    ctf = np.array(
        [math.inf if k.cycles_to_failure is None else k.cycles_to_failure for k in kilns]
    )

    # reline events (day index), from installation, relining stops and lining work orders
    relines: list[tuple[int, int]] = []
    for i, k in enumerate(kilns):
        if k.lining_installed_on is not None and di(k.lining_installed_on) <= end_i:
            relines.append((i, di(k.lining_installed_on)))
    for st in records.stops:
        if st.relined and st.kiln_id in kix and di(st.start) <= end_i:
            relines.append((kix[st.kiln_id], di(st.start)))
    plans = {p.plan_id: p for p in records.plans if p.kiln_id in kix}
    for wo in records.work_orders:
        pl = plans.get(wo.plan_id)
        done_on = wo.done_on
        if pl is not None and pl.renews_lining and done_on is not None and di(done_on) <= end_i:
            relines.append((kix[pl.kiln_id], di(done_on)))
    last_reline_before = np.full(n_k, -NEVER, dtype=np.int64)
    for i, d in relines:
        if d <= 0:
            last_reline_before[i] = max(last_reline_before[i], d)
    in_window = [(i, d) for i, d in relines if 0 < d <= end_i]

    # production: window arrays, the PRIOR_DAYS days before, and the history before start for carry-in
    output = np.zeros((n_k, n_d))
    hours = np.zeros((n_k, n_d))
    cycles = np.zeros((n_k, n_d))
    prior = np.zeros((n_k, PRIOR_DAYS))
    history: dict[int, list[tuple[int, float, float]]] = {}
    for rec in records.production:
        ki = kix.get(rec.kiln_id)
        if ki is None:
            continue
        i = ki
        d = di(rec.day)
        if d > end_i:
            continue
        if rec.output_t < 0 or rec.hours_fired < 0:
            raise ValidationError("ProductionRecord", rec, "output_t and hours_fired must be >= 0")
        if d >= 0:
            output[i, d] += rec.output_t
            hours[i, d] += rec.hours_fired
            cycles[i, d] += rec.thermal_cycles
        else:
            if d >= -PRIOR_DAYS:
                prior[i, d + PRIOR_DAYS] += rec.output_t
            history.setdefault(i, []).append((d, rec.output_t, float(rec.thermal_cycles)))
    wear0 = np.zeros(n_k)
    for i, rows in history.items():
        by_day: dict[int, list[float]] = {}
        for d, out_t, cyc in rows:
            acc = by_day.setdefault(d, [0.0, 0.0])
            acc[0] += out_t
            acc[1] += cyc
        k = kilns[i]
        total = 0.0
        for d in sorted(by_day):
            if d < last_reline_before[i]:
                continue
            out_t, cyc = by_day[d]
            total += daily_damage_scalar(
                out_t / k.rated_capacity_t_per_day,
                k.lining_design_life_days,
                float(expo[i]),
                cyc,
                k.cycles_to_failure,
                float(expo_over[i]),
            )
        wear0[i] = total
    wear0[last_reline_before == 0] = 0.0

    # planned stops
    stop_mask = np.zeros((n_k, n_d), dtype=bool)
    first_prod = np.zeros(n_k, dtype=np.int64)
    for i, rows in history.items():
        first_prod[i] = min(d for d, _, _ in rows)
    last_stop = np.minimum(first_prod - 1, -1)
    for st in records.stops:
        ki = kix.get(st.kiln_id)
        if ki is None or di(st.start) > end_i:
            continue
        i = ki
        a, b = di(st.start), min(di(st.end), end_i)
        if b < a:
            raise ValidationError("PlannedStop.end", st.end, f"must be on or after {st.start}")
        if b < 0:
            last_stop[i] = max(last_stop[i], b)
        else:
            stop_mask[i, max(a, 0) : b + 1] = True

    # safety-critical work orders
    # per kiln: days before start with output, and prefix sums, for tonnes between two days
    before_days: dict[int, list[int]] = {}
    before_cum: dict[int, list[float]] = {}
    for i, rows in history.items():
        per_day: dict[int, float] = {}
        for d, o, _ in rows:
            per_day[d] = per_day.get(d, 0.0) + o
        days_i = sorted(per_day)
        before_days[i] = days_i
        before_cum[i] = [0.0, *itertools.accumulate(per_day[d] for d in days_i)]

    def tonnes_before(i: int, after_day: int) -> float:
        """Tonnes made by kiln i on days after ``after_day`` and before start."""
        days_i = before_days.get(i)
        if not days_i:
            return 0.0
        j = bisect.bisect_right(days_i, after_day)
        return before_cum[i][-1] - before_cum[i][j]

    wo_rows: list[tuple[int, int, int, float, bool, float, str, tuple[tuple[int, str], ...]]] = []
    for wo in records.work_orders:
        pl = plans.get(wo.plan_id)
        if pl is None or not pl.safety_critical:
            continue
        due = di(wo.due_on)
        if due > end_i:
            continue
        done = NEVER if wo.done_on is None or di(wo.done_on) > end_i else di(wo.done_on)
        if done <= 0 or done <= due + 1:
            continue  # never overdue inside the window
        if not pl.interval_days > 0:
            raise ValidationError("MaintenancePlan.interval_days", pl.interval_days, "> 0")
        i = kix[pl.kiln_id]
        t_before = tonnes_before(i, due)
        defs = tuple(sorted((di(x.on), x.reason) for x in wo.deferrals if di(x.on) <= end_i))
        wo_rows.append((i, due, done, pl.interval_days, pl.protects_ipl, t_before, pl.task, defs))

    # targets
    tg_rows: list[Target] = []
    pairs_t: list[int] = []
    pairs_k: list[int] = []
    for tg in records.targets:
        scope = [kix[x] for x in dict.fromkeys(tg.kiln_ids) if x in kix]
        if not scope or di(tg.entered_on) > end_i:
            continue
        if tg.deadline < tg.entered_on:
            raise ValidationError("Target.deadline", tg.deadline, "must not precede entered_on")
        for i in scope:
            pairs_t.append(len(tg_rows))
            pairs_k.append(i)
        tg_rows.append(tg)
    tg_before = np.zeros(len(tg_rows))
    for p_t, p_k in zip(pairs_t, pairs_k, strict=True):
        e = di(tg_rows[p_t].entered_on)
        if e < 0:
            tg_before[p_t] += tonnes_before(p_k, e - 1)
    tg_cap = np.zeros(len(tg_rows))
    for p_t, p_k in zip(pairs_t, pairs_k, strict=True):
        tg_cap[p_t] += rated[p_k]

    sc = _build_shifts(records, kix, start, n_d, cfg, utc_offset_h)

    # interfaces: the worst change-control severity and the active high-priority alarms
    severity = np.zeros((n_k, n_d), dtype=np.int8)
    reasons: dict[tuple[int, int], str] = {}
    for i, d, cc in _in_window(records.change_control, kix, di, end_i):
        if cc.severity not in (0, 1, 2, 3):
            raise ValidationError("ChangeControlState.severity", cc.severity, "must be 0..3")
        if cc.severity >= severity[i, d]:
            severity[i, d] = cc.severity
            reasons[(i, d)] = cc.reason
    alarms = np.zeros((n_k, n_d), dtype=np.int16)
    summaries: dict[tuple[int, int], str] = {}
    for i, d, al in _in_window(records.alarms, kix, di, end_i):
        if al.high_priority_active < 0:
            raise ValidationError("AlarmState.high_priority_active", al.high_priority_active, ">=0")
        alarms[i, d] += al.high_priority_active
        if al.summary:
            summaries[(i, d)] = al.summary

    return RiskInputs(
        kilns=kilns,
        start=start,
        n_days=n_d,
        rated_t_per_day=rated,
        design_life_days=life,
        exponent_n=expo,
        campaign_limit_days=limit,
        cycles_to_failure=ctf,
        output_t=output,
        hours_fired=hours,
        thermal_cycles=cycles,
        prior_output_t=prior,
        wear_initial=wear0,
        reline_kiln=np.array([i for i, _ in in_window], dtype=np.int64),
        reline_day=np.array([d for _, d in in_window], dtype=np.int64),
        stop_mask=stop_mask,
        last_stop_before=last_stop,
        wo_kiln=np.array([r[0] for r in wo_rows], dtype=np.int64),
        wo_due=np.array([r[1] for r in wo_rows], dtype=np.int64),
        wo_done=np.array([r[2] for r in wo_rows], dtype=np.int64),
        wo_interval_days=np.array([r[3] for r in wo_rows], dtype=np.float64),
        wo_ipl=np.array([r[4] for r in wo_rows], dtype=bool),
        wo_t_before=np.array([r[5] for r in wo_rows], dtype=np.float64),
        wo_task=tuple(r[6] for r in wo_rows),
        wo_deferrals=tuple(r[7] for r in wo_rows),
        tg_entered=np.array([di(t.entered_on) for t in tg_rows], dtype=np.int64),
        tg_deadline=np.array([di(t.deadline) for t in tg_rows], dtype=np.int64),
        tg_quantity_t=np.array([t.quantity_t for t in tg_rows], dtype=np.float64),
        tg_additional=np.array([t.additional for t in tg_rows], dtype=bool),
        tg_produced_before=tg_before,
        tg_capacity_t_per_day=tg_cap,
        tg_pair_target=np.array(pairs_t, dtype=np.int64),
        tg_pair_kiln=np.array(pairs_k, dtype=np.int64),
        tg_info=tuple(tg_rows),
        change_severity=severity,
        change_reasons=reasons,
        alarms_high=alarms,
        alarm_summaries=summaries,
        overload_exponent_n=expo_over,
        **sc,
    )


_State = TypeVar("_State", ChangeControlState, AlarmState)


def _in_window(
    states: Sequence[_State], kix: dict[str, int], di: Callable[[date], int], end_i: int
) -> Iterator[tuple[int, int, _State]]:
    """(kiln index, day index, state) of the interface states of listed kilns inside the window."""
    for state in states:
        ki = kix.get(state.kiln_id)
        d = di(state.day)
        if ki is None or not 0 <= d <= end_i:
            continue
        yield ki, d, state


class _ShiftColumns(TypedDict):
    """The shift columns of `RiskInputs`, built together by `_build_shifts`."""

    shifts: ShiftTable
    shift_kd: IntArray
    shift_crew: IntArray
    shift_order: IntArray
    crew_starts: IntArray
    kd_starts: IntArray
    kd_ids: IntArray
    order_kd: IntArray
    worker_ids: tuple[str, ...]
    crew_ids: tuple[str, ...]


def _build_shifts(
    records: Records,
    kix: dict[str, int],
    start: date,
    n_d: int,
    cfg: RiskConfig,
    utc_offset_h: float,
) -> _ShiftColumns:
    """Shift rows → ShiftTable (sorted by worker, start) plus kiln-day and crew grouping."""
    origin = datetime(start.year, start.month, start.day, tzinfo=UTC) - timedelta(
        hours=utc_offset_h
    )
    local0 = datetime(start.year, start.month, start.day, tzinfo=UTC)
    horizon = -24.0 * cfg.warmup_days
    last_h = 24.0 * n_d
    workers: dict[str, int] = {}
    crews: dict[str, int] = {}
    w_l: list[int] = []
    s_l: list[float] = []
    e_l: list[float] = []
    k_l: list[int] = []
    c_l: list[int] = []
    for sh in records.shifts:
        i = kix.get(sh.kiln_id)
        if i is None:
            continue
        zone = records.kilns[i].timezone
        at = local0 if zone else origin
        s = _to_local_hours(sh.start, at, zone)
        if s >= last_h or s < horizon:
            continue
        e = _to_local_hours(sh.end, at, zone)
        if e <= s:
            raise ValidationError("ShiftRecord.end", sh.end, f"must be after start {sh.start}")
        w_l.append(workers.setdefault(sh.worker_id, len(workers)))
        s_l.append(s)
        e_l.append(e)
        k_l.append(i)
        c_l.append(crews.setdefault(sh.crew, len(crews)))
    w = np.array(w_l, dtype=np.int64)
    s_a = np.array(s_l, dtype=np.float64)
    e_a = np.array(e_l, dtype=np.float64)
    order = np.lexsort((s_a, w))
    w, s_a, e_a = w[order], s_a[order], e_a[order]
    k_a = np.array(k_l, dtype=np.int64)[order]
    c_a = np.array(c_l, dtype=np.int64)[order]
    return _ShiftColumns(
        shifts=ShiftTable(w, s_a, e_a, horizon_start_h=horizon),
        shift_crew=c_a,
        worker_ids=tuple(workers),
        crew_ids=tuple(crews),
        **group_shifts(s_a, e_a, k_a, c_a, n_d),
    )
