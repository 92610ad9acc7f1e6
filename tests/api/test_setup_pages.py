"""The set-up pages without a browser: an administrator sets up a region, an enterprise and a
kiln through the forms; a refused field is shown next to that field with what was typed;
managers set up only their own enterprise; logins are for administrators only."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from kilnguard.services import uow as store_db
from kilnguard.services.access import SYSTEM
from kilnguard.services.auth import create_user
from kilnguard.store import models as m
from tests.conftest import PASSWORD, Plant


def login(client, username: str) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        "/login", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert r.status_code == 303, r.text


@pytest.fixture
def admin(plant: Plant) -> str:
    with store_db.unit_of_work(plant.engine) as s:
        create_user(s, SYSTEM, username="root", password=PASSWORD, role="admin")
    return "root"


def field_error(html: str, field: str) -> str:
    """The error shown next to `field` ("" when there is none)."""
    m_ = re.search(rf'data-field="{field}">([^<]*)<', html)
    return m_.group(1) if m_ else ""


def value_of(html: str, field: str) -> str:
    m_ = re.search(rf'name="{field}" value="([^"]*)"', html)
    assert m_, f"no input {field}"
    return m_.group(1)


def kiln_form(enterprise_id: int, **over: str) -> dict[str, str]:
    form = {
        "enterprise_id": str(enterprise_id),
        "name": "K-9",
        "section_id": "",
        "kind": "tunnel",
        "rated_capacity_t_per_day": "55.5",
        "max_temperature_c": "1320",
        "campaign_limit_days": "120",
        "lining_installed_on": "2020-04-01",
        "lining_design_life_days": "730",
        "lining_used_t_at_onboarding": "",
        "lining_used_fraction_at_onboarding": "0.4",
    }
    return form | over


def test_an_administrator_sets_up_a_region_an_enterprise_and_a_kiln(
    client, plant: Plant, admin: str
) -> None:  # type: ignore[no-untyped-def]
    login(client, admin)
    assert 'href="/setup"' in client.get("/kilns").text

    r = client.post("/setup/regions", data={"name": "Ryanggang", "timezone": "Asia/Pyongyang"})
    assert r.status_code == 200 and "Ryanggang" in r.text and "Asia/Pyongyang" in r.text
    with store_db.unit_of_work(plant.engine) as s:
        region = s.scalars(select(m.Region).where(m.Region.name == "Ryanggang")).one()
        region_id = region.id

    r = client.post(
        "/setup/enterprises",
        data={"name": "Hyesan Lime", "region_id": str(region_id), "tier": "2", "sector": "lime"},
    )
    assert r.status_code == 200 and "Hyesan Lime" in r.text
    with store_db.unit_of_work(plant.engine) as s:
        ent_id = s.scalars(select(m.Enterprise.id).where(m.Enterprise.name == "Hyesan Lime")).one()

    r = client.post("/setup/kilns", data=kiln_form(ent_id))
    assert r.status_code == 200, r.text
    assert "55.5 t/day" in r.text and "1320 °C" in r.text and "40 %" in r.text
    with store_db.unit_of_work(plant.engine) as s:
        kiln = s.scalars(select(m.Kiln).where(m.Kiln.enterprise_id == ent_id)).one()
        assert (kiln.kind, kiln.rated_capacity_t_per_day, kiln.campaign_limit_days) == (
            "tunnel",
            55.5,
            120,
        )
        assert kiln.lining_used_fraction_at_onboarding == 0.4
        assert kiln.lining_used_t_at_onboarding is None
    assert "K-9" in client.get("/kilns").text


def test_a_refused_field_is_shown_next_to_it_with_what_was_typed(
    client, plant: Plant, admin: str
) -> None:  # type: ignore[no-untyped-def]
    login(client, admin)
    r = client.post("/setup/regions", data={"name": "Kangwon", "timezone": "Korea/Wonsan"})
    assert r.status_code == 422
    assert "IANA" in field_error(r.text, "timezone")
    assert value_of(r.text, "timezone") == "Korea/Wonsan" and value_of(r.text, "name") == "Kangwon"

    r = client.post(
        "/setup/kilns",
        data=kiln_form(plant.ent_a, rated_capacity_t_per_day="fifty", name="K-10"),
    )
    assert r.status_code == 422
    assert "must be a number" in field_error(r.text, "rated_capacity_t_per_day")
    assert value_of(r.text, "rated_capacity_t_per_day") == "fifty"
    assert value_of(r.text, "name") == "K-10"
    # every field that cannot be read is shown at once, each beside its own input
    r = client.post(
        "/setup/kilns",
        data=kiln_form(
            plant.ent_a, campaign_limit_days="90.5", lining_installed_on="1/4/2020", kind=""
        ),
    )
    assert "whole number" in field_error(r.text, "campaign_limit_days")
    assert "2021-11-24" in field_error(r.text, "lining_installed_on")
    assert value_of(r.text, "lining_installed_on") == "1/4/2020"

    # the lining's state at onboarding: tonnes OR fraction, not both
    r = client.post(
        "/setup/kilns", data=kiln_form(plant.ent_a, lining_used_t_at_onboarding="12000")
    )
    assert r.status_code == 422
    assert "not both" in field_error(r.text, "lining_used_fraction_at_onboarding")
    assert "[t]" in r.text and "[t/day]" in r.text and "[°C]" in r.text and "[days]" in r.text

    r = client.post("/setup/kilns", data=kiln_form(plant.ent_a, name="K-1"))  # taken in A
    assert "already used" in field_error(r.text, "name")
    with store_db.unit_of_work(plant.engine) as s:
        names = set(s.scalars(select(m.Kiln.name).where(m.Kiln.enterprise_id == plant.ent_a)))
        assert names == {"K-1", "K-2", "K-3"}
        assert s.scalar(select(m.Region.id).where(m.Region.name == "Kangwon")) is None


def test_editing_and_retiring_a_kiln(client, plant: Plant, admin: str) -> None:  # type: ignore[no-untyped-def]
    login(client, admin)
    kiln = plant.kilns_a[2]
    page = client.get(f"/setup/kilns/{kiln}").text
    assert value_of(page, "rated_capacity_t_per_day") == "40"
    r = client.post(
        f"/setup/kilns/{kiln}",
        data=kiln_form(plant.ent_a, name="K-3", kind="shaft", rated_capacity_t_per_day="-4"),
    )
    assert r.status_code == 422 and field_error(r.text, "rated_capacity_t_per_day")
    r = client.post(
        f"/setup/kilns/{kiln}",
        data=kiln_form(
            plant.ent_a, name="K-3 (relined)", kind="shaft", lining_used_fraction_at_onboarding=""
        ),
    )
    assert r.status_code == 200 and "K-3 (relined)" in r.text
    r = client.post(f"/setup/kilns/{kiln}/retire", data={"retired_on": "2021-13-01"})
    assert r.status_code == 422 and field_error(r.text, "retired_on")
    r = client.post(f"/setup/kilns/{kiln}/retire", data={"retired_on": "2021-12-31"})
    assert r.status_code == 200 and "retired 2021-12-31" in r.text
    assert "retired" in client.get("/setup/kilns?show=retired").text
    assert "K-3 (relined)" not in client.get("/setup/kilns?show=active").text
    with store_db.unit_of_work(plant.engine) as s:
        row = s.get(m.Kiln, kiln)
        assert row is not None and row.name == "K-3 (relined)"
        assert row.rated_capacity_t_per_day == 55.5 and row.retired_on is not None
        actions = set(s.scalars(select(m.AuditEntry.action).where(m.AuditEntry.entity == "kiln")))
        assert {"create", "update", "retire"} <= actions
    r = client.post(f"/setup/kilns/{kiln}/reinstate")
    assert r.status_code == 200 and "K-3 (relined)" in client.get("/setup/kilns?show=active").text


def test_a_worker_with_qualifications_and_a_retired_crew_is_not_offered(
    client, plant: Plant
) -> None:  # type: ignore[no-untyped-def]
    login(client, "mgr_a")
    with store_db.unit_of_work(plant.engine) as s:
        crews = {
            c.name: c.id
            for c in s.scalars(select(m.Crew).where(m.Crew.enterprise_id == plant.ent_a))
        }
    r = client.post(f"/setup/crews/{crews['crew C']}/retire", data={"retired_on": ""})
    assert r.status_code == 200
    page = client.get("/setup/workers").text
    assert f'value="{crews["crew A"]}"' in page and f'value="{crews["crew C"]}"' not in page
    form = {
        "enterprise_id": str(plant.ent_a),
        "number": "A-77",
        "name": "Ri Chol",
        "crew_id": str(crews["crew A"]),
        "job": "burner",
        "qualifications": ["rotary", "shaft"],
    }
    r = client.post("/setup/workers", data=form)
    assert r.status_code == 200 and "A-77" in r.text and "rotary,shaft" in r.text
    r = client.post("/setup/workers", data=form | {"name": "Kim Su"})
    assert r.status_code == 422 and "already used" in field_error(r.text, "number")
    assert 'value="shaft" checked' in r.text  # the boxes ticked stay ticked
    with store_db.unit_of_work(plant.engine) as s:
        assert s.scalar(select(m.Worker.id).where(m.Worker.name == "Kim Su")) is None


def test_a_manager_sets_up_only_their_own_enterprise(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    login(client, "mgr_a")
    assert 'href="/setup"' in client.get("/kilns").text
    page = client.get("/setup/kilns").text
    assert "A Cement" in page and "B Refractory" not in page
    assert "New region" not in client.get("/setup/regions").text
    r = client.post("/setup/regions", data={"name": "Mine", "timezone": "UTC"})
    assert r.status_code == 403
    r = client.post("/setup/kilns", data=kiln_form(plant.ent_b, name="K-77"))
    assert r.status_code in (403, 404, 422)
    assert client.get(f"/setup/kilns/{plant.kilns_b[0]}").status_code == 404
    denied = client.get("/setup/users")
    assert denied.status_code == 403 and "<h1>" in denied.text  # a page, not JSON
    r = client.post("/setup/users", data={"username": "x", "password": "long-enough-pw"})
    assert r.status_code == 403
    with store_db.unit_of_work(plant.engine) as s:
        assert s.scalar(select(m.Kiln.id).where(m.Kiln.name == "K-77")) is None
        assert s.scalar(select(m.Region.id).where(m.Region.name == "Mine")) is None


def test_an_operator_has_no_set_up_link_and_may_not_set_up(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    login(client, "op_a")
    assert 'href="/setup"' not in client.get("/kilns").text
    assert "New section" not in client.get("/setup/sections").text
    r = client.post("/setup/sections", data={"enterprise_id": str(plant.ent_a), "name": "Mill"})
    assert r.status_code in (403, 422)
    with store_db.unit_of_work(plant.engine) as s:
        assert s.scalar(select(m.Section.id).where(m.Section.name == "Mill")) is None


def test_an_administrator_manages_logins(client, plant: Plant, admin: str) -> None:  # type: ignore[no-untyped-def]
    login(client, admin)
    user = {
        "username": "mgr_new",
        "display_name": "Pak Manager",
        "password": "short",
        "role": "manager",
        "enterprise_ids": [str(plant.ent_b)],
        "region_id": "",
    }
    r = client.post("/setup/users", data=user)
    assert r.status_code == 422 and "12 characters" in field_error(r.text, "password")
    assert "short" not in r.text  # a password is never shown back
    assert value_of(r.text, "username") == "mgr_new"
    r = client.post("/setup/users", data=user | {"password": "long-enough-pw"})
    assert r.status_code == 200 and "mgr_new" in r.text
    with store_db.unit_of_work(plant.engine) as s:
        uid = s.scalars(select(m.User.id).where(m.User.username == "mgr_new")).one()
    r = client.post(
        f"/setup/users/{uid}",
        data={
            "display_name": "Pak",
            "role": "safety_officer",
            "enterprise_ids": [str(plant.ent_a)],
        },
    )
    assert r.status_code == 200
    r = client.post(f"/setup/users/{uid}/retire")
    assert r.status_code == 200
    with store_db.unit_of_work(plant.engine) as s:
        u = s.get(m.User, uid)
        assert u is not None and u.role == "safety_officer" and not u.active
        assert u.enterprise_ids == frozenset({plant.ent_a})
    bad = client.post("/login", data={"username": "mgr_new", "password": "long-enough-pw"})
    assert "wrong user name or password" in bad.text or bad.status_code != 303
