"""Columnar production and shifts: the same ``RiskInputs`` from record lists, from columns and
from the plain-loop builder of before (``loop_build``), bit for bit; the lining state at
onboarding."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kilnguard.domain.errors import ValidationError
from kilnguard.domain.fatigue import ShiftTable
from kilnguard.domain.risk import (
    KilnSpec,
    MaintenancePlan,
    PlannedStop,
    ProductionRecord,
    Records,
    RiskConfig,
    RiskInputs,
    ShiftRecord,
    WorkOrder,
    assess,
    build_inputs,
)
from kilnguard.domain.risk.records import (
    EPOCH_ORDINAL,
    ProductionColumns,
    ShiftColumns,
    from_epoch_us,
    to_epoch_us,
)
from tests.domain.risk.loop_build import build_inputs_loop
from tests.domain.test_risk import D0, day, histories
from tests.domain.test_risk_scenarios import chongjin_records, komusan_records


def assert_same_inputs(a: RiskInputs, b: RiskInputs) -> None:
    """Every field equal: arrays element for element (same dtype), the rest with ==."""
    for f in dataclasses.fields(RiskInputs):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype, f.name
            assert np.array_equal(x, y), f.name
        elif isinstance(x, ShiftTable):
            for g in ("worker", "start_h", "end_h"):
                assert np.array_equal(getattr(x, g), getattr(y, g)), f"shifts.{g}"
            assert x.horizon_start_h == y.horizon_start_h
        else:
            assert x == y, f.name


def as_columns(records: Records, reverse_tables: bool = False) -> Records:
    """The same records with production and shifts as columns. ``reverse_tables`` numbers the
    kilns, workers and crews of the code tables backwards, to show that codes are only labels."""
    prod = ProductionColumns.from_records(records.production)
    shifts = ShiftColumns.from_records(records.shifts)
    if reverse_tables:

        def flip(ids: tuple[str, ...], codes: Any) -> tuple[tuple[str, ...], Any]:
            return ids[::-1], (len(ids) - 1 - codes).astype(np.int64)

        pk = flip(prod.kiln_ids, prod.kiln)
        prod = replace(prod, kiln_ids=pk[0], kiln=pk[1])
        w, c, k = (
            flip(shifts.worker_ids, shifts.worker),
            flip(shifts.crew_ids, shifts.crew),
            flip(shifts.kiln_ids, shifts.kiln),
        )
        shifts = replace(
            shifts,
            worker_ids=w[0],
            worker=w[1],
            crew_ids=c[0],
            crew=c[1],
            kiln_ids=k[0],
            kiln=k[1],
        )
    return replace(records, production=prod, shifts=shifts)


def test_columns_are_sequences_of_the_same_records() -> None:
    prod = [
        ProductionRecord("K1", date(2021, 8, 1), 12.5, 24.0, 1),
        ProductionRecord("K2", date(1969, 12, 31), 0.0, 0.0),
    ]
    t = datetime(2021, 8, 1, 21, 0, 0, 123456, tzinfo=UTC)
    shifts = [
        ShiftRecord("w1", "A", "K1", t, t + timedelta(hours=8)),
        ShiftRecord("w2", "B", "K2", t - timedelta(days=20000), t),
    ]
    pc, sc = ProductionColumns.from_records(prod), ShiftColumns.from_records(shifts)
    assert list(pc) == prod and len(pc) == 2 and pc[1] == prod[1] and pc[-1] == prod[1]
    assert list(sc) == shifts and sc[0] == shifts[0] and sc[:1] == shifts[:1]
    assert int(pc.day[1]) == -1 and date.fromordinal(EPOCH_ORDINAL) == date(1970, 1, 1)
    assert from_epoch_us(to_epoch_us(t)) == t
    assert to_epoch_us(datetime(1970, 1, 1, 0, 0, 1)) == 1_000_000  # naive = UTC
    with pytest.raises(ValidationError, match="kiln_ids"):
        ProductionColumns(("K1",), np.array([1]), np.array([0]), np.zeros(1), np.zeros(1))
    with pytest.raises(ValidationError, match="rows"):
        ProductionColumns(("K1",), np.array([0]), np.array([0, 1]), np.zeros(1), np.zeros(1))


def _check_all_forms(records: Records, start: date, end: date, cfg: RiskConfig) -> RiskInputs:
    loop = build_inputs_loop(records, start, end, cfg, 9.0)
    lists = build_inputs(records, start, end, cfg, 9.0)
    cols = build_inputs(as_columns(records), start, end, cfg, 9.0)
    flipped = build_inputs(as_columns(records, reverse_tables=True), start, end, cfg, 9.0)
    assert_same_inputs(lists, loop)
    assert_same_inputs(cols, loop)
    assert_same_inputs(flipped, loop)
    assert np.array_equal(assess(cols, cfg).levels, assess(loop, cfg).levels)
    return cols


@pytest.mark.parametrize(
    ("records", "start", "end"),
    [
        (komusan_records, date(2021, 8, 1), date(2021, 11, 24)),
        (komusan_records, date(2021, 10, 1), date(2021, 11, 10)),  # history carried in
        (chongjin_records, date(2021, 8, 1), date(2021, 10, 28)),
    ],
)
def test_demo_scenarios_give_identical_inputs_in_every_form(
    records: Any, start: date, end: date
) -> None:
    _check_all_forms(records(), start, end, RiskConfig())


@st.composite
def messy_histories(draw: st.DrawFn) -> tuple[Records, date, date]:
    """The engine's generated histories, plus what a database returns: several rows per kiln
    and day (one per shift), rows of kilns not replayed, rows after the end, rows in any order,
    and a window that starts inside the history (so wear, output and targets are carried in)."""
    records, n_d = draw(histories())
    prod = list(records.production)
    extra = []
    for p in prod[: draw(st.integers(0, len(prod)))]:
        part = draw(st.sampled_from([0.0, 0.25, 0.5]))
        extra.append(replace(p, output_t=p.output_t * part, hours_fired=8.0 * part))
    extra.append(ProductionRecord("not replayed", day(0), 5.0, 8.0))
    prod = draw(st.permutations(prod + extra))
    shifts = list(records.shifts)
    order = draw(st.sampled_from(["as made", "shuffled", "by start (as loaders give them)"]))
    if order == "shuffled":
        shifts = draw(st.permutations(shifts))
    elif order.startswith("by start"):
        shifts.sort(key=lambda r: r.start)
    records = replace(records, production=prod, shifts=shifts)
    first = draw(st.integers(-3, max(n_d - 1, -3)))
    last = draw(st.integers(max(first, 0), n_d + 2))
    return records, day(first), day(last)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messy_histories())
def test_generated_histories_give_identical_inputs_in_every_form(
    h: tuple[Records, date, date],
) -> None:
    records, start, end = h
    _check_all_forms(records, start, end, RiskConfig(warmup_days=3))


def test_bad_rows_are_refused_with_the_record_in_both_forms() -> None:
    kiln = KilnSpec("K1", "kiln", "rotary", "E", 100.0, 365.0, 90.0)
    bad = Records([kiln], [ProductionRecord("K1", D0, -1.0, 24.0)])
    for rec in (bad, as_columns(bad)):
        with pytest.raises(ValidationError, match="output_t"):
            build_inputs(rec, D0, day(1))
    t = datetime(2024, 3, 1, 6, tzinfo=UTC)
    bad = Records([kiln], shifts=[ShiftRecord("w", "A", "K1", t, t)])
    for rec in (bad, as_columns(bad)):
        with pytest.raises(ValidationError, match=r"ShiftRecord\.end"):
            build_inputs(rec, D0, day(1))


# ---------------------------------------------------------------- lining state at onboarding

RATED, LIFE = 100.0, 1000.0


def onboarded(
    n_days: int, first: int, load: float, w0: float, **kw: Any
) -> tuple[Records, KilnSpec]:
    """A kiln fired at ``load`` × rating every day from day ``first`` (its onboarding day)."""
    spec = KilnSpec("K1", "RK-1", "rotary", "E", RATED, LIFE, 10_000.0, **kw)
    spec = replace(spec, lining_wear_at_onboarding=w0)
    prod = [ProductionRecord("K1", day(i), load * RATED, 24.0) for i in range(first, n_days)]
    return Records([spec], prod), spec


def first_day_at(wear: np.ndarray[Any, Any], threshold: float) -> int:
    return int(np.flatnonzero(wear >= threshold)[0])


@pytest.mark.parametrize("first", [0, 30])
@pytest.mark.parametrize("load", [1.0, 0.8])
def test_a_lining_used_500_days_reaches_its_thresholds_500_load_days_earlier(
    first: int, load: float
) -> None:
    """500 days at rated load before the first record: w0 = 500 / life (wear.py: ΔD = r/L at
    n = 1). At load r the damage grows by r/L a day, so every threshold comes 500/r days
    earlier — 500 days at rated load, 625 at 0.8."""
    n_days = 1400
    w0 = 500.0 / LIFE
    for threshold in (0.75, 1.0):
        fresh, _ = onboarded(n_days, first, load, 0.0)
        used, _ = onboarded(n_days, first, load, w0)
        wf = assess(build_inputs(fresh, D0, day(n_days - 1))).wear_damage[0]
        wu = assess(build_inputs(used, D0, day(n_days - 1))).wear_damage[0]
        assert wu[first] == pytest.approx(w0 + load / LIFE)
        assert first_day_at(wf, threshold) - first_day_at(wu, threshold) == pytest.approx(
            500.0 / load, abs=1.0
        )
    # the amber hard rule (D ≥ 1) moves with it
    res = assess(build_inputs(used, D0, day(n_days - 1)))
    assert int(res.levels[0, first_day_at(wu, 1.0)]) >= 1


def test_onboarding_wear_is_carried_in_when_the_window_starts_later() -> None:
    rec, _ = onboarded(400, 0, 1.0, 0.5)
    full = assess(build_inputs(rec, D0, day(399))).wear_damage[0]
    for cols in (False, True):
        late = build_inputs(as_columns(rec) if cols else rec, day(100), day(399))
        assert late.wear_initial[0] == pytest.approx(full[99], rel=1e-12)
        assert assess(late).wear_damage[0][-1] == pytest.approx(full[-1], rel=1e-12)


@pytest.mark.parametrize("window_start", [0, 250])
def test_a_reline_after_onboarding_clears_the_onboarding_wear(window_start: int) -> None:
    """A reline (stop, lining work order or a later installation) on or after the onboarding
    day renews the lining: from that day the damage counts from zero, whatever w0 was."""
    n, first, reline = 400, 30, 200
    kiln_reline = onboarded(n, first, 1.0, 0.9, lining_installed_on=day(reline))[0]
    base = onboarded(n, first, 1.0, 0.9)[0]
    stop = replace(base, stops=[PlannedStop("K1", day(reline), day(reline), relined=True)])
    plan = MaintenancePlan("P", "K1", "relining", 365.0, renews_lining=True)
    order = replace(base, plans=[plan], work_orders=[WorkOrder("W", "P", day(reline), day(reline))])
    expected = (n - 1 - reline + 1) / LIFE  # days reline..n-1 at rated load
    for rec in (kiln_reline, stop, order):
        for form in (rec, as_columns(rec)):
            inp = build_inputs(form, day(window_start), day(n - 1))
            wear = assess(inp).wear_damage[0]
            assert wear[-1] == pytest.approx(expected)
    # without the reline the kiln ends far beyond its design life
    assert assess(build_inputs(base, D0, day(n - 1))).wear_damage[0][-1] > 1.2


@pytest.mark.parametrize("installed", [-5, 0, 10])
@pytest.mark.parametrize("window_start", [0, 40])
def test_a_reline_before_onboarding_keeps_the_onboarding_wear(
    installed: int, window_start: int
) -> None:
    """The onboarding state describes the lining in place then, installed before the records."""
    rec = onboarded(100, 30, 1.0, 0.4, lining_installed_on=day(installed))[0]
    for form in (rec, as_columns(rec)):
        wear = assess(build_inputs(form, day(window_start), day(99))).wear_damage[0]
        assert wear[-1] == pytest.approx(0.4 + 70 / LIFE)  # days 30..99 at rated load
        if window_start == 0:
            assert wear[30] == pytest.approx(0.4 + 1 / LIFE)
    rec = onboarded(100, 30, 1.0, 0.4, lining_installed_on=day(30))[0]
    assert assess(build_inputs(rec, D0, day(99))).wear_damage[0][30] == pytest.approx(1 / LIFE)


def test_onboarding_wear_must_be_finite_and_non_negative() -> None:
    rec = onboarded(10, 0, 1.0, -0.1)[0]
    with pytest.raises(ValidationError, match="lining_wear_at_onboarding"):
        build_inputs(rec, D0, day(9))
