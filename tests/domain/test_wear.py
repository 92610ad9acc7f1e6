"""Palmgren–Miner lining damage with inverse-power-law load acceleration: hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from kilnguard.domain.errors import ValidationError
from kilnguard.domain.wear import (
    cumulative_damage,
    daily_damage,
    life_at_load_days,
    miner_damage,
)


def test_a_year_at_rated_load_uses_exactly_one_design_life() -> None:
    assert miner_damage([1.0] * 365, 365.0) == pytest.approx(1.0, abs=1e-12)


def test_tonnage_law_two_and_a_half_times_rating_wears_two_and_a_half_times_faster() -> None:
    # by hand: 14 days × 2.5 / 365 = 0.095890...
    assert miner_damage([2.5] * 14, 365.0) == pytest.approx(35.0 / 365.0, rel=1e-12)
    assert life_at_load_days(2.5, 365.0) == pytest.approx(146.0)


def test_higher_exponent_is_the_inverse_power_law() -> None:
    # n = 3 (ISO 281 form): 2× load → 8× damage per day; life 365 / 8 = 45.625 days
    assert miner_damage([2.0], 365.0, exponent_n=3.0) == pytest.approx(8.0 / 365.0)
    assert life_at_load_days(2.0, 365.0, 3.0) == pytest.approx(45.625)
    # below rating a higher n wears less: 0.5^3 = 0.125 design-days
    assert miner_damage([0.5], 1.0, exponent_n=3.0) == pytest.approx(0.125)


def test_thermal_cycles_add_their_own_miner_term() -> None:
    # 10 days at rating (10/400) + 5 cycles of 200 (5/200) = 0.025 + 0.025
    d = miner_damage([1.0] * 10, 400.0, thermal_cycles=[0.5] * 10, cycles_to_failure=200.0)
    assert d == pytest.approx(0.05)


def test_negative_load_is_treated_as_no_firing() -> None:
    assert float(daily_damage(-1.0, 10.0)) == 0.0


def test_columnar_damage_restarts_at_each_relining_and_carries_initial_damage() -> None:
    ratio = np.array([[1.0, 2.0, 1.0, 1.0], [0.5, 0.5, 0.5, 0.5]])
    d = cumulative_damage(
        ratio,
        design_life_days=np.array([10.0, 5.0]),
        exponent_n=np.array([1.0, 1.0]),
        initial_damage=np.array([0.5, 0.0]),
        reline_kiln=np.array([0]),
        reline_day=np.array([2]),
    )
    assert d[0].tolist() == pytest.approx([0.6, 0.8, 0.1, 0.2])
    assert d[1].tolist() == pytest.approx([0.1, 0.2, 0.3, 0.4])


def test_columnar_damage_equals_the_scalar_running_sum_bit_for_bit() -> None:
    rng = np.random.default_rng(1)
    ratio = rng.uniform(0, 3, size=(3, 50))
    life = np.array([365.0, 100.0, 7.0])
    d = cumulative_damage(ratio, life, np.array([1.0, 1.5, 3.0]), np.array([0.1, 0.0, 0.2]))
    for k, n in enumerate([1.0, 1.5, 3.0]):
        init = [0.1, 0.0, 0.2][k]
        assert d[k, -1] == miner_damage(ratio[k].tolist(), float(life[k]), n, initial_damage=init)


def test_invalid_parameters_name_the_field() -> None:
    with pytest.raises(ValidationError, match="design_life_days"):
        miner_damage([1.0], 0.0)
    with pytest.raises(ValidationError, match="exponent_n"):
        life_at_load_days(1.0, 10.0, -1.0)
    with pytest.raises(ValidationError, match="load_ratio"):
        life_at_load_days(0.0, 10.0)
