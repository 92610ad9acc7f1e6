"""Deviations from the adopted plan raise alerts inside the running scheduler: the week's
production off the plan beyond the tolerance, and a forecast that rose since the adoption."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select

from kilnguard.clock import FixedClock
from kilnguard.services import planning as ps
from kilnguard.services.planning.baseline import KilnWeek
from kilnguard.services.planning.deviations import (
    JOB_NAME,
    Tolerance,
    plan_deviations_job,
    raise_plan_alerts,
    week_deviates,
)
from kilnguard.services.scheduler import Every, Job, Scheduler, SchedulerConfig
from kilnguard.store import db as store_db
from kilnguard.store import models as m
from kilnguard.store.alert_models import AlertRow
from tests.services.test_planning_service import demo, principal, report

__all__ = ["demo", "report"]  # the planning service tests' module fixtures, reused


def _week(planned: float, actual: float) -> KilnWeek:
    return KilnWeek(1, "RF-1", dt.date(2021, 10, 4), planned, actual, actual - planned)


def test_the_tolerance_is_a_share_of_the_plan_with_a_floor_in_tonnes() -> None:
    tol = Tolerance(share=0.10, min_t=1.0)
    assert not week_deviates(_week(280.0, 305.0), tol)  # +8.9 %
    assert week_deviates(_week(280.0, 320.0), tol)  # +14 %
    assert week_deviates(_week(280.0, 200.0), tol)  # a shortfall deviates too
    assert not week_deviates(_week(0.0, 0.8), tol)  # under the floor
    assert week_deviates(_week(0.0, 40.0), tol)  # fired a week the plan stopped


def test_the_scheduler_raises_plan_alerts_once_and_they_are_ordinary_alerts(
    demo: Engine, report: ps.PlanReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Komusan adopted the 4 Oct plan and then ran far above it: the running scheduler's
    `plan-deviations` job raises its alerts, through the alerts' own audit trail and
    notices; a second pass raises nothing new."""
    monkeypatch.delenv("KILNGUARD_PLAN_DEVIATION_TOLERANCE", raising=False)
    with store_db.unit_of_work(demo) as s:
        ps.adopt_plan(s, principal(demo, "manager"), report)
        # The demo's history ends with every Komusan kiln alerted at stop; an open alert at a
        # level blocks a plan alert at or below it (the rule of a level rise), so the alerts
        # are taken as closed on the last day to see what the plan alone raises.
        last = max(r.day for r in s.scalars(select(m.ProductionRecord)))
        for a in s.scalars(select(AlertRow).where(AlertRow.closed_at.is_(None))):
            a.closed_on, a.closed_at, a.closed_reason = (
                last,
                dt.datetime(2021, 11, 25, tzinfo=dt.UTC),
                "test",
            )
    clock = FixedClock(dt.datetime(2021, 11, 25, 3, tzinfo=dt.UTC))
    sch = Scheduler(
        demo,
        clock=clock,
        jobs=lambda _s: [Job(JOB_NAME, Every(300), plan_deviations_job)],
        config=SchedulerConfig(),
    )
    try:
        [run] = [r for r in sch.tick().results if r.job == JOB_NAME]
    finally:
        sch.stop()
    assert run.status == "done", run.outcome
    with store_db.unit_of_work(demo) as s:
        rows = list(s.scalars(select(AlertRow).where(AlertRow.summary.startswith("Adopted plan "))))
        audit = s.scalars(
            select(m.AuditEntry).where(
                m.AuditEntry.action == "raise", m.AuditEntry.actor == "system"
            )
        ).all()
        names = {k.id: k.name for k in s.scalars(select(m.Kiln))}
    assert rows, run.outcome
    assert {r.enterprise_id for r in rows} == {report.inp.enterprise_id}
    assert all(r.level in ("amber", "red", "stop") and r.raised_at == clock.now() for r in rows)
    assert {str(r.id) for r in rows} <= {a.entity_id for a in audit}  # each raise audited
    forecasts = [r for r in rows if ", forecast " in r.summary]
    assert forecasts and all("This plan takes " in r.summary for r in forecasts), [
        r.summary for r in forecasts
    ]
    assert all(r.level in ("red", "stop") for r in forecasts)
    weeks = [r for r in rows if ", week of " in r.summary]
    assert all("above the plan's" in r.summary for r in weeks)  # pushed past it
    assert {names[r.kiln_id] for r in rows} >= {"RF-2"}
    with store_db.unit_of_work(demo) as s:
        again = raise_plan_alerts(s, principal(demo, "manager"))
    assert again.enterprises == 1 and again.raised == []
