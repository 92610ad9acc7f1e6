"""Job type and breaks component of the FRI: the FI's time-on-duty slope and the RI's break series.

Structure [D: FRI.md; V: rr446g §2, "a job type / breaks component … the activity being
undertaken and the provision of breaks during the shift"]. The four break inputs are reduced to
one typical work spell and one typical break, the means of the two pairs the calculator asks for:

    spell = (break_every + longest_work)/2,  brk = (break_min + break_after_longest)/2   [min]

**Risk** [D structure, C constants]: relative risk in 15-min steps rises during work toward an
asymptote, r ← A + (r − A)·e^(−k·0.25 h), and at each break falls back toward 1,
r ← 1 + (r − 1)·β(brk), with β logistic in the break length (centre 13.3 min). The duty-mean of
the series, normalised, plus (workload + attention − 3)·0.0232 [D], is the RI job component.

**Fatigue** [C]: the job inputs set the slope f of KSS-scale sleep pressure per hour on duty
(see :mod:`.fatigue`): f = break term(spell, brk) + (0.125 + 0.015·(w + a))·1.2·spell/(spell + brk).
The reference slope without job effects is 0.14 /h [C]; the FI job component is the part of the
duty's KSS ≥ 8 probability due to f exceeding the reference.
"""

from __future__ import annotations

import math
from typing import Final

STEP_H: Final = 0.25  #: series step [h] [D: FRI.md "15-min steps"]

# --- risk: the break series -------------------------------------------------------------------
RISE_ASYMPTOTE: Final = 1.826297414  #: relative risk approached in continuous work [C] open
RISE_RATE_PER_H: Final = 1.146457295  #: rate of approach [1/h] [C] open
BREAK_CENTRE_MIN: Final = 13.3  #: break length of half recovery [min] [D "centred near 13 min"; C]
BREAK_SLOPE_PER_MIN: Final = 0.395  #: logistic slope of recovery in break length [1/min] [C] open
BREAK_SCALE: Final = 0.24 / 0.2388  #: recovery factor scale [C] open
SERIES_NORM: Final = 1.4858  #: series mean of the reference pattern [C] open
DEMAND_STEP: Final = 0.0232  #: RI per point of workload + attention above 3 [D]
DEMAND_NEUTRAL: Final = 3  #: workload + attention with no demand effect [D]
RI_JOB_NORM: Final = 1.032 * 1.0286182  #: output scaling to RI job [C] open

# --- fatigue: time-on-duty slope ---------------------------------------------------------------
REFERENCE_SLOPE: Final = 0.14  #: sleep-pressure slope with no job/break effect [1/h] [C] open
WORKLOAD_BASE: Final = 0.125  #: [1/h] [C] open
WORKLOAD_STEP: Final = 0.015  #: per point of workload + attention [1/h] [C] open
WORKLOAD_GAIN: Final = 1.2  #: [C] open
#: Break term at break lengths 0, 5, 15, 30 and ≥ 60 min, linear in between [C] open; the 15- and
#: 30-min anchors depend on the work spell s [min].
BREAK_AT_0: Final = 0.174
BREAK_AT_5: Final = 0.172731235 - 0.200918653 * 0.04 + 0.03552264 * 0.04 * 0.04
BREAK_15_PER_MIN: Final = 0.000442
BREAK_30_POLY: Final = (0.000206, -0.0000138433, 0.00000096491)


def typical_spell_and_break(
    break_every_min: float, break_min: float, longest_work_min: float, after_longest_min: float
) -> tuple[float, float]:
    """(work spell, break) [min]: the means of the two spell and the two break inputs [C]."""
    return (break_every_min + longest_work_min) / 2.0, (break_min + after_longest_min) / 2.0


def fatigue_slope(workload: int, attention: int, spell_min: float, break_min: float) -> float:
    """Time-on-duty slope f [1/h] of the FI's KSS model for this job and break pattern [C]."""
    work_share = spell_min / (spell_min + break_min)
    demand = (WORKLOAD_BASE + WORKLOAD_STEP * (workload + attention)) * WORKLOAD_GAIN * work_share
    at15 = BREAK_15_PER_MIN * spell_min
    c0, c1, c2 = BREAK_30_POLY
    at30 = c0 + c1 * spell_min + c2 * spell_min * spell_min
    b = break_min
    if b < 5.0:
        term = BREAK_AT_0 + (BREAK_AT_5 - BREAK_AT_0) * b / 5.0
    elif b < 15.0:
        term = BREAK_AT_5 + (at15 - BREAK_AT_5) * (b - 5.0) / 10.0
    elif b < 30.0:
        term = at15 + (at30 - at15) * (b - 15.0) / 15.0
    elif b < 60.0:
        term = at30 * (60.0 - b) / 30.0
    else:
        term = 0.0
    return term + demand


def break_recovery(break_min: float) -> float:
    """β: the share of excess risk (r − 1) left after a break of ``break_min`` minutes [C]."""
    z = math.exp(-BREAK_SLOPE_PER_MIN * (break_min - BREAK_CENTRE_MIN))
    return BREAK_SCALE * z / (1.0 + z)


def risk_series_mean(duty_h: float, spell_min: float, break_min: float) -> float:
    """Mean relative risk of the break series over a duty [–] [D structure, C constants].

    Steps of 15 min; a cycle is one break step followed by round(spell/15) work steps, starting
    with a break step at r = 1; the number of cycles covers the duty (rounded up).
    """
    work_steps = max(1, round(spell_min / 15.0))
    cycles = 1 + math.floor(duty_h * 60.0 / (spell_min + break_min) - 0.01)
    beta = break_recovery(break_min)
    decay = math.exp(-RISE_RATE_PER_H * STEP_H)
    r, total, n = 1.0, 0.0, cycles * work_steps + 1
    for k in range(n):
        if k % (work_steps + 1) == 0:
            r = 1.0 + (r - 1.0) * beta
        else:
            r = RISE_ASYMPTOTE + (r - RISE_ASYMPTOTE) * decay
        total += r
    return total / n


def ri_job(
    duty_h: float, workload: int, attention: int, spell_min: float, break_min: float
) -> float:
    """RI job type / breaks component [–]."""
    series = risk_series_mean(duty_h, spell_min, break_min) / SERIES_NORM
    return (series + (workload + attention - DEMAND_NEUTRAL) * DEMAND_STEP) / RI_JOB_NORM
