"""Rosters: the shift table, rest rules and the roster → sleep inference.

Roster → sleep inference (declared; the TPM needs sleep times, rosters only give work times —
SOURCES.md §3.1 and §7 ask to declare this step). kilnguard's rule, ``SleepInference``:
1. nobody sleeps on shift; ``commute_h`` (1 h) separates a shift from sleep on both sides;
2. after a shift that ends between 03:00 and 12:00 (a night or long shift) the worker sleeps at
   once, for at most ``day_sleep_max_h`` (7 h);
3. otherwise, and on free days, the worker sleeps in the habitual night window 23:00–07:00,
   cut short by the commute before the next shift;
4. sleep fragments shorter than ``min_sleep_h`` (1 h) are ignored.
The result is "inferred from rosters", not measured sleep; say so wherever KSS is shown.

Rest rules
----------
* EU Working Time Directive 2003/88/EC [V]: Art 3 daily rest ≥ 11 h between shifts
  (``quick return`` otherwise); Art 5 weekly rest — here "> 6 consecutive shifts without a
  24-h break" (24 h per ILO C014); night time 23:00–06:00 (≥ 7 h incl. 00:00–05:00, Art 2(3)),
  a night shift has ≥ 3 h in night time (Art 2(4)).
* HSE HSG256 (2006) [V]: ≤ 12 h shifts; ≤ 3–4 successive nights (here > 4 is a breach).
* Quick return ≤ 11 h: IRR 1.39 (1.23–1.58), Nielsen et al. 2019 [V].
* Successive nights and day shifts: Folkard & Tucker (2003) tables, see
  :mod:`kilnguard.domain.fatigue.fri`.

References
----------
* Nielsen, H. B., et al. (2019). Short time between shifts and risk of injury among Danish hospital
  workers. Scand J Work Environ Health 45(2):166–173.
* Directive 2003/88/EC of the European Parliament and of the Council (working time).
* HSE (2006). Managing shiftwork, HSG256.
* Folkard, S., Tucker, P. (2003). Shift work, safety and productivity. Occup Med 53:95–101,
  doi:10.1093/occmed/kqg047.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from kilnguard.domain.errors import ValidationError
from kilnguard.domain.fatigue._types import BoolArray, FloatArray, IntArray

#: Shifts per cache-sized chunk of the columnar passes (sleeps, runs, KSS).
CHUNK = 16384

#: Breach bit flags (``ShiftFatigue.breaches``).
BREACH_QUICK_RETURN = 1
BREACH_CONSECUTIVE_SHIFTS = 2
BREACH_CONSECUTIVE_NIGHTS = 4
BREACH_LONG_SHIFT = 8


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
    shifts: ShiftTable, r: SleepInference, chunk: int = CHUNK
) -> tuple[list[tuple[FloatArray, FloatArray]], IntArray]:
    """Sleeps (start_h, end_h) in the gap before each shift, one part per chunk of ``chunk``
    shifts, and how many sleeps each gap holds (so the k-th sleep follows the gaps' counts).

    Works through the shifts in cache-sized chunks; each shift's gap only needs the previous
    row, so chunks are independent and their sleeps follow one another in (worker, time) order.
    """
    w, s, e = shifts.worker, shifts.start_h, shifts.end_h
    n = len(w)
    parts: list[tuple[FloatArray, FloatArray]] = []
    kept = np.empty(n, dtype=np.int64)
    for lo in range(0, n, chunk):
        hi = min(lo + chunk, n)
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
        ss_c, se_c, kept[lo:hi] = _sleep_chunk(s[lo:hi], first, prev_end, shifts.horizon_start_h, r)
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
