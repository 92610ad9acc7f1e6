"""Shift-pattern relative risk: Folkard & Tucker tables, extended by the HSE FRI cumulative rule,
and the HSE FRI shift-length curve.

* Folkard & Tucker (2003) relative risk [R]: shift length 8/10/12 h = 1.00/1.13/1.27; successive
  nights 1..4 = 1.00/1.06/1.17/1.36; successive day shifts 1..4 = 1.00/1.02/1.07/1.17.
* Beyond the 4th shift the tables are continued as the HSE FRI cumulative component does
  (RR446, calculator v2.x; ../shared/design/FRI.md [D]): with 9–24 h between duties each duty
  adds u = 0.0886 + 0.0359·cos(π·mid/12) to the raw cumulative risk (mid = the duty's midpoint).
  For the reference 8-h night (22:00–06:00, mid 02:00) u = 0.1197 and for the reference 8-h day
  (08:00–16:00, mid 12:00) u = 0.0527: the FRI itself gives the 4th night 1.36 and the 4th day
  1.16 (F&T's figures) and the 7th night 1.72. kilnguard adds u per shift beyond the 4th to the
  tabulated 4th value (no upper bound: the FRI has none while no 24-h rest intervenes).
* HSE Fatigue and Risk Index shift-length curve (Spencer, Robertson & Folkard 2006, RR446,
  calculator v2.x) [D; V computed, SOURCES.md §3.2]: RR = 1.0359 − 0.8012·e^(−0.7315·L) below
  4.25 h (0.850 at 2 h, 0.947 at 3 h), 1 for 4.25 ≤ L ≤ 8.13 h, else 0.5713 + 0.1501·e^(0.129·L)
  (10 h 1.12, 12 h 1.28, 14 h 1.49, 16 h 1.75). Limits:
  - the lower branch reaches 1.0001 at 4.25 h; kilnguard takes min(1, ·) there (continuous);
  - the curve's upper branch starts at 0.99976 (just above 8.13 h); kilnguard takes
    max(1, RR) so that a longer shift never scores lower (issue 13 point 3, "the worse of two");
  - the calculator takes duties of at most 24 h (one start and one end clock time), so the curve
    is bounded at its 24-h value, RR(24) = 3.89; longer duties keep that value and are flagged
    (``BREACH_OVER_24H``), not extrapolated (the curve would give 16× at 36 h).

References
----------
* Folkard, S., Tucker, P. (2003). Shift work, safety and productivity. Occup Med 53:95–101,
  doi:10.1093/occmed/kqg047.
* Spencer, M. B., Robertson, K. A., Folkard, S. (2006). The development of a fatigue/risk index for
  shiftworkers. HSE Research Report RR446.
"""

from __future__ import annotations

import numpy as np

from kilnguard.domain.fatigue._types import FloatArray, IntArray

#: Longest duty the FRI calculator scores [h]; RR(L) is held at its value there.
MAX_DUTY_H = 24.0
#: FRI cumulative increment per successive duty beyond the 4th [D]: reference night, day.
FRI_NIGHT_INCREMENT = 0.0886 + 0.0359 * float(np.cos(np.pi * 2.0 / 12.0))
FRI_DAY_INCREMENT = 0.0886 + 0.0359 * float(np.cos(np.pi * 12.0 / 12.0))


def fri_shift_length_rr(length_h: FloatArray | float) -> FloatArray:
    """HSE FRI shift-length relative risk: min(1, 1.0359 − 0.8012·e^(−0.7315 L)) below 4.25 h
    (0.850 at 2 h, 0.947 at 3 h), 1 up to 8.13 h, then max(1, 0.5713 + 0.1501·e^(0.129 L)), held
    at its 24-h value beyond 24 h. The min and max take out the curve's two steps down (1.0001 at
    4.25 h, 0.99976 just above 8.13 h), so a longer duty never scores lower."""
    length = np.minimum(np.asarray(length_h, dtype=np.float64), MAX_DUTY_H)
    high = np.maximum(0.5713 + 0.1501 * np.exp(0.129 * length), 1.0)
    low = np.minimum(1.0359 - 0.8012 * np.exp(-0.7315 * length), 1.0)
    out = np.where(length <= 8.13, 1.0, high)
    return np.asarray(np.where(length < 4.25, low, out), dtype=np.float64)


def folkard_tucker_shift_length_rr(length_h: float) -> float:
    """Folkard & Tucker (2003) tabulated shift-length risk, linear between 8, 10 and 12 h [R]."""
    xs, ys = (8.0, 10.0, 12.0), (1.00, 1.13, 1.27)
    return float(np.interp(length_h, xs, ys))


def successive_rr(
    count: IntArray | int, table: tuple[float, ...], increment: float = 0.0
) -> FloatArray:
    """Relative risk of the n-th successive shift (n ≥ 1): the table, then ``increment`` per
    shift beyond its last entry (the FRI cumulative rule; 0 holds the last value)."""
    n = np.asarray(count)
    last = len(table) - 1
    idx = np.clip(n - 1, 0, last)
    beyond = np.maximum(n - 1 - last, 0)
    return np.asarray(
        np.asarray(table, dtype=np.float64)[idx] + beyond * increment, dtype=np.float64
    )
