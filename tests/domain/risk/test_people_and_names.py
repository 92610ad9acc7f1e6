"""Issue 13 points 2 and 8: rest-rule breaches keep the people barrier up (a crew without a day
off does not drop to green when its shifts rotate), and a protection-layer stop names the proof
test that is overdue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kilnguard.domain.risk import (
    AMBER,
    GREEN,
    STOP,
    KilnSpec,
    MaintenancePlan,
    ProductionRecord,
    Records,
    ShiftRecord,
    WorkOrder,
    assess,
    assess_reference,
    build_inputs,
    explain,
)
from tests.domain.test_risk import D0, day

KILN = KilnSpec("K1", "kiln K1", "rotary", "E", 1.0, 1000.0, 1000.0)


def _roster(days: int, length_h: int, rotate_every: int) -> list[ShiftRecord]:
    """One crew, no day off: a backward rotation (06:00 mornings, then nights, then afternoons
    for 8-h shifts; days then nights for 12-h ones), each switch L hours after the last shift
    ended — never 24 h of rest."""
    out = []
    t = datetime(day(-14).year, day(-14).month, day(-14).day, 6, tzinfo=UTC)
    for k in range(days + 14):
        if k and k % rotate_every == 0:
            t += timedelta(hours=24 - length_h)  # the switch: a quick return
        else:
            t += timedelta(hours=24) if k else timedelta(0)
        out.append(ShiftRecord("w1", "A", "K1", t, t + timedelta(hours=length_h)))
    return out


def test_six_weeks_without_a_day_off_never_drop_back_to_green() -> None:
    prod = [ProductionRecord("K1", day(i), 1.0, 24.0) for i in range(-7, 42)]
    for length in (8, 12):
        inputs = build_inputs(Records([KILN], prod, shifts=_roster(42, length, 7)), D0, day(41))
        res = assess(inputs)
        worked = res.fatigue.has_shifts[0]
        lv = res.levels[0][worked].tolist()
        assert len(lv) >= 35
        first_amber = lv.index(AMBER)
        assert GREEN not in lv[first_amber:], length
        assert res.levels.tolist() == assess_reference(inputs).levels
        assert res.fatigue.per_shift.consecutive_shifts.max() >= 42  # no 24 h rest ever


def test_a_protection_layer_stop_names_the_overdue_proof_test() -> None:
    plan = MaintenancePlan("P", "K1", "CO trip interlock proof test", 30.0, protects_ipl=True)
    wo = WorkOrder("W", "P", day(0))
    prod = [ProductionRecord("K1", day(i), 1.0, 24.0) for i in range(12)]
    inputs = build_inputs(Records([KILN], prod, plans=[plan], work_orders=[wo]), D0, day(11))
    res = assess(inputs)
    assert int(res.levels[0, 11]) == STOP
    text = explain(res, 0, 11).text
    assert "'CO trip interlock proof test' 11 days overdue while firing" in text
    assert text == assess_reference(inputs).explanations[0][11].text
