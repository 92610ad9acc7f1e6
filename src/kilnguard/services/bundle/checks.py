"""Rules on whole columns: the big sheets (shifts, production) are screened with numpy so the
domain validators run only on rows that may break them, and the shift overlap rule of
`services.records.production` (two shifts of one worker never overlap, within the bundle or
with stored shifts; touching ends do not overlap) is checked on sorted arrays."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kilnguard.domain import plant as rules
from kilnguard.domain.validation import PLAUSIBLE_FIRST_DAY, PLAUSIBLE_LAST_DAY

_FIRST, _LAST = PLAUSIBLE_FIRST_DAY.isoformat(), PLAUSIBLE_LAST_DAY.isoformat()


def _floats(values: Sequence[Any]) -> np.ndarray:
    try:
        return np.array(values, dtype=float)  # None → NaN
    except (TypeError, ValueError):
        return np.array([v if isinstance(v, int | float) else np.nan for v in values], dtype=float)


def _days_out(values: Sequence[Any]) -> np.ndarray:
    """Dates (or times, as canonical text) outside the plausible window."""
    if not len(values):
        return np.zeros(0, bool)
    arr = np.array([v if isinstance(v, str) else _FIRST for v in values], dtype="U10")
    out: np.ndarray = (arr < _FIRST) | (arr > _LAST)
    return out


def suspects(sheet: str, values: dict[str, list[Any]], n: int) -> list[int] | None:
    """Rows of a big sheet that may break a domain rule (the validator decides); None: check
    every row (small sheets)."""
    if sheet == "production":
        out = _floats(values["output_t"])
        hours = _floats(values["hours_fired"])
        shift = _floats(values["shift_no"])
        bad = (
            ~np.isfinite(out)
            | (out < 0)
            | ~np.isfinite(hours)
            | (hours < 0)
            | (hours > rules.MAX_SHIFT_H)
            | ~((shift >= 1) & (shift <= 4))
            | _days_out(values["day"])
        )
        return [int(i) for i in np.flatnonzero(bad)]
    if sheet == "shifts":
        start = _times(values["start_at"])
        end = _times(values["end_at"])
        limit = np.timedelta64(int(rules.MAX_SHIFT_H * 3600), "s")
        place = np.fromiter(
            (
                k is None and s is None
                for k, s in zip(values["kiln_id"], values["section_id"], strict=True)
            ),
            bool,
            n,
        )
        bad = (
            (end <= start)
            | (end - start > limit)
            | place
            | _days_out(values["start_at"])
            | _days_out(values["end_at"])
        )
        return [int(i) for i in np.flatnonzero(bad)]
    return None


def _times(values: Sequence[Any]) -> np.ndarray:
    """Canonical time texts as datetime64[us] (NaT for a bad cell)."""
    try:
        return np.array(values, dtype="datetime64[us]")
    except (TypeError, ValueError):
        texts = [v if isinstance(v, str) else "NaT" for v in values]
        return np.array(texts, dtype="datetime64[us]")


@dataclass(frozen=True)
class Overlap:
    index: int  # the bundle row (0-based) that overlaps
    other_index: int | None  # another bundle row, or None for a stored shift
    other_id: int | None  # the stored shift's id
    other_start: str
    other_end: str


def shift_overlaps(
    workers: Sequence[Any],
    starts: Sequence[Any],
    ends: Sequence[Any],
    stored: Sequence[tuple[int, int, str, str]],
) -> list[Overlap]:
    """Bundle shifts that overlap another shift of the same worker, in the bundle or among
    `stored` (id, worker id, start, end, canonical texts). Rows with a bad value are skipped."""
    ok = [
        i
        for i, (w, s, e) in enumerate(zip(workers, starts, ends, strict=True))
        if isinstance(w, int) and isinstance(s, str) and isinstance(e, str)
    ]
    n_new = len(ok)
    w = np.array([workers[i] for i in ok] + [r[1] for r in stored], dtype=np.int64)
    s_txt = [starts[i] for i in ok] + [r[2] for r in stored]
    e_txt = [ends[i] for i in ok] + [r[3] for r in stored]
    if len(w) < 2:
        return []
    s = np.array(s_txt, dtype="datetime64[us]").astype(np.int64)
    e = np.array(e_txt, dtype="datetime64[us]").astype(np.int64)
    order = np.lexsort((s, w))
    w, s, e = w[order], s[order], e[order]
    bounds = np.flatnonzero(np.diff(w)) + 1
    first = np.zeros(len(w), bool)
    first[0] = True
    first[bounds] = True
    latest = np.empty_like(e)
    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(w)], strict=True):
        latest[lo:hi] = np.maximum.accumulate(e[lo:hi])
    prev_latest = np.roll(latest, 1)
    clash = ~first & (s < prev_latest)
    out: list[Overlap] = []
    for j in np.flatnonzero(clash):
        # the earlier interval still running: the first one of the group ending at prev_latest
        lo = int(np.searchsorted(w, w[j], "left"))
        k = lo + int(np.flatnonzero(e[lo:j] == prev_latest[j])[0])
        a, b = int(order[j]), int(order[k])
        if a >= n_new and b >= n_new:
            continue  # two stored shifts: not this bundle's doing
        mine, other = (a, b) if a < n_new else (b, a)
        out.append(
            Overlap(
                index=ok[mine],
                other_index=ok[other] if other < n_new else None,
                other_id=stored[other - n_new][0] if other >= n_new else None,
                other_start=s_txt[other],
                other_end=e_txt[other],
            )
        )
    return out
