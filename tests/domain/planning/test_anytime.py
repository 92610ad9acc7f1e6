"""The anytime planner: greedy first (checked), improved, never worse, in parts that add up."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kilnguard.domain.planning import Kiln, MaintenanceTask, PlanningProblem, PlanStatus
from kilnguard.domain.planning.anytime import Progress, floor_bound, solve_safe_plan
from kilnguard.domain.planning.check import check_plan
from kilnguard.domain.planning.decompose import join, split
from kilnguard.domain.planning.firing import best_firing
from kilnguard.domain.planning.greedy import greedy_plan, plan_objective
from kilnguard.domain.planning.synthetic import START, instance
from tests.domain.test_planning import small_problems


@pytest.fixture(scope="module")
def plant() -> PlanningProblem:
    """Two sections of five kilns over 28 days (the benchmark's small plant)."""
    return instance(seed=11, sections=2, days=28)


def test_sections_are_planned_apart_and_the_parts_add_up(plant: PlanningProblem) -> None:
    parts = split(plant)
    assert [len(p.kilns) for p in parts] == [5, 5]
    assert all(len(p.workers) == 30 and len(p.targets) == 1 for p in parts)
    whole = greedy_plan(plant)
    joined = join(plant, [greedy_plan(p) for p in parts], 0.0)
    assert joined.objective == pytest.approx(whole.objective)
    assert len(joined.shifts) == len(whole.shifts)
    assert not check_plan(plant, joined)


def test_a_part_keeps_the_whole_problems_deadline_weights(plant: PlanningProblem) -> None:
    early = replace(plant.targets[0], deadline=START + timedelta(days=6))
    problem = replace(plant, targets=(early, plant.targets[1]))
    first, second = split(problem)
    # Alone, the early target would weigh 1; in the whole problem it weighs 1 + 3 weeks.
    plans = [greedy_plan(first), greedy_plan(second)]
    assert join(problem, plans, 0.0).objective == pytest.approx(
        plan_objective(problem, greedy_plan(problem))
    )


def test_first_answer_is_the_checked_greedy_plan_then_better_ones(
    plant: PlanningProblem,
) -> None:
    seen: list[Progress] = []
    result = solve_safe_plan(plant, 8.0, on_progress=seen.append)
    greedy = greedy_plan(plant)
    assert seen[0].stage == "greedy"
    assert seen[0].objective == pytest.approx(greedy.objective)
    assert not check_plan(plant, seen[0].plan())
    objectives = [p.objective for p in seen]
    assert objectives == sorted(objectives, reverse=True)  # never worse than before
    assert all(p.bound <= p.objective + 1e-6 for p in seen)
    assert result.objective is not None and greedy.objective is not None
    assert result.objective < greedy.objective  # strictly better within 8 s
    assert result.objective == pytest.approx(plan_objective(plant, result))
    assert not check_plan(plant, result)
    assert result.bound is not None and result.bound <= result.objective


def test_cancel_returns_the_best_plan_so_far(plant: PlanningProblem) -> None:
    cancel = threading.Event()
    cancel.set()
    result = solve_safe_plan(plant, 60.0, cancel=cancel)
    assert result.runtime_s < 5.0
    assert not check_plan(plant, result)
    assert result.objective is not None
    assert result.objective <= (greedy_plan(plant).objective or 0.0)


def test_floor_bound_is_below_every_plan(plant: PlanningProblem) -> None:
    result = solve_safe_plan(plant, 3.0)
    assert result.objective is not None
    assert floor_bound(plant) <= result.objective


def _fires(days: list[int], limit: int, run0: int) -> bool:
    run = run0
    for d in range(max(days, default=-1) + 1):
        run = run + 1 if d in days else 0
        if run > limit:
            return False
    return True


def test_best_firing_pattern_is_the_most_firing_days_by_brute_force() -> None:
    task = MaintenanceTask("M", "relining", 2, START + timedelta(days=9))
    kiln = Kiln(
        "K", "K", "tunnel", 40.0, campaign_limit_days=3, days_run_since_stop=2, maintenance=(task,)
    )
    problem = PlanningProblem(START, 10, (kiln,), ())
    best = best_firing(problem, kiln)
    assert best is not None
    most = 0
    for mask in range(1 << 10):
        days = [d for d in range(10) if mask >> d & 1]
        for start in range(0, 8):
            if any(start <= d < start + 2 for d in days) or not _fires(days, 3, 2):
                continue
            most = max(most, len(days))
    assert len(best.days) == most
    s = best.starts["M"]
    assert not set(best.days) & {s, s + 1}


def doubled(problem: PlanningProblem) -> PlanningProblem:
    """The plant and a copy of it that shares no worker or target: planned as two parts."""
    ids = frozenset(k.kiln_id for k in problem.kilns)

    def copy_kiln(k: Kiln) -> Kiln:
        tasks = tuple(replace(m, task_id=m.task_id + "'") for m in k.maintenance)
        return replace(k, kiln_id=k.kiln_id + "'", maintenance=tasks)

    own = tuple(replace(w, kiln_ids=ids) for w in problem.workers)
    copies = tuple(
        replace(w, worker_id=w.worker_id + "'", kiln_ids=frozenset(i + "'" for i in ids))
        for w in problem.workers
    )
    targets = tuple(
        replace(t, target_id=t.target_id + "'", kiln_ids=frozenset(i + "'" for i in t.kiln_ids))
        for t in problem.targets
    )
    return replace(
        problem,
        kilns=problem.kilns + tuple(copy_kiln(k) for k in problem.kilns),
        workers=own + copies,
        targets=problem.targets + targets,
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems(), st.booleans())
def test_every_returned_plan_keeps_every_rule(problem: PlanningProblem, twice: bool) -> None:
    if twice:
        problem = doubled(problem)
    seen: list[Progress] = []
    result = solve_safe_plan(problem, 2.0, on_progress=seen.append)
    assert result.status.has_plan
    for progress in (seen[0], seen[-1]):
        assert not check_plan(problem, progress.plan())
    assert not check_plan(problem, result)
    assert result.objective is not None
    assert result.objective <= (greedy_plan(problem).objective or 0.0) + 1e-6
    if result.status is PlanStatus.OPTIMAL:
        assert result.bound is not None
        assert result.objective <= result.bound + 1e-6
