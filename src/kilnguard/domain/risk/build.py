"""The builder of the columnar ``RiskInputs`` from the plain records of :mod:`.records`.

``build_inputs`` turns the records into arrays of kilns × days so that every indicator is a vector
operation. Production and shifts, the big tables, are handled as columns (``ProductionColumns``,
``ShiftColumns``; lists of records are turned into columns first), so the cost is a few NumPy
passes whatever their size; the small tables (stops, targets, work orders) are looped over.
Records dated after ``end`` (the ``as_of`` of the last day) are ignored, so the result depends
only on what was known by then.

Day convention: a *day* is a plant-local calendar date; day index 0 is ``start``; ``as_of`` of day
d is the end of that local day, so day d's records count on day d. Shift datetimes are UTC; each is
moved to its kiln's local time with the kiln's IANA zone (``KilnSpec.timezone``) at that very
instant (issue 13 point 5: DST and historical offsets), or with the fixed ``utc_offset_h`` for a
kiln without a zone. The fatigue model's clock is that local wall clock: across a DST change a
duty's length on it differs from the hours worked by the change (a London autumn night
22:00–06:00 is 9 h worked, 8 h on the clock) — the circadian terms follow the clock.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TypedDict, TypeVar

import numpy as np

from kilnguard.domain.errors import ValidationError
from kilnguard.domain.fatigue import ShiftTable
from kilnguard.domain.risk.config import RiskConfig
from kilnguard.domain.risk.local_time import offsets_us
from kilnguard.domain.risk.records import (
    EPOCH_ORDINAL,
    NEVER,
    PRIOR_DAYS,
    AlarmState,
    ChangeControlState,
    FloatArray,
    IntArray,
    KilnSpec,
    ProductionColumns,
    ProductionRecord,
    Records,
    RiskInputs,
    ShiftColumns,
    ShiftRecord,
    Target,
    to_epoch_us,
)
from kilnguard.domain.wear import daily_damage


def build_inputs(
    records: Records,
    start: date,
    end: date,
    config: RiskConfig | None = None,
    utc_offset_h: float = 0.0,
) -> RiskInputs:
    """Turn record dataclasses into columnar ``RiskInputs`` for days ``start``..``end`` inclusive.

    Only records dated on or before ``end`` are used (``end`` is the ``as_of`` of the last day).
    Records before ``start`` are carried in: lining damage, last planned stop, the ``PRIOR_DAYS``
    (29) days of output before start (7-day mean, 30-day overload dose), overdue work orders,
    target progress, and ``config.warmup_days`` of rosters. Records of kilns not in
    ``records.kilns`` are ignored; a target's capacity counts only the listed kilns of its scope,
    so pass every kiln a target names. Local dates are plant time; UTC shift times are moved to
    it with each kiln's IANA zone at each instant (``KilnSpec.timezone``), or by the fixed
    ``utc_offset_h`` (e.g. +9 for Korea) for a kiln without one.

    Lining state at onboarding: a kiln's ``lining_wear_at_onboarding`` w0 is the Miner damage
    of its lining at the start of its onboarding day (its first production record up to
    ``end``). From that day on the lining's damage is w0 plus the damage of the recorded days
    (w0 first, as carried-in damage); a reline on or after the onboarding day (relining stop,
    lining work order, ``lining_installed_on``) renews the lining and clears it, a reline before
    it does not (the onboarding state describes the lining in place then). Before the onboarding
    day the kiln has no production, so its damage there is w0 too.
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

    prod = _production(records.production, kix, s_ord, end_i, n_k, n_d)

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
    w0 = _onboarding_wear(kilns)
    onboard = prod.first_day
    has_w0 = (w0 > 0.0) & (onboard <= end_i)
    # a reline before the onboarding day is the lining the onboarding state describes
    relines = [(i, d) for i, d in relines if not (has_w0[i] and d < onboard[i])]
    last_reline_before = np.full(n_k, -NEVER, dtype=np.int64)
    for i, d in relines:
        if d <= 0:
            last_reline_before[i] = max(last_reline_before[i], d)
    in_window = [(i, d) for i, d in relines if 0 < d <= end_i]
    carry_w0 = np.where(has_w0 & (last_reline_before < onboard), w0, 0.0)
    wear0 = _carried_wear(prod, kilns, expo, expo_over, last_reline_before, carry_w0)
    output, hours, cycles, prior = prod.output, prod.hours, prod.cycles, prod.prior

    # planned stops
    stop_mask = np.zeros((n_k, n_d), dtype=bool)
    last_stop = np.minimum(np.minimum(prod.first_day, 0) - 1, -1)
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
    tonnes_before = prod.tonnes_before

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
    worker_ids: tuple[str, ...]  # engine ids of the workers and crews, by code
    crew_ids: tuple[str, ...]
    shift_kd: IntArray
    shift_crew: IntArray
    shift_order: IntArray
    crew_starts: IntArray
    kd_starts: IntArray
    kd_ids: IntArray
    order_kd: IntArray


def _build_shifts(
    records: Records,
    kix: dict[str, int],
    start: date,
    n_d: int,
    cfg: RiskConfig,
    utc_offset_h: float,
) -> _ShiftColumns:
    """Shift rows → ShiftTable (sorted by worker, start) plus kiln-day and crew grouping."""
    horizon = -24.0 * cfg.warmup_days
    last_h = 24.0 * n_d
    cols = _shift_columns(records.shifts)
    k_all = _kiln_index(cols.kiln_ids, kix)[cols.kiln]
    # local hours since local midnight of day 0: each instant moved by its kiln's zone offset at
    # that instant (DST, historical offsets), or by the fixed ``utc_offset_h`` for kilns without
    # a zone; exact µs integers, then as timedelta.total_seconds()
    zones = [k.timezone for k in records.kilns if k.kiln_id in kix]
    local0 = to_epoch_us(datetime(start.year, start.month, start.day, tzinfo=UTC))
    fixed = round(utc_offset_h * 3_600_000_000)
    s_all = (cols.start_us + offsets_us(cols.start_us, k_all, zones, fixed) - local0) / 1e6 / 3600.0
    keep = np.flatnonzero((k_all >= 0) & (s_all < last_h) & (s_all >= horizon))
    s_a = s_all[keep]
    end_us = cols.end_us[keep]
    e_a = (end_us + offsets_us(end_us, k_all[keep], zones, fixed) - local0) / 1e6 / 3600.0
    bad = np.flatnonzero(e_a <= s_a)
    if len(bad):
        sh = cols[int(keep[bad[0]])]
        raise ValidationError("ShiftRecord.end", sh.end, f"must be after start {sh.start}")
    w = _first_seen_codes(cols.worker[keep], len(cols.worker_ids))
    c_l = _first_seen_codes(cols.crew[keep], len(cols.crew_ids))
    k_l = k_all[keep]
    if len(s_a) < 2 or bool(np.all(s_a[1:] >= s_a[:-1])):  # rows in start order (loaders)
        order = _stable_argsort(w)  # = lexsort((s_a, w)), one radix pass
    else:
        order = np.lexsort((s_a, w))
    w, s_a, e_a = w[order], s_a[order], e_a[order]
    k_a = k_l[order]
    c_a = c_l[order]
    return _ShiftColumns(
        shifts=ShiftTable(w, s_a, e_a, horizon_start_h=horizon),
        shift_crew=c_a,
        worker_ids=_first_seen_ids(cols.worker[keep], cols.worker_ids),
        crew_ids=_first_seen_ids(cols.crew[keep], cols.crew_ids),
        **group_shifts(s_a, e_a, k_a, c_a, n_d),
    )


def _first_seen_ids(codes: IntArray, ids: Sequence[str]) -> tuple[str, ...]:
    """The ids of ``codes`` in the order each first appears (the numbering of
    `_first_seen_codes`)."""
    if not len(codes):
        return ()
    _, first = np.unique(codes, return_index=True)
    return tuple(ids[int(c)] for c in codes[np.sort(first)].tolist())


class _ShiftGroups(TypedDict):
    """Worker-shifts grouped by the kiln-days they overlap, then by crew."""

    shift_kd: IntArray
    shift_order: IntArray
    crew_starts: IntArray
    kd_starts: IntArray
    kd_ids: IntArray
    order_kd: IntArray


def group_shifts(
    s_a: FloatArray, e_a: FloatArray, k_a: IntArray, c_a: IntArray, n_d: int
) -> _ShiftGroups:
    """Group shift rows (local hours since day 0) by kiln-day and crew.

    A shift counts on every local day it overlaps (a 22:00–06:00 night on both days), so that
    starting a shift earlier or ending it later can only add kiln-days to it, never move it off
    one (issue 13 point 3); ``shift_kd`` is the kiln-day it starts on (−1 before day 0).
    """
    day_a = np.floor(s_a / 24.0).astype(np.int64)
    day_b = np.maximum(np.ceil(e_a / 24.0).astype(np.int64) - 1, day_a)
    kd = np.where(day_a >= 0, k_a * n_d + day_a, -1)
    lo = np.maximum(day_a, 0)
    cnt = np.maximum(np.minimum(day_b, n_d - 1) - lo + 1, 0)
    rows = np.repeat(np.arange(len(s_a), dtype=np.int64), cnt)
    offs = np.cumsum(cnt) - cnt
    pair_kd = k_a[rows] * n_d + lo[rows] + (np.arange(len(rows), dtype=np.int64) - offs[rows])
    n_crews = int(c_a.max()) + 1 if len(c_a) else 1
    sub = _stable_argsort(pair_kd * n_crews + c_a[rows])  # = lexsort((crew, kd))
    shift_order = rows[sub]
    kd_s, c_s = pair_kd[sub], c_a[shift_order]
    new_grp = np.ones(len(shift_order), dtype=bool)
    if len(shift_order):
        new_grp[1:] = (kd_s[1:] != kd_s[:-1]) | (c_s[1:] != c_s[:-1])
    crew_starts = np.flatnonzero(new_grp)
    grp_kd = kd_s[crew_starts]
    new_kd = np.ones(len(crew_starts), dtype=bool)
    if len(crew_starts):
        new_kd[1:] = grp_kd[1:] != grp_kd[:-1]
    kd_starts = np.flatnonzero(new_kd)
    return _ShiftGroups(
        shift_kd=kd,
        shift_order=shift_order,
        crew_starts=crew_starts,
        kd_starts=kd_starts,
        kd_ids=grp_kd[kd_starts],
        order_kd=kd_s,
    )


def _sum_by(bins: IntArray, weights: FloatArray, n: int) -> FloatArray:
    """Sum of ``weights`` per bin 0..n−1, each bin added in row order from 0.0 (``+=`` order)."""
    return np.asarray(np.bincount(bins, weights, n), dtype=np.float64)


def _stable_argsort(keys: IntArray) -> IntArray:
    """Stable argsort of non-negative integer keys (a radix sort when they fit 16 bits)."""
    if len(keys) and int(keys.max()) < (1 << 16):
        return np.argsort(keys.astype(np.uint16), kind="stable")
    return np.argsort(keys, kind="stable")


def _shift_columns(shifts: Sequence[ShiftRecord]) -> ShiftColumns:
    return shifts if isinstance(shifts, ShiftColumns) else ShiftColumns.from_records(shifts)


def _kiln_index(kiln_ids: Sequence[str], kix: dict[str, int]) -> IntArray:
    """Index in ``kilns`` of each kiln code of a column table (−1: not listed)."""
    return np.array([kix.get(x, -1) for x in kiln_ids] or [-1], dtype=np.int64)


def _first_seen_codes(codes: IntArray, n_codes: int) -> IntArray:
    """Renumber codes 0, 1, … in the order each first appears (as a dict of a list loop would)."""
    if not len(codes):
        return np.zeros(0, dtype=np.int64)
    first = np.full(n_codes, len(codes), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(codes), dtype=np.int64))
    rank = np.empty(n_codes, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(n_codes, dtype=np.int64)
    return rank[codes]


@dataclass(frozen=True)
class _Production:
    """Production of the listed kilns up to ``end``, as the builder needs it.

    ``pre_*``: the days before start, one row per kiln and day (summed in row order), sorted by
    kiln then day. ``first_day``: each kiln's first production day index (NEVER if none).
    """

    output: FloatArray
    hours: FloatArray
    cycles: FloatArray
    prior: FloatArray
    first_day: IntArray
    pre_kiln: IntArray
    pre_day: IntArray
    pre_out: FloatArray
    pre_cycles: FloatArray
    pre_start: IntArray  # (K + 1,) segment starts of each kiln in the pre_* rows

    def tonnes_before(self, i: int, after_day: int) -> float:
        """Tonnes made by kiln i on days after ``after_day`` and before start."""
        a, b = int(self.pre_start[i]), int(self.pre_start[i + 1])
        if a == b:
            return 0.0
        days = self.pre_day[a:b]
        cum = np.cumsum(np.concatenate(([0.0], self.pre_out[a:b])))
        j = int(np.searchsorted(days, after_day, side="right"))
        return float(cum[-1] - cum[j])


def _production(
    production: Sequence[ProductionRecord],
    kix: dict[str, int],
    s_ord: int,
    end_i: int,
    n_k: int,
    n_d: int,
) -> _Production:
    """Window arrays (kilns × days), the 6 days before start and the history before it."""
    cols = (
        production
        if isinstance(production, ProductionColumns)
        else ProductionColumns.from_records(production)
    )
    k = _kiln_index(cols.kiln_ids, kix)[cols.kiln]
    d = cols.day - (s_ord - EPOCH_ORDINAL)
    keep = np.flatnonzero((k >= 0) & (d <= end_i))
    k, d = k[keep], d[keep]
    out, hrs, cyc = cols.output_t[keep], cols.hours_fired[keep], cols.cycles()[keep]
    bad = np.flatnonzero((out < 0) | (hrs < 0))
    if len(bad):
        rec = cols[int(keep[bad[0]])]
        raise ValidationError("ProductionRecord", rec, "output_t and hours_fired must be >= 0")
    first_day = np.full(n_k, NEVER, dtype=np.int64)
    np.minimum.at(first_day, k, d)
    # bincount adds each bin's weights in row order from 0.0, as `+=` over the rows would
    win = d >= 0
    cell = k[win] * n_d + d[win]
    size = n_k * n_d
    output = _sum_by(cell, out[win], size).reshape(n_k, n_d)
    hours = _sum_by(cell, hrs[win], size).reshape(n_k, n_d)
    cycles = _sum_by(cell, cyc[win], size).reshape(n_k, n_d)
    pre = ~win
    pk, pd, po, pc = k[pre], d[pre], out[pre], cyc[pre]
    near = pd >= -PRIOR_DAYS
    prior = _sum_by(
        pk[near] * PRIOR_DAYS + pd[near] + PRIOR_DAYS, po[near], n_k * PRIOR_DAYS
    ).reshape(n_k, PRIOR_DAYS)
    if len(pk):
        lo = int(pd.min())
        key = pk * (1 - lo) + (pd - lo)
        uniq, inv = np.unique(key, return_inverse=True)
        pre_kiln, pre_day = uniq // (1 - lo), uniq % (1 - lo) + lo
        pre_out = _sum_by(inv, po, len(uniq))
        pre_cyc = _sum_by(inv, pc, len(uniq))
    else:
        pre_kiln = pre_day = np.zeros(0, dtype=np.int64)
        pre_out = pre_cyc = np.zeros(0)
    pre_start = np.searchsorted(pre_kiln, np.arange(n_k + 1))
    return _Production(
        output, hours, cycles, prior, first_day, pre_kiln, pre_day, pre_out, pre_cyc, pre_start
    )


def _onboarding_wear(kilns: Sequence[KilnSpec]) -> FloatArray:
    w0 = np.array([k.lining_wear_at_onboarding for k in kilns], dtype=np.float64)
    for k in kilns:
        if not (math.isfinite(k.lining_wear_at_onboarding) and k.lining_wear_at_onboarding >= 0):
            raise ValidationError(
                "lining_wear_at_onboarding", k.lining_wear_at_onboarding, "must be finite and >= 0"
            )
    return w0


def _carried_wear(
    prod: _Production,
    kilns: Sequence[KilnSpec],
    expo: FloatArray,
    expo_over: FloatArray,
    last_reline_before: IntArray,
    carry_w0: FloatArray,
) -> FloatArray:
    """Miner damage carried into day 0 (``wear.daily_damage`` summed in day order per kiln,
    after the last reline before start, on top of the onboarding wear ``carry_w0``)."""
    n_k = len(kilns)
    k, d = prod.pre_kiln, prod.pre_day
    sel = d >= last_reline_before[k]
    k, d = k[sel], d[sel]
    rated = np.array([x.rated_capacity_t_per_day for x in kilns], dtype=np.float64)
    life = np.array([x.lining_design_life_days for x in kilns], dtype=np.float64)
    ctf = np.array(
        [math.inf if x.cycles_to_failure is None else x.cycles_to_failure for x in kilns]
    )
    r = np.maximum(prod.pre_out[sel] / rated[k], 0.0)
    dmg = daily_damage(r, life[k], expo[k], prod.pre_cycles[sel], ctf[k], expo_over[k])
    # the onboarding wear first, then the days in order: one running sum per kiln, from 0.0
    rows_k = np.concatenate((np.arange(n_k, dtype=np.int64), k))
    rows_v = np.concatenate((carry_w0, dmg))
    order = np.argsort(rows_k, kind="stable")
    wear0: FloatArray = _sum_by(rows_k[order], rows_v[order], n_k)
    wear0[last_reline_before == 0] = 0.0
    return wear0
