"""The crew layer where crews, not kilns, bind: 8 workers for 5 kilns with crews of 2. The
production layer's aggregate crew limits are only a relaxation there, the roster cannot staff
its choice, CP-SAT rosters the fixed production; every plan is checked and the gap reported."""

from __future__ import annotations

import pytest

import kilnguard.domain.planning.anytime as anytime
from kilnguard.domain.planning import PlanningProblem, PlanResult, PlanStatus
from kilnguard.domain.planning.check import check_plan
from kilnguard.domain.planning.greedy import greedy_plan
from kilnguard.domain.planning.synthetic import instance


@pytest.fixture(scope="module")
def tight() -> PlanningProblem:
    return instance(seed=5, sections=1, days=14, workers_per_section=8, crew_size=2)


def test_crews_are_what_binds(tight: PlanningProblem) -> None:
    ample = instance(seed=5, sections=1, days=14)  # same kilns and target, 30 workers, crews of 1
    assert [k.rated_capacity_t_per_day for k in tight.kilns] == [
        k.rated_capacity_t_per_day for k in ample.kilns
    ]
    # 8 workers make at most ~7 worker-shifts a day (rest, 6 days in 7): ~3 kiln-shifts of 15.
    assert greedy_plan(tight).total_output_t < 0.7 * greedy_plan(ample).total_output_t


def test_the_crew_layer_rosters_and_every_plan_is_checked_with_its_gap(
    tight: PlanningProblem, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[PlanResult | None] = []
    real = anytime._crew_layer

    def spy(*args: object, **kwargs: object) -> PlanResult | None:
        found = real(*args, **kwargs)  # type: ignore[arg-type]
        calls.append(found)
        return found

    monkeypatch.setattr(anytime, "_crew_layer", spy)
    seen: list[anytime.Progress] = []
    result = anytime.solve_safe_plan(tight, 8.0, on_progress=seen.append)
    assert calls, "the roster staffed the production layer's choice: crews did not bind"
    for found in calls:  # what the crew layer's CP-SAT rostered keeps every rule
        assert found is None or not check_plan(tight, found)
    assert all(not check_plan(tight, p.plan()) for p in seen[-3:])
    assert not check_plan(tight, result)
    assert result.status in (PlanStatus.OPTIMAL, PlanStatus.FEASIBLE)
    assert result.objective is not None and result.bound is not None and result.gap is not None
    assert 0.0 <= result.gap < 0.5 and result.bound <= result.objective + 1e-6
    assert seen[-1].gap == pytest.approx(result.gap, abs=1e-9)
    assert result.objective < (greedy_plan(tight).objective or 0.0)  # improved on greedy
