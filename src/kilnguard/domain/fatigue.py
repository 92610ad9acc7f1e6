"""Crew fatigue from shift rosters: Three-Process Model of alertness, rest rules, shift risk.

Which source and version
------------------------
Alertness follows the **Three-Process Model** (TPM) of Åkerstedt & Folkard (1997) with the
parameter set of Ingre et al. (2014), as listed in SOURCES.md §3.1 [V] (the same defaults as the
FIPS R package ``TPM_make_pvec``; FIPS is AGPL-3 and was *not* copied — this is re-implemented from
the equations). Time is in hours [h] of *plant local time*, counted from local midnight of day 0.

* S awake:   S(t) = la + (S_w − la)·e^(d·t)                       la = 2.4, d = −0.0353 /h
* S asleep:  below bl, linear:  S(t) = S_s + t·g·(bl − ha)          (≈ +0.80 /h)
             above bl:  S(t) = ha − (ha − bl)·e^(g·(t − t_b)),  t_b = (bl − S_s)/(g·(bl − ha))
             ha = 14.3, bl = 12.2, g = ln((14.3 − 14)/(14.3 − 7.96))/8 = −0.3814 /h
* C:  Cm + Ca·cos(2π(tod − p)/24), Cm = 0, Ca = 2.5, p = 16.8 h
* U:  Um + Ua·cos(2π(tod − p − 3)/12), Um = −0.5, Ua = 0.5
* W (sleep inertia): Wc·e^(Wd·t_awake), Wc = −5.72, Wd = −1.51 /h
* A = S + C + U + W;  KSS = 10.6 − 0.6·A, clipped to 1..9.  S0 = 7.96 at the start of the warm-up.

Roster → sleep inference (declared; the TPM needs sleep times, rosters only give work times —
SOURCES.md §3.1 and §7 ask to declare this step). kilnguard's rule, ``SleepInference``:
1. nobody sleeps on shift; ``commute_h`` (1 h) separates a shift from sleep on both sides;
2. after a shift that ends between 03:00 and 12:00 (a night or long shift) the worker sleeps at
   once, for at most ``day_sleep_max_h`` (7 h);
3. otherwise, and on free days, the worker sleeps in the habitual night window 23:00–07:00,
   cut short by the commute before the next shift;
4. sleep fragments shorter than ``min_sleep_h`` (1 h) are ignored.
The result is "inferred from rosters", not measured sleep; say so wherever KSS is shown.

Peak KSS of a shift is the maximum over three points: start, middle, end of the shift.

Rest rules and shift-pattern relative risk
------------------------------------------
* EU Working Time Directive 2003/88/EC [V]: Art 3 daily rest ≥ 11 h between shifts
  (``quick return`` otherwise); Art 5 weekly rest — here "> 6 consecutive shifts without a
  24-h break" (24 h per ILO C014); night time 23:00–06:00 (≥ 7 h incl. 00:00–05:00, Art 2(3)),
  a night shift has ≥ 3 h in night time (Art 2(4)).
* HSE HSG256 (2006) [V]: ≤ 12 h shifts; ≤ 3–4 successive nights (here > 4 is a breach).
* Folkard & Tucker (2003) relative risk [R]: shift length 8/10/12 h = 1.00/1.13/1.27; successive
  nights 1..4 = 1.00/1.06/1.17/1.36; successive day shifts 1..4 = 1.00/1.02/1.07/1.17.
  The source stops at 4, so kilnguard holds the 4th value beyond (no extrapolation).
* HSE Fatigue and Risk Index shift-length curve (Spencer, Robertson & Folkard 2006, RR446,
  calculator v2.3) [V computed, SOURCES.md §3.2]: RR = 1 for L ≤ 8.13 h,
  else 0.5713 + 0.1501·e^(0.129·L)
  (10 h 1.12, 12 h 1.28, 14 h 1.49, 16 h 1.75). Used as the continuous form of the F&T row.
* Quick return ≤ 11 h: IRR 1.39 (1.23–1.58), Nielsen et al. 2019 [V].

References
----------
* Åkerstedt, T., Folkard, S. (1997). The three-process model of alertness and its extension to
  performance, sleep latency, and sleep length. Chronobiol Int 14(2):115–123,
  doi:10.3109/07420529709001149.
* Åkerstedt, T., Folkard, S., Portin, C. (2004). Predictions from the three-process model of
  alertness. Aviat Space Environ Med 75(3 Suppl):A75–A83.
* Ingre, M., Van Leeuwen, W., Klemets, T., et al. (2014). Validating and extending the three process
  model of alertness in airline operations. PLoS ONE 9(10):e108679,
  doi:10.1371/journal.pone.0108679.
* Folkard, S., Tucker, P. (2003). Shift work, safety and productivity. Occup Med 53:95–101,
  doi:10.1093/occmed/kqg047.
* Spencer, M. B., Robertson, K. A., Folkard, S. (2006). The development of a fatigue/risk index for
  shiftworkers. HSE Research Report RR446.
* Nielsen, H. B., et al. (2019). Short time between shifts and risk of injury among Danish hospital
  workers. Scand J Work Environ Health 45(2):166–173.
* Directive 2003/88/EC of the European Parliament and of the Council (working time).
* HSE (2006). Managing shiftwork, HSG256.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from kilnguard.domain.errors import ValidationError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: Breach bit flags (``ShiftFatigue.breaches``).
BREACH_QUICK_RETURN = 1
BREACH_CONSECUTIVE_SHIFTS = 2
BREACH_CONSECUTIVE_NIGHTS = 4
BREACH_LONG_SHIFT = 8


@dataclass(frozen=True)
class TPMParams:
    """Three-Process Model parameters, Ingre et al. 2014 defaults [V, SOURCES.md §3.1]."""

    la: float = 2.4  # S lower asymptote awake [-] [V]
    d: float = -0.0353  # S decay awake [1/h] [V]
    ha: float = 14.3  # S upper asymptote asleep [-] [V]
    bl: float = 12.2  # break level between linear and exponential recovery [-] [V]
    g: float = math.log((14.3 - 14.0) / (14.3 - 7.96)) / 8.0  # recovery rate [1/h] [V]
    cm: float = 0.0  # C mesor [-] [V]
    ca: float = 2.5  # C amplitude [-] [V]
    p: float = 16.8  # C acrophase [h of day] [V]
    um: float = -0.5  # U mesor [-] [V]
    ua: float = 0.5  # U amplitude [-] [V]
    wc: float = -5.72  # sleep-inertia amplitude [-] [V]
    wd: float = -1.51  # sleep-inertia decay [1/h] [V]
    s0: float = 7.96  # S at the start of the simulation [-] [V]
    kss_intercept: float = 10.6  # KSS = 10.6 − 0.6·A [V, SOURCES.md §3.1]
    kss_slope: float = -0.6


@dataclass(frozen=True)
class SleepInference:
    """Declared roster→sleep rule (kilnguard's own; see module docstring) [project choice]."""

    commute_h: float = 1.0
    night_start_h: float = 23.0
    night_end_h: float = 7.0
    day_sleep_after_end_from_h: float = 3.0
    day_sleep_after_end_to_h: float = 12.0
    day_sleep_max_h: float = 7.0
    min_sleep_h: float = 1.0


@dataclass(frozen=True)
class RosterRules:
    """Working-time rules and shift-pattern relative risks (see module docstring for sources)."""

    min_rest_h: float = 11.0  # EU 2003/88/EC Art 3 [V]
    weekly_rest_h: float = 24.0  # ILO C014 / EU Art 5 (24 h) [V]
    max_consecutive_shifts: int = 6  # EU Art 5: a 24 h rest in every 7 days [V]
    max_consecutive_nights: int = 4  # HSE HSG256: ≤ 3–4 successive nights [V]
    max_shift_h: float = 12.0  # HSE HSG256: ≤ 12 h incl. overtime [V]
    night_from_h: float = 23.0  # night time 23:00–06:00, EU Art 2(3) [V]
    night_to_h: float = 6.0
    night_min_h: float = 3.0  # night shift: ≥ 3 h of night time, EU Art 2(4) [V]
    quick_return_rr: float = 1.39  # Nielsen et al. 2019 IRR [V]
    successive_nights_rr: tuple[float, ...] = (1.00, 1.06, 1.17, 1.36)  # Folkard & Tucker 2003 [R]
    successive_days_rr: tuple[float, ...] = (1.00, 1.02, 1.07, 1.17)  # Folkard & Tucker 2003 [R]


@dataclass(frozen=True)
class ShiftTable:
    """Columnar shifts, sorted by (worker, start) [h since local midnight of day 0].

    ``horizon_start_h`` is where the simulation starts (a warm-up before the first reported day,
    e.g. −168 h); every worker is assumed awake there with S = S0.
    """

    worker: IntArray
    start_h: FloatArray
    end_h: FloatArray
    horizon_start_h: float = -168.0

    def __post_init__(self) -> None:
        n = len(self.worker)
        if len(self.start_h) != n or len(self.end_h) != n:
            raise ValidationError("ShiftTable", n, "worker, start_h, end_h must have equal length")
        if n and bool(np.any(self.end_h <= self.start_h)):
            raise ValidationError(
                "ShiftTable.end_h", "end <= start", "a shift must end after start"
            )
        if n > 1:
            w, s = self.worker, self.start_h
            bad = (w[1:] < w[:-1]) | ((w[1:] == w[:-1]) & (s[1:] < s[:-1]))
            if bool(np.any(bad)):
                raise ValidationError("ShiftTable", "order", "must be sorted by (worker, start_h)")


@dataclass(frozen=True)
class ShiftFatigue:
    """Per-shift fatigue figures, in the order of the ``ShiftTable`` rows."""

    length_h: FloatArray
    rest_before_h: FloatArray  # inf for a worker's first shift
    is_night: BoolArray
    consecutive_shifts: IntArray  # 1 = first after a ≥ weekly_rest_h break
    consecutive_nights: IntArray  # 0 for a day shift
    consecutive_days: IntArray  # 0 for a night shift
    kss_peak: FloatArray  # max KSS over start/middle/end [1..9]
    rr_length: FloatArray
    rr_successive: FloatArray
    rr_quick_return: FloatArray
    rr_shift: FloatArray  # product of the three
    breaches: NDArray[np.int8] = field(repr=False)  # bit flags BREACH_*


# --------------------------------------------------------------------------- model pieces


def s_awake(s_wake: FloatArray | float, t_h: FloatArray | float, p: TPMParams) -> FloatArray:
    """Homeostatic S after ``t_h`` hours awake, starting from ``s_wake``."""
    return np.asarray(p.la + (s_wake - p.la) * np.exp(p.d * np.asarray(t_h)), dtype=np.float64)


def s_asleep(s_onset: FloatArray | float, t_h: FloatArray | float, p: TPMParams) -> FloatArray:
    """Homeostatic S after ``t_h`` hours of sleep that started at ``s_onset`` (two phases)."""
    s0 = np.asarray(s_onset, dtype=np.float64)
    t = np.asarray(t_h, dtype=np.float64)
    rate = p.g * (p.bl - p.ha)
    t_b = np.maximum(0.0, (p.bl - s0) / rate)
    s_from = np.maximum(s0, p.bl)
    lin = s0 + t * rate
    expo = p.ha - (p.ha - s_from) * np.exp(p.g * (t - t_b))
    return np.asarray(np.where(t <= t_b, lin, expo), dtype=np.float64)


def circadian(tod_h: FloatArray | float, p: TPMParams) -> FloatArray:
    """C + U: the 24-h and 12-h components at local time of day ``tod_h``."""
    tod = np.asarray(tod_h, dtype=np.float64)
    c = p.cm + p.ca * np.cos((tod - p.p) * (2.0 * np.pi / 24.0))
    u = p.um + p.ua * np.cos((tod - (p.p + 3.0)) * (2.0 * np.pi / 12.0))
    return np.asarray(c + u, dtype=np.float64)


def kss_from_alertness(a: FloatArray | float, p: TPMParams) -> FloatArray:
    """KSS = 10.6 − 0.6·A, clipped to the scale 1..9 [SOURCES.md §3.1]."""
    return np.asarray(np.clip(p.kss_intercept + p.kss_slope * np.asarray(a), 1.0, 9.0))


def steady_state_wake_s(sleep_h: float, p: TPMParams | None = None, days: int = 60) -> float:
    """S at waking for someone who sleeps ``sleep_h`` every 24 h, after ``days`` days [-]."""
    q = p or TPMParams()
    s = q.s0
    for _ in range(days):
        s = float(s_asleep(s_awake(s, 24.0 - sleep_h, q), sleep_h, q))
    return s


def fri_shift_length_rr(length_h: FloatArray | float) -> FloatArray:
    """HSE FRI shift-length relative risk: 1 up to 8.13 h, then 0.5713 + 0.1501·e^(0.129 L)."""
    length = np.asarray(length_h, dtype=np.float64)
    return np.asarray(
        np.where(length <= 8.13, 1.0, 0.5713 + 0.1501 * np.exp(0.129 * length)), dtype=np.float64
    )


def folkard_tucker_shift_length_rr(length_h: float) -> float:
    """Folkard & Tucker (2003) tabulated shift-length risk, linear between 8, 10 and 12 h [R]."""
    xs, ys = (8.0, 10.0, 12.0), (1.00, 1.13, 1.27)
    return float(np.interp(length_h, xs, ys))


def successive_rr(count: IntArray | int, table: tuple[float, ...]) -> FloatArray:
    """Relative risk of the n-th successive shift (n ≥ 1), held at the last tabulated value."""
    n = np.asarray(count)
    idx = np.clip(n - 1, 0, len(table) - 1)
    return np.asarray(np.asarray(table, dtype=np.float64)[idx], dtype=np.float64)


# --------------------------------------------------------------------------- columnar


def _night_overlap(start: FloatArray, end: FloatArray, rules: RosterRules) -> FloatArray:
    """Hours of each shift in night time (local): windows of the start day and its neighbours,
    computed relative to the local midnight the shift starts after."""
    base = np.floor(start / 24.0)
    base *= 24.0
    a = start - base
    b = end - base
    span = (rules.night_to_h + 24.0 - rules.night_from_h) % 24.0
    total = np.zeros_like(start)
    tmp = np.empty_like(start)
    # the next day's window can only be reached by shifts longer than 23 h
    days = (-1.0, 0.0, 1.0) if len(start) and float((end - start).max()) > 23.0 else (-1.0, 0.0)
    for k in days:
        ws = k * 24.0 + rules.night_from_h
        np.minimum(b, ws + span, out=tmp)
        tmp -= np.maximum(a, ws)
        np.maximum(tmp, 0.0, out=tmp)
        total += tmp
    return total


def _run_chunk(cont: BoolArray, idx: IntArray, carry: list[int], j: int) -> IntArray:
    """:func:`_run_lengths` of one chunk whose rows are ``idx``, continuing run ``j``."""
    last_break = np.where(cont, -1, idx)
    np.maximum.accumulate(last_break, out=last_break)
    np.maximum(last_break, carry[j], out=last_break)
    if len(idx):
        carry[j] = int(last_break[-1])
    run = idx - last_break
    run += 1
    return np.asarray(run, dtype=np.int64)


def _run_lengths(cont: BoolArray, idx: IntArray | None = None) -> IntArray:
    """For each row, how many rows in a row (ending here) had ``cont`` True after a break row."""
    i = np.arange(len(cont)) if idx is None else idx
    last_break = np.where(cont, -1, i)
    np.maximum.accumulate(last_break, out=last_break)
    run = i - last_break
    run += 1
    return np.asarray(run, dtype=np.int64)


def infer_sleep(
    shifts: ShiftTable, rule: SleepInference | None = None
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Sleep episodes (worker, start_h, end_h) inferred from rosters, sorted by (worker, start)."""
    return _sleep_table(shifts, rule or SleepInference())


def _sleep_table(shifts: ShiftTable, r: SleepInference) -> tuple[IntArray, FloatArray, FloatArray]:
    """Sleep episodes (worker, start_h, end_h), sorted by (worker, start)."""
    if len(shifts.worker) == 0:
        empty = np.zeros(0)
        return np.zeros(0, dtype=np.int64), empty, empty
    parts, kept = _sleep_parts(shifts, r)
    ss = np.concatenate([x[0] for x in parts])
    se = np.concatenate([x[1] for x in parts])
    return np.repeat(shifts.worker, kept), ss, se


def _sleep_parts(
    shifts: ShiftTable, r: SleepInference
) -> tuple[list[tuple[FloatArray, FloatArray]], IntArray]:
    """Sleeps (start_h, end_h) in the gap before each shift, one part per chunk of ``_CHUNK``
    shifts, and how many sleeps each gap holds (so the k-th sleep follows the gaps' counts).

    Works through the shifts in cache-sized chunks; each shift's gap only needs the previous
    row, so chunks are independent and their sleeps follow one another in (worker, time) order.
    """
    w, s, e = shifts.worker, shifts.start_h, shifts.end_h
    n = len(w)
    parts: list[tuple[FloatArray, FloatArray]] = []
    kept = np.empty(n, dtype=np.int64)
    for lo in range(0, n, _CHUNK):
        hi = min(lo + _CHUNK, n)
        first = np.empty(hi - lo, dtype=bool)
        prev_end = np.empty(hi - lo)
        if lo:
            first[0] = w[lo] != w[lo - 1]
            prev_end[0] = e[lo - 1]
        else:
            first[0] = True
            prev_end[0] = 0.0
        np.not_equal(w[lo + 1 : hi], w[lo : hi - 1], out=first[1:])
        prev_end[1:] = e[lo : hi - 1]
        ss_c, se_c, kept[lo:hi] = _sleep_chunk(
            s[lo:hi], first, prev_end, shifts.horizon_start_h, r
        )
        parts.append((ss_c, se_c))
    return parts, kept


def _sleep_chunk(
    s: FloatArray,
    first: BoolArray,
    prev_end: FloatArray,
    horizon_start_h: float,
    r: SleepInference,
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Sleeps in the gaps before a run of shifts, and how many each gap holds."""
    n = len(s)
    lo = np.where(first, horizon_start_h, prev_end + r.commute_h)
    hi = s - r.commute_h
    end_tod = np.floor(prev_end / 24.0)
    end_tod *= -24.0
    end_tod += prev_end  # time of day the previous shift ended: end − 24·floor(end / 24)
    has_day = (
        ~first & (end_tod >= r.day_sleep_after_end_from_h) & (end_tod < r.day_sleep_after_end_to_h)
    )
    ds_end = np.minimum(lo + r.day_sleep_max_h, hi)
    has_day &= (ds_end - lo) >= r.min_sleep_h
    lo_n = np.where(has_day, ds_end, lo)
    span = (r.night_end_h + 24.0 - r.night_start_h) % 24.0
    n_first = np.floor((lo_n - r.night_start_h - span) / 24.0) + 1.0
    n_last = np.ceil((hi - r.night_start_h) / 24.0) - 1.0
    n_nights = np.maximum(n_last - n_first + 1.0, 0.0).astype(np.int64)
    n_nights[hi <= lo_n] = 0
    counts = has_day + n_nights
    offs = np.cumsum(counts)
    offs -= counts  # first sleep of each gap
    # k-th night of gap g (k = 0..): night n_first[g] + k, at row offs[g] + has_day[g] + k;
    # written as row + (n_first − offs − has_day)[g], exact in floats (small integers)
    night0 = n_first - offs
    night0 -= has_day
    ws = np.repeat(night0, counts)
    ws += np.arange(len(ws))
    ws *= 24.0
    ws += r.night_start_h
    s_start = np.maximum(ws, np.repeat(lo_n, counts))
    ws += span
    s_end = np.minimum(ws, np.repeat(hi, counts), out=ws)
    day_row = offs[has_day]  # the day sleep comes first in its gap
    s_start[day_row] = lo[has_day]
    s_end[day_row] = ds_end[has_day]
    keep = (s_end - s_start) >= r.min_sleep_h
    dropped = np.flatnonzero(~keep)  # few: cut-short nights
    if len(dropped) == 0:
        return s_start, s_end, counts
    kept = counts - np.bincount(np.searchsorted(offs, dropped, side="right") - 1, minlength=n)
    return s_start[keep], s_end[keep], kept


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
        br = quick.view(i8) * i8(BREACH_QUICK_RETURN)
        br |= (cons > rr.max_consecutive_shifts).view(i8) * i8(BREACH_CONSECUTIVE_SHIFTS)
        br |= (nts > rr.max_consecutive_nights).view(i8) * i8(BREACH_CONSECUTIVE_NIGHTS)
        br |= (length_c > rr.max_shift_h).view(i8) * i8(BREACH_LONG_SHIFT)
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
    parts, kept = _sleep_parts(shifts, rule)
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


_CHUNK = 16384
_TOD_STEPS = 64  # grid of the C + U table [steps per h]
_K_BLOCK = 32  # sleeps k per block of the S recurrence (cache-sized (k, worker) buffers)


def _circadian_sum(tod: FloatArray, p: TPMParams) -> FloatArray:
    """C + U at times of day ``tod`` (the operations of :func:`_kss_chunk` and the reference)."""
    c = np.subtract(tod, p.p)
    c *= 2.0 * np.pi / 24.0
    np.cos(c, out=c)
    c *= p.ca
    if p.cm != 0.0:  # adding 0.0 changes nothing
        c += p.cm  # C
    u = np.subtract(tod, p.p + 3.0)
    u *= 2.0 * np.pi / 12.0
    np.cos(u, out=u)
    u *= p.ua
    u += p.um  # U
    c += u
    return c


def _kss_chunk(
    p: TPMParams,
    cu_table: FloatArray,
    start: FloatArray,
    length: FloatArray,
    t_w: FloatArray,
    s_la: FloatArray,
    w_on: FloatArray,
    best: FloatArray,
) -> None:
    """Peak KSS over start, middle and end for one chunk of shifts, written into ``best``.

    C + U come from ``cu_table`` (:func:`_circadian_sum` of the grid k/_TOD_STEPS h) when the
    time of day is exactly on the grid — the same value the formula gives — else from the formula.
    """
    m = len(start)
    t, dt, b1, b2 = (np.empty(m) for _ in range(4))
    qi = np.empty(m, dtype=np.intp)
    hit = np.empty(m, dtype=bool)
    in_range = np.empty(m, dtype=bool)
    top = len(cu_table) - 1
    for frac in (0.0, 0.5, 1.0):
        if frac == 0.0:
            np.copyto(t, start)
        elif frac == 1.0:
            np.add(start, length, out=t)  # = start + 1.0·length
        else:
            np.multiply(length, frac, out=t)
            np.add(start, t, out=t)  # t = start + frac·length
        np.subtract(t, t_w, out=dt)
        np.divide(t, 24.0, out=b2)
        np.floor(b2, out=b2)
        np.multiply(b2, 24.0, out=b2)
        np.subtract(t, b2, out=t)  # time of day (keeps cos arguments small: fast and exact)
        np.multiply(t, float(_TOD_STEPS), out=b2)  # exact (power of two)
        with np.errstate(invalid="ignore"):  # NaN, ±inf: not on the grid, computed below
            np.copyto(qi, b2, casting="unsafe")
        np.equal(qi, b2, out=hit)  # on the grid ...
        np.less_equal(qi.view(np.uintp), top, out=in_range)
        hit &= in_range  # ... and inside the table (a negative index wraps to a huge one)
        np.take(cu_table, qi, out=b2, mode="clip")  # C + U
        if not hit.all():
            miss = ~hit
            b2[miss] = _circadian_sum(t[miss], p)
        np.multiply(dt, p.d, out=b1)
        np.exp(b1, out=b1)
        np.multiply(b1, s_la, out=b1)
        np.add(b1, p.la, out=b1)  # S
        np.add(b1, b2, out=b1)  # S + (C + U)
        np.multiply(dt, p.wd, out=dt)
        np.exp(dt, out=dt)
        np.multiply(dt, p.wc, out=dt)
        np.multiply(dt, w_on, out=dt)  # W (0 before the first sleep)
        np.add(b1, dt, out=b1)  # A
        np.multiply(b1, p.kss_slope, out=b1)
        np.add(b1, p.kss_intercept, out=b1)
        np.clip(b1, 1.0, 9.0, out=b1)
        if frac == 0.0:
            np.copyto(best, b1)
        else:
            np.maximum(best, b1, out=best)


# --------------------------------------------------------------------------- scalar reference


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
                (BREACH_QUICK_RETURN if quick else 0)
                + (BREACH_CONSECUTIVE_SHIFTS if cons > rr.max_consecutive_shifts else 0)
                + (BREACH_CONSECUTIVE_NIGHTS if nights > rr.max_consecutive_nights else 0)
                + (BREACH_LONG_SHIFT if length > rr.max_shift_h else 0)
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


def _s_asleep_scalar(s_onset: float, t_h: float, p: TPMParams) -> float:
    rate = p.g * (p.bl - p.ha)
    t_b = max(0.0, (p.bl - s_onset) / rate)
    if t_h <= t_b:
        return s_onset + t_h * rate
    return p.ha - (p.ha - max(s_onset, p.bl)) * math.exp(p.g * (t_h - t_b))
