"""The adopted plan read back by the next planning run: carried over where still feasible,
checked, kept as the starting plan when it beats greedy, and compared with the new plan."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta

import pytest

import kilnguard.domain.planning.anytime as anytime
from kilnguard.domain.planning import MaintenanceTask, PlanningProblem
from kilnguard.domain.planning.check import check_plan
from kilnguard.domain.planning.decompose import split
from kilnguard.domain.planning.greedy import greedy_plan
from kilnguard.domain.planning.previous import (
    PreviousPlan,
    carry_over,
    difference,
    place_maintenance,
)
from kilnguard.domain.planning.synthetic import START, instance


@pytest.fixture(scope="module")
def plant() -> PlanningProblem:
    """The benchmark's 10-kiln plant over 28 days (two sections of five kilns)."""
    return instance(seed=11, sections=2, days=28)


@pytest.fixture(scope="module")
def adopted(plant: PlanningProblem) -> PreviousPlan:
    """A plan adopted for the plant: the anytime planner's after 6 s."""
    return PreviousPlan.of("7", anytime.solve_safe_plan(plant, 6.0))


def test_the_adopted_plan_carries_over_onto_the_same_question_unchanged(
    plant: PlanningProblem, adopted: PreviousPlan
) -> None:
    carried = carry_over(plant, adopted)
    assert carried is not None and not check_plan(plant, carried)
    again = PreviousPlan.of("again", carried)
    assert again.output_t == pytest.approx(dict(adopted.output_t))
    changes = difference(adopted, carried)
    assert changes and all(c.change_t == pytest.approx(0) and not c.shifts_moved for c in changes)


def test_a_week_later_only_the_days_left_carry_over_and_the_plan_is_checked(
    plant: PlanningProblem, adopted: PreviousPlan
) -> None:
    later = replace(plant, horizon_start=START + timedelta(days=7), horizon_days=28)
    carried = carry_over(later, adopted)
    assert carried is not None and not check_plan(later, carried)
    assert min(s.day for s in carried.shifts) >= later.horizon_start
    kept = {k: o for k, o in adopted.output_t.items() if k[1] >= later.horizon_start}
    assert carried.total_output_t <= sum(kept.values()) + 1e-6
    # The new plan fires nothing the adopted one planned before the new horizon.
    changes = difference(adopted, carried)
    assert sum(c.previous_t for c in changes) == pytest.approx(sum(kept.values()), rel=1e-6)


def test_a_lower_load_margin_caps_the_carried_output(
    plant: PlanningProblem, adopted: PreviousPlan
) -> None:
    pushed = {k: o * 1.5 for k, o in adopted.output_t.items()}
    carried = carry_over(plant, PreviousPlan("pushed", pushed))
    assert carried is not None and not check_plan(plant, carried)
    assert max(s.load_ratio for s in carried.shifts) <= plant.allowed_load_margin + 1e-6


def test_maintenance_goes_where_the_adopted_plan_leaves_the_kiln_idle(
    plant: PlanningProblem,
) -> None:
    kiln = plant.kilns[0]
    task = MaintenanceTask("K-M", "relining", 3, START + timedelta(days=20), True)
    problem = replace(plant, kilns=(replace(kiln, maintenance=(task,)), *plant.kilns[1:]))
    busy = {(kiln.kiln_id, START + timedelta(days=d), 0): 10.0 for d in range(5)}
    assert place_maintenance(problem, PreviousPlan("p", busy))["K-M"] == 5
    everywhere = {
        (kiln.kiln_id, START + timedelta(days=d), 0): 10.0 for d in range(problem.horizon_days)
    }
    start = place_maintenance(problem, PreviousPlan("p", everywhere))["K-M"]
    assert start == 0  # no room: the task wins, the output on its days is dropped
    carried = carry_over(problem, PreviousPlan("p", everywhere))
    assert carried is not None and not check_plan(problem, carried)
    assert not {s.day for s in carried.shifts if s.kiln_id == kiln.kiln_id} & {
        START + timedelta(days=d) for d in range(3)
    }


def test_the_next_run_starts_from_the_adopted_plan_and_says_so(
    plant: PlanningProblem, adopted: PreviousPlan
) -> None:
    seen: list[anytime.Progress] = []
    result = anytime.solve_safe_plan(plant, 3.0, on_progress=seen.append, previous=adopted)
    greedy = greedy_plan(plant).objective or 0.0
    carried = carry_over(plant, adopted)
    assert carried is not None and (carried.objective or 0.0) < greedy
    # Before any solve: the adopted plan is the incumbent (no worse than it from then on).
    assert min(p.objective for p in seen if p.stage != "greedy") <= (carried.objective or 0.0)
    assert result.objective is not None and result.objective <= (carried.objective or 0.0)
    assert any("previous plan 7: carried over in 2 of 2 part(s), kept" in n for n in result.notes)
    assert not check_plan(plant, result)


def test_parts_with_a_thread_each_get_the_whole_budget_in_one_solve(
    plant: PlanningProblem, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The production layer of the 10-kiln plant is not cut at 4 s and restarted (the cause
    of its 0-2 % gap at 60 s): with two parts and two threads, each first solve gets it all."""
    budgets: list[float] = []
    monkeypatch.setattr(anytime, "_improve", lambda search, i, left: budgets.append(left))
    anytime.solve_safe_plan(plant, 20.0)
    assert len(split(plant)) == anytime.PARALLEL_PARTS
    assert budgets[:2] and min(budgets[:2]) > anytime._FIRST_ROUND_S * 2
    many = instance(seed=11, sections=4, days=14)
    budgets.clear()
    anytime.solve_safe_plan(many, 20.0)
    assert max(budgets[:4]) <= anytime._FIRST_ROUND_S + 1e-9
    assert math.isfinite(sum(budgets))
