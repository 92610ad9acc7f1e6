"""Local time of shift instants: each kiln's IANA zone at each instant (DST and historical
offsets included), vectorised over µs-since-epoch arrays for the risk engine's builder."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from numpy.typing import NDArray

from kilnguard.domain.errors import ValidationError

IntArray = NDArray[np.int64]


def offsets_us(utc_us: IntArray, kiln: IntArray, zones: Sequence[str], fixed: int) -> IntArray:
    """UTC offset [µs] at each instant of the kiln ``kiln`` (−1: unlisted, offset 0)."""
    out = np.full(len(utc_us), fixed, dtype=np.int64)
    out[kiln < 0] = 0
    for zone in sorted(set(zones) - {""}):
        codes = np.array([i for i, z in enumerate(zones) if z == zone], dtype=np.int64)
        sel = np.flatnonzero(np.isin(kiln, codes))
        if len(sel):
            out[sel] = zone_offsets_us(zone, utc_us[sel])
    return out


def zone_offsets_us(zone: str, utc_us: IntArray) -> IntArray:
    """UTC offset [µs] of the IANA ``zone`` at each instant (µs since the epoch, UTC).

    The zone's transitions in the range are found by stepping through it a day at a time and
    bisecting each change to the second (zones change offset at most once a day), so every
    instant gets ``zoneinfo``'s own offset at that instant, DST and historical changes included
    (e.g. Asia/Pyongyang +08:30 from 2015-08-15 to 2018-05-04).
    """
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError("timezone", zone, "an IANA zone name, e.g. Asia/Pyongyang") from exc
    if not len(utc_us):
        return np.zeros(0, dtype=np.int64)

    def off(sec: int) -> int:
        delta = datetime.fromtimestamp(sec, tz).utcoffset() or timedelta(0)
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds

    lo = int(utc_us.min()) // 1_000_000 - 86_400
    hi = int(utc_us.max()) // 1_000_000 + 86_400
    at = [lo]
    values = [off(lo)]
    t = lo
    while t < hi:
        nxt = min(t + 86_400, hi)
        v = off(nxt)
        if v != values[-1]:
            a, b = t, nxt  # off(a) = values[-1], off(b) = v: the change is in (a, b]
            while b - a > 1:
                mid = (a + b) // 2
                if off(mid) == values[-1]:
                    a = mid
                else:
                    b = mid
            at.append(b)
            values.append(v)
        t = nxt
    idx = np.searchsorted(np.asarray(at, dtype=np.int64) * 1_000_000, utc_us, side="right") - 1
    return np.asarray(values, dtype=np.int64)[idx]
