"""The adopted plan as a risk forecast: the engine over the history plus the plan's days."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, func, select

from kilnguard.domain.errors import NotFound
from kilnguard.services import planning as ps
from kilnguard.services.access import SYSTEM
from kilnguard.services.planning.forecast import LEVELS_ABOVE_GREEN, plan_forecast
from kilnguard.store import db as store_db
from kilnguard.store import models as m
from tests.services.test_planning_service import demo, principal, report

__all__ = ["demo", "report"]  # the planning service tests' module fixtures, reused


def test_no_adoption_no_forecast(demo: Engine, report: ps.PlanReport) -> None:
    with store_db.unit_of_work(demo) as s:
        assert plan_forecast(s, SYSTEM, report.inp.enterprise_id) is None
        with pytest.raises(NotFound):
            plan_forecast(s, principal(demo, "chongjin-manager"), report.inp.enterprise_id)


def test_the_plan_adopted_on_4_oct_forecast_after_the_recorded_days(
    demo: Engine, report: ps.PlanReport
) -> None:
    """Komusan adopted the safe plan on 4 Oct; its records ran hot until the explosion. The
    forecast as adopted is the replay of the plan the planner showed; the forecast now starts
    after the last record, from the state the recorded history left, and has risen."""
    manager = principal(demo, "manager")
    with store_db.unit_of_work(demo) as s:
        ps.adopt_plan(s, manager, report)
    with store_db.unit_of_work(demo) as s:
        forecast = plan_forecast(s, manager, report.inp.enterprise_id)
        last = s.scalar(
            select(func.max(m.ProductionRecord.day)).where(
                m.ProductionRecord.enterprise_id == report.inp.enterprise_id
            )
        )
    assert forecast is not None and last is not None
    assert forecast.last_record_day == last
    assert forecast.first_day == last + dt.timedelta(days=1)
    assert forecast.last_day == report.inp.problem.horizon_end
    by_name = {k.kiln: k for k in forecast.kilns}
    assert set(by_name) == {k.name for k in report.inp.problem.kilns}
    # As adopted: the levels the planner's own replay gave the plan, kiln by kiln.
    replayed = report.replay.worst_by_kiln
    assert {name: k.adopted_worst for name, k in by_name.items()} == replayed
    rf2 = by_name["RF-2"]
    assert rf2.worst_level in ("red", "stop") and rf2.risen
    assert rf2.first_at[rf2.worst_level] is not None
    assert forecast.first_day <= rf2.first_at[rf2.worst_level] <= forecast.last_day  # type: ignore[operator]
    assert rf2.sentence.startswith(f"This plan takes RF-2 to {rf2.worst_level} on ")
    assert rf2.why  # the engine's explanation of that day
    for k in forecast.kilns:  # first days ordered by level: amber ≤ red ≤ stop
        days = [k.first_at[x] for x in LEVELS_ABOVE_GREEN if k.first_at[x] is not None]
        assert days == sorted(days)  # type: ignore[type-var]
    data = forecast.to_json()
    assert data["days"] == forecast.days > 0 and data["kilns"][0]["sentence"]


def test_a_plan_adopted_on_the_last_record_day_forecasts_as_it_was_adopted(
    demo: Engine, report: ps.PlanReport
) -> None:
    manager = principal(demo, "manager")
    ent = report.inp.enterprise_id
    with store_db.unit_of_work(demo) as s:
        last = s.scalar(
            select(func.max(m.ProductionRecord.day)).where(m.ProductionRecord.enterprise_id == ent)
        )
        late = ps.make_plan(
            s,
            SYSTEM,
            enterprise_id=ent,
            as_of=last,
            margins=(),
            time_limit_s=2.0,
            search_time_limit_s=1.0,
        )
        ps.adopt_plan(s, manager, late)
    with store_db.unit_of_work(demo) as s:
        forecast = plan_forecast(s, manager, ent)
    assert forecast is not None and forecast.first_day == late.inp.problem.horizon_start
    assert {k.kiln: k.worst_level for k in forecast.kilns} == late.replay.worst_by_kiln
    assert not any(k.risen for k in forecast.kilns)
