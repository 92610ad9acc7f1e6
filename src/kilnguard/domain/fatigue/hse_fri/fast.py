"""The HSE FRI replica vectorised with NumPy: FI and RI of every duty of many workers at once.

Same model, constants and deviations as the scalar replica (:mod:`.risk`, :mod:`.fatigue`,
:mod:`.job`, RR446 / calculator v2.x — see ``docs/models/hse-fri.md``); the scalar replica is the
reference oracle and ``tests/domain/fatigue/test_hse_fri_fast.py`` checks that both agree on
Hypothesis rosters. Why a second implementation: the replica loops in Python (≈ 6 ms per worker
and day), too slow for the people barrier, which scores every worker-shift of a replay.

Rosters are columns sorted by (worker, start): hours on one clock whose ``t mod 24`` is the
plant-local time of day (the risk engine's clock, hours from local midnight of its day 0). The
scalar replica counts hours from local midnight of each worker's first duty; every formula below
either depends on time of day only or is written relative to that midnight, so both clocks give
the same figures (to rounding).

How the loops are removed:

* RI timing: the time-of-day mean is a closed form; RR(L) a piecewise expression.
* RI job: the break series depends on the number of break cycles only, so it is tabulated once per
  distinct (cycles, work steps, break) and looked up.
* RI cumulative: r − 1 grows by an increment per duty and is multiplied by a recovery factor after
  a rest over 24 h; within a run the increments are a cumulative sum, and the runs are chained by
  one loop over "the k-th run of every worker" (vectorised over workers).
* FI timing and job: the 15-min steps of each duty are a padded matrix (rows × steps), in chunks.
* FI cumulative: the sleep-loss reservoir is one loop over night k, vectorised over workers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from kilnguard.domain.fatigue._types import BoolArray, FloatArray, IntArray
from kilnguard.domain.fatigue.hse_fri import fatigue as fz
from kilnguard.domain.fatigue.hse_fri import job, risk
from kilnguard.domain.fatigue.hse_fri.inputs import REFERENCE_COMMUTE_MIN

_W = np.pi / 12.0
_CHUNK = 4096  # duties per chunk of the FI step matrix


@dataclass(frozen=True)
class RosterColumns:
    """Duties of many workers, sorted by (worker, start), with the calculator's per-duty inputs.

    ``start_h``/``end_h`` are hours on a clock whose ``t mod 24`` is the local time; the job and
    break inputs are per duty (calculator defaults via :meth:`with_defaults`).
    """

    worker: IntArray
    start_h: FloatArray
    end_h: FloatArray
    commute_min: FloatArray
    workload: IntArray
    attention: IntArray
    spell_min: FloatArray  #: typical work spell = (break every + longest work)/2 [min]
    break_min: FloatArray  #: typical break = (average break + break after longest)/2 [min]

    @staticmethod
    def with_defaults(
        worker: IntArray,
        start_h: FloatArray,
        end_h: FloatArray,
        *,
        commute_min: float | FloatArray = REFERENCE_COMMUTE_MIN,
        workload: int | IntArray = 2,
        attention: int | IntArray = 1,
        break_every_min: float | FloatArray = 180.0,
        break_min: float | FloatArray = 15.0,
        longest_work_min: float | FloatArray = 240.0,
        break_after_longest_min: float | FloatArray = 30.0,
    ) -> RosterColumns:
        """Columns with the calculator's defaults (or per-duty arrays) for every input."""
        n = len(worker)

        def col(x: float | FloatArray) -> FloatArray:
            return np.broadcast_to(np.asarray(x, dtype=np.float64), (n,)).copy()

        def icol(x: int | IntArray) -> IntArray:
            return np.broadcast_to(np.asarray(x, dtype=np.int64), (n,)).copy()

        every, longest = col(break_every_min), col(longest_work_min)
        brk, after = col(break_min), col(break_after_longest_min)
        return RosterColumns(
            np.asarray(worker, dtype=np.int64),
            np.asarray(start_h, dtype=np.float64),
            np.asarray(end_h, dtype=np.float64),
            col(commute_min),
            icol(workload),
            icol(attention),
            (every + longest) / 2.0,
            (brk + after) / 2.0,
        )


@dataclass(frozen=True)
class FriColumns:
    """FI [%] and RI [–] of every duty with their three components, in the roster's row order."""

    fi: FloatArray
    fi_cumulative: FloatArray
    fi_timing: FloatArray
    fi_job: FloatArray
    ri: FloatArray
    ri_cumulative: FloatArray
    ri_timing: FloatArray
    ri_job: FloatArray


def _first_rows(worker: IntArray) -> BoolArray:
    first = np.ones(len(worker), dtype=bool)
    if len(worker):
        first[1:] = worker[1:] != worker[:-1]
    return first


# --------------------------------------------------------------------------- RI


def shift_length_rr(length_h: FloatArray) -> FloatArray:
    """RR(L) of :func:`.risk.shift_length_rr`, vectorised [D]."""
    (la, lb, lk), (ha, hb, hk) = risk.RR_LOW, risk.RR_HIGH
    lo, hi = risk.RR_FLAT
    out = np.ones_like(length_h)
    edge = np.round(length_h, risk.SNAP_DIGITS)  # the branch does not depend on clock rounding
    below, above = edge < lo, edge > hi
    out[below] = la - lb * np.exp(-lk * length_h[below])
    out[above] = ha + hb * np.exp(hk * length_h[above])
    return out


def ri_timing(start_h: FloatArray, end_h: FloatArray, commute_min: FloatArray) -> FloatArray:
    """RI duty-timing component of every duty [–] (:func:`.risk.ri_timing`)."""
    duty = end_h - start_h
    extra = np.maximum((commute_min - REFERENCE_COMMUTE_MIN) / 60.0, -(duty - 0.25))
    length = duty + extra
    t0 = start_h - extra
    tod = risk.TOD_MEAN + risk.TOD_AMPLITUDE * (np.sin(_W * end_h) - np.sin(_W * t0)) / (
        _W * (end_h - t0)
    )
    rr = shift_length_rr(length)
    travel = extra > 0
    if travel.any():
        e = extra[travel]
        rr[travel] = (rr[travel] * length[travel] - shift_length_rr(e) * e) / duty[travel]
    return np.asarray(tod * rr * risk.TIMING_SCALE, dtype=np.float64)


@lru_cache(maxsize=4096)
def _series(cycles: int, work_steps: int, break_min: float) -> float:
    return job.series_mean_of_cycles(cycles, work_steps, break_min)


def _series_means(cycles: IntArray, steps: IntArray, brk: FloatArray) -> FloatArray:
    """The break series mean per duty, from a table of the distinct (cycles, steps, break)."""
    keys = np.stack([cycles.astype(np.float64), steps.astype(np.float64), brk], axis=1)
    if not len(keys):
        return np.zeros(0)
    uniq, inv = np.unique(keys, axis=0, return_inverse=True)
    table = np.array([_series(int(c), int(s), float(b)) for c, s, b in uniq.tolist()])
    return np.asarray(table[inv.reshape(-1)], dtype=np.float64)


def _work_steps(spell_min: FloatArray) -> IntArray:
    # Python's round() rounds half to even, as np.round does
    return np.maximum(1, np.round(spell_min / 15.0)).astype(np.int64)


def ri_job(r: RosterColumns) -> FloatArray:
    """RI job type / breaks component of every duty [–] (:func:`.job.ri_job`)."""
    duty = r.end_h - r.start_h
    cycles = 1 + np.floor(duty * 60.0 / (r.spell_min + r.break_min) - 0.01).astype(np.int64)
    series = _series_means(cycles, _work_steps(r.spell_min), r.break_min) / job.SERIES_NORM
    demand = (r.workload + r.attention - job.DEMAND_NEUTRAL) * job.DEMAND_STEP
    return np.asarray((series + demand) / job.RI_JOB_NORM, dtype=np.float64)


def night_window_hours(t0: FloatArray, t1: FloatArray) -> FloatArray:
    """Hours of the 23:00–07:00 window inside [t0, t1] (:func:`.risk.night_window_hours`) [C]."""
    lo, hi = risk.NIGHT_WINDOW_H
    span = (hi + 24.0 - lo) % 24.0

    def upto(t: FloatArray) -> FloatArray:  # window hours from a fixed origin up to t
        x = t - lo
        return np.asarray(span * np.floor(x / 24.0) + np.minimum(np.mod(x, 24.0), span))

    return np.maximum(upto(t1) - upto(t0), 0.0)


def chain_runs(
    first: BoolArray, reset: BoolArray, factor: FloatArray, inc: FloatArray
) -> FloatArray:
    """x per row of ``x_i = factor_i·x_{i−1}`` on ``reset`` rows, ``x_{i−1} + inc_i`` otherwise,
    ``x = 0`` on ``first`` rows (a worker's first duty): the excess r − 1 of the RI cumulative.
    ``factor`` holds the reset rows' factors only, in row order; ``inc`` is changed in place.

    Within a run (rows between resets) x is a running sum, accumulated run by run (one
    vectorised step per position in a run), never as one cumulative sum over all rows: a row's
    value must not depend on the rows of other workers in the same call, or a kiln's levels
    would differ in the last bits between a replay of its enterprise and one of the region.
    The runs of each worker are chained by one loop over "the k-th run of every worker".
    """
    n = len(first)
    if n == 0:
        return np.zeros(0)
    starts = first | reset
    inc[starts] = 0.0
    start_rows = np.flatnonzero(starts)
    run = np.cumsum(starts, dtype=np.int64)
    run -= 1
    pos = np.arange(n, dtype=np.int64) - start_rows[run]  # position within its run
    within = inc.copy()  # running sum of the run's increments up to each row
    per_pos = np.bincount(pos)
    if len(per_pos) > 1:
        order = np.argsort(pos, kind="stable")
        edges = np.concatenate(([0], np.cumsum(per_pos)))
        for k in range(1, len(per_pos)):
            rows = order[edges[k] : edges[k + 1]]
            within[rows] += within[rows - 1]
    ends = np.append(start_rows[1:] - 1, n - 1)
    total = within[ends]  # increments of each run after its start
    f = np.zeros(len(start_rows))
    f[~first[start_rows]] = factor
    base = np.zeros(len(start_rows))
    w_first = np.flatnonzero(first[start_rows])  # each worker's first run
    runs = np.diff(np.append(w_first, len(start_rows)))
    for j in range(1, int(runs.max())):
        rows = w_first[runs > j] + j
        base[rows] = f[rows] * (base[rows - 1] + total[rows - 1])
    x = base[run]
    x += within
    return np.asarray(x, dtype=np.float64)


def spans(r: RosterColumns) -> tuple[FloatArray, FloatArray, FloatArray, BoolArray]:
    """Padded span ends, gap before each span (inf on a worker's first) and first-row flags."""
    s0, s1 = r.start_h - risk.SPAN_PAD_H, r.end_h + risk.SPAN_PAD_H
    first = _first_rows(r.worker)
    gap = np.full(len(s0), np.inf)
    if len(s0):
        gap[1:] = s0[1:] - s1[:-1]
    gap[first] = np.inf
    return s0, s1, np.round(gap, risk.SNAP_DIGITS), first


def ri_cumulative(r: RosterColumns) -> FloatArray:
    """RI cumulative component of every duty [–] (:func:`.risk.ri_cumulative`)."""
    s0, s1, gap, first = spans(r)
    a, b = risk.INCREMENT
    u = a + b * np.cos(_W * (s0 + s1) / 2.0)
    return cumulative_of(r.start_h, r.end_h, gap, first, u, short_rest_floor=False)


def cumulative_of(
    start_h: FloatArray,
    end_h: FloatArray,
    gap: FloatArray,
    first: BoolArray,
    u: FloatArray,
    *,
    short_rest_floor: bool,
    long_rest_h: float = risk.LONG_REST_H,
) -> FloatArray:
    """RI cumulative from the duties, the rests between their padded spans and the increments
    u; ``short_rest_floor`` takes the worse of the short-rest and the 9–24 h rule below 9 h
    (:mod:`.monotone`)."""
    inc = u.copy()  # (u_prev + u)/2; the first row's is never used
    inc[1:] += u[:-1]
    inc *= 0.5
    short = gap < risk.SHORT_REST_H
    step = risk.SHORT_REST_STEP * (risk.SHORT_REST_H - gap[short])
    if short_rest_floor:  # the worse of the two rules below 9 h (monotone majorant)
        np.maximum(step, inc[short], out=step)
    inc[short] = step
    reset = gap > long_rest_h
    reset &= ~first
    rows = np.flatnonzero(reset)
    pad = risk.SPAN_PAD_H
    nights = night_window_hours(end_h[rows - 1] + pad, start_h[rows] - pad) / 8.0
    factor = np.exp(-risk.RECOVERY_PER_NIGHT * (nights - 1.0))
    x = chain_runs(first, reset, factor, inc)
    x += 1.0
    x *= risk.CUM_SCALE
    return x


# --------------------------------------------------------------------------- FI


def _p8_of_pressure(p: FloatArray) -> FloatArray:
    a, b = fz.LOGIT
    kss = fz.KSS_INTERCEPT + fz.KSS_SLOPE * (1.0 + 6.0 / (1.0 + np.exp(a - b * p)))
    return np.asarray(fz.P8_MAX / (1.0 + fz.P8_SCALE * np.exp(-fz.P8_SLOPE * kss)))


def fatigue_slope(r: RosterColumns) -> FloatArray:
    """Time-on-duty slope f [1/h] of every duty (:func:`.job.fatigue_slope`) [C]."""
    spell, b = r.spell_min, r.break_min
    work_share = spell / (spell + b)
    demand = (
        (job.WORKLOAD_BASE + job.WORKLOAD_STEP * (r.workload + r.attention))
        * job.WORKLOAD_GAIN
        * work_share
    )
    at15 = job.BREAK_15_PER_MIN * spell
    c0, c1, c2 = job.BREAK_30_POLY
    at30 = c0 + c1 * spell + c2 * spell * spell
    a0, a5 = job.BREAK_AT_0, job.BREAK_AT_5
    term = np.select(
        [b < 5.0, b < 15.0, b < 30.0, b < 60.0],
        [
            a0 + (a5 - a0) * b / 5.0,
            a5 + (at15 - a5) * (b - 5.0) / 10.0,
            at15 + (at30 - at15) * (b - 15.0) / 15.0,
            at30 * (60.0 - b) / 30.0,
        ],
        0.0,
    )
    return np.asarray(term + demand, dtype=np.float64)


def _duty_p8(
    start: FloatArray, end: FloatArray, commute: FloatArray, slopes: tuple[FloatArray, ...]
) -> list[FloatArray]:
    """Mean P(KSS ≥ 8) over each duty's 15-min steps, for each slope (:func:`.fatigue.duty_p8`)."""
    step = job.STEP_H
    extra = np.maximum((commute - fz.REFERENCE_COMMUTE_MIN) / 60.0, -(end - start - step))
    t0 = start - extra
    (ca, cp), (sa, sp) = fz.CIRCADIAN, fz.START_TERM
    base = sa * np.cos(_W * (t0 - sp)) - ca * np.cos(_W * (t0 - cp)) + fz.PRESSURE_OFFSET
    steps = np.floor((end - t0) / step + 1e-6).astype(np.int64) + 1
    outs = [np.empty(len(start)) for _ in slopes]
    for lo in range(0, len(start), _CHUNK):
        hi = min(lo + _CHUNK, len(start))
        n_max = int(steps[lo:hi].max()) if hi > lo else 0
        tau = np.arange(n_max) * step
        valid = tau[None, :] < (steps[lo:hi, None] - 0.5) * step
        clock = base[lo:hi, None] + ca * np.cos(_W * (t0[lo:hi, None] + tau[None, :] - cp))
        for out, slope in zip(outs, slopes, strict=True):
            p8 = _p8_of_pressure(slope[lo:hi, None] * tau[None, :] + clock)
            out[lo:hi] = np.where(valid, p8, 0.0).sum(axis=1) / steps[lo:hi]
    return outs


def fi_timing_and_job(r: RosterColumns) -> tuple[FloatArray, FloatArray]:
    """(FI timing, FI job) of every duty [%] (:func:`.fatigue.fi_timing_and_job`)."""
    ref = np.full(len(r.start_h), job.REFERENCE_SLOPE)
    p_job, p_ref = _duty_p8(r.start_h, r.end_h, r.commute_min, (fatigue_slope(r), ref))
    p_ref = np.minimum(p_ref, p_job)
    return 100.0 * p_ref, 100.0 * (p_job - p_ref)


def _loss_after(h_end: FloatArray) -> FloatArray:
    cutoff, a0, a1 = fz.BEDTIME
    bed = np.where(h_end < cutoff, a0 + a1 * h_end, h_end + 1.0)
    lim, flat, c0, c1, c2, c3, c4 = fz.SLEEP_FIT_A
    fit_a = np.where(h_end < lim, flat, c0 + c1 / (1.0 + c2 * np.exp(c3 + c4 * (bed - 20.0))))
    cap, per_h = fz.SLEEP_FIT_B
    fit_b = np.minimum(cap, cap - per_h * (h_end - lim))
    return np.asarray(np.minimum(fz.MAX_LOSS_H, fz.NORMAL_SLEEP_H - (fit_a + fit_b) / 2.0))


def _early_loss(h_start: FloatArray) -> FloatArray:
    lo, zero, a, b = fz.EARLY_START
    x = zero - h_start
    return np.asarray(np.where((h_start > lo) & (h_start < zero), (a * x + b) * x, 0.0))


def fi_cumulative(r: RosterColumns) -> FloatArray:
    """FI cumulative component of every duty [%] (:func:`.fatigue.fi_cumulative`) [C]."""
    n = len(r.worker)
    if n == 0:
        return np.zeros(0)
    pad = 0.5
    first = _first_rows(r.worker)
    wid = np.cumsum(first) - 1  # 0..W−1, one per worker
    # local midnight of each worker's first duty's date
    origin = 24.0 * np.floor(np.round(r.start_h[first], risk.SNAP_DIGITS) / 24.0)[wid]
    s = np.round(r.start_h - origin, risk.SNAP_DIGITS)
    e = np.round(r.end_h - origin, risk.SNAP_DIGITS)
    p0 = s - pad
    day = np.floor(p0 / 24.0) + 1
    night = np.where(p0 - 24.0 * (day - 1) < fz.NIGHT_SPLIT_H, day, day + 1).astype(np.int64)
    h0 = p0 - 24.0 * (night - 2)
    h1 = h0 + (e - s) + 2 * pad
    gaps = np.full(n, 24.0)
    gaps[:-1] = np.round(s[1:] - e[:-1] - 2 * pad, risk.SNAP_DIGITS)
    last = np.append(first[1:], True)
    gaps[last] = 24.0
    floor_loss = fz.MIN_REST_H - gaps
    after = np.maximum(_loss_after(h1), floor_loss)
    evening = (h0 >= fz.EVENING_START[0]) & (h0 <= fz.EVENING_START[1])
    mine = np.where(evening, after, np.minimum(_early_loss(h0), after))
    nxt = np.maximum(_loss_after(h1 - 24.0), floor_loss)
    n_w = int(wid[-1]) + 1
    k_max = int(night.max()) + 1
    own = np.zeros((k_max + 1, n_w))
    spill = np.zeros((k_max + 1, n_w))
    np.maximum.at(own, (night, wid), mine)
    np.maximum.at(spill, (night + 1, wid), nxt)
    spill[:2] = 0.0  # night 1 has no night before it in the roster
    speed = np.empty((k_max + 1, n_w))
    speed[0] = fz.RESERVOIR_START
    fall, rise = np.exp(-fz.RATE_FALL), np.exp(-fz.RATE_RISE)
    for k in range(1, k_max + 1):
        total = np.minimum(fz.MAX_LOSS_H, own[k] + spill[k])
        target = fz.RESERVOIR_FULL - fz.LOSS_TO_SPEED * total
        prev = speed[k - 1]
        speed[k] = target + (prev - target) * np.where(prev > target, fall, rise)
    before = speed[night - 1, wid]
    after_night = speed[night, wid]
    before[first] = fz.RESERVOIR_FULL
    after_night[first] = fz.RESERVOIR_FULL
    lo, hi, mid = fz.BLEND_WINDOW
    blend = np.where((h0 > lo) & (h0 < hi), 0.5 * (1.0 + np.sin(np.pi * (h0 - mid) / 12.0)), 0.0)
    reading = (before + (after_night - before) * blend) * (fz.SPEED_SCALE / fz.RESERVOIR_FULL)
    g0, g1 = fz.SHORT_GAP
    prev_gap = np.empty(n)
    prev_gap[1:] = gaps[:-1]
    x = np.clip((prev_gap - g0) / (g1 - g0), 0.0, 1.0)
    x[first] = 1.0
    reading = x * reading + (1.0 - x) * after_night
    a, b, k_ = fz.SPEED_FIT
    p = np.maximum(1.0, np.log((a - reading / fz.SPEED_SCALE) / b) / k_)
    return np.asarray(100.0 * fz.CUM_SHARE * _p8_of_pressure(p), dtype=np.float64)


# --------------------------------------------------------------------------- both


def ri_columns(r: RosterColumns) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(RI cumulative, RI timing, RI job) of every duty [–]."""
    return ri_cumulative(r), ri_timing(r.start_h, r.end_h, r.commute_min), ri_job(r)


def worker_clock(r: RosterColumns) -> RosterColumns:
    """The roster on the scalar replica's clock: hours from local midnight of each worker's
    first duty's date, rounded to 1e-9 h as :func:`.index.roster_clock` rounds them — the same
    floats on both sides, so a rule's edge (a 9-h rest, a 15:00 start) falls the same way."""
    if not len(r.worker):
        return r
    first = _first_rows(r.worker)
    wid = np.cumsum(first) - 1
    origin = 24.0 * np.floor(np.round(r.start_h[first], risk.SNAP_DIGITS) / 24.0)[wid]
    return replace(
        r,
        start_h=np.round(r.start_h - origin, risk.SNAP_DIGITS),
        end_h=np.round(r.end_h - origin, risk.SNAP_DIGITS),
    )


def fri_columns(r: RosterColumns) -> FriColumns:
    """FI and RI with their components for every duty (the replica's :func:`.fri_roster`)."""
    r = worker_clock(r)
    rc, rt, rj = ri_columns(r)
    fc = fi_cumulative(r)
    ft, fj = fi_timing_and_job(r)
    fi = 100.0 * (1.0 - (1.0 - fc / 100.0) * (1.0 - ft / 100.0 - fj / 100.0))
    return FriColumns(fi, fc, ft, fj, rc * rt * rj, rc, rt, rj)
