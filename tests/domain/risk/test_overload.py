"""Issue 13 point 4: overload counts its duration — a dose over a rolling 30-day window and wear
that accelerates with load above rating — while the 2× hard rule stays."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kilnguard.domain.risk import (
    AMBER,
    GREEN,
    RED,
    KilnSpec,
    ProductionRecord,
    Records,
    RiskConfig,
    assess,
    assess_reference,
    build_inputs,
    explain,
)
from kilnguard.domain.wear import cumulative_damage, daily_damage
from tests.domain.test_risk import D0, day


def kiln(kind: str = "rotary") -> KilnSpec:
    return KilnSpec("K1", "kiln K1", kind, "E", 1.0, 1000.0, 1000.0)


def steady(ratio: float, days: int, first: int = 0) -> Records:
    prod = [ProductionRecord("K1", day(i), ratio, 24.0) for i in range(first, days)]
    return Records([kiln()], prod)


def levels(records: Records, days: int, cfg: RiskConfig | None = None) -> list[int]:
    res = assess(build_inputs(records, D0, day(days - 1), cfg), cfg)
    return [int(x) for x in res.levels[0]]


def test_fifty_days_at_1_8_times_rating_score_higher_than_one_day() -> None:
    res = assess(build_inputs(steady(1.8, 50), D0, day(49)))
    assert res.risk_ratio[0, 0] == pytest.approx(1.8 * (1 + 0.8 / 30))
    assert res.risk_ratio[0, 49] == pytest.approx(1.8 * (1 + 0.8 * 30 / 30))
    assert np.all(np.diff(res.risk_ratio[0, :30]) > 0)  # escalates with duration
    assert res.overload_dose[0, 49] == pytest.approx(24.0)


def test_a_month_far_above_rating_reaches_red_without_any_other_barrier() -> None:
    lv = levels(steady(1.8, 60), 60)
    first_red = lv.index(RED)
    # 1.8 · (1 + 0.8·n/30) ≥ √10 from n = 29 days
    assert first_red == 28
    assert lv[:first_red] == [AMBER] * first_red  # amber from day 1 (1.8 ≥ 1.6), then red
    res = assess(build_inputs(steady(1.8, 60), D0, day(59)))
    ex = explain(res, 0, 59)
    assert ex.findings[0].barrier == "operating envelope"
    assert "overload dose 24.0 rating-days above rating in the last 30 days" in ex.text
    assert res.factors[1:, 0, 59].tolist() == [1.0, 1.0, 1.0, 1.0]  # nothing else degraded


def test_a_kiln_at_1_99_times_rating_for_a_year_does_not_stay_amber() -> None:
    lv = levels(steady(1.99, 365), 365)
    assert RED in lv and lv.index(RED) < 21
    assert lv[-1] == RED


def test_the_twice_rating_hard_rule_still_makes_the_first_day_red() -> None:
    assert levels(steady(2.0, 1), 1)[0] == RED


def test_one_overloaded_day_in_a_month_adds_a_thirtieth_of_its_excess() -> None:
    prod = [ProductionRecord("K1", day(i), 1.0, 24.0) for i in range(30)]
    prod[10] = ProductionRecord("K1", day(10), 1.5, 24.0)
    res = assess(build_inputs(Records([kiln()], prod), D0, day(29)))
    assert res.rr_dose[0, 10] == pytest.approx(1 + 0.5 / 30)
    assert res.rr_dose[0, 29] == pytest.approx(1 + 0.5 / 30)
    assert levels(Records([kiln()], prod), 30)[11:] == [GREEN] * 19


def test_load_within_rating_has_no_dose() -> None:
    res = assess(build_inputs(steady(1.0, 40), D0, day(39)))
    assert np.all(res.rr_dose == 1.0)


def test_a_later_window_carries_the_rolling_dose_in() -> None:
    rec = steady(1.7, 80, first=-40)
    long = assess(build_inputs(rec, day(-30), day(79)))
    for offset in (0, 5, 29, 50):
        short = assess(build_inputs(rec, day(offset), day(79)))
        cut = offset + 30
        assert np.array_equal(long.overload_dose[:, cut:], short.overload_dose)
        assert np.array_equal(long.risk_ratio[:, cut:], short.risk_ratio)
        assert np.array_equal(long.levels[:, cut:], short.levels)


@pytest.mark.parametrize(("ratio", "life_factor"), [(0.8, 1 / 0.8), (1.0, 1.0), (2.0, 1 / 4)])
def test_wear_accelerates_with_load_above_rating_only(ratio: float, life_factor: float) -> None:
    per_day = float(daily_damage(ratio, 1000.0, 1.0, overload_exponent_n=2.0))
    assert 1.0 / per_day == pytest.approx(1000.0 * life_factor)


def test_the_overload_exponent_is_per_kiln_kind_and_never_below_n() -> None:
    cfg = RiskConfig(overload_wear_exponent_by_kind=(("periodic", 3.0), ("tunnel", 0.5)))
    assert cfg.overload_wear_exponent("periodic") == 3.0
    assert cfg.overload_wear_exponent("rotary") == 2.0
    assert cfg.overload_wear_exponent("tunnel") == 1.0  # held at n
    rec = replace(steady(2.0, 10), kilns=[kiln("periodic")])
    inputs = build_inputs(rec, D0, day(9), cfg)
    res = assess(inputs, cfg)
    assert res.wear_damage[0, 9] == pytest.approx(10 * 2.0**3 / 1000.0)
    direct = cumulative_damage(
        inputs.output_t, inputs.design_life_days, inputs.exponent_n, inputs.wear_initial,
        overload_exponent_n=np.array([3.0]),
    )  # fmt: skip
    assert direct[0, 9] == pytest.approx(res.wear_damage[0, 9])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([0.0, 0.5, 1.0, 1.25, 1.5, 1.75, 1.9]), min_size=1, max_size=70))
def test_dose_levels_match_the_reference_loop_and_rise_with_duration(ratios: list[float]) -> None:
    prod = [ProductionRecord("K1", day(i), r, 24.0 if r else 0.0) for i, r in enumerate(ratios)]
    inputs = build_inputs(Records([kiln()], prod), D0, day(len(ratios) - 1))
    res = assess(inputs)
    assert res.levels.tolist() == assess_reference(inputs).levels
    longer = [*prod, ProductionRecord("K1", day(len(ratios)), ratios[-1], 24.0)]
    more = assess(build_inputs(Records([kiln()], longer), D0, day(len(ratios))))
    assert (more.levels[:, :-1] >= res.levels).all()
