"""Wear as a constraint: lining damage at the end of the horizon stays within the limit in
every plan (greedy, CP-SAT, anytime), a relining starts it from 0, and the checker sees it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from kilnguard.domain.errors import ValidationError
from kilnguard.domain.planning import Kiln, MaintenanceTask, PlanningProblem, Target, Worker
from kilnguard.domain.planning.anytime import solve_safe_plan
from kilnguard.domain.planning.check import check_plan, check_wear
from kilnguard.domain.planning.greedy import greedy_plan
from kilnguard.domain.planning.pushing import plan_wear, price_of_pushing
from kilnguard.domain.planning.solver import solve_plan
from kilnguard.domain.planning.synthetic import START


def problem(limit: float | None, relining: bool = False) -> PlanningProblem:
    """One 40 t/d kiln, damage 0.5 of a 100-day lining, 20 days, a target it cannot meet."""
    tasks = (MaintenanceTask("R", "relining", 2, START + timedelta(days=12), True),)
    kiln = Kiln(
        "K",
        "K",
        "tunnel",
        40.0,
        crew_size=1,
        wear_damage=0.5,
        lining_design_life_days=100.0,
        campaign_limit_days=30,
        maintenance=tasks if relining else (),
        max_wear_damage=limit,
    )
    workers = tuple(Worker(f"W{i}", "A", frozenset({"tunnel"})) for i in range(6))
    target = Target("T", 2000.0, START + timedelta(days=19), frozenset({"K"}), START)
    return PlanningProblem(START, 20, (kiln,), workers, (target,))


def test_without_a_limit_the_kiln_wears_past_it_and_the_checker_says_so() -> None:
    free = problem(None)
    plan = greedy_plan(free)
    assert plan_wear(free, plan)["K"] == pytest.approx(0.5 + 20 * 40 / 4000)  # 0.7
    violations = check_wear(
        replace(free, kilns=(replace(free.kilns[0], max_wear_damage=0.6),)), plan
    )
    assert violations and "0.7000 > limit 0.6" in violations[0].message


@pytest.mark.parametrize("solve", ["greedy", "cp-sat", "anytime"])
def test_every_plan_stops_at_the_wear_limit(solve: str) -> None:
    capped = problem(0.6)  # 0.1 of a 100-day, 40 t/d lining left = 400 t
    if solve == "greedy":
        plan = greedy_plan(capped)
    elif solve == "cp-sat":
        plan = solve_plan(capped, time_limit_s=10)
    else:
        plan = solve_safe_plan(capped, 5.0)
    assert not check_plan(capped, plan)
    assert plan_wear(capped, plan)["K"] <= 0.6 + 1e-6
    assert plan.targets[0].planned_t == pytest.approx(400.0, abs=0.1)


def test_a_relining_starts_the_budget_from_zero() -> None:
    relined = problem(0.6, relining=True)
    plan = solve_safe_plan(relined, 5.0)
    assert not check_plan(relined, plan)
    assert plan_wear(relined, plan)["K"] <= 0.6 + 1e-6
    # Output before the relining is free; 0.6 × 4000 t after it: far more than 400 t.
    assert plan.targets[0].planned_t > 400.0 + 100.0


def test_the_price_of_pushing_shows_the_capped_damage() -> None:
    rows = price_of_pushing(problem(0.6), margins=(1.0, 2.0), time_limit_s=3.0)
    assert all(row.max_wear_damage <= 0.6 + 1e-6 for row in rows)
    assert rows[1].extra_t == pytest.approx(0.0, abs=0.1)  # pushing buys nothing: wear binds


def test_a_wear_limit_outside_its_range_names_the_field() -> None:
    with pytest.raises(ValidationError, match="max_wear_damage"):
        replace(problem(None).kilns[0], max_wear_damage=0.0)
