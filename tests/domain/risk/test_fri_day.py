"""Issue 13 point 1: FI and RI of the HSE FRI replica per worker and crew for one kiln-day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kilnguard.domain.fatigue.hse_fri import Duty, fri_roster
from kilnguard.domain.risk import (
    KilnSpec,
    Records,
    ShiftRecord,
    build_inputs,
    crew_fri,
    fri_of_kiln_day,
)
from tests.domain.test_risk import D0, day

KILN = KilnSpec("K1", "kiln K1", "rotary", "E", 1.0, 1000.0, 1000.0)


def _shift(worker: str, crew: str, i: int, hour: int, length: int) -> ShiftRecord:
    s = datetime(day(i).year, day(i).month, day(i).day, hour, tzinfo=UTC)
    return ShiftRecord(worker, crew, "K1", s, s + timedelta(hours=length))


def test_each_worker_gets_the_calculator_s_figures_for_the_day() -> None:
    days = [i for i in range(-10, 10) if i % 7 not in (5, 6)]
    shifts = [_shift("day-1", "A", i, 6, 12) for i in days]
    shifts += [_shift("night-1", "B", i, 22, 8) for i in range(-3, 10)]
    inputs = build_inputs(Records([KILN], shifts=shifts), D0, day(9))
    got = {x.worker_id: x for x in fri_of_kiln_day(inputs, 0, 4)}
    assert set(got) == {"day-1", "night-1"}
    base = datetime(D0.year, D0.month, D0.day)
    duties = [
        Duty(base + timedelta(days=i, hours=6), base + timedelta(days=i, hours=18))
        for i in days
        if -28 <= i <= 4
    ]
    want = fri_roster(duties)[-1]  # day 4 is the last duty read: nothing after the day
    assert got["day-1"].ri == pytest.approx(want.ri)
    assert got["day-1"].fi == pytest.approx(want.fi)
    assert (got["day-1"].night, got["day-1"].fi_limit) == (False, 35.0)
    assert (got["night-1"].night, got["night-1"].fi_limit) == (True, 45.0)
    assert got["night-1"].fi > got["day-1"].fi  # seven nights in a row vs days
    crews = crew_fri(tuple(got.values()))
    assert crews["B"] == (got["night-1"].fi, got["night-1"].ri)


def test_later_duties_do_not_change_a_day_s_figures() -> None:
    shifts = [_shift("w", "A", i, 6, 12) for i in range(-5, 6)]
    later = [*shifts, _shift("w", "A", 6, 18, 12), _shift("w", "A", 7, 6, 14)]
    a = build_inputs(Records([KILN], shifts=shifts), D0, day(7))
    b = build_inputs(Records([KILN], shifts=later), D0, day(7))
    assert fri_of_kiln_day(a, 0, 3) == fri_of_kiln_day(b, 0, 3)
    assert fri_of_kiln_day(a, 0, 7) == ()
