"""Planner service on the demo region: the problem from Komusan's records, the honest answer
for Scenario A, the risk replay of the plan against the recorded history, and adoption."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, func, select

from kilnguard.domain.errors import NotFound, PermissionDenied
from kilnguard.services import planning as ps
from kilnguard.services.access import SYSTEM, Principal
from kilnguard.store import db as store_db
from kilnguard.store import models as m
from kilnguard.store.planning_models import PlanAdoption, PlannedProduction, PlannedShift

LIMITS = {"time_limit_s": 2.0, "search_time_limit_s": 1.0, "pushing_time_limit_s": 1.0}


@pytest.fixture(scope="module")
def demo(fresh_database_url: Callable[[], str]) -> Iterator[Engine]:
    from tests.conftest import build_demo_database

    url = fresh_database_url()
    build_demo_database(url)
    eng = store_db.make_engine(url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def report(demo: Engine) -> ps.PlanReport:
    with store_db.unit_of_work(demo) as s:
        return ps.make_plan(s, SYSTEM, enterprise="Komusan", margins=(1.0, 2.0), **LIMITS)


def principal(engine: Engine, username: str) -> Principal:
    with store_db.unit_of_work(engine) as s:
        user = s.scalars(select(m.User).where(m.User.username == username)).one()
        return Principal.of(user)


def test_the_default_day_is_the_day_the_additional_target_arrived(demo: Engine) -> None:
    with store_db.unit_of_work(demo) as s:
        inp = ps.build_problem(s, SYSTEM, enterprise="Komusan")
    assert inp.as_of == dt.date(2021, 10, 4)
    assert inp.problem.horizon_start == dt.date(2021, 10, 5)
    assert inp.problem.horizon_end == dt.date(2021, 12, 31)


def test_the_problem_has_komusans_kilns_capacities_and_remaining_quantities(demo: Engine) -> None:
    with store_db.unit_of_work(demo) as s:
        inp = ps.build_problem(s, SYSTEM, enterprise="Komusan")
        rf = [k.id for k in s.scalars(select(m.Kiln).where(m.Kiln.name.like("RF-%")))]
        made_on_entry_day = s.scalar(
            select(func.sum(m.ProductionRecord.output_t)).where(
                m.ProductionRecord.kiln_id.in_(rf),
                m.ProductionRecord.day == dt.date(2021, 10, 4),
            )
        )
    p = inp.problem
    assert {k.name: k.rated_capacity_t_per_day for k in p.kilns} == {
        "RF-1": 40.0,
        "RF-2": 40.0,
        "RF-3": 40.0,
        "RK-1": 600.0,
    }
    additional = next(t for t in p.targets if t.deadline == dt.date(2021, 12, 17))
    assert additional.quantity_t == pytest.approx(20_000.0 - made_on_entry_day, abs=0.01)
    assert {p.kiln(k).name for k in additional.kiln_ids} == {"RF-1", "RF-2", "RF-3"}
    rf2 = next(k for k in p.kilns if k.name == "RF-2")
    relining = [t for t in rf2.maintenance if "relining" in t.name.lower()]
    assert [(t.duration_days, t.due_on, t.resets_wear) for t in relining] == [
        (5, dt.date(2021, 10, 15), True)
    ]
    assert all(0 < k.wear_damage < 1 for k in p.kilns)
    assert all(k.days_run_since_stop == 54 for k in p.kilns)  # since the 9-11 Aug stop
    assert len(p.workers) == 36


def test_on_the_day_of_the_explosion_the_deferred_work_is_overdue_and_planned_first(
    demo: Engine,
) -> None:
    with store_db.unit_of_work(demo) as s:
        inp = ps.build_problem(s, SYSTEM, enterprise="Komusan", as_of=dt.date(2021, 11, 24))
    p = inp.problem
    rf2 = next(k for k in p.kilns if k.name == "RF-2")
    overdue = {t.name for t in rf2.maintenance if p.is_overdue(t)}
    assert "Hot-face relining" in overdue
    assert any("interlock" in name for name in overdue)
    plan = ps.solve(p, 1.0)
    first = {(s.task_id, s.first_day) for s in plan.maintenance if s.overdue}
    assert first and all(day == p.horizon_start for _, day in first)


def test_komusan_cannot_meet_the_additional_target_safely_and_says_why(
    report: ps.PlanReport,
) -> None:
    data = report.to_json()
    assert data["feasible"] is False
    assert data["first_deadline"] == "2021-12-17"
    assert 8_000 <= data["max_safe_t"] <= 8_880  # 3 kilns × 40 t/day × 74 days = 8,880 t
    assert data["earliest_safe_date"] > "2021-12-17"
    assert any(b.startswith("kiln capacity: 3 kilns × 40 t/day × 74 days") for b in data["binding"])
    assert any("Hot-face relining of kiln RF-2" in b for b in data["binding"])


def test_the_safe_plan_replays_green_or_amber_while_the_recorded_history_goes_stop(
    report: ps.PlanReport,
) -> None:
    data = report.to_json()
    assert data["replay"]["worst_level"] in ("green", "amber")
    assert data["replay"]["actual_worst_level"] in ("red", "stop")
    rows = {r["margin"]: r for r in data["price_of_pushing"]}
    assert rows[2.0]["extra_t"] > 0 and rows[2.0]["worst_level"] in ("red", "stop")
    assert rows[2.0]["wear_damage"] > rows[1.0]["wear_damage"]


def test_adopting_writes_planned_rows_with_one_audit_entry_each(
    demo: Engine, report: ps.PlanReport
) -> None:
    manager = principal(demo, "manager")
    with store_db.unit_of_work(demo) as s:
        before = s.scalar(select(func.count()).select_from(m.AuditEntry)) or 0
        adoption = ps.adopt_plan(s, manager, report)
        adoption_id = adoption.id
    with store_db.unit_of_work(demo) as s:
        n_prod = s.scalar(select(func.count()).where(PlannedProduction.adoption_id == adoption_id))
        n_shift = s.scalar(select(func.count()).where(PlannedShift.adoption_id == adoption_id))
        after = s.scalar(select(func.count()).select_from(m.AuditEntry)) or 0
        row = s.get(PlanAdoption, adoption_id)
    assert n_prod == len(report.result.shifts) > 0
    assert n_shift == sum(len(x.worker_ids) for x in report.result.shifts)
    assert after - before == 1 + n_prod + n_shift
    assert row is not None and row.adopted_by == "manager" and row.replay_worst_level == "amber"


def test_an_operator_may_not_adopt_and_another_enterprise_is_not_found(
    demo: Engine, report: ps.PlanReport
) -> None:
    with store_db.unit_of_work(demo) as s, pytest.raises(PermissionDenied):
        ps.adopt_plan(s, principal(demo, "operator"), report)
    with store_db.unit_of_work(demo) as s, pytest.raises(NotFound):
        ps.adopt_plan(s, principal(demo, "chongjin-manager"), report)
    with store_db.unit_of_work(demo) as s, pytest.raises(NotFound):
        ps.build_problem(s, principal(demo, "chongjin-manager"), enterprise="Komusan")
