"""Maintenance records: explicit `protects`, numbered work orders, deferrals by a named person
with or without a new due date (issue 12, point 2)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from kilnguard.domain.errors import BatchValidationError, ValidationError
from kilnguard.domain.plant import PROTECTION_LAYERS, Protects
from kilnguard.services import records as svc
from kilnguard.store.db import unit_of_work
from kilnguard.store.models import AuditEntry, MaintenancePlan, WorkOrder
from tests.conftest import Plant


def _plan(plant: Plant, task: str, protects: str) -> MaintenancePlan:
    with unit_of_work(plant.engine) as s:
        plan = svc.create_maintenance_plan(
            s,
            plant.users["maint_a"],
            svc.MaintenancePlanIn(
                kiln_id=plant.kilns_a[0],
                task=task,
                interval_days=30,
                safety_critical=True,
                protects=protects,
            ),
        )
        s.expunge(plan)
    return plan


def test_a_plan_says_what_it_protects_whatever_its_name(plant: Plant) -> None:
    """ "BMS function check" has none of the words the old rule looked for; said explicitly,
    it is a burner-management proof test."""
    plan = _plan(plant, "BMS function check", "burner_management")
    assert plan.protects == "burner_management" in PROTECTION_LAYERS
    assert Protects.LINING.value not in PROTECTION_LAYERS
    assert Protects.NONE.value not in PROTECTION_LAYERS


def test_an_unknown_protects_value_is_refused_naming_the_choices(plant: Plant) -> None:
    with pytest.raises(ValidationError) as err:
        _plan(plant, "Relief valve test", "valve")
    assert err.value.field == "protects"
    assert "relief" in err.value.rule and "burner_management" in err.value.rule


def test_work_orders_get_the_next_free_number_and_a_given_number_is_kept(plant: Plant) -> None:
    kiln = plant.kilns_a[0]
    due = dt.date(2021, 11, 1)
    with unit_of_work(plant.engine) as s:
        taken = set(
            s.scalars(select(WorkOrder.number).where(WorkOrder.enterprise_id == plant.ent_a))
        )
        rows = svc.create_work_orders(
            s,
            plant.users["maint_a"],
            [
                svc.WorkOrderIn(kiln_id=kiln, task="Shell scan", due_on=due),
                svc.WorkOrderIn(kiln_id=kiln, task="Shell scan", due_on=due, number="CMMS-0042"),
                svc.WorkOrderIn(kiln_id=kiln, task="Shell scan", due_on=due),
            ],
        )
        numbers = [r.number for r in rows]
    assert numbers[1] == "CMMS-0042"
    assert numbers[0] != numbers[2] and numbers[0].startswith("WO-")
    assert not taken & set(numbers)


def test_a_work_order_number_given_twice_or_already_taken_is_refused(plant: Plant) -> None:
    kiln = plant.kilns_a[0]
    due = dt.date(2021, 11, 1)
    with pytest.raises(BatchValidationError) as err, unit_of_work(plant.engine) as s:
        svc.create_work_orders(
            s,
            plant.users["maint_a"],
            [
                svc.WorkOrderIn(kiln_id=kiln, task="A", due_on=due, number="X-1"),
                svc.WorkOrderIn(kiln_id=kiln, task="B", due_on=due, number="X-1"),
            ],
        )
    assert [(e.row, e.column) for e in err.value.errors] == [(2, "number")]
    with unit_of_work(plant.engine) as s:
        svc.create_work_order_one(
            s,
            plant.users["maint_a"],
            svc.WorkOrderIn(kiln_id=kiln, task="A", due_on=due, number="X-1"),
        )
    with pytest.raises(ValidationError) as one, unit_of_work(plant.engine) as s:
        svc.create_work_order_one(
            s,
            plant.users["maint_a"],
            svc.WorkOrderIn(kiln_id=kiln, task="B", due_on=due, number="X-1"),
        )
    assert one.value.field == "number" and "exists" in one.value.rule


def test_a_deferral_names_who_decided_it_and_may_give_no_new_due_date(plant: Plant) -> None:
    with unit_of_work(plant.engine) as s:
        wo = svc.create_work_order_one(
            s,
            plant.users["maint_a"],
            svc.WorkOrderIn(
                kiln_id=plant.kilns_a[0], task="Interlock test", due_on=dt.date(2021, 10, 1)
            ),
        )
        wo_id = wo.id
    with unit_of_work(plant.engine) as s:
        d = svc.defer_work_order(
            s,
            plant.users["maint_a"],
            work_order_id=wo_id,
            deferred_on=dt.date(2021, 9, 30),
            reason="target of the 200-day campaign",
            deferred_by="Factory manager (not a user)",
        )
        assert d.new_due_on is None and d.previous_due_on == dt.date(2021, 10, 1)
    with unit_of_work(plant.engine) as s:
        stored = s.get(WorkOrder, wo_id)
        assert stored is not None
        assert stored.due_on == dt.date(2021, 10, 1)  # still due, and overdue, on its date
        assert [(x.deferred_by, x.new_due_on) for x in stored.deferrals] == [
            ("Factory manager (not a user)", None)
        ]
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "defer").order_by(AuditEntry.seq.desc())
        ).first()
        assert entry is not None and "Factory manager (not a user)" in entry.payload
        assert entry.actor == "maint_a"


def test_a_deferral_without_a_reason_or_person_is_refused(plant: Plant) -> None:
    with unit_of_work(plant.engine) as s:
        wo_id = svc.create_work_order_one(
            s,
            plant.users["maint_a"],
            svc.WorkOrderIn(kiln_id=plant.kilns_a[0], task="T", due_on=dt.date(2021, 10, 1)),
        ).id
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.defer_work_order(
            s,
            plant.users["maint_a"],
            work_order_id=wo_id,
            deferred_on=dt.date(2021, 9, 30),
            reason="  ",
        )
    assert err.value.field == "reason"
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.defer_work_order(
            s,
            plant.users["maint_a"],
            work_order_id=wo_id,
            deferred_on=dt.date(2021, 9, 30),
            reason="parts",
            deferred_by="",
            new_due_on=dt.date(2021, 9, 1),
        )
    assert err.value.field == "new_due_on"


def test_a_planned_stop_says_whether_it_relines(plant: Plant) -> None:
    with unit_of_work(plant.engine) as s:
        stop = svc.create_planned_stop(
            s,
            plant.users["mgr_a"],
            svc.PlannedStopIn(
                kiln_id=plant.kilns_a[0],
                start_on=dt.date(2021, 12, 1),
                end_on=dt.date(2021, 12, 9),
                reason="campaign end",
                relines_lining=True,
            ),
        )
        assert stop.relines_lining is True
