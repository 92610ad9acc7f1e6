"""Chunked crew evaluation: per-shift fatigue of a whole crew's rosters, and its scalar reference.

:func:`shift_fatigue` combines the rosters' rest rules (:mod:`.rosters`), the shift-pattern
relative risk (:mod:`.fri`) and the peak KSS of the Three-Process Model (:mod:`.three_process`)
over sleeps inferred from the rosters, vectorised over shifts and worked through in cache-sized
chunks. :func:`shift_fatigue_reference` computes the same figures with plain loops, for tests.
"""

from __future__ import annotations

import math

import numpy as np

from kilnguard.domain.fatigue import rosters
from kilnguard.domain.fatigue._types import FloatArray
from kilnguard.domain.fatigue.fri import fri_shift_length_rr
from kilnguard.domain.fatigue.rosters import (
    RosterRules,
    ShiftFatigue,
    ShiftTable,
    SleepInference,
    _night_overlap,
    _run_chunk,
    _sleep_parts,
)
from kilnguard.domain.fatigue.three_process import (
    _TOD_STEPS,
    TPMParams,
    _circadian_sum,
    _kss_chunk,
    _s_asleep_scalar,
)

_CHUNK = rosters.CHUNK  # shifts per chunk (tests shrink it to cross chunk boundaries)
_K_BLOCK = 32  # sleeps k per block of the S recurrence (cache-sized (k, worker) buffers)


def shift_fatigue(
    shifts: ShiftTable,
    params: TPMParams | None = None,
    rule: SleepInference | None = None,
    rules: RosterRules | None = None,
) -> ShiftFatigue:
    """Per-shift TPM peak KSS, rest-rule breaches and shift-pattern RR, vectorised over shifts.

    The only loop is over the k-th sleep episode of every worker (≈ one per day), each step a
    vector operation over all workers.
    """
    p = params or TPMParams()
    rr = rules or RosterRules()
    w, s, e = shifts.worker, shifts.start_h, shifts.end_h
    n = len(w)
    length = e - s
    first = np.ones(n, dtype=bool)
    if n:
        first[1:] = w[1:] != w[:-1]
    rest = np.full(n, np.inf)
    if n:
        rest[1:] = s[1:] - e[:-1]
    rest[first] = np.inf
    is_night = np.empty(n, dtype=bool)
    for lo in range(0, n, _CHUNK):
        hi = min(lo + _CHUNK, n)
        is_night[lo:hi] = _night_overlap(s[lo:hi], e[lo:hi], rr) >= rr.night_min_h
    prev_night = np.zeros(n, dtype=bool)
    if n:
        prev_night[1:] = is_night[:-1]
    consecutive = np.empty(n, dtype=np.int64)
    nights = np.empty(n, dtype=np.int64)
    days = np.empty(n, dtype=np.int64)
    breaches = np.empty(n, dtype=np.int8)
    rr_len = np.empty(n)
    rr_succ = np.empty(n)
    rr_quick = np.empty(n)
    rr_shift = np.empty(n)  # product of the three
    # one lookup in the concatenated tables: nights first, then day shifts
    n_tab = len(rr.successive_nights_rr)
    table = np.asarray(rr.successive_nights_rr + rr.successive_days_rr, dtype=np.float64)
    carry = [-1, -1, -1]  # index of the last break of each run before the chunk
    i8 = np.int8
    for lo in range(0, n, _CHUNK):  # cache-sized chunks; runs carry over between chunks
        hi = min(lo + _CHUNK, n)
        idx = np.arange(lo, hi)
        night = is_night[lo:hi]
        not_weekly = rest[lo:hi] < rr.weekly_rest_h
        cons = _run_chunk(not_weekly, idx, carry, 0)
        nts = _run_chunk(night & prev_night[lo:hi] & not_weekly, idx, carry, 1)
        nts[~night] = 0
        dys = _run_chunk(~(night | prev_night[lo:hi]) & not_weekly, idx, carry, 2)
        dys[night] = 0
        quick = rest[lo:hi] < rr.min_rest_h
        length_c = length[lo:hi]
        br = quick.view(i8) * i8(rosters.BREACH_QUICK_RETURN)
        br |= (cons > rr.max_consecutive_shifts).view(i8) * i8(rosters.BREACH_CONSECUTIVE_SHIFTS)
        br |= (nts > rr.max_consecutive_nights).view(i8) * i8(rosters.BREACH_CONSECUTIVE_NIGHTS)
        br |= (length_c > rr.max_shift_h).view(i8) * i8(rosters.BREACH_LONG_SHIFT)
        consecutive[lo:hi], nights[lo:hi], days[lo:hi], breaches[lo:hi] = cons, nts, dys, br
        rr_len[lo:hi] = fri_shift_length_rr(length_c)
        pick = np.where(
            night,
            np.clip(nts - 1, 0, n_tab - 1),
            n_tab + np.clip(dys - 1, 0, len(rr.successive_days_rr) - 1),
        )
        rr_succ[lo:hi] = table[pick]
        rr_quick[lo:hi] = np.where(quick, rr.quick_return_rr, 1.0)
        np.multiply(rr_len[lo:hi], rr_succ[lo:hi], out=rr_shift[lo:hi])
        rr_shift[lo:hi] *= rr_quick[lo:hi]
    kss = _kss_peak(shifts, p, rule or SleepInference())
    return ShiftFatigue(
        length_h=length,
        rest_before_h=rest,
        is_night=is_night,
        consecutive_shifts=consecutive,
        consecutive_nights=np.asarray(nights, dtype=np.int64),
        consecutive_days=np.asarray(days, dtype=np.int64),
        kss_peak=kss,
        rr_length=rr_len,
        rr_successive=np.asarray(rr_succ, dtype=np.float64),
        rr_quick_return=np.asarray(rr_quick, dtype=np.float64),
        rr_shift=np.asarray(rr_shift, dtype=np.float64),
        breaches=breaches,
    )


def _kss_peak(shifts: ShiftTable, p: TPMParams, rule: SleepInference) -> FloatArray:
    """Peak KSS over start, middle and end of each shift: the same float operations as the
    reference loop, except that C + U come from a table on a 1/64-h grid of times of day (the
    table holds the formula's own values there; off the grid the formula is computed).

    Large temporary arrays are few and reused: each fresh one costs page faults (this is the
    pipeline's hot path).
    """
    w = shifts.worker
    n = len(w)
    if n == 0:
        return np.zeros(0)
    parts, kept = _sleep_parts(shifts, rule, _CHUNK)
    n_workers = int(w.max()) + 1
    # Sleeps are numbered 0..m−1 in (worker, time) order; cum[i]: sleeps up to shift i's gap.
    cum = np.cumsum(kept)
    m = int(cum[-1])
    first = np.flatnonzero(np.append(True, w[1:] != w[:-1]))
    before = cum[first] - kept[first]  # sleeps of earlier workers
    counts = np.zeros(n_workers, dtype=np.int64)
    counts[w[first]] = np.diff(np.append(before, m))
    sleep0 = np.zeros(n_workers, dtype=np.int64)
    sleep0[w[first]] = before  # number of a worker's first sleep
    # S at the end of each sleep: the only Python loop runs over k (≈ one per day), vectorised
    # over the workers that have a k-th sleep. Workers are ordered by sleep count, most first, so
    # those with a k-th sleep are a prefix of column k of the (worker, k) matrices. The matrices
    # are filled worker by worker (sequential writes); blocks of _K_BLOCK columns are copied,
    # transposed, into small (k, worker) buffers that stay in the CPU cache; padding cells are
    # never read.
    order = np.argsort(-counts, kind="stable")
    pos = np.empty(n_workers, dtype=np.int64)
    pos[order] = np.arange(n_workers)
    k_max = max(int(counts.max()), 1)
    # cell of sleep j of worker v in the (worker, k) matrices: j + shift[v]
    shift = pos * k_max - sleep0
    # c[k]: workers with more than k sleeps
    c_l = (n_workers - np.cumsum(np.bincount(counts, minlength=k_max + 1))[:k_max]).tolist()
    start_w = np.empty((n_workers, k_max))  # sleep starts, then S at the end of each sleep
    end_w = np.empty((n_workers, k_max))
    start_flat, end_flat = start_w.reshape(-1), end_w.reshape(-1)
    j = 0
    for i, (ss_c, se_c) in enumerate(parts):
        lo = i * _CHUNK
        cell = np.repeat(shift[w[lo : lo + _CHUNK]], kept[lo : lo + _CHUNK])
        cell += np.arange(j, j + len(cell))
        j += len(cell)
        start_flat[cell] = ss_c
        end_flat[cell] = se_c
    kb_max = min(_K_BLOCK, k_max)
    start_k = np.empty((kb_max, n_workers))  # S at the end of the k-th sleep replaces its start
    end_k = np.empty((kb_max, n_workers))
    rate = p.g * (p.bl - p.ha)
    s_prev: FloatArray = np.full(c_l[0], p.s0)
    t_prev: FloatArray = np.full(c_l[0], shifts.horizon_start_h)
    for k0 in range(0, k_max if m else 0, _K_BLOCK):
        kb = min(_K_BLOCK, k_max - k0)
        c0 = c_l[k0]
        start_k[:kb, :c0] = start_w[:c0, k0 : k0 + kb].T
        end_k[:kb, :c0] = end_w[:c0, k0 : k0 + kb].T
        for kk in range(kb):
            c = c_l[k0 + kk]
            if kk:
                s_prev = start_k[kk - 1, :c]
                t_prev = end_k[kk - 1, :c]
            else:
                s_prev = s_prev[:c]
                t_prev = t_prev[:c]
            st = start_k[kk, :c]
            # awake from the end of the previous sleep to this sleep's onset (s_awake)
            x = np.subtract(st, t_prev)
            x *= p.d
            np.exp(x, out=x)
            onset = s_prev - p.la
            onset *= x
            onset += p.la
            # asleep for dur (s_asleep: linear below bl, exponential above)
            dur = np.subtract(end_k[kk, :c], st)
            t_b = np.subtract(p.bl, onset)
            t_b /= rate
            np.maximum(t_b, 0.0, out=t_b)
            lin = dur * rate
            lin += onset
            np.subtract(dur, t_b, out=x)
            x *= p.g
            np.exp(x, out=x)
            expo = np.maximum(onset, p.bl, out=onset)
            np.subtract(p.ha, expo, out=expo)
            expo *= x
            np.subtract(p.ha, expo, out=expo)
            out = start_k[kk, :c]  # = st, no longer needed
            np.copyto(out, expo)
            np.copyto(out, lin, where=dur <= t_b)
        c = c_l[k0 + kb - 1]
        s_prev = start_k[kb - 1, :c].copy()  # the next block overwrites the buffers
        t_prev = end_k[kb - 1, :c].copy()
        start_w[:c0, k0 : k0 + kb] = start_k[:kb, :c0].T
    s_end_flat = start_flat
    best = np.empty(n)
    # C + U depend on the time of day only: tabulated on a 1/64-h grid (times of day on the
    # grid — rosters' usual whole and half hours — are looked up, any other is computed).
    grid = np.arange(24 * _TOD_STEPS + 1) / float(_TOD_STEPS)  # exact: k / 2^6
    cu_table = _circadian_sum(grid, p)
    # Chunks of shifts small enough for the CPU cache: the same operations, far fewer trips to
    # main memory (this loop is the most expensive part of the pipeline).
    for lo in range(0, n, _CHUNK):
        hi = min(lo + _CHUNK, n)
        w_c, cum_c = w[lo:hi], cum[lo:hi]
        # the wake segment starts at the end of the worker's last sleep so far, if any
        ok = cum_c > sleep0[w_c]
        cell = shift[w_c]
        cell += cum_c
        cell -= 1
        s_w = np.where(ok, np.take(s_end_flat, cell, mode="clip"), p.s0)
        t_w = np.where(ok, np.take(end_flat, cell, mode="clip"), shifts.horizon_start_h)
        start = shifts.start_h[lo:hi]
        _kss_chunk(
            p,
            cu_table,
            start,
            shifts.end_h[lo:hi] - start,
            t_w,
            s_w - p.la,
            ok.astype(np.float64),  # sleep inertia only after a sleep
            best[lo:hi],
        )
    return best


def shift_fatigue_reference(
    shifts: ShiftTable,
    params: TPMParams | None = None,
    rule: SleepInference | None = None,
    rules: RosterRules | None = None,
) -> list[dict[str, float]]:
    """Plain per-worker, per-shift Python loops computing the same figures as :func:`shift_fatigue`.

    Used by tests (and the risk reference loop) to check the vectorised version; slow on purpose.
    """
    p = params or TPMParams()
    r = rule or SleepInference()
    rr = rules or RosterRules()
    out: list[dict[str, float]] = []
    rows = list(
        zip(shifts.worker.tolist(), shifts.start_h.tolist(), shifts.end_h.tolist(), strict=True)
    )
    i = 0
    span_night = (r.night_end_h + 24.0 - r.night_start_h) % 24.0
    span_rule = (rr.night_to_h + 24.0 - rr.night_from_h) % 24.0
    while i < len(rows):
        worker = rows[i][0]
        j = i
        while j < len(rows) and rows[j][0] == worker:
            j += 1
        mine = rows[i:j]
        s_cur, t_cur, has_slept = p.s0, shifts.horizon_start_h, False
        prev_end: float | None = None
        cons = nights = days = 0
        prev_is_night = False
        for start, end in [(a, b) for _, a, b in mine]:
            # sleep episodes in the gap before this shift
            lo = shifts.horizon_start_h if prev_end is None else prev_end + r.commute_h
            hi = start - r.commute_h
            sleeps: list[tuple[float, float]] = []
            lo_n = lo
            if prev_end is not None:
                tod = prev_end + -24.0 * math.floor(prev_end / 24.0)
                if r.day_sleep_after_end_from_h <= tod < r.day_sleep_after_end_to_h:
                    de = min(lo + r.day_sleep_max_h, hi)
                    if de - lo >= r.min_sleep_h:
                        sleeps.append((lo, de))
                        lo_n = de
            if hi > lo_n:
                night = math.floor((lo_n - r.night_start_h - span_night) / 24.0) + 1
                while night * 24.0 + r.night_start_h < hi:
                    ws = night * 24.0 + r.night_start_h
                    a, b = max(ws, lo_n), min(ws + span_night, hi)
                    if b - a >= r.min_sleep_h:
                        sleeps.append((a, b))
                    night += 1
            for a, b in sleeps:
                onset = p.la + (s_cur - p.la) * math.exp(p.d * (a - t_cur))
                s_cur = _s_asleep_scalar(onset, b - a, p)
                t_cur, has_slept = b, True
            peak = -math.inf
            for frac in (0.0, 0.5, 1.0):
                t = start + frac * (end - start)
                dt = t - t_cur
                s_val = p.la + (s_cur - p.la) * math.exp(p.d * dt)
                w_val = p.wc * math.exp(p.wd * dt) if has_slept else 0.0
                tod = t - 24.0 * math.floor(t / 24.0)
                c = p.cm + p.ca * math.cos((tod - p.p) * (2.0 * math.pi / 24.0))
                u = p.um + p.ua * math.cos((tod - (p.p + 3.0)) * (2.0 * math.pi / 12.0))
                a_val = s_val + (c + u) + w_val
                peak = max(peak, min(9.0, max(1.0, p.kss_intercept + p.kss_slope * a_val)))
            # roster rules
            rest = math.inf if prev_end is None else start - prev_end
            overlap = 0.0
            base = math.floor(start / 24.0) * 24.0
            a_rel, b_rel = start - base, end - base
            for k in (-1.0, 0.0, 1.0):
                ws = k * 24.0 + rr.night_from_h
                overlap += max(min(b_rel, ws + span_rule) - max(a_rel, ws), 0.0)
            is_night = overlap >= rr.night_min_h
            weekly = rest >= rr.weekly_rest_h
            cons = 1 if weekly else cons + 1
            if is_night:
                nights = nights + 1 if (prev_is_night and not weekly) else 1
                days = 0
            else:
                days = days + 1 if (not prev_is_night and not weekly) else 1
                nights = 0
            length = end - start
            quick = rest < rr.min_rest_h
            breaches = (
                (rosters.BREACH_QUICK_RETURN if quick else 0)
                + (rosters.BREACH_CONSECUTIVE_SHIFTS if cons > rr.max_consecutive_shifts else 0)
                + (rosters.BREACH_CONSECUTIVE_NIGHTS if nights > rr.max_consecutive_nights else 0)
                + (rosters.BREACH_LONG_SHIFT if length > rr.max_shift_h else 0)
            )
            rr_len = 1.0 if length <= 8.13 else 0.5713 + 0.1501 * math.exp(0.129 * length)
            table = rr.successive_nights_rr if is_night else rr.successive_days_rr
            rr_succ = table[min(max((nights if is_night else days) - 1, 0), len(table) - 1)]
            rr_quick = rr.quick_return_rr if quick else 1.0
            out.append(
                {
                    "length_h": length,
                    "rest_before_h": rest,
                    "is_night": float(is_night),
                    "consecutive_shifts": float(cons),
                    "consecutive_nights": float(nights),
                    "consecutive_days": float(days),
                    "kss_peak": peak,
                    "rr_length": rr_len,
                    "rr_successive": rr_succ,
                    "rr_quick_return": rr_quick,
                    "rr_shift": rr_len * rr_succ * rr_quick,
                    "breaches": float(breaches),
                }
            )
            prev_end, prev_is_night = end, is_night
        i = j
    return out
