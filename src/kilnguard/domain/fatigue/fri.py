"""Shift-pattern relative risk: Folkard & Tucker tables and the HSE FRI shift-length curve.

This is the shift-pattern risk as kilnguard implements it today: the FRI's shift-length curve
only. The full HSE Fatigue and Risk Index of RR446 (a Risk Index and a Fatigue Index per duty) is
not implemented yet; a later issue replaces this module's model.

* Folkard & Tucker (2003) relative risk [R]: shift length 8/10/12 h = 1.00/1.13/1.27; successive
  nights 1..4 = 1.00/1.06/1.17/1.36; successive day shifts 1..4 = 1.00/1.02/1.07/1.17.
  The source stops at 4, so kilnguard holds the 4th value beyond (no extrapolation).
* HSE Fatigue and Risk Index shift-length curve (Spencer, Robertson & Folkard 2006, RR446,
  calculator v2.3) [V computed, SOURCES.md §3.2]: RR = 1 for L ≤ 8.13 h,
  else 0.5713 + 0.1501·e^(0.129·L)
  (10 h 1.12, 12 h 1.28, 14 h 1.49, 16 h 1.75). Used as the continuous form of the F&T row.

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
