"""Record services: validation names field, value and rule; batches are all-or-nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from kilnguard.domain.errors import (
    BatchValidationError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from kilnguard.services import records as svc
from kilnguard.services.access import SYSTEM
from kilnguard.store.db import unit_of_work
from kilnguard.store.models import ProductionRecord, Shift, WorkOrder
from tests.conftest import Plant

TZ = dt.timezone(dt.timedelta(hours=9))


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2021, 10, day, hour, tzinfo=TZ)


def test_negative_tonnage_is_refused_naming_the_field(plant: Plant) -> None:
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.record_production_one(
            s,
            plant.users["op_a"],
            svc.ProductionIn(
                kiln_id=plant.kilns_a[0], day=dt.date(2021, 10, 1), output_t=-4, hours_fired=8
            ),
        )
    assert err.value.field == "output_t"
    assert err.value.value == -4
    assert "negative" in err.value.rule


def test_a_shift_that_ends_before_it_starts_is_refused(plant: Plant) -> None:
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.record_shift_one(
            s,
            plant.users["mgr_a"],
            svc.ShiftIn(
                worker_id=plant.workers_a[0],
                kiln_id=plant.kilns_a[0],
                start_at=at(2, 14),
                end_at=at(2, 6),
            ),
        )
    assert err.value.field == "end_at"
    assert "end after it starts" in err.value.rule


def test_overlapping_shifts_of_one_worker_are_refused_in_a_batch(plant: Plant) -> None:
    w, k = plant.workers_a[0], plant.kilns_a[0]
    with pytest.raises(BatchValidationError) as err, unit_of_work(plant.engine) as s:
        svc.record_shifts(
            s,
            plant.users["mgr_a"],
            [
                svc.ShiftIn(worker_id=w, kiln_id=k, start_at=at(3, 6), end_at=at(3, 18)),
                svc.ShiftIn(worker_id=w, kiln_id=k, start_at=at(3, 14), end_at=at(3, 22)),
            ],
        )
    assert [(e.row, e.column) for e in err.value.errors] == [(2, "start_at")]
    assert "overlaps row 1" in err.value.errors[0].reason


def test_a_shift_overlapping_a_stored_one_is_refused_and_touching_ones_pass(plant: Plant) -> None:
    w, k = plant.workers_a[0], plant.kilns_a[0]
    with unit_of_work(plant.engine) as s:
        svc.record_shift_one(
            s,
            plant.users["mgr_a"],
            svc.ShiftIn(worker_id=w, kiln_id=k, start_at=at(4, 6), end_at=at(4, 14)),
        )
        svc.record_shift_one(
            s,
            plant.users["mgr_a"],
            svc.ShiftIn(worker_id=w, kiln_id=k, start_at=at(4, 14), end_at=at(4, 22)),
        )
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.record_shift_one(
            s,
            plant.users["mgr_a"],
            svc.ShiftIn(worker_id=w, kiln_id=k, start_at=at(4, 20), end_at=at(5, 4)),
        )
    assert "overlaps stored shift" in err.value.rule


def test_a_work_order_on_another_enterprises_kiln_is_refused(plant: Plant) -> None:
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.create_work_order_one(
            s,
            plant.users["maint_a"],
            svc.WorkOrderIn(kiln_id=plant.kilns_b[0], task="Inspect", due_on=dt.date(2021, 11, 1)),
        )
    assert err.value.field == "kiln_id"
    with pytest.raises(ValidationError) as err2, unit_of_work(plant.engine) as s:
        svc.create_work_order_one(
            s,
            SYSTEM,
            svc.WorkOrderIn(
                kiln_id=plant.kilns_b[0],
                task="Inspect",
                due_on=dt.date(2021, 11, 1),
                enterprise_id=plant.ent_a,
            ),
        )
    assert "its own enterprise" in err2.value.rule


def test_roles_limit_what_may_be_written(plant: Plant) -> None:
    with pytest.raises(PermissionDenied), unit_of_work(plant.engine) as s:
        svc.create_work_order_one(
            s,
            plant.users["op_a"],
            svc.WorkOrderIn(kiln_id=plant.kilns_a[0], task="Inspect", due_on=dt.date(2021, 11, 1)),
        )
    with pytest.raises(PermissionDenied), unit_of_work(plant.engine) as s:
        svc.record_production_one(
            s,
            plant.users["reg"],
            svc.ProductionIn(
                kiln_id=plant.kilns_a[0], day=dt.date(2021, 10, 1), output_t=4, hours_fired=8
            ),
        )


def test_a_bad_row_rolls_back_the_whole_batch(plant: Plant) -> None:
    def count() -> int:
        with unit_of_work(plant.engine) as s:
            return int(s.scalar(select(func.count()).select_from(ProductionRecord)) or 0)

    before = count()
    items = [
        svc.ProductionIn(
            kiln_id=plant.kilns_a[0], day=dt.date(2021, 10, 1), output_t=10, hours_fired=8
        ),
        svc.ProductionIn(
            kiln_id=plant.kilns_a[0], day=dt.date(2021, 10, 1), output_t=10, hours_fired=30
        ),
        svc.ProductionIn(
            kiln_id=plant.kilns_a[0], day=dt.date(2021, 10, 1), output_t=-1, hours_fired=8
        ),
    ]
    with pytest.raises(BatchValidationError) as err, unit_of_work(plant.engine) as s:
        svc.record_production(s, plant.users["op_a"], items)
    assert [(e.row, e.column) for e in err.value.errors] == [(2, "hours_fired"), (3, "output_t")]
    assert count() == before


def test_deferral_keeps_reason_and_who_and_moves_the_due_date(plant: Plant) -> None:
    with unit_of_work(plant.engine) as s:
        wo = s.scalars(select(WorkOrder).where(WorkOrder.enterprise_id == plant.ent_a)).first()
        assert wo is not None
        svc.defer_work_order(
            s,
            plant.users["maint_a"],
            work_order_id=wo.id,
            deferred_on=dt.date(2021, 9, 30),
            new_due_on=dt.date(2021, 10, 20),
            reason="production target",
        )
    with unit_of_work(plant.engine) as s:
        wo2 = s.get(WorkOrder, wo.id)
        assert wo2 is not None and wo2.due_on == dt.date(2021, 10, 20)
        assert [(d.reason, d.deferred_by) for d in wo2.deferrals] == [
            ("production target", "maint_a")
        ]
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.defer_work_order(
            s,
            plant.users["maint_a"],
            work_order_id=wo.id,
            deferred_on=dt.date(2021, 10, 1),
            new_due_on=dt.date(2021, 10, 5),
            reason="again",
        )
    assert err.value.field == "new_due_on"


def test_records_of_another_enterprise_are_not_found_for_writes(plant: Plant) -> None:
    wo_b = plant.record_ids_b["work-orders"]
    with pytest.raises(NotFound), unit_of_work(plant.engine) as s:
        svc.complete_work_order(
            s, plant.users["maint_a"], work_order_id=wo_b, done_on=dt.date(2021, 10, 1)
        )


def test_shift_needs_a_place_of_work(plant: Plant) -> None:
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.record_shift_one(
            s,
            plant.users["mgr_a"],
            svc.ShiftIn(worker_id=plant.workers_a[0], start_at=at(9, 6), end_at=at(9, 14)),
        )
    assert err.value.field == "kiln_id"
    with unit_of_work(plant.engine) as s:
        assert (
            s.scalar(select(func.count()).select_from(Shift).where(Shift.start_at == at(9, 6))) == 0
        )
