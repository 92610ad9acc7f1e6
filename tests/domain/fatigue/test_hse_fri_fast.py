"""Issue 13 point 1: the vectorised HSE FRI equals the scalar replica (the reference oracle) duty
by duty, on realistic rosters of several workers (Hypothesis), and reproduces R01."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kilnguard.domain.fatigue.hse_fri import Duty, fri_roster
from kilnguard.domain.fatigue.hse_fri.fast import RosterColumns, fri_columns

ORIGIN = dt.datetime(2024, 1, 1)  # clock 0 h; the engine's clock may start before it (warm-up)
FIELDS = (
    "fi",
    "fi_cumulative",
    "fi_timing",
    "fi_job",
    "ri",
    "ri_cumulative",
    "ri_timing",
    "ri_job",
)


@st.composite
def rosters(draw: st.DrawFn) -> list[list[Duty]]:
    """1–4 workers; duties of 1 min to 24 h at any minute (8/12-h shifts most often), rests of
    0 min to 3 days, any calculator inputs."""
    out: list[list[Duty]] = []
    for _ in range(draw(st.integers(1, 4))):
        t = draw(st.integers(-3 * 1440, 2 * 1440))
        duties: list[Duty] = []
        for _ in range(draw(st.integers(1, 14))):
            length = draw(st.one_of(st.sampled_from([480, 600, 720]), st.integers(1, 24 * 60)))
            start = ORIGIN + dt.timedelta(minutes=t)
            duties.append(
                Duty(
                    start,
                    start + dt.timedelta(minutes=length),
                    commute_min=draw(st.sampled_from([40.0, 0.0, 20.0, 90.0, 120.0, 300.0])),
                    workload=draw(st.integers(0, 3)),
                    attention=draw(st.integers(0, 3)),
                    break_every_min=draw(st.sampled_from([180.0, 60.0, 120.0, 240.0, 600.0])),
                    break_min=draw(st.sampled_from([15.0, 0.0, 5.0, 10.0, 20.0, 45.0, 90.0])),
                    longest_work_min=draw(st.sampled_from([240.0, 90.0, 300.0])),
                    break_after_longest_min=draw(st.sampled_from([30.0, 0.0, 15.0, 60.0])),
                )
            )
            rest = draw(st.one_of(st.integers(8 * 60, 18 * 60), st.integers(0, 3 * 1440)))
            t += length + rest
        out.append(duties)
    return out


def columns(workers: list[list[Duty]]) -> RosterColumns:
    rows = [(w, d) for w, duties in enumerate(workers) for d in duties]

    def hours(x: dt.datetime) -> float:
        return (x - ORIGIN).total_seconds() / 3600.0

    def arr(f: str) -> np.ndarray:
        return np.array([getattr(d, f) for _, d in rows], dtype=np.float64)

    return RosterColumns.with_defaults(
        np.array([w for w, _ in rows], dtype=np.int64),
        np.array([hours(d.start) for _, d in rows]),
        np.array([hours(d.end) for _, d in rows]),
        commute_min=arr("commute_min"),
        workload=arr("workload").astype(np.int64),
        attention=arr("attention").astype(np.int64),
        break_every_min=arr("break_every_min"),
        break_min=arr("break_min"),
        longest_work_min=arr("longest_work_min"),
        break_after_longest_min=arr("break_after_longest_min"),
    )


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rosters())
def test_the_vectorised_fri_equals_the_replica_duty_by_duty(workers: list[list[Duty]]) -> None:
    fast = fri_columns(columns(workers))
    want = [x for duties in workers for x in fri_roster(duties)]
    for f in FIELDS:
        got = getattr(fast, f)
        assert got.tolist() == pytest.approx([getattr(x, f) for x in want], rel=1e-9, abs=1e-9), (
            f,
            [
                [
                    (
                        d.start,
                        d.end,
                        d.commute_min,
                        d.break_every_min,
                        d.break_min,
                        d.longest_work_min,
                        d.break_after_longest_min,
                    )
                    for d in ds
                ]
                for ds in workers
            ],
            [(x.ri_cumulative, x.ri_timing, x.ri_job) for x in want],
            fast.ri_cumulative,
            fast.ri_timing,
            fast.ri_job,
        )


def test_r01_from_the_vectorised_fri() -> None:
    days = (1, 2, 3, 4, 5, 8, 9, 10, 11, 12)
    duties = [
        Duty(
            dt.datetime(2024, 1, d, 6),
            dt.datetime(2024, 1, d, 18),
            commute_min=120.0,
            workload=2,
            attention=1,
        )
        for d in days
    ]
    fast = fri_columns(columns([duties]))
    ri = [0.99, 1.04, 1.09, 1.14, 1.20, 1.02, 1.07, 1.12, 1.17, 1.22]  # the printout (FRI.md)
    assert np.abs(fast.ri - ri).max() < 0.01
    assert np.abs(fast.fi - [5.7, 7.9, 11.5, 15.1, 18.0, 7.3, 10.8, 14.4, 17.5, 19.8]).max() < 0.2
