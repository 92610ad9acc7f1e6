"""The production layer checked against a second solver: CP-SAT (shift level) and HiGHS
(day level, an independent formulation) reach the same optimum on the small instance."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from ortools.sat.python import cp_model

from kilnguard.domain.planning.constraints import build_production_model
from kilnguard.domain.planning.decompose import split
from kilnguard.domain.planning.synthetic import instance

ROOT = Path(__file__).resolve().parents[3]


def highs_optimum(seed: int, sections: int, days: int) -> float:
    """HiGHS's optimum, solved in a child process (see ``highs_production``)."""
    args = [str(seed), str(sections), str(days)]
    done = subprocess.run(
        [sys.executable, "-m", "tests.domain.planning.highs_production", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return float(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("seed", [11, 7])
def test_cp_sat_and_highs_reach_the_same_production_optimum(seed: int) -> None:
    part = split(instance(seed=seed, sections=2, days=14))[0]  # as highs_production reads it
    # Crews are ample (HiGHS leaves them out): 30 workers for 5 kilns × 3 shifts a day.
    assert len(part.workers) >= 2 * 3 * len(part.kilns)
    model, _ctx = build_production_model(part)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 60
    solver.parameters.num_workers = 2
    assert solver.solve(model) == cp_model.OPTIMAL
    assert solver.objective_value == pytest.approx(highs_optimum(seed, 2, 14), abs=0.5)
