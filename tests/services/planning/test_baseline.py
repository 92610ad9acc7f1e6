"""The adopted plan as baseline: planned vs recorded tonnes per kiln and week."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from kilnguard.domain.errors import NotFound
from kilnguard.services import planning as ps
from kilnguard.services.planning.baseline import planned_vs_actual
from kilnguard.store import db as store_db
from tests.services.test_planning_service import demo, principal, report

__all__ = ["demo", "report"]  # the planning service tests' module fixtures, reused


def test_planned_vs_actual_per_kiln_and_week_of_the_adopted_plan(
    demo: Engine, report: ps.PlanReport
) -> None:
    manager = principal(demo, "manager")
    with store_db.unit_of_work(demo) as s:
        ps.adopt_plan(s, manager, report)
    end = report.inp.problem.horizon_end
    with store_db.unit_of_work(demo) as s:
        weeks = planned_vs_actual(s, manager, report.inp.enterprise_id, until=end)
        # The demo holds what Komusan really made after the day it planned from (Scenario A).
        recorded = planned_vs_actual(s, manager, report.inp.enterprise_id)
    assert weeks and all(w.week_start.weekday() == 0 for w in weeks)
    assert sum(w.planned_t for w in weeks) == pytest.approx(report.result.total_output_t, abs=0.5)
    assert recorded and any(w.actual_t > w.planned_t for w in recorded)  # pushed past the plan
    assert all(w.deviation_t == pytest.approx(w.actual_t - w.planned_t, abs=0.01) for w in recorded)
    assert {w.kiln for w in weeks} <= {k.name for k in report.inp.problem.kilns}
    assert min(w.week_start for w in weeks) <= report.inp.problem.horizon_start
    assert max(w.week_start for w in weeks) > report.inp.problem.horizon_start + dt.timedelta(7)
    with store_db.unit_of_work(demo) as s, pytest.raises(NotFound):
        planned_vs_actual(s, principal(demo, "chongjin-manager"), report.inp.enterprise_id)
