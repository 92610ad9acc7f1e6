"""Risk engine: threshold edges, monotonicity properties, columnar == reference loop."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kilnguard.domain.errors import ValidationError
from kilnguard.domain.risk import (
    AMBER,
    GREEN,
    RED,
    STOP,
    AlarmState,
    ChangeControlState,
    Deferral,
    KilnSpec,
    MaintenancePlan,
    PlannedStop,
    ProductionRecord,
    Records,
    RiskConfig,
    ShiftRecord,
    Target,
    WorkOrder,
    assess,
    assess_reference,
    build_inputs,
    crew_fatigue,
    explain,
)

D0 = date(2024, 3, 1)
#: isolates the R thresholds from the load hard rule and the overload dose (tested on their own)
NO_LOAD_RULE = RiskConfig(red_load_ratio=1e9, overload_dose_per_window=0.0)


def kiln(
    kid: str = "K1", rated: float = 1.0, life: float = 1000.0, limit: float = 1000.0
) -> KilnSpec:
    return KilnSpec(kid, f"kiln {kid}", "periodic", "E", rated, life, limit)


def day(i: int) -> date:
    return D0 + timedelta(days=i)


def level_on_last_day(records: Records, n_days: int, config: RiskConfig | None = None) -> int:
    inputs = build_inputs(records, D0, day(n_days - 1), config)
    return int(assess(inputs, config).levels[0, -1])


def one_day_load(output_t: float, config: RiskConfig) -> int:
    rec = Records([kiln()], [ProductionRecord("K1", D0, output_t, 24.0)])
    return level_on_last_day(rec, 1, config)


# ---------------------------------------------------------------- threshold edges


@pytest.mark.parametrize(
    ("threshold", "below", "at"),
    [("amber_at", GREEN, AMBER), ("red_at", AMBER, RED), ("stop_at", RED, STOP)],
)
def test_each_risk_ratio_threshold_is_inclusive_at_its_edge(
    threshold: str, below: int, at: int
) -> None:
    value = float(getattr(NO_LOAD_RULE, threshold))  # load ratio r → R = r (n = 1, rating 1 t)
    assert one_day_load(float(np.nextafter(value, 0.0)), NO_LOAD_RULE) == below
    assert one_day_load(value, NO_LOAD_RULE) == at
    assert one_day_load(float(np.nextafter(value, 99.0)), NO_LOAD_RULE) == at


def test_default_thresholds_are_the_documented_values() -> None:
    cfg = RiskConfig()
    assert (cfg.amber_at, cfg.red_at, cfg.stop_at) == (1.6, 10**0.5, 10.0)
    assert cfg.red_load_ratio == 2.0 and cfg.ipl_overdue_stop_days == 7.0


def test_load_hard_rule_makes_twice_the_rating_red_and_just_below_amber() -> None:
    cfg = RiskConfig()
    assert one_day_load(float(np.nextafter(2.0, 0.0)), cfg) == AMBER
    assert one_day_load(2.0, cfg) == RED
    assert one_day_load(2.5, cfg) == RED


def test_seven_day_mean_counts_for_the_load_rule_even_on_a_light_day() -> None:
    prod = [ProductionRecord("K1", day(i), 2.5, 24.0) for i in range(6)]
    prod.append(ProductionRecord("K1", day(6), 0.5, 24.0))  # mean (15 + 0.5) / 7 = 2.21
    assert level_on_last_day(Records([kiln()], prod), 7) == RED


@pytest.mark.parametrize(("overdue_days", "expected"), [(6, False), (7, False), (8, True)])
def test_protection_layer_proof_test_overdue_stops_firing_only_beyond_seven_days(
    overdue_days: int, expected: bool
) -> None:
    plan = MaintenancePlan("P", "K1", "interlock proof test", 1e6, protects_ipl=True)
    wo = WorkOrder("W", "P", day(0))
    n = overdue_days + 1
    prod = [ProductionRecord("K1", day(i), 0.5, 8.0) for i in range(n)]
    level = level_on_last_day(Records([kiln()], prod, plans=[plan], work_orders=[wo]), n)
    assert (level == STOP) is expected


def test_overdue_proof_test_does_not_stop_a_kiln_that_is_not_firing() -> None:
    plan = MaintenancePlan("P", "K1", "interlock proof test", 1e6, protects_ipl=True)
    wo = WorkOrder("W", "P", day(0))
    rec = Records([kiln()], [], plans=[plan], work_orders=[wo])
    assert level_on_last_day(rec, 20) == GREEN


def test_maintenance_factor_is_time_since_due_over_interval() -> None:
    plan = MaintenancePlan("P", "K1", "refractory inspection", 30.0)
    wo = WorkOrder("W", "P", day(0), None, (Deferral(day(3), "production target", "boss"),))
    inputs = build_inputs(Records([kiln()], plans=[plan], work_orders=[wo]), D0, day(30))
    res = assess(inputs)
    assert res.rr_maint[0, 0] == 1.0 and res.rr_maint[0, 21] == 1.0 + 21 / 30
    assert res.maint_deferrals[0, 2] == 0 and res.maint_deferrals[0, 3] == 1
    assert "21 days overdue" in explain(res, 0, 21).text
    assert "deferred once: 'production target'" in explain(res, 0, 21).text
    assert res.levels[0, 17] == GREEN and res.levels[0, 18] == AMBER  # 1 + 18/30 = 1.6


@pytest.mark.parametrize(("quantity", "flagged"), [(9.0, False), (10.0, False), (10.5, True)])
def test_target_pressure_flags_only_above_one_on_the_day_it_is_entered(
    quantity: float, flagged: bool
) -> None:
    tg = Target("T", ("K1",), quantity, day(2), day(11), "ministry")  # 10 days at 1 t/day
    inputs = build_inputs(Records([kiln()], targets=[tg]), D0, day(5))
    res = assess(inputs)
    assert res.target_pressure[0, 1] == 0.0
    assert res.target_pressure[0, 2] == pytest.approx(quantity / 10.0)
    assert bool(res.levels[0, 2] >= AMBER) is flagged


@pytest.mark.parametrize(("n_days", "expected"), [(3, GREEN), (4, AMBER), (5, AMBER)])
def test_lining_beyond_design_life_is_amber_from_damage_one(n_days: int, expected: int) -> None:
    prod = [ProductionRecord("K1", day(i), 1.0, 24.0) for i in range(n_days)]
    rec = Records([kiln(life=4.0)], prod)
    assert level_on_last_day(rec, n_days) == expected  # D = 0.75, 1.0, 1.25


def test_continuous_operation_factor_grows_past_the_campaign_limit() -> None:
    prod = [ProductionRecord("K1", day(i), 0.9, 24.0) for i in range(40)]
    stop = PlannedStop("K1", day(0), day(0))
    inputs = build_inputs(Records([kiln(limit=20.0)], prod, [stop]), D0, day(39))
    res = assess(inputs)
    assert res.continuous_days[0, 20] == 20 and res.rr_continuous[0, 20] == 1.0
    assert res.rr_continuous[0, 30] == 1.5


@pytest.mark.parametrize(("alarms", "expected"), [(0, GREEN), (1, AMBER), (2, RED), (5, RED)])
def test_active_high_priority_alarms_set_a_floor(alarms: int, expected: int) -> None:
    rec = Records([kiln()], alarms=[AlarmState("K1", D0, alarms, "shell hot spot")])
    assert level_on_last_day(rec, 1) == expected


@pytest.mark.parametrize("severity", [0, 1, 2, 3])
def test_change_control_severity_is_a_level_floor(severity: int) -> None:
    rec = Records([kiln()], change_control=[ChangeControlState("K1", D0, severity, "x")])
    assert level_on_last_day(rec, 1) == severity


def test_bad_thresholds_and_records_are_rejected_with_the_field_named() -> None:
    with pytest.raises(ValidationError, match="amber_at"):
        RiskConfig(amber_at=3.0, red_at=2.0)
    with pytest.raises(ValidationError, match="rated_capacity"):
        build_inputs(Records([kiln(rated=0.0)]), D0, D0)
    with pytest.raises(ValidationError, match="output_t"):
        build_inputs(Records([kiln()], [ProductionRecord("K1", D0, -1.0, 1.0)]), D0, D0)


def test_records_after_as_of_are_not_read() -> None:
    prod = [ProductionRecord("K1", day(i), 1.0 + i, 24.0) for i in range(10)]
    full = assess(build_inputs(Records([kiln()], prod), D0, day(9)))
    short = assess(build_inputs(Records([kiln()], prod), D0, day(4)))
    assert np.array_equal(full.levels[:, :5], short.levels)
    assert np.array_equal(full.risk_ratio[:, :5], short.risk_ratio)


def test_explanation_lists_barriers_worst_first_with_units() -> None:
    plan = MaintenancePlan("P", "K1", "refractory inspection", 30.0)
    wo = WorkOrder("W", "P", day(0))
    prod = [ProductionRecord("K1", day(i), 2.6, 24.0) for i in range(15)]
    res = assess(build_inputs(Records([kiln()], prod, plans=[plan], work_orders=[wo]), D0, day(14)))
    ex = explain(res, 0, 14)
    assert [f.barrier for f in ex.findings] == ["operating envelope", "equipment integrity"]
    assert ex.findings[0].factor >= ex.findings[1].factor
    assert "load 2.6× rating" in ex.text and "above rating for 15 days" in ex.text
    assert "14 days overdue" in ex.text


# ---------------------------------------------------------------- generated histories

EXACT = [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0]


@st.composite
def histories(draw: st.DrawFn) -> tuple[Records, int]:
    n_k = draw(st.integers(1, 3))
    n_d = draw(st.integers(1, 40))
    kilns = [
        KilnSpec(
            f"K{i}",
            f"kiln {i}",
            draw(st.sampled_from(["periodic", "test"])),
            "E",
            draw(st.sampled_from([0.5, 1.0, 2.0])),
            draw(st.sampled_from([4.0, 16.0, 64.0])),
            draw(st.sampled_from([5.0, 10.0, 90.0])),
            lining_installed_on=draw(st.none() | st.just(day(-3))),
        )
        for i in range(n_k)
    ]
    prod, stops, plans, wos, targets, shifts, ccs, alarms = [], [], [], [], [], [], [], []
    for k in kilns:
        for i in range(-7, n_d):
            x = draw(st.sampled_from(EXACT))
            prod.append(
                ProductionRecord(
                    k.kiln_id,
                    day(i),
                    x * k.rated_capacity_t_per_day,
                    24.0 if x else 0.0,
                    draw(st.integers(0, 1)),
                )
            )
        for _ in range(draw(st.integers(0, 2))):
            a = draw(st.integers(-10, n_d))
            stops.append(
                PlannedStop(
                    k.kiln_id, day(a), day(a + draw(st.integers(0, 2))), draw(st.booleans())
                )
            )
        for j in range(draw(st.integers(0, 3))):
            pid = f"{k.kiln_id}-p{j}"
            plans.append(
                MaintenancePlan(
                    pid,
                    k.kiln_id,
                    f"task {j}",
                    draw(st.sampled_from([4.0, 8.0, 30.0])),
                    draw(st.booleans()),
                    draw(st.booleans()),
                    draw(st.booleans()),
                )
            )
            for m in range(draw(st.integers(0, 2))):
                due = draw(st.integers(-10, n_d))
                done = draw(st.none() | st.integers(due - 2, n_d + 3))
                defs = tuple(
                    Deferral(
                        day(due + draw(st.integers(-2, 6))),
                        draw(st.sampled_from(["target", "no crew"])),
                        "boss",
                    )
                    for _ in range(draw(st.integers(0, 2)))
                )
                wos.append(
                    WorkOrder(
                        f"{pid}-{m}", pid, day(due), None if done is None else day(done), defs
                    )
                )
        for c in range(draw(st.integers(0, 2))):
            for i in range(-3, n_d):
                if draw(st.booleans()):
                    hour = draw(st.sampled_from([6, 7, 14, 19, 22, 23]))
                    length = draw(st.sampled_from([8, 10, 12, 14]))
                    s = datetime(day(i).year, day(i).month, day(i).day, hour, tzinfo=UTC)
                    for w in range(draw(st.integers(1, 2))):
                        shifts.append(
                            ShiftRecord(
                                f"{k.kiln_id}-c{c}-w{w}",
                                f"c{c}",
                                k.kiln_id,
                                s,
                                s + timedelta(hours=length),
                            )
                        )
        if draw(st.booleans()):
            i = draw(st.integers(0, n_d - 1))
            ccs.append(ChangeControlState(k.kiln_id, day(i), draw(st.integers(0, 3)), "why"))
        if draw(st.booleans()):
            i = draw(st.integers(0, n_d - 1))
            alarms.append(AlarmState(k.kiln_id, day(i), draw(st.integers(0, 3)), "CO high"))
    for t in range(draw(st.integers(0, 3))):
        scope = tuple(k.kiln_id for k in kilns if draw(st.booleans())) or (kilns[0].kiln_id,)
        e = draw(st.integers(-5, n_d))
        targets.append(
            Target(
                f"T{t}",
                scope,
                draw(st.sampled_from([5.0, 40.0, 300.0])),
                day(e),
                day(e + draw(st.integers(0, 30))),
                "ministry",
                draw(st.booleans()),
            )
        )
    return Records(kilns, prod, stops, targets, plans, wos, shifts, ccs, alarms), n_d


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(histories())
def test_columnar_engine_matches_the_reference_loop_levels_and_explanations(
    h: tuple[Records, int],
) -> None:
    records, n_d = h
    inputs = build_inputs(records, D0, day(n_d - 1))
    res = assess(inputs)
    ref = assess_reference(inputs)
    assert res.levels.tolist() == ref.levels
    for k in range(inputs.n_kilns):
        for d in range(n_d):
            mine, theirs = explain(res, k, d), ref.explanations[k][d]
            assert mine.text == theirs.text
            assert [(f.barrier, f.level, f.facts) for f in mine.findings] == [
                (f.barrier, f.level, f.facts) for f in theirs.findings
            ]
            # NumPy's vectorised exp/cos may differ from libm's by one ulp (fatigue factors)
            assert mine.risk_ratio == pytest.approx(theirs.risk_ratio, rel=1e-12)


def _levels(records: Records, n_d: int) -> np.ndarray:
    return assess(build_inputs(records, D0, day(n_d - 1))).levels


@SETTINGS
@given(histories(), st.data())
def test_more_load_never_lowers_a_level(h: tuple[Records, int], data: st.DataObject) -> None:
    records, n_d = h
    extra = data.draw(
        st.lists(
            st.sampled_from([0.0, 0.5, 1.0]),
            min_size=len(records.production),
            max_size=len(records.production),
        )
    )
    more = [
        replace(p, output_t=p.output_t + x, hours_fired=max(p.hours_fired, 24.0 * (x > 0)))
        for p, x in zip(records.production, extra, strict=True)
    ]
    assert (_levels(replace(records, production=more), n_d) >= _levels(records, n_d)).all()


@SETTINGS
@given(histories(), st.data())
def test_more_overdue_maintenance_never_lowers_a_level(
    h: tuple[Records, int], data: st.DataObject
) -> None:
    """Due earlier or done later. A relining done later leaves a *newer* lining afterwards, so
    for lining-renewing tasks only the due date moves (the wear model, not this rule, governs)."""
    records, n_d = h
    renews = {p.plan_id for p in records.plans if p.renews_lining}
    later = []
    for wo in records.work_orders:
        delay = data.draw(st.integers(0, 10))
        if wo.done_on is None or wo.plan_id in renews or data.draw(st.booleans()):
            later.append(replace(wo, due_on=wo.due_on - timedelta(days=delay)))
        else:
            later.append(replace(wo, done_on=wo.done_on + timedelta(days=delay)))
    assert (_levels(replace(records, work_orders=later), n_d) >= _levels(records, n_d)).all()


@st.composite
def day_rosters(draw: st.DrawFn) -> tuple[list[tuple[int, int]], int]:
    """Day-shift rosters (07:00 starts): (day, length_h) worked; used for 'less rest'."""
    n_d = draw(st.integers(3, 30))
    worked = [
        (i, draw(st.sampled_from([8, 10, 12, 14, 15])))
        for i in range(-7, n_d)
        if draw(st.booleans())
    ]
    return worked, n_d


def _roster_records(worked: list[tuple[int, int]]) -> Records:
    shifts = []
    for i, length in worked:
        s = datetime(day(i).year, day(i).month, day(i).day, 7, tzinfo=UTC)
        shifts.append(ShiftRecord("w1", "A", "K1", s, s + timedelta(hours=length)))
    prod = [ProductionRecord("K1", day(i), 1.5, 24.0) for i in range(-7, 40)]
    return Records([kiln()], prod, shifts=shifts)


@SETTINGS
@given(day_rosters(), st.data())
def test_less_rest_never_lowers_a_level(
    r: tuple[list[tuple[int, int]], int], data: st.DataObject
) -> None:
    """Less rest = longer shifts or an off day worked (day shifts, 07:00 starts)."""
    worked, n_d = r
    longer = [
        (i, max(length, data.draw(st.sampled_from([8, 10, 12, 14, 15])))) for i, length in worked
    ]
    days = {i for i, _ in longer}
    extra = [(i, 8) for i in range(-7, n_d) if i not in days and data.draw(st.booleans())]
    less_rest = sorted(longer + extra)
    base = _levels(_roster_records(worked), n_d)
    assert (_levels(_roster_records(less_rest), n_d) >= base).all()


@SETTINGS
@given(histories(), st.data())
def test_a_later_window_carries_in_history_and_agrees_with_the_longer_replay(
    h: tuple[Records, int], data: st.DataObject
) -> None:
    """Wear, rolling load and overload dose, planned stops, overdue work orders and targets carry
    in exactly.

    Rosters are left out: the fatigue model restarts from a 14-day warm-up by design.
    """
    records, n_d = h
    anchor = [PlannedStop(k.kiln_id, day(-20), day(-20)) for k in records.kilns]
    rec = replace(records, shifts=[], stops=[*records.stops, *anchor])
    offset = data.draw(st.integers(0, n_d - 1))
    long = assess(build_inputs(rec, day(-7), day(n_d - 1)))
    short = assess(build_inputs(rec, day(offset), day(n_d - 1)))
    cut = offset + 7
    assert np.array_equal(long.levels[:, cut:], short.levels)
    assert np.array_equal(long.risk_ratio[:, cut:], short.risk_ratio)
    assert np.array_equal(long.wear_damage[:, cut:], short.wear_damage)
    assert np.array_equal(long.overload_dose[:, cut:], short.overload_dose)


def test_shift_times_are_moved_to_plant_local_days() -> None:
    # 22:00-06:00 UTC is 07:00-15:00 at UTC+9: a day shift on the next local day
    s = datetime(2024, 3, 1, 22, tzinfo=UTC)
    shift = ShiftRecord("w", "A", "K1", s, s + timedelta(hours=8))
    inputs = build_inputs(Records([kiln()], shifts=[shift]), D0, day(2), utc_offset_h=9.0)
    fat = assess(inputs).fatigue
    assert fat.has_shifts[0].tolist() == [False, True, False]
    assert not bool(fat.per_shift.is_night[0])


@pytest.mark.parametrize(("kss", "factor"), [(7.9, 1.0), (8.0, 1.0), (9.0, 1.72)])
def test_the_sleepiest_worker_adds_a_factor_only_above_kss_eight(kss: float, factor: float) -> None:
    s = datetime(2024, 3, 1, 7, tzinfo=UTC)
    shift = ShiftRecord("w", "A", "K1", s, s + timedelta(hours=8))
    inputs = build_inputs(Records([kiln()], shifts=[shift]), D0, D0)
    fat = crew_fatigue(inputs)
    forced = replace(fat, kss_worst=np.full((1, 1), kss), shift_rr=np.ones((1, 1)))
    res = assess(inputs, fatigue=forced)
    assert res.rr_kss[0, 0] == pytest.approx(factor)
    assert res.factors[2, 0, 0] == pytest.approx(factor)
