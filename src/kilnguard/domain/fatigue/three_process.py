"""Three-Process Model (TPM) of alertness: homeostatic S, circadian C + U, sleep inertia W, KSS.

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

The TPM needs sleep times; rosters only give work times: the declared roster → sleep rule is in
:mod:`kilnguard.domain.fatigue.rosters`.

Peak KSS of a shift is the maximum over three points: start, middle, end of the shift.

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
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kilnguard.domain.fatigue._types import FloatArray

_TOD_STEPS = 64  # grid of the C + U table [steps per h]


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


def _s_asleep_scalar(s_onset: float, t_h: float, p: TPMParams) -> float:
    rate = p.g * (p.bl - p.ha)
    t_b = max(0.0, (p.bl - s_onset) / rate)
    if t_h <= t_b:
        return s_onset + t_h * rate
    return p.ha - (p.ha - max(s_onset, p.bl)) * math.exp(p.g * (t_h - t_b))
