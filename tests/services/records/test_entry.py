"""Entry that protects the record (issue 16 point 1): dates up to tomorrow in plant time,
output plausible for the kiln's rating, one record per kiln, day and shift, numbers and shift
times as plant users type them, and errors that name people and plant-local times."""

from __future__ import annotations

import datetime as dt

import pytest

from kilnguard.clock import FixedClock
from kilnguard.domain.errors import BatchValidationError, ValidationError
from kilnguard.services import records as svc
from kilnguard.services.records import entry
from kilnguard.store.db import unit_of_work
from tests.conftest import Plant

KST = dt.timezone(dt.timedelta(hours=9))
# 2021-11-24 20:00 UTC is 2021-11-25 05:00 in Pyongyang (UTC+9): the plant's day is the 25th
NIGHT = FixedClock(dt.datetime(2021, 11, 24, 20, tzinfo=dt.UTC))


def production(kiln: int, day: dt.date, output_t: float = 12.0, **kw: object) -> svc.ProductionIn:
    return svc.ProductionIn(kiln_id=kiln, day=day, output_t=output_t, hours_fired=8.0, **kw)  # type: ignore[arg-type]


def test_a_day_after_tomorrow_in_plant_time_is_refused_and_tomorrow_is_not(plant: Plant) -> None:
    k, op = plant.kilns_a[2], plant.users["op_a"]
    with unit_of_work(plant.engine, clock=NIGHT) as s:  # tomorrow in the plant: the 26th
        svc.record_production_one(s, op, production(k, dt.date(2021, 11, 26)))
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine, clock=NIGHT) as s:
        svc.record_production_one(s, op, production(k, dt.date(2021, 11, 27)))
    assert err.value.field == "day"
    assert "after tomorrow (2021-11-26, plant time Asia/Pyongyang)" in err.value.rule
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine, clock=NIGHT) as s:
        svc.record_production_one(s, op, production(k, dt.date(2201, 11, 24)))
    assert err.value.field == "day"


def test_a_shift_starting_after_tomorrow_is_refused(plant: Plant) -> None:
    start = dt.datetime(2021, 11, 27, 6, tzinfo=KST)
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine, clock=NIGHT) as s:
        svc.record_shift_one(
            s,
            plant.users["mgr_a"],
            svc.ShiftIn(plant.workers_a[0], start, start + dt.timedelta(hours=8), plant.kilns_a[0]),
        )
    assert err.value.field == "start_at"


def test_output_above_twice_the_rating_needs_a_reason_and_above_five_times_is_refused(
    plant: Plant,
) -> None:
    k, op = plant.kilns_a[2], plant.users["op_a"]  # a 40 t/day shaft kiln
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.record_production_one(s, op, production(k, dt.date(2021, 10, 1), 96.0))
    assert err.value.field == "confirm_reason"
    assert "96 t is 2.4× kiln K-3's rated 40 t/day" in err.value.rule
    with unit_of_work(plant.engine) as s:
        row = svc.record_production_one(
            s, op, production(k, dt.date(2021, 10, 1), 96.0, confirm_reason="two loads fired")
        )
        assert row.note == "confirmed above 2× rating: two loads fired"
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.record_production_one(
            s, op, production(k, dt.date(2021, 10, 2), 564.0, confirm_reason="sure")
        )
    assert err.value.field == "output_t"
    assert "14.1×" in err.value.rule and "check the unit" in err.value.rule


def test_a_second_record_for_a_kiln_day_and_shift_is_refused_naming_the_first(
    plant: Plant,
) -> None:
    k, op = plant.kilns_a[2], plant.users["op_a"]
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.record_production_one(s, op, production(k, dt.date(2021, 9, 3), 11.0, shift_no=2))
    assert err.value.field == "shift_no"
    assert "kiln K-3 already has a production record for 2021-09-03, shift 2" in err.value.rule
    assert "Correct that record" in err.value.rule and "void it" in err.value.rule
    with pytest.raises(BatchValidationError) as batch, unit_of_work(plant.engine) as s:
        svc.record_production(
            s, op, [production(k, dt.date(2021, 10, 5)), production(k, dt.date(2021, 10, 5))]
        )
    assert [(e.row, e.column) for e in batch.value.errors] == [(2, "shift_no")]
    assert "row 1 already gives" in batch.value.errors[0].reason


def test_a_voided_record_makes_room_for_its_replacement(plant: Plant) -> None:
    k, op = plant.kilns_a[2], plant.users["op_a"]
    with unit_of_work(plant.engine) as s:
        first = svc.record_production_one(s, op, production(k, dt.date(2021, 10, 7)))
    with unit_of_work(plant.engine) as s:
        svc.void(s, op, "production", first.id, "entered on the wrong kiln")
        again = svc.record_production_one(s, op, production(k, dt.date(2021, 10, 7), 13.0))
    assert again.id != first.id


def test_an_overlapping_shift_is_told_with_the_workers_name_and_plant_times(
    plant: Plant,
) -> None:
    w, k = plant.workers_a[0], plant.kilns_a[0]  # worker A1 works 06:00-14:00 on 2021-09-01
    start = dt.datetime(2021, 9, 1, 12, tzinfo=KST)
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.record_shift_one(
            s, plant.users["mgr_a"], svc.ShiftIn(w, start, start + dt.timedelta(hours=8), k)
        )
    rule = err.value.rule
    assert rule.startswith("worker A1 (A-01) would work 2021-09-01 12:00–2021-09-01 20:00")
    assert "stored shift (2021-09-01 06:00–2021-09-01 14:00), plant time Asia/Pyongyang" in rule
    assert "UTC" not in rule and "shift 1" not in rule


@pytest.mark.parametrize(
    ("typed", "comma", "value"),
    [
        ("56,4", False, 56.4),
        ("56.4", False, 56.4),
        (" 0,5 ", False, 0.5),
        ("1.234,5", True, 1234.5),
        ("1 234,5", True, 1234.5),
        ("56,4", True, 56.4),
        ("1234", False, 1234.0),
    ],
)
def test_numbers_are_read_as_plant_users_type_them(typed: str, comma: bool, value: float) -> None:
    assert entry.parse_local_number("output_t", typed, comma) == pytest.approx(value)


def test_a_comma_that_could_group_thousands_is_refused_as_ambiguous() -> None:
    with pytest.raises(ValidationError) as err:
        entry.parse_local_number("output_t", "1,234")
    assert "ambiguous" in err.value.rule and "1234" in err.value.rule
    with pytest.raises(ValidationError):
        entry.parse_local_number("output_t", "56,4,1")


def test_the_decimal_comma_follows_the_users_first_language() -> None:
    assert entry.decimal_comma("de-DE,de;q=0.9,en;q=0.8")
    assert entry.decimal_comma("ru")
    assert not entry.decimal_comma("ko-KR,ko;q=0.9")
    assert not entry.decimal_comma("en-GB,de;q=0.5")
    assert not entry.decimal_comma("")


def test_a_shift_ending_before_it_starts_rolls_to_the_next_day_when_plainly_meant() -> None:
    start = dt.datetime(2021, 11, 20, 18)
    assert entry.roll_shift_end(start, dt.datetime(2021, 11, 20, 6)) == dt.datetime(2021, 11, 21, 6)
    late = dt.datetime(2021, 11, 20, 14)
    slip = dt.datetime(2021, 11, 20, 13)  # 23 h: a slip, left for the rule to refuse
    assert entry.roll_shift_end(late, slip) == slip
    ok = dt.datetime(2021, 11, 20, 22)
    assert entry.roll_shift_end(start, ok) == ok
