"""Rosters: the shift table, rest rules and the roster → sleep inference.

Roster → sleep inference (declared; the TPM needs sleep times, rosters only give work times —
SOURCES.md §3.1 and §7 ask to declare this step). kilnguard's rule, ``SleepInference``:
1. nobody sleeps on shift; ``commute_h`` (1 h) separates a shift from sleep on both sides;
2. in the habitual night window 23:00–07:00 a free worker sleeps (stretches of free night time
   shorter than ``min_sleep_h`` = 1 h are not slept);
3. outside it (07:00–23:00, and in too-short night stretches) a free worker naps whenever the
   homeostatic S has fallen below ``nap_below_s`` (θ = 10.3), and only back up to θ: S is held
   at θ while free (the exact solution of "sleep while S < θ"). After a 23:00–07:00 night shift
   this is the day sleep (08:00 onwards, about 5 h from S ≈ 6.5); a rested day worker never
   reaches θ before 23:00 and does not nap.
The result is "inferred from rosters", not measured sleep; say so wherever KSS is shown.

Why this rule (issue 13 point 3, "monotone in rest"). Work only ever removes free time, and the
rule sleeps in fixed windows or by a threshold on S that is the same for everybody, so by the
comparison principle of the one-dimensional S equation (sleep raises S faster than waking does,
at every S) less free time can only give a lower S at every instant, never a higher one. The
former rule ("after a shift ending 03:00–12:00 sleep at once for 7 h, otherwise at night") broke
this twice: a shift ending 02:30 gave 3.5 h of sleep and one ending 03:00 gave 7 h; and any
"sleep for 7 h after the shift" rule rewards a later finish, because the same sleep taken later
leaves S higher at the next shift (TPM: a 7-h sleep from S = 5 taken 30 min later leaves S
0.1 higher at the next duty). θ = 10.3 [P] is the S the former 7-h day-sleep rule left at
22:00 before a second 23:00–07:00 night, so night workers keep about the sleepiness they had.

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
from kilnguard.domain.fatigue.fri import FRI_DAY_INCREMENT, FRI_NIGHT_INCREMENT

#: Shifts per cache-sized chunk of the columnar passes (sleeps, runs, KSS).
CHUNK = 16384

#: Breach bit flags (``ShiftFatigue.breaches``).
BREACH_QUICK_RETURN = 1
BREACH_CONSECUTIVE_SHIFTS = 2
BREACH_CONSECUTIVE_NIGHTS = 4
BREACH_LONG_SHIFT = 8
BREACH_OVER_24H = 16  # a duty longer than the FRI's 24 h: RR(L) held at RR(24)


@dataclass(frozen=True)
class SleepInference:
    """Declared roster→sleep rule (kilnguard's own; see module docstring) [project choice]."""

    commute_h: float = 1.0
    night_start_h: float = 23.0
    night_end_h: float = 7.0
    nap_below_s: float = 10.3
    """θ: outside the night window a free worker naps while S < θ, back up to θ [P]."""
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
    successive_nights_step: float = FRI_NIGHT_INCREMENT  # per night beyond the 4th, FRI [D]
    successive_days_step: float = FRI_DAY_INCREMENT  # per shift beyond the 4th, FRI [D]


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
    consecutive_shifts: IntArray  # 1 = first after a ≥ weekly_rest_h break (any shift type)
    consecutive_nights: IntArray  # nights since a ≥ weekly_rest_h break; 0 for a day shift
    consecutive_days: IntArray  # = consecutive_shifts for a day shift; 0 for a night shift
    kss_peak: FloatArray  # max KSS over the duty: start, end and every quarter hour [1..9]
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


@dataclass(frozen=True)
class FreeTime:
    """Free-time episodes of every worker, sorted by (worker, time). Each is a nap stretch outside
    the night window (``nap_start_h`` to ``sleep_start_h``), night-window sleep (to
    ``sleep_end_h``; empty when there is none) and, for the last night before a shift, the free
    day time after it, again by the nap rule (to ``end_h``)."""

    worker: IntArray
    nap_start_h: FloatArray
    sleep_start_h: FloatArray
    sleep_end_h: FloatArray
    end_h: FloatArray


def infer_sleep(shifts: ShiftTable, rule: SleepInference | None = None) -> FreeTime:
    """Free-time episodes (naps by threshold, night sleep) inferred from the rosters."""
    r = rule or SleepInference()
    if len(shifts.worker) == 0:
        empty = np.zeros(0)
        return FreeTime(np.zeros(0, dtype=np.int64), empty, empty, empty, empty)
    parts, kept = _sleep_parts(shifts, r)
    cols = [np.concatenate([x[i] for x in parts]) for i in range(4)]
    return FreeTime(np.repeat(shifts.worker, kept), *cols)


Episodes = tuple[FloatArray, FloatArray, FloatArray, FloatArray]


def _sleep_parts(
    shifts: ShiftTable, r: SleepInference, chunk: int = CHUNK
) -> tuple[list[Episodes], IntArray]:
    """Episodes (nap start, sleep start, sleep end, end) in the gap before each shift, one part
    per chunk of ``chunk`` shifts, and how many episodes each gap holds (so the k-th episode
    follows the gaps' counts).

    Works through the shifts in cache-sized chunks; each shift's gap only needs the previous
    row, so chunks are independent and their episodes follow one another in (worker, time) order.
    """
    w, s, e = shifts.worker, shifts.start_h, shifts.end_h
    n = len(w)
    parts: list[Episodes] = []
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
        *eps, kept[lo:hi] = _sleep_chunk(s[lo:hi], first, prev_end, shifts.horizon_start_h, r)
        parts.append((eps[0], eps[1], eps[2], eps[3]))
    return parts, kept


def _sleep_chunk(
    s: FloatArray,
    first: BoolArray,
    prev_end: FloatArray,
    horizon_start_h: float,
    r: SleepInference,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, IntArray]:
    """Episodes in the gaps before a run of shifts, and how many each gap holds.

    A gap [lo, hi] (free time, commute removed) holds one episode per night window it meets: the
    free day time before that window (nap), the free time in it (sleep, if ≥ ``min_sleep_h``;
    else nap time too) and, for the last one, the free day time after it up to hi (nap). A gap
    that meets no night window is one nap.
    """
    lo = np.where(first, horizon_start_h, prev_end + r.commute_h)
    hi = s - r.commute_h
    span = (r.night_end_h + 24.0 - r.night_start_h) % 24.0
    n_first = np.floor((lo - r.night_start_h - span) / 24.0) + 1.0  # first window ending after lo
    n_last = np.ceil((hi - r.night_start_h) / 24.0) - 1.0  # last window starting before hi
    open_gap = hi > lo
    n_nights = np.where(open_gap, np.maximum(n_last - n_first + 1.0, 0.0), 0.0).astype(np.int64)
    counts = np.maximum(n_nights, open_gap)
    last = np.cumsum(counts)
    offs = last - counts  # first episode of each gap
    gap = np.repeat(np.arange(len(s)), counts)
    lo_g, hi_g = lo[gap], hi[gap]
    ws = (np.arange(len(gap)) - offs[gap] + n_first[gap]) * 24.0 + r.night_start_h
    nap_a = np.maximum(lo_g, ws - (24.0 - span))
    sl_a = np.minimum(np.maximum(lo_g, ws), hi_g)
    sl_b = np.minimum(hi_g, ws + span)
    no_night = (n_nights == 0)[gap]
    nap_a[no_night] = lo_g[no_night]
    sl_b[no_night] = hi_g[no_night]
    sl_a = np.where(((sl_b - sl_a) < r.min_sleep_h) | no_night, sl_b, sl_a)  # too short: nap
    end = sl_b.copy()
    tail = last[open_gap] - 1  # the last episode of each gap runs to hi
    end[tail] = hi[open_gap]
    return nap_a, sl_a, sl_b, end, counts
