"""The rights table and the one write path, on a realistic two-enterprise, two-region plant."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from kilnguard.clock import FixedClock
from kilnguard.domain.errors import NotFound, PermissionDenied
from kilnguard.domain.roles import Role
from kilnguard.services import access, writes
from kilnguard.services.access import RIGHTS, SYSTEM
from kilnguard.store.db import unit_of_work
from kilnguard.store.models import AuditEntry, Section
from tests.conftest import Plant


def test_every_right_names_roles_and_regulators_only_where_spelled_out() -> None:
    for kind, right in RIGHTS.items():
        assert right.roles, f"{kind} grants nobody"
        if Role.REGULATOR in right.roles:
            assert right.regulator, f"{kind}: a regulator's right must say what it allows"
    regulator_kinds = {k for k, r in RIGHTS.items() if r.regulator}
    assert regulator_kinds == {
        "audit_log",
        "bulletin",
        "change_firing_abort",
        "change_notification",
        "change_objection",
    }


def test_regulator_reads_the_region_and_writes_no_plant_record(plant: Plant) -> None:
    reg = plant.users["reg"]
    with unit_of_work(plant.engine) as s:
        assert access.may_read_enterprise(s, reg, plant.ent_b)
        assert not access.may_read_enterprise(s, reg, plant.ent_other_region)
        for kind in ("production_record", "shift", "work_order", "target", "change_request"):
            with pytest.raises(PermissionDenied):
                access.require_write(s, reg, kind, plant.ent_a)
        with pytest.raises(NotFound):
            access.require_write(s, reg, "production_record", plant.ent_other_region)
        for kind in ("change_firing_abort", "change_objection"):
            access.require_write(s, reg, kind, plant.ent_a)
            with pytest.raises(NotFound):
                access.require_write(s, reg, kind, plant.ent_other_region)


def test_region_wide_rights_stop_at_the_regions_edge(plant: Plant) -> None:
    access.require_region_write(plant.users["reg"], "bulletin", plant.region_id)
    with pytest.raises(PermissionDenied, match="own region"):
        access.require_region_write(plant.users["reg"], "bulletin", plant.other_region_id)
    with pytest.raises(PermissionDenied):
        access.require_region_write(plant.users["mgr_a"], "bulletin", plant.region_id)
    assert access.may(plant.users["reg"], "bulletin")
    assert not access.may(plant.users["op_a"], "bulletin")


def test_plant_user_writes_only_own_enterprise_within_role(plant: Plant) -> None:
    with unit_of_work(plant.engine) as s:
        access.require_write(s, plant.users["op_a"], "production_record", plant.ent_a)
        with pytest.raises(PermissionDenied, match="target"):
            access.require_write(s, plant.users["op_a"], "target", plant.ent_a)
        with pytest.raises(NotFound):
            access.require_write(s, plant.users["op_a"], "production_record", plant.ent_b)


def test_an_unknown_right_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="add it to RIGHTS"):
        access.may(SYSTEM, "no_such_kind")


def test_write_checks_adds_and_audits_once_with_the_units_clock(plant: Plant) -> None:
    clock = FixedClock(dt.datetime(2021, 10, 4, 6, 30, tzinfo=dt.UTC))
    with unit_of_work(plant.engine, clock=clock) as s:
        before = s.scalar(select(func.count()).select_from(AuditEntry))
        row = writes.write(
            s,
            who=plant.users["mgr_a"],
            row=Section(enterprise_id=plant.ent_a, name="Kiln hall 3"),
            action="create",
            kind="plant",
            entity="section",
            enterprise_id=plant.ent_a,
        )
        assert row.id is not None
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.seq > before)))
    assert [(e.action, e.entity, e.entity_id, e.actor) for e in entries] == [
        ("create", "section", str(row.id), "mgr_a")
    ]
    assert entries[0].at.replace(tzinfo=dt.UTC) == clock.at
    assert '"name":"Kiln hall 3"' in entries[0].payload


def test_a_refused_write_leaves_neither_row_nor_entry(plant: Plant) -> None:
    with unit_of_work(plant.engine) as s:
        before_entries = s.scalar(select(func.count()).select_from(AuditEntry))
        before_sections = s.scalar(select(func.count()).select_from(Section))
    with pytest.raises(NotFound), unit_of_work(plant.engine) as s:
        writes.write(
            s,
            who=plant.users["mgr_a"],
            row=Section(enterprise_id=plant.ent_b, name="not mine"),
            action="create",
            kind="plant",
            entity="section",
            enterprise_id=plant.ent_b,
        )
    with unit_of_work(plant.engine) as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == before_entries
        assert s.scalar(select(func.count()).select_from(Section)) == before_sections


def test_on_behalf_of_is_recorded_in_the_entry(plant: Plant) -> None:
    with unit_of_work(plant.engine) as s:
        writes.write(
            s,
            who=SYSTEM,
            row=Section(enterprise_id=plant.ent_a, name="Reconstructed hall"),
            action="create",
            kind="plant",
            entity="section",
            enterprise_id=plant.ent_a,
            on_behalf_of={"person": "Kim", "role": "manager"},
        )
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry is not None
    assert '"on_behalf_of":{"person":"Kim","role":"manager"}' in entry.payload
