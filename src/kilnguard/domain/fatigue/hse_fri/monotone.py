"""The HSE FRI Risk Index made monotone in rest, for the people barrier (issue 13 points 1 and 3).

The published RI (RR446, calculator v2.x; :mod:`.risk`, :mod:`.job`) is not monotone in work —
the source's own numbers (``docs/models/hse-fri.md``, "Monotonicity"): shortening a 9.0-h rest to
8.9 h lowers the next duty's RI cumulative 0.9375 → 0.8939; 00:00–06:00 → 00:00–08:00 lowers RI
timing 0.8352 → 0.8169; 08:00–11:00 → 08:00–12:00 lowers RI job 1.0197 → 1.0170. Issue 13 asks
to take the worse of the two where a published model is not monotone. Here that is done exactly:
each component is replaced by its **least monotone majorant** — the worst value of the component
over the duty and every shorter duty inside it, and over a rest and every longer one:

* cumulative: below 9 h of rest the increment is the larger of the short-rest rule 0.06·(9 − g)
  and the 9–24 h rule (u_prev + u)/2 (the two rules of the source, the worse taken), and the
  increment u = 0.0886 + 0.0359·cos(π·mid/12) [D] is taken at the worst midpoint of any part of
  the duty (the duty's clock time nearest midnight) — a duty's midpoint moves when it is
  lengthened, and u falls when a night is lengthened into the morning;
* timing: the time-of-day curve 1.0106 + 0.1057·cos(π t/12) [D] at its worst over the duty
  instead of its mean (a mean falls when a night is lengthened into the day), times the
  shift-length curve RR(L) made non-decreasing (:func:`..fri.fri_shift_length_rr`: ≤ 1 below
  4.25 h, ≥ 1 above 8.13 h, held at 24 h), at the calculator's 40-min commute;
* job and breaks: the break series at the worst number of break cycles up to the duty's
  (a new cycle starts with a break, which lowers the mean) [structure D, constants C].

Each majorant is monotone, so their product is; ``tests/domain/fatigue/test_monotone_rest.py``
checks it on general rosters. The bound is in the **RI's own units** (1.0 = the average day shift
of a two-shift system, RR446): the units of the policy line RI > 1.6 (Network Rail NR/L2/OHS/003
[V, SOURCES §3.2]) that ``RiskConfig.amber_at`` is set at, so the people barrier reaches amber on
the FRI alone when a worker's RI bound passes that line. (Relative to a rested 8-h morning the
same figure would be ≈ 1.4× higher: a single 06:00–14:00 duty scores RI 0.65.) Published RI and
FI are shown on the kiln page and in explanations (:mod:`.fast`); this bound only enters the level.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from kilnguard.domain.fatigue._types import BoolArray, FloatArray, IntArray
from kilnguard.domain.fatigue.fri import MAX_DUTY_H, fri_shift_length_rr
from kilnguard.domain.fatigue.hse_fri import job, risk
from kilnguard.domain.fatigue.hse_fri.fast import cumulative_of

_W = math.pi / 12.0


#: The 24-h edge of the cumulative rules, just over 24 h so that clock rounding cannot flip it.
LONG_REST_EDGE_H = risk.LONG_REST_H + 1e-9


def cos_max(start_h: FloatArray, end_h: FloatArray, clock: FloatArray | None = None) -> FloatArray:
    """max of cos(π t/12) over [start, end]. The curve falls with the distance from the nearest
    midnight, so the maximum is at the clock time nearest midnight: 0 h away when the duty
    contains a midnight, else the start's hours after midnight or the end's hours before the
    next one, whichever is less — one cosine per duty. ``clock``: start mod 24, if known."""
    if clock is None:
        clock = np.mod(start_h, 24.0)
    d = start_h - end_h
    d -= clock
    d += 24.0  # the end's hours before the next midnight: 24 − (clock + length)
    np.minimum(d, clock, out=d)
    np.maximum(d, 0.0, out=d)  # ≤ 0: a midnight inside the duty
    d *= _W
    return np.asarray(np.cos(d, out=d), dtype=np.float64)


@lru_cache(maxsize=64)
def _job_table(spell_min: float, break_min: float, workload: int, attention: int) -> FloatArray:
    """RI job majorant by number of break cycles: running max of the break series [–]."""
    cycles = job.break_cycles(MAX_DUTY_H, spell_min, break_min)
    steps = max(1, round(spell_min / 15.0))
    series = [job.series_mean_of_cycles(c, steps, break_min) for c in range(1, cycles + 1)]
    demand = (workload + attention - job.DEMAND_NEUTRAL) * job.DEMAND_STEP
    table = np.maximum.accumulate(np.array(series)) / job.SERIES_NORM + demand
    return np.asarray(table / job.RI_JOB_NORM, dtype=np.float64)


def _job(duty_h: FloatArray, spell_min: float, break_min: float, w: int, a: int) -> FloatArray:
    table = _job_table(spell_min, break_min, w, a)
    length = np.minimum(duty_h, MAX_DUTY_H)
    cycles = 1 + np.floor(length * 60.0 / (spell_min + break_min) - 0.01).astype(np.int64)
    return np.asarray(table[np.clip(cycles, 1, len(table)) - 1], dtype=np.float64)


def bound_parts(
    start_h: FloatArray,
    end_h: FloatArray,
    rr_length: FloatArray,
    spell_min: float,
    break_min: float,
    workload: int,
    attention: int,
    clock: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """What depends on each duty alone: the cumulative increment u (at the worst midpoint) and
    timing × job, given RR(L) of :func:`..fri.fri_shift_length_rr` (row-local, so the risk
    engine computes them in its cache-sized chunks); ``clock``: start mod 24, if known."""
    cm = cos_max(start_h, end_h, clock)
    a, b = risk.INCREMENT
    u = a + b * cm
    cm *= risk.TOD_AMPLITUDE
    cm += risk.TOD_MEAN
    cm *= rr_length
    cm *= risk.TIMING_SCALE
    cm *= _job(end_h - start_h, spell_min, break_min, workload, attention)
    return u, cm


def bound_of(
    first: BoolArray,
    start_h: FloatArray,
    end_h: FloatArray,
    u: FloatArray,
    timing_job: FloatArray,
    rest_h: FloatArray | None = None,
) -> FloatArray:
    """The bound from :func:`bound_parts`: the cumulative majorant (rests below 9 h take the
    worse rule) times timing × job; rows sorted by (worker, start), ``first`` marks each
    worker's first duty; ``rest_h``: hours off before each duty (inf on a first), if known.
    The bound is continuous at the 9-h edge; at the 24-h edge a rest counts as long only when
    it is more than 1e-9 h over (the same in the reference loop, whatever the clock's rounding)."""
    if rest_h is None:
        rest_h = np.empty(len(start_h))
        rest_h[:1] = np.inf
        np.subtract(start_h[1:], end_h[:-1], out=rest_h[1:])
        rest_h[first] = np.inf
    gap = rest_h - 2.0 * risk.SPAN_PAD_H  # between the padded spans
    cum = cumulative_of(
        start_h, end_h, gap, first, u, short_rest_floor=True, long_rest_h=LONG_REST_EDGE_H
    )
    cum *= timing_job
    return cum


def ri_bound(
    worker: IntArray,
    start_h: FloatArray,
    end_h: FloatArray,
    *,
    spell_min: float = 210.0,
    break_min: float = 22.5,
    workload: int = 2,
    attention: int = 1,
) -> FloatArray:
    """Monotone majorant of the RI of every duty, in RI units [–] (module docstring).

    Rows sorted by (worker, start); hours on a clock whose ``t mod 24`` is the local time. The
    break pattern (typical spell and break [min]) and the job scores apply to every duty
    (calculator defaults: spell (180 + 240)/2, break (15 + 30)/2, workload 2, attention 1).
    """
    if not len(worker):
        return np.zeros(0)
    first = np.ones(len(worker), dtype=bool)
    first[1:] = worker[1:] != worker[:-1]
    u, tj = bound_parts(
        start_h,
        end_h,
        fri_shift_length_rr(end_h - start_h),
        spell_min,
        break_min,
        workload,
        attention,
    )
    return bound_of(first, start_h, end_h, u, tj)


def ri_bound_reference(
    duties: list[tuple[int, float, float]],
    *,
    spell_min: float = 210.0,
    break_min: float = 22.5,
    workload: int = 2,
    attention: int = 1,
) -> list[float]:
    """:func:`ri_bound` with plain loops (worker, start, end per duty, sorted), for tests."""
    a, b = risk.INCREMENT

    def cmax(s: float, e: float) -> float:
        if math.floor(e / 24.0) * 24.0 >= s:
            return 1.0
        return max(math.cos(_W * s), math.cos(_W * e))

    def rr(length: float) -> float:
        return float(fri_shift_length_rr(np.array([length]))[0])

    table = _job_table(spell_min, break_min, workload, attention)

    def one(s: float, e: float, r: float) -> float:
        timing = (risk.TOD_MEAN + risk.TOD_AMPLITUDE * cmax(s, e)) * rr(e - s) * risk.TIMING_SCALE
        length = min(e - s, MAX_DUTY_H)
        cycles = 1 + math.floor(length * 60.0 / (spell_min + break_min) - 0.01)
        jb = float(table[min(max(cycles, 1), len(table)) - 1])
        return r * risk.CUM_SCALE * timing * jb

    out: list[float] = []
    prev: tuple[int, float, float] | None = None
    r, u_prev = 1.0, 0.0
    for w, s, e in duties:
        u = a + b * cmax(s, e)
        if prev is None or prev[0] != w:
            r = 1.0
        else:
            gap = (s - prev[2]) - 2.0 * risk.SPAN_PAD_H
            mean_u = 0.5 * (u_prev + u)
            if gap < risk.SHORT_REST_H:
                r += max(risk.SHORT_REST_STEP * (risk.SHORT_REST_H - gap), mean_u)
            elif gap <= LONG_REST_EDGE_H:
                r += mean_u
            else:
                nights = risk.night_window_hours(prev[2] + risk.SPAN_PAD_H, s - risk.SPAN_PAD_H)
                r = 1.0 + (r - 1.0) * math.exp(-risk.RECOVERY_PER_NIGHT * (nights / 8.0 - 1.0))
        out.append(one(s, e, r))
        prev, u_prev = (w, s, e), u
    return out
