"""Risk Index: duty timing and cumulative components (RR446; calculator v2.x).

Times are hours [h] on one clock counted from local midnight of the roster's first day, so
``t mod 24`` is the local time of day.

**Duty timing** [D: FRI.md; time-of-day and shift-length curves also V-computed in SOURCES.md
§3.2]. With commute c [min] and c′ = (c − 40)/60 h of extra travel, the duty is taken to begin c′
earlier; over that window of length L = L_duty + c′

    ToD = mean of 1.0106 + 0.1057·cos(π·t/12)              (peak 1.1163 at 00:00, 0.9049 at 12:00)
    RR(L) = 1.0359 − 0.8012·e^(−0.7315·L)   for L < 4.25
          = 1                                for 4.25 ≤ L ≤ 8.13
          = 0.5713 + 0.1501·e^(0.129·L)      for L > 8.13
    RR_eff = (RR(L)·L − RR(c′)·c′)/L_duty   when c′ > 0 (the travel part taken back out), else RR(L)
    RI timing = ToD · RR_eff · 0.997976/1.288          (the reference day shift scores 1)

**Cumulative** [D: FRI.md]. Each duty spans start − 0.5 h to end + 0.5 h; r = 1 on the first
duty, then by the rest gap g before the duty (end of one span to start of the next):

    g < 9 h:      r += 0.06·(9 − g)                                   (+6 % per hour lost, V: SOURCES §3.2)
    9 ≤ g ≤ 24 h: r += (u_prev + u_this)/2,  u = 0.0886 + 0.0359·cos(π·mid/12), mid = span midpoint
    g > 24 h:     r = 1 + (r − 1)·e^(−1.118·(n − 1))
    RI cumulative = r/1.113 · 0.98899

n, "the number of rest nights" [D], is counted as the hours of the 23:00–07:00 night window that
fall inside the gap, divided by 8 [C: the calculator's count in the cases cross-checked; R01's
weekend gives n = 2.8125].

Known non-monotonicity of the published rule (kept, stated in docs/models/hse-fri.md): at g = 9 h
the increment jumps from ≈ 0 (g just under 9 h) to u (≈ 0.05 by day, ≈ 0.12 by night), so
shortening a 9.0-h rest to 8.9 h *lowers* the next duty's RI cumulative.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

TOD_MEAN: Final = 1.0106  #: [D]
TOD_AMPLITUDE: Final = 0.1057  #: [D]
TIMING_SCALE: Final = 0.997976 / 1.288  #: reference day shift → 1 [D]
RR_LOW: Final = (1.0359, 0.8012, 0.7315)  #: L < 4.25 h [D]
RR_HIGH: Final = (0.5713, 0.1501, 0.129)  #: L > 8.13 h [D; V-computed 12 h 1.28, SOURCES §3.2]
RR_FLAT: Final = (4.25, 8.13)  #: [D]

SPAN_PAD_H: Final = 0.5  #: each duty spans start − 0.5 h to end + 0.5 h [D]
SHORT_REST_H: Final = 9.0  #: [D; V +6 %/h below 9 h, SOURCES §3.2]
SHORT_REST_STEP: Final = 0.06  #: per hour of rest below 9 h [D; V]
LONG_REST_H: Final = 24.0  #: [D]
INCREMENT: Final = (0.0886, 0.0359)  #: u = a + b·cos(π·mid/12) [D]
RECOVERY_PER_NIGHT: Final = 1.118  #: [D]
NIGHT_WINDOW_H: Final = (23.0, 7.0)  #: sleep window used to count rest nights [C] open
CUM_SCALE: Final = 0.98899 / 1.113  #: [D]


@dataclass(frozen=True)
class Span:
    """A duty on the roster clock [h]: start and end as worked, commute [min]."""

    start: float
    end: float
    commute_min: float


def shift_length_rr(length_h: float) -> float:
    """RR(L), the FRI shift-length relative risk [–] [D]."""
    if length_h < RR_FLAT[0]:
        a, b, k = RR_LOW
        return a - b * math.exp(-k * length_h)
    if length_h > RR_FLAT[1]:
        a, b, k = RR_HIGH
        return a + b * math.exp(k * length_h)
    return 1.0


def time_of_day_mean(t0: float, t1: float) -> float:
    """Mean of 1.0106 + 0.1057·cos(π t/12) over [t0, t1] (closed form) [D]."""
    w = math.pi / 12.0
    return TOD_MEAN + TOD_AMPLITUDE * (math.sin(w * t1) - math.sin(w * t0)) / (w * (t1 - t0))


def extra_travel_h(commute_min: float, duty_h: float) -> float:
    """c′ = (c − 40)/60 [h], held above −(duty − 0.25 h) so that the window stays positive [P]."""
    return max((commute_min - 40.0) / 60.0, -(duty_h - 0.25))


def ri_timing(span: Span) -> float:
    """RI duty-timing component [–] [D]."""
    duty = span.end - span.start
    extra = extra_travel_h(span.commute_min, duty)
    length = duty + extra
    tod = time_of_day_mean(span.start - extra, span.end)
    rr = shift_length_rr(length)
    if extra > 0:
        rr = (rr * length - shift_length_rr(extra) * extra) / duty
    return tod * rr * TIMING_SCALE


def night_window_hours(t0: float, t1: float) -> float:
    """Hours of the 23:00–07:00 window inside [t0, t1] [C]."""
    lo, hi = NIGHT_WINDOW_H
    total = 0.0
    k = math.floor((t0 - lo) / 24.0)
    while lo + 24.0 * k < t1:
        w0, w1 = lo + 24.0 * k, hi + 24.0 * (k + 1)
        total += max(0.0, min(t1, w1) - max(t0, w0))
        k += 1
    return total


def ri_cumulative(spans: list[Span]) -> list[float]:
    """RI cumulative component per duty [–] [D]."""
    out: list[float] = []
    r = 1.0
    a, b = INCREMENT
    prev_u = 0.0
    prev_end = 0.0
    for i, s in enumerate(spans):
        s0, s1 = s.start - SPAN_PAD_H, s.end + SPAN_PAD_H
        u = a + b * math.cos(math.pi * (s0 + s1) / 2.0 / 12.0)
        if i > 0:
            gap = s0 - prev_end
            if gap < SHORT_REST_H:
                r += SHORT_REST_STEP * (SHORT_REST_H - gap)
            elif gap <= LONG_REST_H:
                r += 0.5 * (prev_u + u)
            else:
                nights = night_window_hours(prev_end, s0) / 8.0
                r = 1.0 + (r - 1.0) * math.exp(-RECOVERY_PER_NIGHT * (nights - 1.0))
        out.append(r * CUM_SCALE)
        prev_u, prev_end = u, s1
    return out
