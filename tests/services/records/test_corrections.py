"""Correct and void, never delete (issue 16 point 2): every record kind, by a role allowed to,
with a reason; the audit log keeps before and after; risk reads current rows only; stored
levels are marked dirty from the record's day."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from kilnguard.services import records as svc
from kilnguard.services.access import Principal
from kilnguard.services.records import corrections, views
from kilnguard.services.risk import follow, levels
from kilnguard.services.risk.columns import read_production, read_shifts
from kilnguard.store import models as m
from kilnguard.store.db import unit_of_work
from tests.conftest import Plant

KST = dt.timezone(dt.timedelta(hours=9))


def first(plant: Plant, model: Any, **where: Any) -> Any:
    with unit_of_work(plant.engine) as s:
        stmt = select(model).where(model.enterprise_id == plant.ent_a)
        for col, value in where.items():
            stmt = stmt.where(getattr(model, col) == value)
        row = s.scalars(stmt.order_by(model.id).limit(1)).one()
        s.expunge(row)
        return row


def audit_of(plant: Plant, entity: str, ident: int) -> list[tuple[str, dict[str, Any]]]:
    with unit_of_work(plant.engine) as s:
        a = m.AuditEntry
        rows = s.execute(
            select(a.action, a.payload)
            .where(a.entity == entity, a.entity_id == str(ident))
            .order_by(a.seq)
        ).all()
    return [(action, json.loads(payload)) for action, payload in rows]


def test_a_correction_keeps_before_and_after_and_the_reason(plant: Plant) -> None:
    p = first(plant, m.ProductionRecord, kiln_id=plant.kilns_a[2])
    with unit_of_work(plant.engine) as s:
        svc.correct(
            s, plant.users["op_a"], "production", p.id, {"output_t": "12,5"}, "scale misread"
        )
    with unit_of_work(plant.engine) as s:
        assert s.get(m.ProductionRecord, p.id).output_t == 12.5  # type: ignore[union-attr]
    action, payload = audit_of(plant, "production_record", p.id)[-1]
    assert action == "correct"
    assert payload["before"] == {"output_t": 12.0} and payload["after"] == {"output_t": 12.5}
    assert payload["reason"] == "scale misread"
    with unit_of_work(plant.engine) as s:
        acts = svc.history(s, plant.users["mgr_a"], "production-records", p.id)
    assert [a.action for a in acts] == ["create", "correct"]
    assert acts[1].actor == "op_a" and acts[1].before == {"output_t": 12.0}


def test_a_correction_passes_the_entry_rules(plant: Plant) -> None:
    p = first(plant, m.ProductionRecord, kiln_id=plant.kilns_a[2], shift_no=1)
    op = plant.users["op_a"]
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.correct(s, op, "production", p.id, {"shift_no": 2}, "shift mixed up")
    assert "already has a production record" in err.value.rule  # shift 2 is stored
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.correct(s, op, "production", p.id, {"output_t": 90}, "re-weighed")
    assert err.value.field == "confirm_reason"
    with unit_of_work(plant.engine) as s:
        row = svc.correct(
            s, op, "production", p.id, {"output_t": 90}, "re-weighed", confirm_reason="two loads"
        )
        assert "two loads" in row.note  # type: ignore[attr-defined]
    for changes, field in (
        ({"day": "2201-01-01"}, "day"),
        ({"colour": "red"}, "colour"),
        ({"output_t": ""}, "output_t"),
        ({"output_t": 90}, "changes"),  # nothing changes
    ):
        with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
            svc.correct(s, op, "production", p.id, changes, "because", confirm_reason="x")
        assert err.value.field == field
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.correct(s, op, "production", p.id, {"output_t": 11}, "  ")
    assert err.value.field == "reason"


def test_only_a_role_allowed_to_and_only_in_its_own_enterprise(plant: Plant) -> None:
    p = first(plant, m.ProductionRecord)
    with pytest.raises(PermissionDenied), unit_of_work(plant.engine) as s:
        svc.void(s, plant.users["maint_a"], "production", p.id, "not mine to judge")
    with pytest.raises(NotFound), unit_of_work(plant.engine) as s:
        svc.void(s, plant.users["op_b"], "production", p.id, "another plant's")
    with pytest.raises(PermissionDenied), unit_of_work(plant.engine) as s:
        svc.correct(s, plant.users["reg"], "production", p.id, {"output_t": 1}, "regulator")


def test_a_voided_record_is_kept_counted_nowhere_and_changed_no_more(plant: Plant) -> None:
    k = plant.kilns_a[2]
    p = first(plant, m.ProductionRecord, kiln_id=k, day=dt.date(2021, 9, 1), shift_no=1)
    with unit_of_work(plant.engine) as s:
        before = read_production(s, [k]).output_t[0]
        svc.void(s, plant.users["op_a"], "production", p.id, "double entry")
    with unit_of_work(plant.engine) as s:
        row = s.get(m.ProductionRecord, p.id)
        assert row is not None and row.voided_by == "op_a" and row.void_reason == "double entry"
        assert read_production(s, [k]).output_t[0] == pytest.approx(before - 12.0)
        listed = views.list_records(
            s, plant.users["op_a"], kind="production-records", filters={"kiln_id": k},
            limit=1000, offset=0,
        )  # fmt: skip
        assert p.id not in [r["id"] for r in listed]
        every = views.list_records(
            s, plant.users["op_a"], kind="production-records", filters={"kiln_id": k},
            limit=1000, offset=0, include_voided=True,
        )  # fmt: skip
        assert p.id in [r["id"] for r in every]
    action, payload = audit_of(plant, "production_record", p.id)[-1]
    assert action == "void" and payload["record"]["output_t"] == 12.0
    acts: list[Callable[[Session], object]] = [
        lambda s: svc.void(s, plant.users["op_a"], "production", p.id, "again"),
        lambda s: svc.correct(s, plant.users["op_a"], "production", p.id, {"output_t": 1}, "x"),
    ]
    for act in acts:
        with pytest.raises(Conflict) as err, unit_of_work(plant.engine) as s:
            act(s)
        assert "voided by op_a" in err.value.message and "Asia/Pyongyang" in err.value.message


def test_a_voided_shift_frees_its_hours_for_the_corrected_one(plant: Plant) -> None:
    k, w = plant.kilns_a[0], plant.workers_a[0]
    sh = first(plant, m.Shift, worker_id=w)
    mgr = plant.users["mgr_a"]
    with unit_of_work(plant.engine) as s:
        n = len(read_shifts(s, [k]).start_us)
        svc.void(s, mgr, "shifts", sh.id, "worker was on leave; entered by mistake")
    with unit_of_work(plant.engine) as s:
        assert len(read_shifts(s, [k]).start_us) == n - 1
        start = sh.start_at + dt.timedelta(hours=1)  # overlaps the voided shift only
        svc.record_shift_one(s, mgr, svc.ShiftIn(w, start, start + dt.timedelta(hours=6), k))


def test_a_corrected_shift_must_not_overlap_another(plant: Plant) -> None:
    w = plant.workers_a[0]
    sh = first(plant, m.Shift, worker_id=w)
    moved = {  # onto the next day, over that day's shift
        "start_at": (sh.start_at + dt.timedelta(hours=26)).isoformat(),
        "end_at": (sh.end_at + dt.timedelta(hours=26)).isoformat(),
    }
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.correct(s, plant.users["mgr_a"], "shift", sh.id, moved, "wrong day")
    assert "worker A1 (A-01) would work" in err.value.rule
    with unit_of_work(plant.engine) as s:
        local = "2021-09-01T15:30"  # plant time, no offset
        row = svc.correct(s, plant.users["mgr_a"], "shift", sh.id, {"end_at": local}, "overtime")
        assert row.end_at == dt.datetime(2021, 9, 1, 15, 30, tzinfo=KST)  # type: ignore[attr-defined]


@pytest.fixture
def no_recompute() -> Iterator[None]:
    follow.recompute_after_commit(False)
    try:
        yield
    finally:
        follow.recompute_after_commit(True)


def dirty_from(plant: Plant) -> dt.date | None:
    with unit_of_work(plant.engine) as s:
        st = levels.STATES
        day: dt.date | None = s.execute(
            select(st.c.dirty_from).where(st.c.enterprise_id == plant.ent_a)
        ).scalar()
        return day


@pytest.mark.usefixtures("no_recompute")
@pytest.mark.parametrize("act", ["correct", "void"])
def test_a_correction_and_a_void_mark_the_kiln_day_dirty(plant: Plant, act: str) -> None:
    p = first(plant, m.ProductionRecord, day=dt.date(2021, 9, 10))
    with unit_of_work(plant.engine) as s:
        levels.refresh(s, {plant.ent_a})
    assert dirty_from(plant) is None
    with unit_of_work(plant.engine) as s:
        if act == "void":
            svc.void(s, plant.users["op_a"], "production", p.id, "double entry")
        else:
            svc.correct(s, plant.users["op_a"], "production", p.id, {"output_t": 3}, "typo")
    assert dirty_from(plant) == dt.date(2021, 9, 10)


#: One correction per registered kind: (kind, model, change, user).
EVERY_KIND: list[tuple[str, Any, dict[str, Any], str]] = [
    ("production-records", m.ProductionRecord, {"hours_fired": "7,5"}, "op_a"),
    ("shifts", m.Shift, {"role": "burner"}, "mgr_a"),
    ("work-orders", m.WorkOrder, {"findings": "cracks at 3 o'clock"}, "maint_a"),
    ("maintenance-plans", m.MaintenancePlan, {"interval_days": "45"}, "maint_a"),
    ("planned-stops", m.PlannedStop, {"end_on": "2021-09-23"}, "mgr_a"),
    ("targets", m.Target, {"quantity_t": 2500}, "mgr_a"),
    ("incidents", m.Incident, {"description": "hot spot, 420 °C"}, "safety_a"),
]


@pytest.mark.parametrize(("kind", "model", "change", "user"), EVERY_KIND)
def test_every_record_kind_is_corrected_and_voided(
    plant: Plant, kind: str, model: Any, change: dict[str, Any], user: str
) -> None:
    row = first(plant, model)
    who: Principal = plant.users[user]
    with unit_of_work(plant.engine) as s:
        svc.correct(s, who, kind, row.id, change, "checked against the log book")
    with unit_of_work(plant.engine) as s:
        svc.void(s, who, kind, row.id, "entered twice")
    with unit_of_work(plant.engine) as s:
        acts = svc.history(s, who, kind, row.id)
    assert [a.action for a in acts] == ["create", "correct", "void"]
    assert set(acts[1].after) == set(change)
    assert {corrections.kind_of(kind).name for kind, *_ in EVERY_KIND} <= set(corrections.KINDS)


def test_an_unknown_kind_lists_the_known_ones() -> None:
    with pytest.raises(ValidationError) as err:
        corrections.kind_of("crew")
    assert "production_record" in err.value.rule and "shift" in err.value.rule
