"""Fatigue Index: KSS model, duty timing and cumulative (sleep-loss reservoir) components.

**Event and scale** [V: SOURCES.md §3.2 — FI is the probability ×100 of KSS 8 or 9; D: FRI.md]:

    P(KSS ≥ 8) = 1.26/(1 + 3670·e^(−1.06·KSS))                                         [D]

KSS is reached from a sleep-pressure value p through a logistic [C] open:

    KSS = −0.6 + 1.436·(1 + 6/(1 + e^(3.057 − 0.764·p)))

**Duty timing and job** [D structure: circadian term amplitude 0.74, phase 5.23 h; start-time
term amplitude 0.5, phase 1.25 h; 15-min steps; C: offset 2.45]. Over the duty, from its
start − c′ (c′ = (c − 40)/60 h, the commute treated as for the RI) to its end, every 15 min:

    p(τ) = f·τ + [0.5·cos(π(t_s − 1.25)/12) − 0.74·cos(π(t_s − 5.23)/12)]
               + 0.74·cos(π(t − 5.23)/12) + 2.45

with τ the time since t_s = start − c′, t the local time, f the time-on-duty slope of
:func:`.job.fatigue_slope`. P_f is the mean of P(KSS ≥ 8) over the steps; P_0 the same with the
reference slope 0.14. FI timing = 100·min(P_0, P_f); FI job = 100·(P_f − min(P_0, P_f)).

**Cumulative: the reservoir of sleep loss** [D: "a reservoir model of accumulated sleep loss";
C: every constant below, open]. Nights are numbered like days: night n ends on the morning of day
n. A duty whose padded start (start − 0.5 h) is before 15:00 follows night n = its day; a later
one belongs to night n = its day + 1. Per duty, sleep lost on its night: before an early start,
(0.03501·(37.5 − h) + 0.01928)·(37.5 − h) for a padded start h > 22.76 h after midnight before the
night (0 from 13:30 on); after a late finish, 8.07 − (mean of two fitted sleep lengths); at least
9 − (rest gap after the duty). Per night, the loss L (≤ 8 h) sets the asymptote of a performance
reservoir (PVT speed) A = 3.9 − 0.4416·L; the reservoir moves toward it by 1 − e^(−0.1369) per
night when falling and 1 − e^(−0.6868) when recovering, from 3.87 before the roster. A duty reads
the reservoir before and after its night (blended by start time), maps speed back to p through
speed = 4.44·(1.001 − 0.00189·e^(0.801·p)), and FI cumulative = 100·P(KSS ≥ 8)/3.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from kilnguard.domain.fatigue.hse_fri.job import REFERENCE_SLOPE, STEP_H

# --- KSS and probability -----------------------------------------------------------------------
P8_MAX: Final = 1.26  #: [D]
P8_SCALE: Final = 3670.0  #: [D]
P8_SLOPE: Final = 1.06  #: [D]
KSS_INTERCEPT: Final = -0.6  #: [C] open
KSS_SLOPE: Final = 1.436  #: [C] open
LOGIT: Final = (3.057, 0.764)  #: sleep pressure → 1..7 scale [C] open

# --- duty timing -------------------------------------------------------------------------------
CIRCADIAN: Final = (0.74, 5.23)  #: amplitude, phase [h] [D]
START_TERM: Final = (0.5, 1.25)  #: amplitude, phase [h] [D]
PRESSURE_OFFSET: Final = 2.45  #: [C] open
REFERENCE_COMMUTE_MIN: Final = 40.0  #: commute treated as for the RI [P, R01-informed; open]

# --- cumulative: reservoir -----------------------------------------------------------------------
NIGHT_SPLIT_H: Final = 15.0  #: padded start before 15:00 → follows the night ending that day [C]
EVENING_START: Final = (15.0, 22.67)  #: padded starts whose loss is the late-finish loss [C]
EARLY_START: Final = (22.76, 37.5, 0.03501, 0.01928)  #: early-start loss quadratic [C] open
BEDTIME: Final = (24.25, 16.3, 0.367)  #: bedtime after a finish at h (h < 24.25: 16.3+0.367h) [C]
SLEEP_FIT_A: Final = (18.5, 8.13, -2.28827436527851, 11.7995318577367, 0.472949055173571,
                      -1.77393493516727, 0.16244804759197)  # fmt: skip
SLEEP_FIT_B: Final = (8.0, 0.285)  #: second sleep-length fit: min(8, 8 − 0.285(h − 18.5)) [C]
NORMAL_SLEEP_H: Final = 8.07  #: [C] open
MIN_REST_H: Final = 9.0  #: loss ≥ 9 − gap [C] open
MAX_LOSS_H: Final = 8.0  #: [C]
RESERVOIR_FULL: Final = 3.9  #: PVT speed, rested [1/s] [C] open
RESERVOIR_START: Final = 3.87  #: before the roster [C] open
LOSS_TO_SPEED: Final = 0.441596758431994  #: speed lost per hour of sleep loss [C] open
RATE_FALL: Final = 0.136934833451947  #: per night, reservoir falling [C] open
RATE_RISE: Final = 0.686825862760272  #: per night, reservoir recovering [C] open
BLEND_WINDOW: Final = (27.0, 39.0, 33.0)  #: start-time blend of before/after night [C] open
SPEED_SCALE: Final = 4.44  #: [C] open
SPEED_FIT: Final = (1.001, 0.00189, 0.801)  #: speed = 4.44(1.001 − 0.00189 e^(0.801 p)) [C] open
SHORT_GAP: Final = (1.0, 9.0)  #: gap weights between the two readings [C] open
CUM_SHARE: Final = 1.0 / 3.0  #: [C] open


def p_kss8(kss: float) -> float:
    """Probability of KSS ≥ 8 at a KSS value [–] [D]."""
    return P8_MAX / (1.0 + P8_SCALE * math.exp(-P8_SLOPE * kss))


def kss_of_pressure(p: float) -> float:
    """KSS for a sleep-pressure value p [C]."""
    a, b = LOGIT
    return KSS_INTERCEPT + KSS_SLOPE * (1.0 + 6.0 / (1.0 + math.exp(a - b * p)))


def start_term(t_start: float) -> float:
    """Start-time term at the (travel-adjusted) start clock time [D amplitudes and phases]."""
    w = math.pi / 12.0
    (ca, cp), (sa, sp) = CIRCADIAN, START_TERM
    return sa * math.cos(w * (t_start - sp)) - ca * math.cos(w * (t_start - cp))


def duty_p8(start: float, end: float, commute_min: float, slope: float) -> float:
    """Mean P(KSS ≥ 8) over a duty in 15-min steps, both ends included [–]."""
    extra = max((commute_min - REFERENCE_COMMUTE_MIN) / 60.0, -(end - start - STEP_H))
    t0 = start - extra
    length = end - t0
    base = start_term(t0) + PRESSURE_OFFSET
    ca, cp = CIRCADIAN
    w = math.pi / 12.0
    steps = math.floor(length / STEP_H + 1e-6) + 1
    total = 0.0
    for k in range(steps):
        tau = k * STEP_H
        p = slope * tau + base + ca * math.cos(w * (t0 + tau - cp))
        total += p_kss8(kss_of_pressure(p))
    return total / steps


def fi_timing_and_job(
    start: float, end: float, commute_min: float, slope: float
) -> tuple[float, float]:
    """(FI timing, FI job) [%]."""
    p_job = duty_p8(start, end, commute_min, slope)
    p_ref = min(duty_p8(start, end, commute_min, REFERENCE_SLOPE), p_job)
    return 100.0 * p_ref, 100.0 * (p_job - p_ref)


# --- cumulative ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Night:
    night: int  #: index of the night the duty belongs to
    h0: float  #: padded start, hours after midnight starting the day before that night
    h1: float  #: padded end, same clock


def _sleep_loss_after(h_end: float) -> float:
    """Sleep lost after a duty ending h_end hours after midnight before its night [C]."""
    cutoff, a0, a1 = BEDTIME
    bed = a0 + a1 * h_end if h_end < cutoff else h_end + 1.0
    lim, flat, c0, c1, c2, c3, c4 = SLEEP_FIT_A
    fit_a = flat if h_end < lim else c0 + c1 / (1.0 + c2 * math.exp(c3 + c4 * (bed - 20.0)))
    cap, per_h = SLEEP_FIT_B
    fit_b = min(cap, cap - per_h * (h_end - lim))
    return min(MAX_LOSS_H, NORMAL_SLEEP_H - (fit_a + fit_b) / 2.0)


def _early_start_loss(h_start: float) -> float:
    lo, zero, a, b = EARLY_START
    if not lo < h_start < zero:
        return 0.0
    x = zero - h_start
    return (a * x + b) * x


def _pressure_of_speed(speed: float) -> float:
    a, b, k = SPEED_FIT
    return max(1.0, math.log((a - speed / SPEED_SCALE) / b) / k)


def fi_cumulative(starts: list[float], ends: list[float]) -> list[float]:
    """FI cumulative component per duty [%]; times on the roster clock [h] (day 1 at 0) [C]."""
    n = len(starts)
    if n == 0:
        return []
    pad = 0.5
    duties: list[_Night] = []
    for s, e in zip(starts, ends, strict=True):
        p0 = s - pad
        day = math.floor(p0 / 24.0) + 1
        clock = p0 - 24.0 * (day - 1)
        night = day if clock < NIGHT_SPLIT_H else day + 1
        h0 = p0 - 24.0 * (night - 2)
        duties.append(_Night(night, h0, h0 + (e - s) + 2 * pad))
    gaps = [starts[i + 1] - ends[i] - 2 * pad for i in range(n - 1)] + [24.0]
    # sleep lost on each night: the duty's own night, plus what a duty of the night before
    # spills into it; several duties on one night count with their largest loss [C; P]
    own: dict[int, float] = {}
    spill: dict[int, float] = {}
    for d, gap in zip(duties, gaps, strict=True):
        after = max(_sleep_loss_after(d.h1), MIN_REST_H - gap)
        if EVENING_START[0] <= d.h0 <= EVENING_START[1]:
            mine = after
        else:
            mine = min(_early_start_loss(d.h0), after)
        nxt = max(_sleep_loss_after(d.h1 - 24.0), MIN_REST_H - gap)
        own[d.night] = max(own.get(d.night, 0.0), mine)
        spill[d.night + 1] = max(spill.get(d.night + 1, 0.0), nxt)
    speed = {0: RESERVOIR_START}
    for k in range(1, duties[-1].night + 1):
        total = min(MAX_LOSS_H, own.get(k, 0.0) + (spill.get(k, 0.0) if k > 1 else 0.0))
        target = RESERVOIR_FULL - LOSS_TO_SPEED * total
        prev = speed[k - 1]
        rate = RATE_FALL if prev > target else RATE_RISE
        speed[k] = target + (prev - target) * math.exp(-rate)
    out: list[float] = []
    lo, hi, mid = BLEND_WINDOW
    for i, d in enumerate(duties):
        if i == 0:
            before = after_night = RESERVOIR_FULL
        else:
            before, after_night = speed[d.night - 1], speed[d.night]
        if lo < d.h0 < hi:
            blend = 0.5 * (1.0 + math.sin(math.pi * (d.h0 - mid) / 12.0))
            reading = before + (after_night - before) * blend
        else:
            reading = before
        reading *= SPEED_SCALE / RESERVOIR_FULL
        if i > 0:
            g0, g1 = SHORT_GAP
            x = min(1.0, max(0.0, (gaps[i - 1] - g0) / (g1 - g0)))
            reading = x * reading + (1.0 - x) * after_night
        out.append(100.0 * CUM_SHARE * p_kss8(kss_of_pressure(_pressure_of_speed(reading))))
    return out
