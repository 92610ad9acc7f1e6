"""Planner tests: hand-checkable optima, the shortfall explanation, status mapping, properties.

Every plan returned here is re-checked with the independent checker (plan_check), so a test
cannot pass on a plan that breaks a safety rule.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from kilnguard.domain.errors import ValidationError
from kilnguard.domain.planning import (
    Kiln,
    MaintenanceTask,
    PlanningProblem,
    PlanStatus,
    ShiftPattern,
    Target,
    Worker,
)
from kilnguard.domain.planning.check import check_plan
from kilnguard.domain.planning.explain import capacity_bound, plan
from kilnguard.domain.planning.greedy import greedy_plan, plan_objective
from kilnguard.domain.planning.pushing import miner_wear, price_of_pushing
from kilnguard.domain.planning.solver import PlanModelInvalid, map_status, solve_plan
from kilnguard.services.planning.charts import gantt_png, pushing_png

START = date(2021, 10, 4)


def one_kiln(
    days: int = 7,
    quantity_t: float = 60.0,
    deadline_day: int = 1,
    margin: float = 1.0,
    **kiln_kw: object,
) -> PlanningProblem:
    """1 kiln × 30 t/day, 3 × 8 h shifts, crew of 1, four posted workers."""
    kiln = Kiln("K1", "Kiln 1", "periodic", 30.0, crew_size=1, **kiln_kw)  # type: ignore[arg-type]
    workers = tuple(
        Worker(f"W{i}", f"C{i}", frozenset({"periodic"}), frozenset({"K1"})) for i in range(4)
    )
    target = Target(
        "T1", quantity_t, START + timedelta(days=deadline_day), frozenset({"K1"}), START
    )
    return PlanningProblem(START, days, (kiln,), workers, (target,), allowed_load_margin=margin)


def assert_valid(problem: PlanningProblem, result: object) -> None:
    violations = check_plan(problem, result)  # type: ignore[arg-type]
    assert violations == [], violations


def test_target_within_rating_is_met_with_the_fewest_night_shifts() -> None:
    # 60 t by the end of day 1 (2 days): a shift makes at most 30 / 3 = 10 t, so all six shifts
    # of days 0–1 must fire; two of them are nights. Objective = 6 worker-shifts + 2 night
    # extras = 8, nothing else fires (firing more only adds fatigue).
    problem = one_kiln(quantity_t=60.0, deadline_day=1)
    result = solve_plan(problem, time_limit_s=5)
    assert result.status is PlanStatus.OPTIMAL
    assert result.feasible
    assert result.objective == 8
    assert len(result.shifts) == 6
    assert sum(s.output_t for s in result.shifts) == pytest.approx(60.0)
    assert_valid(problem, result)


def test_objective_recomputed_from_the_plan_matches_the_solver() -> None:
    problem = one_kiln(quantity_t=75.0, deadline_day=3, margin=1.5)
    result = solve_plan(problem, time_limit_s=5)
    assert result.status is PlanStatus.OPTIMAL
    assert plan_objective(problem, result) == pytest.approx(result.objective)


def test_margin_above_rating_is_unused_when_the_target_fits_within_rating() -> None:
    # Same 60 t in 2 days with 150 % allowed: four day shifts at 15 t would avoid the nights
    # (fatigue 4) but cost 4 × (1500 + 2 × 750) = 12,000 overload units; rating costs 8.
    problem = one_kiln(quantity_t=60.0, deadline_day=1, margin=1.5)
    result = solve_plan(problem, time_limit_s=5)
    assert result.status is PlanStatus.OPTIMAL
    assert max(s.load_ratio for s in result.shifts) <= 1.0 + 1e-9
    assert_valid(problem, result)


def test_excess_above_rating_is_spread_evenly_over_shifts() -> None:
    # 75 t in 2 days at ≤ 150 %: 22,500 units over six shifts = 3,750 each (12.5 t, load
    # 1.25), exactly the first tier edge. A unit moved above 1.25 costs 1 + 2 = 3, the unit it
    # replaces below cost 1, so every uneven split is strictly worse: max load ratio 1.25.
    problem = one_kiln(quantity_t=75.0, deadline_day=1, margin=1.5)
    result = solve_plan(problem, time_limit_s=5)
    assert result.status is PlanStatus.OPTIMAL
    assert result.feasible
    assert max(s.load_ratio for s in result.shifts) == pytest.approx(1.25)
    assert_valid(problem, result)


def test_unmeetable_target_gives_shortfall_safe_maximum_and_earliest_date() -> None:
    # 100 t by day 2 (3 days × 30 t/day = 90 t): safe maximum 90 t; at 30 t/day the full
    # 100 t needs 3⅓ days, so the earliest safe date is day 3 (2021-10-07).
    problem = one_kiln(quantity_t=100.0, deadline_day=2)
    result = plan(problem, time_limit_s=5, search_time_limit_s=5)
    assert result.status is PlanStatus.OPTIMAL
    assert not result.feasible
    assert result.targets[0].shortfall_t == pytest.approx(10.0)
    assert result.max_safe_t["T1"] == pytest.approx(90.0)
    assert result.max_safe_proven["T1"]
    assert result.earliest_safe_date["T1"] == date(2021, 10, 7)
    assert any(
        line.startswith("kiln capacity: 1 kilns × 30 t/day × 3 days") and "= 90 t < 100 t" in line
        for line in result.binding
    ), result.binding
    assert_valid(problem, result)


def test_overdue_maintenance_is_scheduled_first_and_blocks_the_kiln() -> None:
    task = MaintenanceTask("R1", "relining", 2, START - timedelta(days=3), resets_wear=True)
    problem = one_kiln(days=5, quantity_t=150.0, deadline_day=4, maintenance=(task,))
    result = solve_plan(problem, time_limit_s=5)
    slot = result.maintenance[0]
    assert (slot.first_day, slot.last_day, slot.overdue) == (START, START + timedelta(1), True)
    assert all(s.day >= START + timedelta(days=2) for s in result.shifts)
    # 3 firing days × 30 t/day = 90 t of 150 t.
    assert result.targets[0].planned_t == pytest.approx(90.0)
    assert_valid(problem, result)


def test_campaign_limit_forces_a_stop_day() -> None:
    # Limit 2 days, 2 already run: day 0 must be a stop, then ≤ 2 firing days per 3.
    problem = one_kiln(
        days=6, quantity_t=500.0, deadline_day=5, campaign_limit_days=2, days_run_since_stop=2
    )
    result = solve_plan(problem, time_limit_s=5)
    fired = sorted({problem.day_of(s.day) for s in result.shifts})
    assert fired == [1, 2, 4, 5]
    assert result.targets[0].planned_t == pytest.approx(120.0)
    assert_valid(problem, result)


def test_twelve_hour_pattern_caps_each_worker_at_four_shifts_a_week() -> None:
    # 2 × 12 h: 48 h / 12 h = 4 shifts per 168 h per worker; two workers cover at most
    # 8 of the 14 shifts of a week.
    problem = replace(
        one_kiln(days=7, quantity_t=210.0, deadline_day=6),
        shift_pattern=ShiftPattern(shifts_per_day=2),
        workers=tuple(
            Worker(f"W{i}", "A", frozenset({"periodic"}), frozenset({"K1"})) for i in range(2)
        ),
    )
    result = solve_plan(problem, time_limit_s=5)
    assert len(result.shifts) == 8
    assert result.targets[0].planned_t == pytest.approx(8 * 15.0)
    assert_valid(problem, result)


def test_status_mapping_is_explicit_and_timeout_is_not_infeasible() -> None:
    assert map_status(cp_model.OPTIMAL) is PlanStatus.OPTIMAL
    assert map_status(cp_model.FEASIBLE) is PlanStatus.FEASIBLE
    assert map_status(cp_model.INFEASIBLE) is PlanStatus.INFEASIBLE
    assert map_status(cp_model.UNKNOWN) is PlanStatus.TIMEOUT
    assert PlanStatus.TIMEOUT is not PlanStatus.INFEASIBLE
    with pytest.raises(PlanModelInvalid):
        map_status(cp_model.MODEL_INVALID)


def test_invalid_input_names_the_field() -> None:
    with pytest.raises(ValidationError, match="rated_capacity_t_per_day"):
        Kiln("K", "K", "periodic", -1.0)
    with pytest.raises(ValidationError, match="extend horizon_days"):
        one_kiln(days=2, deadline_day=5)
    with pytest.raises(ValidationError, match="shifts_per_day"):
        ShiftPattern(shifts_per_day=5)


def komusan() -> PlanningProblem:
    """Synthetic Scenario A (reconstructed, SCENARIOS.md): 3 periodic kilns × 40 t/day, an
    additional 20,000 t due 2021-12-17 entered 2021-10-04, RF-2's relining 5 days overdue."""
    relining = MaintenanceTask("RF-2-reline", "relining", 5, date(2021, 9, 29), resets_wear=True)
    kilns = tuple(
        Kiln(
            f"RF-{i}",
            f"Refractory kiln {i}",
            "periodic",
            40.0,
            crew_size=2,
            wear_damage=0.9 if i == 2 else 0.4,
            maintenance=(relining,) if i == 2 else (),
        )
        for i in (1, 2, 3)
    )
    workers = tuple(
        Worker(f"W{k}{i}", f"crew {i % 4}", frozenset({"periodic"}), frozenset({f"RF-{k}"}))
        for k in (1, 2, 3)
        for i in range(8)
    )
    target = Target(
        "additional", 20_000.0, date(2021, 12, 17), frozenset(k.kiln_id for k in kilns), START
    )
    return PlanningProblem(START, 75, kilns, workers, (target,))


def test_komusan_target_cannot_be_met_safely_and_the_planner_says_why() -> None:
    # 75 days, 3 kilns × 40 t/day = 9,000 t nominal. Campaign limit 30 days: every kiln needs
    # 2 stop days in 75 (RF-2: 2 in the 70 days after its relining) → firing days 73 + 68 + 73
    # = 214 → 8,560 t, which the bound proves maximal. Full 20,000 t = 500 kiln-days: a
    # horizon of N days gives 2(N − ⌊N/31⌋) + (N − 5 − ⌊(N − 5)/31⌋) kiln-days: 499 at
    # N = 173, 502 at N = 174 → 2021-10-04 + 173 d = 2022-03-26.
    problem = komusan()
    result = plan(problem, time_limit_s=5, search_time_limit_s=3)
    assert not result.feasible
    assert result.max_safe_t["additional"] == pytest.approx(8560.0)
    assert result.max_safe_proven["additional"]
    assert result.earliest_safe_date["additional"] == date(2022, 3, 26)
    text = "\n".join(result.binding)
    assert (
        "kiln capacity: 3 kilns × 40 t/day × 75 days (2021-10-04..2021-12-17) = 9,000 t "
        "< 20,000 t" in text
    )
    assert "relining of kiln RF-2 (overdue since 2021-09-29, scheduled first) needs 5 days" in text
    assert "campaign limit of kiln RF-1" in text
    assert "target pressure: 20,000 t in 75 days needs 266.7 t/day = 2.22 ×" in text
    assert result.maintenance[0].first_day == START
    assert_valid(problem, result)


def test_capacity_bound_counts_campaign_stops_and_overdue_work() -> None:
    cap = capacity_bound(komusan(), komusan().targets[0])
    assert [k.firing_days for k in cap.kilns] == [73, 68, 73]
    assert cap.kiln_bound_t == pytest.approx(8560.0)


def test_greedy_baseline_keeps_every_rule() -> None:
    problem = komusan()
    assert_valid(problem, greedy_plan(problem))


class FakeReplay:
    """Stands in for the risk engine: red above rating, else green; records the calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, result: object) -> FakeReplay:
        self.calls += 1
        self.worst_level = (
            "red" if max((s.load_ratio for s in result.shifts), default=0) > 1 else "green"  # type: ignore[attr-defined]
        )
        return self


def test_price_of_pushing_reports_extra_tonnes_wear_and_replayed_level() -> None:
    # 100 t by day 2: 90 t at rating; 125 % makes 100 t (+10 t), so does 150 %.
    problem = one_kiln(quantity_t=100.0, deadline_day=2, lining_design_life_days=100.0)
    replay = FakeReplay()
    rows = price_of_pushing(problem, (1.0, 1.25, 1.5), replay, time_limit_s=5)
    assert replay.calls == 3
    assert [r.extra_t for r in rows] == pytest.approx([0.0, 10.0, 10.0])
    assert [r.worst_level for r in rows] == ["green", "red", "red"]
    # Miner, n = 1: 90 t / 30 t/d = 3 rated days / 100 d design life = 0.03; 100 t → 0.0333.
    assert rows[0].max_wear_damage == pytest.approx(0.03)
    assert rows[1].max_wear_damage == pytest.approx(100 / 30 / 100)
    for r in rows:
        assert_valid(replace(problem, allowed_load_margin=r.margin), r.plan)
    unreplayed = price_of_pushing(problem, (1.0,), None, time_limit_s=5)
    assert unreplayed[0].worst_level is None
    png = pushing_png(rows)
    gantt = gantt_png(problem, rows[0].plan)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert gantt[:8] == b"\x89PNG\r\n\x1a\n"


def test_miner_wear_restarts_after_relining() -> None:
    kiln = Kiln("K", "K", "periodic", 40.0, lining_design_life_days=10.0, wear_damage=0.95)
    assert miner_wear(kiln, [0.0, 0.0, 1.0, 2.0], relined_after=1) == pytest.approx(0.3)
    assert miner_wear(kiln, [1.0, 1.0], relined_after=None) == pytest.approx(1.15)


def test_checker_imports_no_solver() -> None:
    code = "import sys, kilnguard.domain.planning.check; sys.exit('ortools' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


@st.composite
def small_problems(draw: st.DrawFn) -> PlanningProblem:
    days = draw(st.integers(3, 8))
    spd = draw(st.sampled_from([2, 3]))
    n_kilns = draw(st.integers(1, 2))
    kilns = []
    for k in range(n_kilns):
        maintenance = ()
        if draw(st.booleans()):
            due = START + timedelta(days=draw(st.integers(-3, days + 2)))
            maintenance = (MaintenanceTask(f"M{k}", "inspection", draw(st.integers(1, 3)), due),)
        kilns.append(
            Kiln(
                f"K{k}",
                f"K{k}",
                draw(st.sampled_from(["periodic", "tunnel"])),
                draw(st.sampled_from([24.0, 30.0, 40.0])),
                crew_size=draw(st.integers(1, 2)),
                campaign_limit_days=draw(st.integers(1, 6)),
                days_run_since_stop=draw(st.integers(0, 6)),
                maintenance=maintenance,
            )
        )
    workers = []
    for w in range(draw(st.integers(1, 6))):
        away = draw(st.sets(st.integers(0, days - 1), max_size=2))
        workers.append(
            Worker(
                f"W{w}",
                f"C{w % 2}",
                frozenset(draw(st.sets(st.sampled_from(["periodic", "tunnel"]), min_size=1))),
                unavailable_days=frozenset(START + timedelta(days=d) for d in away),
            )
        )
    deadline = START + timedelta(days=draw(st.integers(0, days - 1)))
    target = Target(
        "T",
        draw(st.sampled_from([10.0, 50.0, 100.0, 400.0])),
        deadline,
        frozenset(k.kiln_id for k in kilns),
        START,
    )
    return PlanningProblem(
        START,
        days,
        tuple(kilns),
        tuple(workers),
        (target,),
        shift_pattern=ShiftPattern(shifts_per_day=spd),
        allowed_load_margin=draw(st.sampled_from([1.0, 1.5])),
    )


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems())
def test_no_returned_plan_breaks_a_rule_and_shortfalls_respect_the_bound(
    problem: PlanningProblem,
) -> None:
    result = solve_plan(problem, time_limit_s=3, hint=greedy_plan(problem))
    # Idling is always allowed, so a plan must exist; a timeout here is a real failure.
    assert result.status.has_plan, result.status
    assert_valid(problem, result)
    outcome = result.targets[0]
    assert outcome.planned_t + outcome.shortfall_t == pytest.approx(outcome.quantity_t)
    # The arithmetic capacity bound is an upper bound on every safe plan.
    assert outcome.planned_t <= capacity_bound(problem, problem.targets[0]).upper_bound_t + 1e-6
    if result.status is PlanStatus.OPTIMAL:
        # The optimum is never worse than the greedy baseline on the same objective.
        assert result.objective is not None
        assert result.objective <= plan_objective(problem, greedy_plan(problem)) + 1e-6
