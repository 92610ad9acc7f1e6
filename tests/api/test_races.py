"""Race-free writes (issue 15 point 2): 20 identical requests at once, sent over real sockets
to a served app, store one write; the others are refused (4xx), none answers 5xx. On SQLite
write transactions are serialised (BEGIN IMMEDIATE); on PostgreSQL the constraints and the
compare-and-set updates decide. An Idempotency-Key replays the first response instead."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from kilnguard.services import investigation as inv
from kilnguard.store import db as store_db
from kilnguard.store import models as m
from kilnguard.store.investigation_models import BulletinRecipient
from tests.api.conftest import Served, red_alert
from tests.conftest import Plant

N = 20


def one_success(codes: list[int]) -> None:
    assert len(codes) == N
    assert sum(200 <= c < 300 for c in codes) == 1, sorted(codes)
    assert all(c in (200, 201, 409, 422) for c in codes), sorted(codes)


def count(plant: Plant, stmt: object) -> int:
    with store_db.unit_of_work(plant.engine) as s:
        return int(s.scalar(stmt))  # type: ignore[call-overload]


def test_twenty_identical_shifts_store_one(plant: Plant, served: Served) -> None:
    worker, kiln = plant.workers_a[0], plant.kilns_a[0]
    shift = {
        "worker_id": worker,
        "kiln_id": kiln,
        "start_at": "2021-11-28T08:00:00+09:00",
        "end_at": "2021-11-28T16:00:00+09:00",
    }
    one_success(served.at_once("/api/v1/shifts", shift, served.token("mgr_a")))
    start = dt.datetime(2021, 11, 27, 23, tzinfo=dt.UTC)
    stored = select(func.count()).select_from(m.Shift)
    assert count(plant, stored.where(m.Shift.worker_id == worker, m.Shift.start_at == start)) == 1
    # an overlapping shift of that worker, later, is refused (409/422), never a 500
    later = {
        **shift,
        "start_at": "2021-11-28T12:00:00+09:00",
        "end_at": "2021-11-28T20:00:00+09:00",
    }
    status, body, _ = served.call("POST", "/api/v1/shifts", later, served.token("mgr_a"))
    assert status in (409, 422), body


def test_twenty_completions_of_one_work_order_complete_it_once(
    plant: Plant, served: Served
) -> None:
    wo = count(plant, select(m.WorkOrder.id).where(m.WorkOrder.enterprise_id == plant.ent_a))
    body = {"done_on": "2021-10-01", "findings": "lining 40 mm, fit"}
    one_success(served.at_once(f"/api/v1/work-orders/{wo}/complete", body, served.token("maint_a")))
    acts = select(func.count()).select_from(m.AuditEntry).where(m.AuditEntry.action == "complete")
    assert count(plant, acts) == 1


@pytest.mark.parametrize("new_due_on", ["2021-10-15", None])
def test_twenty_identical_deferrals_defer_once(
    plant: Plant, served: Served, new_due_on: str | None
) -> None:
    wo = count(plant, select(m.WorkOrder.id).where(m.WorkOrder.enterprise_id == plant.ent_a))
    body = {
        "deferred_on": "2021-09-28",
        "reason": "spare lining bricks late",
        "new_due_on": new_due_on,
    }
    one_success(served.at_once(f"/api/v1/work-orders/{wo}/defer", body, served.token("maint_a")))
    deferrals = select(func.count()).select_from(m.WorkOrderDeferral)
    assert count(plant, deferrals.where(m.WorkOrderDeferral.work_order_id == wo)) == 1


def test_twenty_acknowledgements_of_one_alert_acknowledge_it_once(
    plant: Plant, served: Served
) -> None:
    alert_id = red_alert(plant)
    body = {"comment": "load cut to rating; shell scan today"}
    path = f"/api/v1/alerts/{alert_id}/acknowledge"
    one_success(served.at_once(path, body, served.token("mgr_a")))
    acts = select(func.count()).select_from(m.AuditEntry)
    assert count(plant, acts.where(m.AuditEntry.action == "acknowledge")) == 1


def test_twenty_acknowledgements_of_one_bulletin_acknowledge_it_once(
    plant: Plant, served: Served
) -> None:
    incident = plant.record_ids_b["incidents"]
    with store_db.unit_of_work(plant.engine) as s:
        lesson = {"title": "Hot spot on a periodic kiln shell", "summary": "Scan shells weekly."}
        b = inv.send_bulletin(s, plant.users["reg"], incident_id=incident, **lesson)
        bulletin_id = b.id
    body = {"checked": "shell scans of K-1 and K-2 reviewed"}
    path = f"/api/v1/bulletins/{bulletin_id}/acknowledge"
    one_success(served.at_once(path, body, served.token("mgr_a")))
    acked = select(func.count()).select_from(BulletinRecipient)
    assert count(plant, acked.where(BulletinRecipient.acknowledged_at.is_not(None))) == 1


def test_a_repeated_idempotency_key_gets_the_first_response_and_writes_once(
    plant: Plant, served: Served
) -> None:
    token = served.token("op_a")
    record = {"kiln_id": plant.kilns_a[0], "day": "2021-09-20", "output_t": 11.5, "hours_fired": 8}
    codes = served.at_once(
        "/api/v1/production-records", record, token, **{"Idempotency-Key": "k-1"}
    )
    assert sum(200 <= c < 300 for c in codes) >= 1 and all(c in (200, 201, 409) for c in codes)
    first = served.call(
        "POST", "/api/v1/production-records", record, token, **{"Idempotency-Key": "k-1"}
    )
    again = served.call(
        "POST", "/api/v1/production-records", record, token, **{"Idempotency-Key": "k-1"}
    )
    assert first[0] == again[0] == 201 and first[1] == again[1], (codes, first, again)
    assert again[2].get("idempotent-replayed") == "true"
    day = (
        select(func.count())
        .select_from(m.ProductionRecord)
        .where(m.ProductionRecord.kiln_id == plant.kilns_a[0], m.ProductionRecord.output_t == 11.5)
    )
    assert count(plant, day) == 1
    other = {**record, "output_t": 12.5}
    status, body, _ = served.call(
        "POST", "/api/v1/production-records", other, token, **{"Idempotency-Key": "k-1"}
    )
    assert status == 422 and b"different request" in body
    # another user's key of the same name is theirs
    status, _, _ = served.call(
        "POST",
        "/api/v1/production-records",
        {**record, "shift_no": 2},  # one record per kiln, day and shift (issue 16)
        served.token("mgr_a"),
        **{"Idempotency-Key": "k-1"},
    )
    assert status == 201
