"""Issue 13 point 5: every shift time is moved to its kiln's local time with the kiln's IANA zone
at that very instant (DST, historical offsets), and kilns of different zones mix correctly."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kilnguard.domain.risk import (
    KilnSpec,
    Records,
    RiskInputs,
    ShiftRecord,
    build_inputs,
    crew_fatigue,
)
from kilnguard.domain.risk.local_time import zone_offsets_us
from kilnguard.domain.risk.records import to_epoch_us


def kiln(kid: str, zone: str) -> KilnSpec:
    return KilnSpec(kid, f"kiln {kid}", "rotary", "E", 100.0, 365.0, 90.0, timezone=zone)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local_hours(
    kilns: list[KilnSpec], shifts: list[ShiftRecord], start: date, days: int = 3
) -> tuple[RiskInputs, list[float], list[float]]:
    inputs = build_inputs(Records(kilns, shifts=shifts), start, start + timedelta(days=days - 1))
    return inputs, inputs.shifts.start_h.tolist(), inputs.shifts.end_h.tolist()


def test_a_london_night_across_the_autumn_change_keeps_its_local_clock_times() -> None:
    # 22:00 BST (21:00 UTC) on 30 Oct 2021 to 06:00 GMT (06:00 UTC) on 31 Oct: 9 h worked
    sh = ShiftRecord("w", "A", "L", utc(2021, 10, 30, 21), utc(2021, 10, 31, 6))
    inputs, s, e = local_hours([kiln("L", "Europe/London")], [sh], date(2021, 10, 30))
    assert (s, e) == ([22.0], [30.0])
    fat = crew_fatigue(inputs)
    assert bool(fat.per_shift.is_night[0])
    assert fat.has_shifts[0].tolist() == [True, True, False]  # both local days it overlaps


def test_a_london_winter_afternoon_is_15_to_23_not_16_to_24() -> None:
    sh = ShiftRecord("w", "A", "L", utc(2021, 11, 15, 15), utc(2021, 11, 15, 23))
    _, s, e = local_hours([kiln("L", "Europe/London")], [sh], date(2021, 11, 15))
    assert (s, e) == ([15.0], [23.0])


@pytest.mark.parametrize(
    ("day", "utc_start", "offset_h"),
    [
        (date(2015, 8, 14), utc(2015, 8, 13, 22, 0), 9.0),  # before the change: UTC+9
        (date(2016, 6, 1), utc(2016, 5, 31, 22, 30), 8.5),  # Pyongyang time, 2015-08-15..2018-05-04
        (date(2018, 5, 5), utc(2018, 5, 4, 22, 0), 9.0),  # back to UTC+9
    ],
)
def test_pyongyang_shifts_use_the_offset_in_force_on_their_date(
    day: date, utc_start: datetime, offset_h: float
) -> None:
    sh = ShiftRecord("w", "A", "P", utc_start, utc_start + timedelta(hours=8))
    _, s, e = local_hours([kiln("P", "Asia/Pyongyang")], [sh], day)
    assert (s, e) == ([7.0], [15.0])  # a 07:00-15:00 day shift
    assert (
        offset_h == zone_offsets_us("Asia/Pyongyang", np.array([to_epoch_us(utc_start)]))[0] / 3.6e9
    )


def test_kilns_of_different_zones_are_each_on_their_own_clock_in_one_replay() -> None:
    shifts = [
        ShiftRecord("a", "A", "L", utc(2016, 6, 1, 6), utc(2016, 6, 1, 14)),  # 07:00 BST
        ShiftRecord("b", "B", "P", utc(2016, 5, 31, 22, 30), utc(2016, 6, 1, 6, 30)),  # 07:00 KST
        ShiftRecord("c", "C", "U", utc(2016, 6, 1, 7), utc(2016, 6, 1, 15)),  # no zone: offset
    ]
    kilns = [kiln("L", "Europe/London"), kiln("P", "Asia/Pyongyang"), kiln("U", "")]
    inputs = build_inputs(
        Records(kilns, shifts=shifts), date(2016, 6, 1), date(2016, 6, 2), utc_offset_h=0.0
    )
    assert sorted(inputs.shifts.start_h.tolist()) == [7.0, 7.0, 7.0]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["Europe/London", "Asia/Pyongyang", "America/New_York", "Australia/Lord_Howe"]),
    st.lists(st.integers(1_400_000_000, 1_560_000_000), min_size=1, max_size=30),
)
def test_offsets_are_zoneinfo_s_at_every_instant(zone: str, seconds: list[int]) -> None:
    got = zone_offsets_us(zone, np.array(seconds, dtype=np.int64) * 1_000_000)
    tz = ZoneInfo(zone)
    for sec, off in zip(seconds, got.tolist(), strict=True):
        want = datetime.fromtimestamp(sec, tz).utcoffset()
        assert want is not None
        assert off == int(want.total_seconds() * 1_000_000)


def test_an_unknown_zone_is_refused_with_the_field_named() -> None:
    from kilnguard.domain.errors import ValidationError

    with pytest.raises(ValidationError, match="timezone"):
        zone_offsets_us("Mars/Olympus", np.array([0]))
