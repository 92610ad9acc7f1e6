"""The plant-plausible date window: its edges, and every record validator that takes a date."""

from __future__ import annotations

import datetime as dt

import pytest

from kilnguard.domain import plant
from kilnguard.domain.errors import ValidationError
from kilnguard.domain.validation import (
    PLAUSIBLE_FIRST_DAY,
    PLAUSIBLE_LAST_DAY,
    require_plausible_day,
)

ONE_DAY = dt.timedelta(days=1)


@pytest.mark.parametrize("day", [PLAUSIBLE_FIRST_DAY, PLAUSIBLE_LAST_DAY, dt.date(2021, 11, 24)])
def test_the_window_is_inclusive_at_both_edges(day: dt.date) -> None:
    require_plausible_day("day", day)


@pytest.mark.parametrize(
    "value",
    [
        PLAUSIBLE_FIRST_DAY - ONE_DAY,
        PLAUSIBLE_LAST_DAY + ONE_DAY,
        dt.date(9999, 12, 31),
        dt.date(21, 11, 24),  # a two-digit year
        dt.datetime(9999, 12, 31, 10, tzinfo=dt.UTC),
    ],
)
def test_a_day_outside_the_window_names_the_field_and_the_window(value: dt.date) -> None:
    with pytest.raises(ValidationError) as err:
        require_plausible_day("due_on", value)
    assert err.value.field == "due_on"
    assert str(PLAUSIBLE_FIRST_DAY) in err.value.rule and str(PLAUSIBLE_LAST_DAY) in err.value.rule


FAR = dt.date(9999, 12, 31)
FAR_AT = dt.datetime(9999, 12, 30, 7, tzinfo=dt.UTC)
OK = dt.date(2021, 10, 1)


@pytest.mark.parametrize(
    ("field", "call"),
    [
        ("day", lambda: plant.validate_production(output_t=1, hours_fired=8, shift_no=1, day=FAR)),
        ("start_at", lambda: plant.validate_shift_times(FAR_AT, FAR_AT + dt.timedelta(hours=8))),
        ("deadline", lambda: plant.validate_target(quantity_t=1, entered_on=OK, deadline=FAR)),
        ("end_on", lambda: plant.validate_planned_stop(start_on=OK, end_on=FAR)),
        ("due_on", lambda: plant.validate_work_order(task="inspect", due_on=FAR, done_on=None)),
        (
            "new_due_on",
            lambda: plant.validate_deferral(
                current_due_on=OK, new_due_on=FAR, reason="plan", deferred_by="Kim"
            ),
        ),
        (
            "occurred_at",
            lambda: plant.validate_incident(
                event_type="fire",
                killed=0,
                seriously_injured=0,
                minor_injuries=0,
                missing=0,
                occurred_at=FAR_AT,
            ),
        ),
        (
            "lining_installed_on",
            lambda: plant.validate_kiln(
                kind="rotary",
                rated_capacity_t_per_day=40,
                max_temperature_c=1450,
                campaign_limit_days=90,
                lining_design_life_days=365,
                lining_installed_on=FAR,
            ),
        ),
    ],
)
def test_every_dated_record_refuses_a_far_date(field: str, call: object) -> None:
    with pytest.raises(ValidationError) as err:
        call()  # type: ignore[operator]
    assert err.value.field == field
