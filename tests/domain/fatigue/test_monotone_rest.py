"""Issue 13 point 3: adding work or removing rest never lowers a worker's KSS, shift risk or the
kiln level — on general rosters (nights, evenings, splits, 24 h+ duties, any start minute), for
the vectorised engine and the reference loops; plus the two counterexamples found by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kilnguard.domain.fatigue import ShiftTable, shift_fatigue, shift_fatigue_reference
from kilnguard.domain.risk import (
    KilnSpec,
    ProductionRecord,
    Records,
    ShiftRecord,
    assess,
    assess_reference,
    build_inputs,
)
from tests.domain.test_risk import D0, day

MIN = 1 / 60.0
N_DAYS = 12
SETTINGS = settings(max_examples=70, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Duty = tuple[int, int]  # (start, end) in minutes from local midnight of day 0


@dataclass(frozen=True)
class Case:
    """Rosters (per worker) and the same rosters with more work for one worker."""

    rosters: tuple[tuple[Duty, ...], ...]
    more: tuple[tuple[Duty, ...], ...]
    mapping: tuple[int, ...]  # index in `more` of each duty of the changed worker
    worker: int
    load: float


@st.composite
def duties(draw: st.DrawFn) -> tuple[Duty, ...]:
    """A roster: duties of 1 min to 36 h at any minute, gaps of 0 min to 3 days."""
    t = draw(st.integers(-5 * 1440, -1 * 1440))
    out: list[Duty] = []
    while t < N_DAYS * 1440 and len(out) < 16:
        length = draw(st.one_of(st.integers(60, 14 * 60), st.integers(1, 36 * 60)))
        out.append((t, t + length))
        t += length + draw(st.one_of(st.integers(0, 20 * 60), st.integers(0, 3 * 1440)))
    return tuple(out)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    rosters = tuple(draw(duties()) for _ in range(draw(st.integers(1, 3))))
    w = draw(st.integers(0, len(rosters) - 1))
    mine = list(rosters[w])
    kind = draw(st.sampled_from(["later end", "earlier start", "extra duty"]))
    i = draw(st.integers(0, len(mine) - 1))
    mapping = list(range(len(mine)))
    if kind == "later end":
        room = (mine[i + 1][0] if i + 1 < len(mine) else mine[i][1] + 2 * 1440) - mine[i][1]
        mine[i] = (mine[i][0], mine[i][1] + draw(st.integers(0, room)))
    elif kind == "earlier start":
        floor = mine[i - 1][1] if i else -6 * 1440
        mine[i] = (mine[i][0] - draw(st.integers(0, mine[i][0] - floor)), mine[i][1])
    else:
        gap_end = mine[i + 1][0] if i + 1 < len(mine) else mine[i][1] + 3 * 1440
        a = draw(st.integers(mine[i][1], gap_end))
        b = draw(st.integers(a, gap_end))
        if b > a:
            mine.insert(i + 1, (a, b))
            mapping = [j if j <= i else j + 1 for j in mapping]
    more = tuple(tuple(mine) if j == w else r for j, r in enumerate(rosters))
    load = draw(st.sampled_from([0.0, 1.0, 1.3, 1.55]))
    return Case(rosters, more, tuple(mapping), w, load)


def table(rosters: tuple[tuple[Duty, ...], ...]) -> ShiftTable:
    rows = [(w, a * MIN, b * MIN) for w, r in enumerate(rosters) for a, b in r]
    return ShiftTable(
        np.array([r[0] for r in rows], dtype=np.int64),
        np.array([r[1] for r in rows]),
        np.array([r[2] for r in rows]),
        horizon_start_h=-24.0 * 14,
    )


def records(rosters: tuple[tuple[Duty, ...], ...], load: float) -> Records:
    origin = datetime(D0.year, D0.month, D0.day, tzinfo=UTC)
    shifts = [
        ShiftRecord(
            f"w{w}", f"c{w % 2}", "K1", origin + timedelta(minutes=a), origin + timedelta(minutes=b)
        )
        for w, r in enumerate(rosters)
        for a, b in r
    ]
    prod = [ProductionRecord("K1", day(i), load, 24.0 if load else 0.0) for i in range(-7, N_DAYS)]
    kiln = KilnSpec("K1", "kiln K1", "periodic", "E", 1.0, 1000.0, 1000.0)
    return Records([kiln], prod, shifts=shifts)


def _rows_of(rosters: tuple[tuple[Duty, ...], ...], worker: int) -> list[int]:
    before = sum(len(r) for r in rosters[:worker])
    return list(range(before, before + len(rosters[worker])))


@SETTINGS
@given(cases())
def test_more_work_never_lowers_a_duty_kss_or_shift_risk(case: Case) -> None:
    base_t, more_t = table(case.rosters), table(case.more)
    base_rows = _rows_of(case.rosters, case.worker)
    more_rows = _rows_of(case.more, case.worker)
    pairs = [(base_rows[i], more_rows[j]) for i, j in enumerate(case.mapping)]
    vec_a, vec_b = shift_fatigue(base_t), shift_fatigue(more_t)
    ref_a, ref_b = shift_fatigue_reference(base_t), shift_fatigue_reference(more_t)
    for a, b in pairs:
        assert vec_b.kss_peak[b] >= vec_a.kss_peak[a] - 1e-9
        assert vec_b.rr_shift[b] >= vec_a.rr_shift[a] - 1e-12
        assert ref_b[b]["kss_peak"] >= ref_a[a]["kss_peak"] - 1e-9
        assert ref_b[b]["rr_shift"] >= ref_a[a]["rr_shift"] - 1e-12
    for i, r in enumerate(ref_b):  # the loops agree with the vectorised pass
        assert vec_b.kss_peak[i] == pytest.approx(r["kss_peak"], abs=1e-9)
        assert vec_b.rr_shift[i] == pytest.approx(r["rr_shift"], rel=1e-12)


@SETTINGS
@given(cases())
def test_more_work_never_lowers_the_kiln_level(case: Case) -> None:
    last = day(N_DAYS - 1)
    base = build_inputs(records(case.rosters, case.load), D0, last)
    more = build_inputs(records(case.more, case.load), D0, last)
    lv_a, lv_b = assess(base).levels, assess(more).levels
    assert (lv_b >= lv_a).all()
    ref_a, ref_b = assess_reference(base).levels, assess_reference(more).levels
    assert ref_a == lv_a.tolist()
    assert ref_b == lv_b.tolist()


# ---------------------------------------------------------------- the hand-found counterexamples


def _day_shifts(start_h: list[float], end_h: list[float]) -> ShiftTable:
    return ShiftTable(np.zeros(len(start_h), dtype=np.int64), np.array(start_h), np.array(end_h))


def test_a_day_shift_started_at_03_00_does_not_restart_the_run_of_days() -> None:
    """7 day shifts 07–15; day 3 from 03:00 (4 h more work) becomes a night but days 4–5 keep
    their place in the run (formerly they dropped from amber to green)."""
    starts = [24.0 * i + 7 for i in range(7)]
    ends = [24.0 * i + 15 for i in range(7)]
    base = shift_fatigue(_day_shifts(starts, ends))
    starts[2] = 48.0 + 3.0
    more = shift_fatigue(_day_shifts(starts, ends))
    assert bool(more.is_night[2]) and not bool(base.is_night[2])
    assert more.consecutive_shifts.tolist() == base.consecutive_shifts.tolist()
    assert (more.rr_shift >= base.rr_shift).all()
    assert (more.kss_peak >= base.kss_peak - 1e-9).all()
    for i in (3, 4):
        assert more.rr_successive[i] == base.rr_successive[i] > 1.0


def test_finishing_at_03_00_is_not_rewarded_over_02_30() -> None:
    """6 shifts 15:00–02:30 vs 15:00–03:00: the later finisher never scores lower (the former
    rule gave the 02:30 finisher 3.5 h of sleep and the 03:00 finisher 7 h)."""
    early = shift_fatigue(
        _day_shifts([24.0 * i + 15 for i in range(6)], [24.0 * i + 26.5 for i in range(6)])
    )
    late = shift_fatigue(
        _day_shifts([24.0 * i + 15 for i in range(6)], [24.0 * i + 27.0 for i in range(6)])
    )
    assert (late.kss_peak >= early.kss_peak - 1e-9).all()
    assert (late.rr_shift >= early.rr_shift).all()
