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
* A = S + C + U (+ W);  KSS = 10.6 − 0.6·A, clipped to 1..9.  S0 = 7.96 at the start of the warm-up.

The TPM needs sleep times; rosters only give work times: the declared roster → sleep rule is in
:mod:`kilnguard.domain.fatigue.rosters`.

Peak KSS of a duty is the maximum over its start, its end and every quarter hour of the local
clock in between (issue 13 point 6: the former three points read nights 0.09–0.13 low). Sleep
inertia W is part of the TPM but is left out of the duty's peak: it is not monotone in rest. In the
source's own numbers a worker who slept until 1 h before the duty starts it with
W = −5.72·e^(−1.51) = −1.26 (KSS +0.76), one whose sleep was cut an hour shorter with
W(2 h) = −0.28 (KSS +0.17): with W, less sleep would lower the start-of-duty KSS by 0.59
(issue 13 point 3 asks that less rest never lowers KSS). Without W the peak is the homeostatic and
circadian sleepiness, which less rest can only raise.

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

import itertools
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


def kss_peak_grid(
    p: TPMParams,
    cu_ext: FloatArray,
    start: FloatArray,
    end: FloatArray,
    t_w: FloatArray,
    s_la: FloatArray,
) -> FloatArray:
    """Peak KSS of duties over the quarter hours of the local clock that cover them: the
    quarter hour at or before the start, every one inside, and the one at or after the end.
    Sleep inertia is left out (see module doc).

    Sampling the covering quarter hours rather than the duty's own start and end keeps the peak
    monotone in the duty (issue 13 point 3): a duty one minute longer covers every sample of
    the shorter one. Sampled at its own end instead, a duty 100.58 h → 100.60 h in a circadian
    rise lost its highest sample (KSS 7.183270 → 7.183265), found by the Hypothesis property.

    ``s_la`` is S − la at ``t_w`` (the end of the last sleep or nap). On the quarter-hour grid
    A − la = x0·q^j + CU_j with q = e^(d/4): for duties of one pattern (the same first quarter
    hour of the day and number of grid points) the minimum over j is the lower envelope of lines
    in x0, and only the few lines on that envelope are evaluated (exact: the others are never
    the minimum for any x0 ≥ 0). The sample set of a longer duty contains the shorter one's, so
    a longer duty never has a lower peak.
    """
    q = math.exp(p.d * 0.25)
    lo_q = np.floor(start * 4.0)
    hi_q = np.ceil(end * 4.0)
    a_min = _alertness_at(p, cu_ext, lo_q / 4.0, t_w, s_la)
    np.minimum(a_min, _alertness_at(p, cu_ext, hi_q / 4.0, t_w, s_la), out=a_min)
    n_pts = (hi_q - 1.0 - lo_q).astype(np.int64)  # quarter hours strictly between the two
    inside = np.flatnonzero(n_pts > 0)
    if len(inside):
        g0 = (lo_q[inside] + 1.0) / 4.0
        x0 = np.subtract(g0, t_w[inside])
        x0 *= p.d
        np.exp(x0, out=x0)
        x0 *= s_la[inside]
        step = _TOD_STEPS // 4
        quarter = (g0 - 24.0 * np.floor(g0 / 24.0)) * 4.0  # quarter hour of the day, 0..95
        idx0 = quarter.astype(np.int64) * step
        n_in = n_pts[inside]
        key = quarter.astype(np.int64) * (int(n_in.max()) + 1) + n_in
        order = (
            np.argsort(key.astype(np.uint16), kind="stable")  # one radix pass
            if int(key.max()) < (1 << 16)
            else np.argsort(key, kind="stable")
        )
        ks = key[order]
        bounds = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1], True])
        x_hi = float(x0.max()) if len(x0) else 0.0
        best = np.empty(len(inside))
        for a, b in itertools.pairwise(bounds.tolist()):
            rows = order[a:b]
            i0, n_j = int(idx0[rows[0]]), int(n_in[rows[0]])
            c = cu_ext[i0 : i0 + step * n_j : step]
            m = q ** np.arange(n_j, dtype=np.float64)
            lines = _lower_envelope(m, c, x_hi)
            xr = x0[rows]
            vals = xr * m[lines[0]] + c[lines[0]]
            for ln in lines[1:]:
                np.minimum(vals, xr * m[ln] + c[ln], out=vals)
            best[rows] = vals
        np.minimum(a_min[inside], best, out=best)
        a_min[inside] = best
    a_min += p.la
    a_min *= p.kss_slope
    a_min += p.kss_intercept
    return np.clip(a_min, 1.0, 9.0)


def _lower_envelope(m: FloatArray, c: FloatArray, x_hi: float) -> list[int]:
    """Indices of the lines c_j + m_j·x (slopes m decreasing in j) that are the minimum somewhere
    on [0, x_hi] (the convex-hull trick)."""
    hull: list[int] = []
    for j in range(len(m)):
        while hull:
            k = hull[-1]
            if c[j] <= c[k]:  # smaller slope and no higher at 0: k is never below j on x ≥ 0
                hull.pop()
                continue
            if len(hull) >= 2:
                i = hull[-2]
                # k is useless if j overtakes i before k does
                if (c[j] - c[i]) * (m[i] - m[k]) <= (c[k] - c[i]) * (m[i] - m[j]):
                    hull.pop()
                    continue
            break
        hull.append(j)
    out = [hull[0]]
    for j in hull[1:]:
        k = out[-1]
        if (c[j] - c[k]) / (m[k] - m[j]) > x_hi:  # j only wins beyond the largest x
            break
        out.append(j)
    return out


def _alertness_at(
    p: TPMParams, cu_ext: FloatArray, t: FloatArray, t_w: FloatArray, s_la: FloatArray
) -> FloatArray:
    """S − la + C + U at times ``t``: C + U from the table where ``t`` is on its grid, else the
    formula (the table holds the formula's own values there)."""
    tod = t - 24.0 * np.floor(t / 24.0)
    q = tod * float(_TOD_STEPS)  # exact (power of two)
    qi = q.astype(np.int64)
    hit = qi == q
    cu = np.take(cu_ext, qi, mode="clip")
    if not hit.all():
        miss = ~hit
        cu[miss] = _circadian_sum(tod[miss], p)
    out = np.subtract(t, t_w)
    out *= p.d
    np.exp(out, out=out)
    out *= s_la
    out += cu
    return out


def cu_extended(p: TPMParams, hours: float) -> FloatArray:
    """C + U on the 1/_TOD_STEPS-h grid of one day, repeated to cover 24 h + ``hours``."""
    day = _circadian_sum(np.arange(24 * _TOD_STEPS) / float(_TOD_STEPS), p)
    reps = 2 + math.ceil(max(hours, 0.0) / 24.0)
    return np.tile(day, reps)


# --------------------------------------------------------------------------- scalar reference


def _s_asleep_scalar(s_onset: float, t_h: float, p: TPMParams) -> float:
    rate = p.g * (p.bl - p.ha)
    t_b = max(0.0, (p.bl - s_onset) / rate)
    if t_h <= t_b:
        return s_onset + t_h * rate
    return p.ha - (p.ha - max(s_onset, p.bl)) * math.exp(p.g * (t_h - t_b))
