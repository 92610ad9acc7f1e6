"""Chunked crew evaluation: per-shift fatigue of a whole crew's rosters, and its scalar reference.

:func:`shift_fatigue` combines the rosters' rest rules (:mod:`.rosters`), the shift-pattern
relative risk (:mod:`.fri`) and the peak KSS of the Three-Process Model (:mod:`.three_process`)
over sleep inferred from the rosters, vectorised over shifts and worked through in cache-sized
chunks. :func:`shift_fatigue_reference` computes the same figures with plain loops, for tests.

Successive shifts (issue 13 points 2, 3): a run is the shifts since the last rest of at least
``weekly_rest_h`` (24 h), whatever their type. A day shift scores the successive-day risk of its
place in the run; a night scores the worse of the successive-night risk of the nights in the run
and the successive-day risk of its place in the run. Counted so, working an extra shift, or
starting one earlier so that it becomes a night, never restarts a count (the former "days in a
row of the same type" restarted when a night was slipped into a run of days).
"""

from __future__ import annotations

import math

import numpy as np

from kilnguard.domain.errors import ValidationError
from kilnguard.domain.fatigue import rosters
from kilnguard.domain.fatigue._types import FloatArray
from kilnguard.domain.fatigue.fri import MAX_DUTY_H, fri_shift_length_rr, successive_rr
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
    TPMParams,
    cu_extended,
    kss_peak_grid,
)

_CHUNK = rosters.CHUNK  # shifts per chunk (tests shrink it to cross chunk boundaries)
_K_BLOCK = 32  # episodes k per block of the S recurrence (cache-sized (k, worker) buffers)


def shift_fatigue(
    shifts: ShiftTable,
    params: TPMParams | None = None,
    rule: SleepInference | None = None,
    rules: RosterRules | None = None,
) -> ShiftFatigue:
    """Per-shift TPM peak KSS, rest-rule breaches and shift-pattern RR, vectorised over shifts.

    The only loop is over the k-th free-time episode of every worker (≈ one per day), each step a
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
    nights_before = np.zeros(n + 1, dtype=np.int64)  # nights among rows 0..i−1
    np.cumsum(is_night, out=nights_before[1:])
    consecutive = np.empty(n, dtype=np.int64)
    nights = np.empty(n, dtype=np.int64)
    breaches = np.empty(n, dtype=np.int8)
    rr_len = np.empty(n)
    rr_succ = np.empty(n)
    rr_quick = np.empty(n)
    rr_shift = np.empty(n)  # product of the three
    carry = [-1]  # index of the last break of the run before the chunk
    i8 = np.int8
    for lo in range(0, n, _CHUNK):  # cache-sized chunks; runs carry over between chunks
        hi = min(lo + _CHUNK, n)
        idx = np.arange(lo, hi)
        night = is_night[lo:hi]
        cons = _run_chunk(rest[lo:hi] < rr.weekly_rest_h, idx, carry, 0)
        nts = nights_before[idx + 1] - nights_before[idx + 1 - cons]
        nts[~night] = 0
        quick = rest[lo:hi] < rr.min_rest_h
        length_c = length[lo:hi]
        br = quick.view(i8) * i8(rosters.BREACH_QUICK_RETURN)
        br |= (cons > rr.max_consecutive_shifts).view(i8) * i8(rosters.BREACH_CONSECUTIVE_SHIFTS)
        br |= (nts > rr.max_consecutive_nights).view(i8) * i8(rosters.BREACH_CONSECUTIVE_NIGHTS)
        br |= (length_c > rr.max_shift_h).view(i8) * i8(rosters.BREACH_LONG_SHIFT)
        br |= (length_c > MAX_DUTY_H).view(i8) * i8(rosters.BREACH_OVER_24H)
        consecutive[lo:hi], nights[lo:hi], breaches[lo:hi] = cons, nts, br
        rr_len[lo:hi] = fri_shift_length_rr(length_c)
        by_day = successive_rr(cons, rr.successive_days_rr, rr.successive_days_step)
        by_night = successive_rr(nts, rr.successive_nights_rr, rr.successive_nights_step)
        rr_succ[lo:hi] = np.where(night, np.maximum(by_night, by_day), by_day)
        rr_quick[lo:hi] = np.where(quick, rr.quick_return_rr, 1.0)
        np.multiply(rr_len[lo:hi], rr_succ[lo:hi], out=rr_shift[lo:hi])
        rr_shift[lo:hi] *= rr_quick[lo:hi]
    kss = _kss_peak(shifts, p, rule or SleepInference())
    return ShiftFatigue(
        length_h=length,
        rest_before_h=rest,
        is_night=is_night,
        consecutive_shifts=consecutive,
        consecutive_nights=nights,
        consecutive_days=np.where(is_night, 0, consecutive),
        kss_peak=kss,
        rr_length=rr_len,
        rr_successive=rr_succ,
        rr_quick_return=rr_quick,
        rr_shift=rr_shift,
        breaches=breaches,
    )


def _kss_peak(shifts: ShiftTable, p: TPMParams, rule: SleepInference) -> FloatArray:
    """Peak KSS of each duty over the quarter hours covering it (`kss_peak_grid`).

    S is carried through every worker's free-time episodes (:func:`.rosters._sleep_parts`): the
    only Python loop runs over the k-th episode (≈ one per day), vectorised over the workers
    that have one. Everything that depends on the episode's times only — the decay factors
    e^(d·t), e^(g·t) and the linear sleep gains — is computed beforehand for all episodes at
    once; the loop keeps the steps that depend on S. The reference loop does the same float
    operations one episode at a time.
    """
    w = shifts.worker
    n = len(w)
    if n == 0:
        return np.zeros(0)
    parts, kept = _sleep_parts(shifts, rule, _CHUNK)
    n_workers = int(w.max()) + 1
    na, sa, sb, en = (np.concatenate([x[i] for x in parts]) for i in range(4))
    m = len(na)
    cum = np.cumsum(kept)  # episodes up to each shift's gap
    first = np.flatnonzero(np.append(True, w[1:] != w[:-1]))
    before = cum[first] - kept[first]  # episodes of earlier workers
    counts = np.zeros(n_workers, dtype=np.int64)
    counts[w[first]] = np.diff(np.append(before, m))
    ep0 = np.zeros(n_workers, dtype=np.int64)
    ep0[w[first]] = before  # number of a worker's first episode
    ep_w = np.repeat(w, kept)
    # (k, worker) matrices of the episode times; workers ordered by episode count, most first,
    # so those with a k-th episode are a prefix of row k (padding cells are never read)
    order = np.argsort(-counts, kind="stable")
    pos = np.empty(n_workers, dtype=np.int64)
    pos[order] = np.arange(n_workers)
    k_max = max(int(counts.max()), 1)
    cell = np.arange(m, dtype=np.int64) - ep0[ep_w]
    cell *= n_workers
    cell += pos[ep_w]
    mats = []
    for col in (na, sa, sb, en):
        mat = np.empty(k_max * n_workers)
        mat[cell] = col
        mats.append(mat.reshape(k_max, n_workers))
    na_m, sa_m, sb_m, en_m = mats
    c_l = (n_workers - np.cumsum(np.bincount(counts, minlength=k_max + 1))[:k_max]).tolist()
    theta = rule.nap_below_s
    if theta > p.bl:
        raise ValidationError("SleepInference.nap_below_s", theta, f"must be <= bl {p.bl}")
    rate = p.g * (p.bl - p.ha)
    inv = 1.0 / (p.ha - p.bl)
    s_end = np.empty((k_max, n_workers))
    t_prev: FloatArray = np.full(n_workers, shifts.horizon_start_h)
    x, y, u, lin = (np.empty(n_workers) for _ in range(4))
    linear = np.empty(n_workers, dtype=bool)
    for k0 in range(0, k_max if m else 0, _K_BLOCK):
        # what depends on the times only, for a block of episodes at once (cache-sized)
        k1 = min(k0 + _K_BLOCK, k_max)
        c0 = c_l[k0]
        prev = np.empty((k1 - k0, c0))
        prev[0] = t_prev[:c0]
        prev[1:] = en_m[k0 : k1 - 1, :c0]
        blk_na, blk_sa, blk_sb = na_m[k0:k1, :c0], sa_m[k0:k1, :c0], sb_m[k0:k1, :c0]
        with np.errstate(all="ignore"):  # padding cells hold anything
            nap1, sleep = blk_sa - blk_na, blk_sb - blk_sa
            nap2 = en_m[k0:k1, :c0] - blk_sb
            e_aw = np.exp(p.d * (blk_na - prev))
            d1, gs, d2 = np.exp(p.d * nap1), np.exp(p.g * sleep), np.exp(p.d * nap2)
            # awake decay written s·e + la·(1 − e)
            e_la, d1_la, d2_la = p.la * (1.0 - e_aw), p.la * (1.0 - d1), p.la * (1.0 - d2)
            nap1 *= rate
            sleep *= rate
            nap2 *= rate
        for k in range(k0, k1):
            c, b = c_l[k], k - k0
            xs, ys, us, ls, lm = x[:c], y[:c], u[:c], lin[:c], linear[:c]
            np.multiply(s_end[k - 1, :c] if k else p.s0, e_aw[b, :c], out=xs)
            xs += e_la[b, :c]  # awake until the nap
            _nap_into(xs, ys, nap1[b, :c], d1[b, :c], d1_la[b, :c], theta)
            # night sleep: linear below bl, then ha − (ha − bl)·e^(g·(t − t_b))
            np.subtract(p.bl, xs, out=us)
            np.maximum(us, 0.0, out=us)  # = t_b · rate
            np.add(xs, sleep[b, :c], out=ls)
            np.less_equal(sleep[b, :c], us, out=lm)
            us *= inv
            np.exp(us, out=us)  # e^(−g·t_b)
            us *= gs[b, :c]
            np.maximum(xs, p.bl, out=xs)
            np.subtract(p.ha, xs, out=xs)
            xs *= us
            np.subtract(p.ha, xs, out=xs)
            np.copyto(xs, ls, where=lm)
            _nap_into(xs, ys, nap2[b, :c], d2[b, :c], d2_la[b, :c], theta)
            s_end[k, :c] = xs
        t_prev = en_m[k1 - 1]
    s_end_flat = s_end.reshape(-1)[cell] if m else np.zeros(0)
    cu_ext = cu_extended(p, float((shifts.end_h - shifts.start_h).max()))
    # the wake segment starts at the end of the worker's last episode so far, if any
    ok = cum > ep0[w]
    last = np.where(ok, cum - 1, 0)
    s_w = np.where(ok, s_end_flat[last] if m else p.s0, p.s0)
    t_w = np.where(ok, en[last] if m else shifts.horizon_start_h, shifts.horizon_start_h)
    return kss_peak_grid(p, cu_ext, shifts.start_h, shifts.end_h, t_w, s_w - p.la)


def _nap_into(
    s: FloatArray,
    tmp: FloatArray,
    gain: FloatArray,
    decay: FloatArray,
    decay_la: FloatArray,
    theta: float,
) -> None:
    """S after free day time, in place: nap while S < θ (linear gain: θ ≤ bl) up to θ, else awake
    decay down to θ — max(s·e + la·(1 − e), min(s + gain, θ)), one formula for both."""
    np.add(s, gain, out=tmp)
    np.minimum(tmp, theta, out=tmp)
    s *= decay
    s += decay_la
    np.maximum(s, tmp, out=s)


def _nap_scalar(s: float, gain: float, decay: float, p: TPMParams, theta: float) -> float:
    """Scalar :func:`_nap_into` (same operations)."""
    return max(s * decay + p.la * (1.0 - decay), min(s + gain, theta))


def _sleep_scalar(s: float, gain: float, expo_g: float, p: TPMParams) -> float:
    """Night sleep, the operations of the vectorised loop in :func:`_kss_peak`."""
    below = max(p.bl - s, 0.0)
    if gain <= below:
        return s + gain
    x = math.exp(below * (1.0 / (p.ha - p.bl))) * expo_g
    return p.ha - (p.ha - max(s, p.bl)) * x


# --------------------------------------------------------------------------- reference loop


def _reference_episodes(
    lo: float, hi: float, r: SleepInference
) -> list[tuple[float, float, float, float]]:
    """(nap start, sleep start, sleep end, end) of the free time [lo, hi] (as ``_sleep_chunk``)."""
    if hi <= lo:
        return []
    span = (r.night_end_h + 24.0 - r.night_start_h) % 24.0
    out: list[tuple[float, float, float, float]] = []
    night = math.floor((lo - r.night_start_h - span) / 24.0) + 1
    while night * 24.0 + r.night_start_h < hi:
        ws = night * 24.0 + r.night_start_h
        nap_a = max(lo, ws - (24.0 - span))
        a, b = min(max(lo, ws), hi), min(hi, ws + span)
        out.append((nap_a, b if b - a < r.min_sleep_h else a, b, b))
        night += 1
    if not out:
        return [(lo, hi, hi, hi)]
    na, a, b, _ = out[-1]
    out[-1] = (na, a, b, hi)
    return out


def _reference_peak(start: float, end: float, s_w: float, t_w: float, p: TPMParams) -> float:
    """Peak KSS (no sleep inertia) at the quarter hours covering the duty: the one at or before
    its start, each one inside, the one at or after its end (as `kss_peak_grid`)."""
    lo_q, hi_q = math.floor(start * 4.0), math.ceil(end * 4.0)
    times = [lo_q / 4.0, hi_q / 4.0]
    q = lo_q + 1
    while q < hi_q:
        times.append(q / 4.0)
        q += 1
    peak = -math.inf
    for t in times:
        s_val = p.la + (s_w - p.la) * math.exp(p.d * (t - t_w))
        tod = t - 24.0 * math.floor(t / 24.0)
        c = p.cm + p.ca * math.cos((tod - p.p) * (2.0 * math.pi / 24.0))
        u = p.um + p.ua * math.cos((tod - (p.p + 3.0)) * (2.0 * math.pi / 12.0))
        peak = max(peak, min(9.0, max(1.0, p.kss_intercept + p.kss_slope * (s_val + (c + u)))))
    return peak


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
    span_rule = (rr.night_to_h + 24.0 - rr.night_from_h) % 24.0
    rate = p.g * (p.bl - p.ha)
    theta = r.nap_below_s
    i = 0
    while i < len(rows):
        worker = rows[i][0]
        j = i
        while j < len(rows) and rows[j][0] == worker:
            j += 1
        s_cur, t_cur = p.s0, shifts.horizon_start_h
        prev_end: float | None = None
        cons = nights = 0
        for start, end in [(a, b) for _, a, b in rows[i:j]]:
            lo = shifts.horizon_start_h if prev_end is None else prev_end + r.commute_h
            for na, sa, sb, en in _reference_episodes(lo, start - r.commute_h, r):
                e_aw = math.exp(p.d * (na - t_cur))
                s_cur = s_cur * e_aw + p.la * (1.0 - e_aw)
                s_cur = _nap_scalar(s_cur, rate * (sa - na), math.exp(p.d * (sa - na)), p, theta)
                s_cur = _sleep_scalar(s_cur, rate * (sb - sa), math.exp(p.g * (sb - sa)), p)
                s_cur = _nap_scalar(s_cur, rate * (en - sb), math.exp(p.d * (en - sb)), p, theta)
                t_cur = en
            peak = _reference_peak(start, end, s_cur, t_cur, p)
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
            nights = (0 if weekly else nights) + (1 if is_night else 0)
            length = end - start
            quick = rest < rr.min_rest_h
            breaches = (
                (rosters.BREACH_QUICK_RETURN if quick else 0)
                + (rosters.BREACH_CONSECUTIVE_SHIFTS if cons > rr.max_consecutive_shifts else 0)
                + (
                    rosters.BREACH_CONSECUTIVE_NIGHTS
                    if is_night and nights > rr.max_consecutive_nights
                    else 0
                )
                + (rosters.BREACH_LONG_SHIFT if length > rr.max_shift_h else 0)
                + (rosters.BREACH_OVER_24H if length > MAX_DUTY_H else 0)
            )
            ln = min(length, MAX_DUTY_H)
            rr_len = 1.0 if ln <= 8.13 else max(0.5713 + 0.1501 * math.exp(0.129 * ln), 1.0)
            if ln < 4.25:
                rr_len = min(1.0359 - 0.8012 * math.exp(-0.7315 * ln), 1.0)
            by_day = _table_rr(cons, rr.successive_days_rr, rr.successive_days_step)
            by_night = _table_rr(nights, rr.successive_nights_rr, rr.successive_nights_step)
            rr_succ = max(by_night, by_day) if is_night else by_day
            rr_quick = rr.quick_return_rr if quick else 1.0
            out.append(
                {
                    "length_h": length,
                    "rest_before_h": rest,
                    "is_night": float(is_night),
                    "consecutive_shifts": float(cons),
                    "consecutive_nights": float(nights if is_night else 0),
                    "consecutive_days": float(0 if is_night else cons),
                    "kss_peak": peak,
                    "rr_length": rr_len,
                    "rr_successive": rr_succ,
                    "rr_quick_return": rr_quick,
                    "rr_shift": rr_len * rr_succ * rr_quick,
                    "breaches": float(breaches),
                }
            )
            prev_end = end
        i = j
    return out


def _table_rr(count: int, table: tuple[float, ...], step: float) -> float:
    """Scalar :func:`successive_rr`."""
    last = len(table) - 1
    return table[min(max(count - 1, 0), last)] + max(count - 1 - last, 0) * step
