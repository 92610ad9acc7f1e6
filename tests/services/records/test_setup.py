"""Setting a plant up through the services (issue 12, point 1): create, edit, retire and
reinstate regions, enterprises, sections, kilns, crews, workers and logins, with one audit entry
per act, tenancy (another enterprise's unit reads as absent), and validation errors that name
the field and the fix."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kilnguard.domain.errors import (
    BatchValidationError,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from kilnguard.services import auth
from kilnguard.services import records as svc
from kilnguard.services.access import SYSTEM, Principal
from kilnguard.store.db import unit_of_work
from kilnguard.store.models import AuditEntry, Credential, Kiln, ProductionRecord, Shift, Worker
from tests.conftest import PASSWORD, Plant

TZ = dt.timezone(dt.timedelta(hours=9))


def _entries(s: Session, entity: str, ident: int) -> list[tuple[str, str, dict[str, Any]]]:
    rows = s.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity == entity, AuditEntry.entity_id == str(ident))
        .order_by(AuditEntry.seq)
    )
    return [(e.action, e.actor, json.loads(e.payload)) for e in rows]


def _rf4(enterprise_id: int, **fields: Any) -> svc.KilnIn:
    """Komusan's tunnel kiln RF-4 as onboarded in 2021 on a 400-day lining."""
    spec: dict[str, Any] = {
        "enterprise_id": enterprise_id,
        "name": "RF-4",
        "kind": "tunnel",
        "rated_capacity_t_per_day": 120.0,
        "max_temperature_c": 1450.0,
        "campaign_limit_days": 90,
        "lining_installed_on": dt.date(2021, 1, 1),
        "lining_design_life_days": 400,
    }
    return svc.KilnIn(**{**spec, **fields})


# ------------------------------------------------------------------------------ validation
def test_a_region_needs_an_iana_time_zone(plant: Plant) -> None:
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.create_region(s, SYSTEM, name="Ryanggang", timezone="KST+9")
    assert err.value.field == "timezone"
    assert "IANA" in err.value.rule and "Asia/Pyongyang" in err.value.rule
    with unit_of_work(plant.engine) as s:
        region = svc.create_region(s, SYSTEM, name="Ryanggang", timezone="Asia/Pyongyang")
        assert _entries(s, "region", region.id)[0][0] == "create"
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.edit_region(s, SYSTEM, region.id, {"timezone": "Mars/Olympus_Mons"})
    assert err.value.field == "timezone"
    with unit_of_work(plant.engine) as s:
        svc.edit_region(s, SYSTEM, region.id, {"timezone": "Asia/Seoul"})
        assert svc.get_unit(s, SYSTEM, "region", region.id)["timezone"] == "Asia/Seoul"
        action, actor, payload = _entries(s, "region", region.id)[-1]
    assert (action, actor) == ("update", "system")
    assert payload["changes"] == {"timezone": {"from": "Asia/Pyongyang", "to": "Asia/Seoul"}}


def test_an_enterprise_of_tier_7_is_refused_naming_the_field(plant: Plant) -> None:
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.create_enterprise(
            s, SYSTEM, region_id=plant.region_id, name="Hoeryong Lime", tier=7, sector="lime"
        )
    assert (err.value.field, err.value.value) == ("tier", 7)
    assert "tier must be" in err.value.rule
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.edit_enterprise(s, SYSTEM, plant.ent_a, {"tier": 7})
    assert err.value.field == "tier"
    with unit_of_work(plant.engine) as s:
        assert svc.get_unit(s, SYSTEM, "enterprise", plant.ent_a)["tier"] == 1


def test_the_lining_at_onboarding_is_given_once_as_tonnes_or_as_a_fraction(plant: Plant) -> None:
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.create_kiln(
            s,
            plant.users["mgr_a"],
            _rf4(
                plant.ent_a,
                lining_used_t_at_onboarding=15000.0,
                lining_used_fraction_at_onboarding=0.4,
            ),
        )
    assert err.value.field == "lining_used_fraction_at_onboarding"
    assert "not both" in err.value.rule
    for lining, field in (
        ({"lining_used_fraction_at_onboarding": 1.5}, "lining_used_fraction_at_onboarding"),
        ({"lining_used_t_at_onboarding": -200.0}, "lining_used_t_at_onboarding"),
    ):
        with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
            svc.create_kiln(s, plant.users["mgr_a"], _rf4(plant.ent_a, **lining))
        assert err.value.field == field
    with unit_of_work(plant.engine) as s:
        kiln = svc.create_kiln(
            s, plant.users["mgr_a"], _rf4(plant.ent_a, lining_used_t_at_onboarding=15000.0)
        )
        assert kiln.lining_used_t_at_onboarding == 15000.0
        action, actor, payload = _entries(s, "kiln", kiln.id)[0]
    assert (action, actor, payload["lining_used_t_at_onboarding"]) == ("create", "mgr_a", 15000.0)
    # switching to a fraction needs the tonnes cleared in the same edit
    with pytest.raises(ValidationError), unit_of_work(plant.engine) as s:
        svc.edit_kiln(s, plant.users["mgr_a"], kiln.id, {"lining_used_fraction_at_onboarding": 0.4})
    with unit_of_work(plant.engine) as s:
        svc.edit_kiln(
            s,
            plant.users["mgr_a"],
            kiln.id,
            {"lining_used_fraction_at_onboarding": "0.4", "lining_used_t_at_onboarding": ""},
        )
        values = svc.get_unit(s, SYSTEM, "kiln", kiln.id)
    assert values["lining_used_fraction_at_onboarding"] == 0.4
    assert values["lining_used_t_at_onboarding"] is None


def test_a_form_value_of_the_wrong_type_or_an_unknown_field_is_named(plant: Plant) -> None:
    kiln = plant.kilns_a[0]
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.edit_kiln(s, plant.users["mgr_a"], kiln, {"max_temperature_c": "very hot"})
    assert err.value.field == "max_temperature_c" and "number" in err.value.rule
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.edit_kiln(s, plant.users["mgr_a"], kiln, {"enterprise_id": plant.ent_b})
    assert err.value.field == "enterprise_id" and "editable fields" in err.value.rule
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.edit_kiln(s, plant.users["mgr_a"], kiln, {"rated_capacity_t_per_day": None})
    assert err.value.field == "rated_capacity_t_per_day"


def test_names_and_worker_numbers_are_unique_in_their_enterprise(plant: Plant) -> None:
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.create_kiln(s, plant.users["mgr_a"], _rf4(plant.ent_a, name="K-1"))
    assert err.value.field == "name" and "already used" in err.value.rule
    with unit_of_work(plant.engine) as s:  # the same name in another enterprise is fine
        svc.create_crew(s, SYSTEM, enterprise_id=plant.ent_b, name="RF-4 firing crew")
        svc.create_crew(s, SYSTEM, enterprise_id=plant.ent_a, name="RF-4 firing crew")
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.edit_section(
            s,
            SYSTEM,
            svc.find_unit(s, SYSTEM, "section", enterprise="A Cement", name="Kiln section"),
            {"name": ""},
        )
    assert err.value.field == "name" and "empty" in err.value.rule


# ------------------------------------------------------------------------------ workers
def test_a_worker_without_a_number_gets_the_next_free_one(plant: Plant) -> None:
    mgr = plant.users["mgr_a"]
    with unit_of_work(plant.engine) as s:
        rows = svc.create_workers(
            s,
            mgr,
            [
                svc.WorkerIn(enterprise_id=plant.ent_a, number="", name="Kim Chol"),
                svc.WorkerIn(enterprise_id=plant.ent_a, number="W-0007", name="Ri Song"),
                svc.WorkerIn(
                    enterprise_id=plant.ent_a,
                    number="",
                    name="Pak Yong",
                    qualifications=("rotary", "shaft"),
                ),
            ],
        )
        numbers = [w.number for w in rows]
    assert numbers == ["W-0008", "W-0007", "W-0009"]
    with pytest.raises(BatchValidationError) as batch, unit_of_work(plant.engine) as s:
        svc.create_workers(
            s,
            mgr,
            [
                svc.WorkerIn(enterprise_id=plant.ent_a, number="W-0007", name="Choe"),
                svc.WorkerIn(enterprise_id=plant.ent_a, number="W-0100", name="Han"),
                svc.WorkerIn(enterprise_id=plant.ent_a, number="W-0100", name="Jo"),
            ],
        )
    assert [(e.row, e.column) for e in batch.value.errors] == [(1, "number"), (3, "number")]
    with unit_of_work(plant.engine) as s:  # nothing of the bad batch was written
        assert s.scalar(select(func.count()).where(Worker.number == "W-0100")) == 0
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.edit_worker(s, mgr, rows[0].id, {"number": "W-0007"})
    assert err.value.field == "number"
    with unit_of_work(plant.engine) as s:
        svc.edit_worker(s, mgr, rows[0].id, {"qualifications": "rotary, tunnel", "job": "burner"})
        w = svc.get_unit(s, mgr, "worker", rows[0].id)
    assert (w["qualifications"], w["job"]) == ("rotary,tunnel", "burner")


# ------------------------------------------------------------------------------ tenancy
def test_a_manager_of_a_cannot_touch_the_units_of_b(plant: Plant) -> None:
    mgr_a = plant.users["mgr_a"]
    kiln_b = plant.kilns_b[0]
    for act in (
        lambda s: svc.edit_kiln(s, mgr_a, kiln_b, {"max_temperature_c": 900.0}),
        lambda s: svc.retire_kiln(s, mgr_a, kiln_b),
        lambda s: svc.edit_worker(s, mgr_a, plant.workers_b[0], {"name": "x"}),
        lambda s: svc.get_unit(s, mgr_a, "kiln", kiln_b),
        lambda s: svc.find_unit(s, mgr_a, "kiln", enterprise="B Refractory", name="K-1"),
    ):
        with pytest.raises(NotFound), unit_of_work(plant.engine) as s:
            act(s)
    with unit_of_work(plant.engine) as s:
        assert svc.get_unit(s, SYSTEM, "kiln", kiln_b)["max_temperature_c"] == 1450.0
        listed = {k["enterprise"] for k in svc.list_units(s, mgr_a, "kiln")}
    assert listed == {"A Cement"}


def test_roles_without_the_right_are_refused(plant: Plant) -> None:
    refusals: list[tuple[Principal, Any]] = [
        (plant.users["op_a"], lambda s, w: svc.edit_kiln(s, w, plant.kilns_a[0], {"name": "X"})),
        (plant.users["reg"], lambda s, w: svc.retire_kiln(s, w, plant.kilns_a[0])),
        (plant.users["mgr_a"], lambda s, w: svc.edit_enterprise(s, w, plant.ent_a, {"tier": 2})),
        (plant.users["mgr_a"], lambda s, w: svc.create_region(s, w, name="R", timezone="UTC")),
        (plant.users["maint_a"], lambda s, w: svc.retire_crew(s, w, _crew_a(s))),
        (plant.users["mgr_a"], lambda s, w: auth.list_users(s, w)),
    ]
    for who, act in refusals:
        with pytest.raises(PermissionDenied), unit_of_work(plant.engine) as s:
            act(s, who)


def _crew_a(s: Session) -> int:
    return svc.find_unit(s, SYSTEM, "crew", enterprise="A Cement", name="crew A")


# ------------------------------------------------------------------------------ retiring
def test_a_retired_kiln_keeps_its_history_and_takes_no_new_records(plant: Plant) -> None:
    mgr = plant.users["mgr_a"]
    kiln = plant.kilns_a[2]
    with unit_of_work(plant.engine) as s:
        before = s.scalar(select(func.count()).where(ProductionRecord.kiln_id == kiln))
        svc.retire_kiln(s, mgr, kiln, on=dt.date(2021, 10, 1))
    with unit_of_work(plant.engine) as s:
        assert s.scalar(select(func.count()).where(ProductionRecord.kiln_id == kiln)) == before
        assert svc.get_unit(s, mgr, "kiln", kiln)["retired_on"] == dt.date(2021, 10, 1)
        assert kiln not in [k["id"] for k in svc.list_units(s, mgr, "kiln")]
        assert [k["id"] for k in svc.list_units(s, mgr, "kiln", retired="retired")] == [kiln]
        action, actor, payload = _entries(s, "kiln", kiln)[-1]
    assert (action, actor, payload) == ("retire", "mgr_a", {"retired_on": "2021-10-01"})
    shift = svc.ShiftIn(
        worker_id=plant.workers_a[0],
        kiln_id=kiln,
        start_at=dt.datetime(2021, 10, 20, 6, tzinfo=TZ),
        end_at=dt.datetime(2021, 10, 20, 14, tzinfo=TZ),
    )
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.record_shift_one(s, mgr, shift)
    assert err.value.field == "kiln_id" and "retired on 2021-10-01" in err.value.rule
    assert "reinstate" in err.value.rule
    with pytest.raises(Conflict), unit_of_work(plant.engine) as s:
        svc.retire_kiln(s, mgr, kiln)
    with unit_of_work(plant.engine) as s:
        svc.reinstate_unit(s, mgr, "kiln", kiln)
        svc.record_shift_one(s, mgr, shift)
        assert _entries(s, "kiln", kiln)[-1][0] == "reinstate"
        assert s.scalar(select(func.count()).where(Shift.kiln_id == kiln)) > 0


def test_production_on_a_retired_kiln_is_refused(plant: Plant) -> None:
    """Production, work orders, plans and planned stops find their kiln through
    `batch.kiln_for_write`: a retired kiln must refuse them as shifts already are."""
    kiln = plant.kilns_a[1]
    with unit_of_work(plant.engine) as s:
        svc.retire_kiln(s, plant.users["mgr_a"], kiln, on=dt.date(2021, 10, 1))
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.record_production_one(
            s,
            plant.users["op_a"],
            svc.ProductionIn(kiln_id=kiln, day=dt.date(2021, 10, 2), output_t=10, hours_fired=8),
        )
    assert err.value.field == "kiln_id" and "retired" in err.value.rule
    # an incident on the retired kiln is still taken: a safety report is never refused
    with unit_of_work(plant.engine) as s:
        inc = svc.create_incident(
            s,
            plant.users["op_a"],
            svc.IncidentIn(
                enterprise_id=plant.ent_a,
                kiln_id=kiln,
                occurred_at=dt.datetime(2021, 10, 3, 9, tzinfo=dt.UTC),
                event_type="unsafe_condition",
                description="crack in the cold shell of the retired kiln",
            ),
        )
        assert inc.kiln_id == kiln


def test_a_retired_worker_takes_no_new_shifts(plant: Plant) -> None:
    worker = plant.workers_a[0]
    with unit_of_work(plant.engine) as s:
        svc.retire_worker(s, plant.users["mgr_a"], worker, on=dt.date(2021, 10, 1))
    start = dt.datetime(2021, 10, 5, 6, tzinfo=dt.UTC)
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        svc.record_shift_one(
            s,
            plant.users["mgr_a"],
            svc.ShiftIn(
                worker_id=worker,
                start_at=start,
                end_at=start + dt.timedelta(hours=8),
                kiln_id=plant.kilns_a[0],
            ),
        )
    assert err.value.field == "worker_id" and "retired" in err.value.rule


def test_retired_units_take_no_new_units(plant: Plant) -> None:
    with unit_of_work(plant.engine) as s:
        section = svc.find_unit(s, SYSTEM, "section", enterprise="A Cement", name="Kiln section")
        svc.retire_section(s, SYSTEM, section)
        svc.retire_crew(s, SYSTEM, _crew_a(s))
        svc.retire_enterprise(s, SYSTEM, plant.ent_b, on=dt.date(2021, 12, 31))
        svc.retire_region(s, SYSTEM, plant.other_region_id)
    refused = [
        (
            "section_id",
            lambda s: svc.create_kiln(
                s,
                plant.users["mgr_a"],
                _rf4(plant.ent_a, section_id=section),
            ),
        ),
        (
            "crew_id",
            lambda s: svc.create_worker(
                s,
                plant.users["mgr_a"],
                svc.WorkerIn(enterprise_id=plant.ent_a, number="", name="Kim", crew_id=_crew_a(s)),
            ),
        ),
        (
            "enterprise_id",
            lambda s: svc.create_section(s, SYSTEM, enterprise_id=plant.ent_b, name="New"),
        ),
        (
            "region_id",
            lambda s: svc.create_enterprise(
                s, SYSTEM, region_id=plant.other_region_id, name="D Lime", tier=2, sector="lime"
            ),
        ),
    ]
    for field, act in refused:
        with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
            act(s)
        assert err.value.field == field and "retired" in err.value.rule, field
    with unit_of_work(plant.engine) as s:  # retired units stay readable, with their records
        assert svc.get_unit(s, SYSTEM, "enterprise", plant.ent_b)["retired_on"] == dt.date(
            2021, 12, 31
        )
        assert s.scalar(select(func.count()).where(Kiln.enterprise_id == plant.ent_b)) == 3
        assert [r["name"] for r in svc.list_units(s, SYSTEM, "region")] == ["North Hamgyong"]


# ------------------------------------------------------------------------------ users
def _login_ok(plant: Plant, username: str, password: str) -> bool:
    with unit_of_work(plant.engine) as s:
        try:
            auth.authenticate(s, username, password)
        except auth.AuthenticationFailed:
            return False
    return True


def test_an_admin_edits_retires_reactivates_and_resets_a_login(plant: Plant) -> None:
    with unit_of_work(plant.engine) as s:
        admin = auth.create_user(s, SYSTEM, username="admin", password=PASSWORD, role="admin")
        boss = Principal.of(admin)
        op = auth.user_id_named(s, boss, "op_a")
        user = auth.principal_for(s, "op_a")
        auth.issue_credential(
            s,
            auth.authenticate(s, "op_a", PASSWORD),
            kind="api_token",
            now=dt.datetime(2021, 10, 1, tzinfo=dt.UTC),
            lifetime=None,
        )
        assert user.role.value == "operator"
        auth.edit_user(
            s,
            boss,
            op,
            {
                "role": "manager",
                "display_name": "Kim Op",
                "enterprise_ids": [plant.ent_a, plant.ent_b],
            },
        )
    with unit_of_work(plant.engine) as s:
        values = auth.get_user(s, boss, op)
        assert (values["role"], values["enterprises"]) == ("manager", ["A Cement", "B Refractory"])
        action, actor, payload = _entries(s, "user", op)[-1]
        assert (action, actor) == ("update", "admin")
        assert payload["changes"]["enterprise_ids"] == {
            "from": [plant.ent_a],
            "to": [plant.ent_a, plant.ent_b],
        }
        auth.edit_user(s, boss, op, {"enterprise_ids": [plant.ent_b]})
    with unit_of_work(plant.engine) as s:
        assert auth.get_user(s, boss, op)["enterprise_ids"] == [plant.ent_b]
        auth.retire_user(s, boss, op)
        assert s.scalar(select(func.count()).where(Credential.user_id == op)) == 0
    assert not _login_ok(plant, "op_a", PASSWORD)
    with unit_of_work(plant.engine) as s:
        assert "op_a" not in [u["username"] for u in auth.list_users(s, boss)]
        assert "op_a" in [u["username"] for u in auth.list_users(s, boss, active="inactive")]
        auth.reactivate_user(s, boss, op)
        auth.reset_password(s, boss, op, "a-new-long-password")
        actions = [a for a, _, _ in _entries(s, "user", op)]
    assert actions[-3:] == ["retire", "reactivate", "update"]
    assert not _login_ok(plant, "op_a", PASSWORD)
    assert _login_ok(plant, "op_a", "a-new-long-password")


def test_a_login_edit_must_still_fit_its_role_and_an_admin_must_remain(plant: Plant) -> None:
    with unit_of_work(plant.engine) as s:
        admin = auth.create_user(s, SYSTEM, username="admin", password=PASSWORD, role="admin")
        boss = Principal.of(admin)
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        auth.edit_user(s, boss, plant.users["op_a"].user_id, {"role": "regulator"})
    assert err.value.field == "region_id"
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        auth.edit_user(s, boss, plant.users["op_a"].user_id, {"role": "chief"})
    assert err.value.field == "role"
    with pytest.raises(Conflict), unit_of_work(plant.engine) as s:
        auth.retire_user(s, boss, admin.id)  # your own login
    with pytest.raises(Conflict) as last, unit_of_work(plant.engine) as s:
        auth.edit_user(s, SYSTEM, admin.id, {"role": "manager", "enterprise_ids": [plant.ent_a]})
    assert "last active login" in last.value.message
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        auth.reset_password(s, boss, plant.users["op_a"].user_id, "short")
    assert err.value.field == "password"
    rights = {r["role"]: r["may_change"] for r in auth.role_rights()}
    assert "plant" in rights["manager"] and "plant" not in rights["operator"]
