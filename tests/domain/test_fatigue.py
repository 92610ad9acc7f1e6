"""Crew fatigue: the three-process model against its source's figures, rest rules, shift risk."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kilnguard.domain.errors import ValidationError
from kilnguard.domain.fatigue import (
    BREACH_CONSECUTIVE_NIGHTS,
    BREACH_CONSECUTIVE_SHIFTS,
    BREACH_LONG_SHIFT,
    BREACH_OVER_24H,
    BREACH_QUICK_RETURN,
    ShiftTable,
    TPMParams,
    circadian,
    folkard_tucker_shift_length_rr,
    fri_shift_length_rr,
    infer_sleep,
    kss_from_alertness,
    s_asleep,
    s_awake,
    shift_fatigue,
    shift_fatigue_reference,
    steady_state_wake_s,
    successive_rr,
)

P = TPMParams()


def table(rows: list[tuple[int, float, float]]) -> ShiftTable:
    rows = sorted(rows)
    return ShiftTable(
        np.array([r[0] for r in rows]),
        np.array([r[1] for r in rows], dtype=float),
        np.array([r[2] for r in rows], dtype=float),
    )


# ---------------------------------------------------------------- SOURCES.md §3.1 checks


def test_recovery_rate_g_is_the_published_derivation() -> None:
    assert P.g == pytest.approx(-0.3814, abs=5e-5)
    assert P.g * (P.bl - P.ha) == pytest.approx(0.80, abs=0.01)  # linear phase ≈ 0.80 /h


def test_regular_23_to_07_sleeper_wakes_at_the_published_steady_s() -> None:
    assert steady_state_wake_s(8.0) == pytest.approx(13.82, abs=0.01)


def test_kss_at_23_after_16_h_awake_is_5_7() -> None:
    a = float(s_awake(steady_state_wake_s(8.0), 16.0, P)) + float(circadian(23.0, P))
    assert a == pytest.approx(8.2, abs=0.05)
    assert float(kss_from_alertness(a, P)) == pytest.approx(5.7, abs=0.05)


def test_kss_at_04_after_21_h_awake_is_7_8() -> None:
    a = float(s_awake(steady_state_wake_s(8.0), 21.0, P)) + float(circadian(4.0, P))
    assert a == pytest.approx(4.7, abs=0.05)
    assert float(kss_from_alertness(a, P)) == pytest.approx(7.8, abs=0.05)


def test_sleep_recovers_linearly_below_the_break_level_then_exponentially() -> None:
    assert float(s_asleep(8.0, 2.0, P)) == pytest.approx(8.0 + 2.0 * P.g * (P.bl - P.ha))
    above = float(s_asleep(13.0, 1.0, P))
    assert above == pytest.approx(P.ha - (P.ha - 13.0) * math.exp(P.g))
    assert float(s_asleep(2.0, 100.0, P)) == pytest.approx(P.ha, abs=1e-6)


def test_kss_is_clipped_to_the_scale() -> None:
    assert float(kss_from_alertness(-10.0, P)) == 9.0
    assert float(kss_from_alertness(30.0, P)) == 1.0


# ---------------------------------------------------------------- shift-pattern risk


@pytest.mark.parametrize(
    ("hours", "rr"),
    [
        (2.0, 0.850),
        (3.0, 0.947),
        (8.0, 1.0),
        (10.0, 1.12),
        (12.0, 1.28),
        (14.0, 1.49),
        (16.0, 1.75),
    ],
)
def test_fri_shift_length_curve_gives_the_published_values(hours: float, rr: float) -> None:
    assert float(fri_shift_length_rr(hours)) == pytest.approx(rr, abs=0.006)


def test_fri_curve_agrees_with_folkard_and_tucker_twelve_hour_plus_27_5_percent() -> None:
    assert float(fri_shift_length_rr(12.0)) == pytest.approx(1.275, abs=0.005)
    for hours in (8.0, 10.0, 12.0):
        fri = float(fri_shift_length_rr(hours))
        assert fri == pytest.approx(folkard_tucker_shift_length_rr(hours), abs=0.015)


def test_successive_nights_follow_folkard_and_tucker_and_hold_beyond_four() -> None:
    nights = (1.00, 1.06, 1.17, 1.36)
    assert successive_rr(np.array([1, 2, 3, 4, 7]), nights).tolist() == [
        1.00,
        1.06,
        1.17,
        1.36,
        1.36,
    ]


# ---------------------------------------------------------------- rosters


def test_sleep_is_inferred_at_night_and_napped_after_a_night_shift() -> None:
    # night shift 23:00-07:00 on day 0, day shift 07:00-19:00 on day 2
    ft = infer_sleep(table([(0, 23.0, 31.0), (0, 55.0, 67.0)]))
    eps = list(
        zip(ft.nap_start_h.tolist(), ft.sleep_start_h.tolist(), ft.end_h.tolist(), strict=True)
    )
    assert (32.0, 47.0, 54.0) in eps  # free from 08:00: nap by day, then 23:00-06:00 at night
    # the nap after the night shift: S ≈ 6.6 at 08:00 rises to θ = 10.3 by about 12:30
    f = shift_fatigue(table([(0, 23.0, 31.0), (0, 47.0, 55.0)]))
    assert 6.5 < float(f.kss_peak[1]) < 8.5


def test_rest_rule_breaches_are_flagged_by_kind() -> None:
    # 8 consecutive 14-h day shifts 07:00-21:00: 10 h rest, > 12 h, > 6 in a row
    days = shift_fatigue(table([(0, 24.0 * i + 7, 24.0 * i + 21) for i in range(8)]))
    assert days.breaches[0] == BREACH_LONG_SHIFT
    assert days.breaches[1] == BREACH_LONG_SHIFT | BREACH_QUICK_RETURN
    assert days.breaches[6] & BREACH_CONSECUTIVE_SHIFTS
    assert not days.breaches[5] & BREACH_CONSECUTIVE_SHIFTS
    # 5 consecutive 8-h nights: the fifth breaches the HSG256 limit of 4
    nights = shift_fatigue(table([(0, 24.0 * i + 23, 24.0 * i + 31) for i in range(5)]))
    assert nights.is_night.all()
    assert nights.consecutive_nights.tolist() == [1, 2, 3, 4, 5]
    assert [bool(b & BREACH_CONSECUTIVE_NIGHTS) for b in nights.breaches] == [False] * 4 + [True]


def test_a_24_hour_break_restarts_the_consecutive_count() -> None:
    f = shift_fatigue(table([(0, 7.0, 15.0), (0, 31.0, 39.0), (0, 79.0, 87.0)]))
    assert f.consecutive_shifts.tolist() == [1, 2, 1]


def test_quick_return_carries_the_nielsen_rate_ratio() -> None:
    f = shift_fatigue(table([(0, 14.0, 22.0), (0, 30.0, 38.0)]))  # 8 h rest
    assert f.rr_quick_return.tolist() == [1.0, 1.39]


def test_night_workers_are_sleepier_than_day_workers() -> None:
    f = shift_fatigue(
        table(
            [(0, 24.0 * i + 23, 24.0 * i + 31) for i in range(3)]
            + [(1, 24.0 * i + 7, 24.0 * i + 15) for i in range(3)]
        )
    )
    assert f.kss_peak[:3].min() > f.kss_peak[3:].max() + 1.0


def test_shift_table_rejects_unsorted_or_inverted_shifts() -> None:
    with pytest.raises(ValidationError):
        ShiftTable(np.array([0]), np.array([5.0]), np.array([4.0]))
    with pytest.raises(ValidationError):
        ShiftTable(np.array([0, 0]), np.array([30.0, 5.0]), np.array([38.0, 13.0]))


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3), st.integers(-100, 400), st.sampled_from([4, 8, 10, 12, 14, 16])
        ),
        max_size=40,
    )
)
def test_vectorised_fatigue_matches_the_per_shift_loop(
    rows: list[tuple[int, int, int]],
) -> None:
    # one shift per worker per start hour; drop overlaps so the roster is physically possible
    rows = sorted(set(rows))
    kept: list[tuple[int, float, float]] = []
    for w, s, length in rows:
        if kept and kept[-1][0] == w and kept[-1][2] > s:
            continue
        kept.append((w, float(s), float(s + length)))
    t = table(kept)
    vec = shift_fatigue(t)
    ref = shift_fatigue_reference(t)
    for i, r in enumerate(ref):
        assert vec.kss_peak[i] == pytest.approx(r["kss_peak"], abs=1e-9)
        assert vec.rr_shift[i] == pytest.approx(r["rr_shift"], rel=1e-12)
        assert int(vec.breaches[i]) == int(r["breaches"])
        assert int(vec.consecutive_shifts[i]) == int(r["consecutive_shifts"])
        assert int(vec.consecutive_nights[i]) == int(r["consecutive_nights"])


@pytest.mark.parametrize(("rest_h", "quick"), [(10.5, True), (11.0, False), (11.5, False)])
def test_quick_return_edge_is_eleven_hours(rest_h: float, quick: bool) -> None:
    f = shift_fatigue(table([(0, 7.0, 15.0), (0, 15.0 + rest_h, 23.0 + rest_h)]))
    assert bool(f.breaches[1] & BREACH_QUICK_RETURN) is quick


@pytest.mark.parametrize(("length_h", "long"), [(11.5, False), (12.0, False), (12.5, True)])
def test_long_shift_edge_is_twelve_hours(length_h: float, long: bool) -> None:
    f = shift_fatigue(table([(0, 7.0, 7.0 + length_h)]))
    assert bool(f.breaches[0] & BREACH_LONG_SHIFT) is long


@pytest.mark.parametrize(("n_shifts", "breach"), [(6, False), (7, True)])
def test_consecutive_shift_edge_is_six(n_shifts: int, breach: bool) -> None:
    f = shift_fatigue(table([(0, 24.0 * i + 7, 24.0 * i + 15) for i in range(n_shifts)]))
    assert bool(f.breaches[-1] & BREACH_CONSECUTIVE_SHIFTS) is breach


@pytest.mark.parametrize(("night_hours", "night"), [(2.5, False), (3.0, True), (3.5, True)])
def test_a_night_shift_has_at_least_three_hours_in_night_time(
    night_hours: float, night: bool
) -> None:
    end = 23.0 + night_hours  # an 8-h shift ending `night_hours` after 23:00
    f = shift_fatigue(table([(0, end - 8.0, end)]))
    assert bool(f.is_night[0]) is night


def test_cache_chunks_do_not_change_any_figure(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs (consecutive shifts, nights) and sleeps must carry across chunk boundaries."""
    from kilnguard.domain.fatigue import crew as fatigue

    rows = [(0, 24.0 * i + 23, 24.0 * i + 31) for i in range(9)]  # 9 nights in a row
    rows += [(1, 24.0 * i + 7, 24.0 * i + 21) for i in range(12)]  # 14-h days
    rows += [(2, 24.0 * i + 6, 24.0 * i + 14) for i in range(0, 30, 2)]  # every other day
    t = table(rows)
    whole = shift_fatigue(t)
    monkeypatch.setattr(fatigue, "_CHUNK", 4)
    chunked = shift_fatigue(t)
    for name in ("kss_peak", "consecutive_shifts", "consecutive_nights", "breaches", "rr_shift"):
        assert np.array_equal(getattr(whole, name), getattr(chunked, name)), name
    ref = shift_fatigue_reference(t)
    assert chunked.consecutive_nights[:9].tolist() == list(range(1, 10))
    assert [int(r["consecutive_shifts"]) for r in ref] == chunked.consecutive_shifts.tolist()


def test_shift_length_risk_is_bounded_at_24_h_and_never_falls_with_length() -> None:
    hours = np.linspace(0.25, 40.0, 800)
    rr = fri_shift_length_rr(hours)
    assert np.all(np.diff(rr) >= 0.0)
    assert float(fri_shift_length_rr(36.0)) == float(fri_shift_length_rr(24.0))
    assert float(fri_shift_length_rr(24.0)) == pytest.approx(3.89, abs=0.01)
    f = shift_fatigue(table([(0, 7.0, 43.0)]))  # a 36-h duty is flagged, not extrapolated
    assert f.breaches[0] & BREACH_OVER_24H
    assert float(f.rr_length[0]) == pytest.approx(3.89, abs=0.01)


def test_the_seventh_night_is_the_fri_s_1_72_times_the_first() -> None:
    nights = shift_fatigue(table([(0, 24.0 * i + 22, 24.0 * i + 30) for i in range(7)]))
    rr = nights.rr_successive.tolist()
    assert rr[:4] == [1.00, 1.06, 1.17, 1.36]  # Folkard & Tucker
    assert rr[6] == pytest.approx(1.72, abs=0.005)  # FRI cumulative beyond the 4th
