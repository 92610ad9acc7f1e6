"""Set-up over REST (issue 12, point 1): POST/PATCH/retire/reinstate of regions, enterprises,
sections, kilns, crews, workers and logins; 404 for another enterprise's unit, 403 beyond the
role, 409 for an act the state does not allow, 422 naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from kilnguard.services.access import SYSTEM
from kilnguard.services.auth import create_user
from kilnguard.store.db import unit_of_work
from tests.conftest import PASSWORD, Plant, token_for

API = "/api/v1"


@pytest.fixture
def admin(client, plant: Plant) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with unit_of_work(plant.engine) as s:
        create_user(s, SYSTEM, username="admin", password=PASSWORD, role="admin")
    return token_for(client, "admin")  # type: ignore[no-any-return]


def _kiln(enterprise_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "enterprise_id": enterprise_id,
        "name": "RF-4",
        "kind": "tunnel",
        "rated_capacity_t_per_day": 120,
        "max_temperature_c": 1450,
        "campaign_limit_days": 90,
        "lining_installed_on": "2021-01-01",
        "lining_design_life_days": 400,
        **fields,
    }


def test_an_admin_sets_up_a_region_and_bad_fields_are_named(client, plant: Plant, admin) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"{API}/regions", headers=admin, json={"name": "Ryanggang", "timezone": "KST"})
    assert r.status_code == 422 and r.json()["field"] == "timezone"
    assert "IANA" in r.json()["rule"]
    r = client.post(
        f"{API}/regions", headers=admin, json={"name": "Ryanggang", "timezone": "Asia/Pyongyang"}
    )
    assert r.status_code == 201, r.text
    region = r.json()
    assert (region["timezone"], region["retired_on"]) == ("Asia/Pyongyang", None)
    body = {"region_id": region["id"], "name": "Hyesan Lime", "tier": 7, "sector": "lime"}
    r = client.post(f"{API}/enterprises", headers=admin, json=body)
    assert r.status_code == 422 and (r.json()["field"], r.json()["value"]) == ("tier", 7)
    r = client.post(f"{API}/enterprises", headers=admin, json={**body, "tier": 2})
    assert r.status_code == 201 and r.json()["region"] == "Ryanggang"
    ent = r.json()["id"]
    r = client.post(f"{API}/sections", headers=admin, json={"enterprise_id": ent, "name": "Kilns"})
    assert r.status_code == 201
    section = r.json()["id"]
    both = _kiln(ent, lining_used_t_at_onboarding=15000, lining_used_fraction_at_onboarding=0.4)
    r = client.post(f"{API}/kilns", headers=admin, json=both)
    assert r.status_code == 422 and r.json()["field"] == "lining_used_fraction_at_onboarding"
    r = client.post(
        f"{API}/kilns",
        headers=admin,
        json=_kiln(ent, section_id=section, lining_used_t_at_onboarding=15000),
    )
    assert r.status_code == 201, r.text
    kiln = r.json()
    assert (kiln["section"], kiln["lining_used_t_at_onboarding"]) == ("Kilns", 15000.0)
    r = client.post(f"{API}/crews", headers=admin, json={"enterprise_id": ent, "name": "crew A"})
    crew = r.json()["id"]
    r = client.post(
        f"{API}/workers",
        headers=admin,
        json={
            "enterprise_id": ent,
            "name": "Kim Chol",
            "crew_id": crew,
            "qualifications": ["tunnel"],
        },
    )
    assert r.status_code == 201, r.text
    assert (r.json()["number"], r.json()["crew"], r.json()["qualifications"]) == (
        "W-0001",
        "crew A",
        "tunnel",
    )
    names = [x["name"] for x in client.get(f"{API}/regions", headers=admin).json()]
    assert names == ["North Hamgyong", "Ryanggang", "South Pyongan"]


def test_a_manager_edits_their_kilns_and_not_another_enterprises(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    mgr = token_for(client, "mgr_a")
    own, other = plant.kilns_a[0], plant.kilns_b[0]
    r = client.patch(f"{API}/kilns/{own}", headers=mgr, json={"max_temperature_c": 1400})
    assert r.status_code == 200, r.text
    assert (r.json()["max_temperature_c"], r.json()["name"]) == (1400.0, "K-1")
    r = client.patch(f"{API}/kilns/{other}", headers=mgr, json={"max_temperature_c": 900})
    assert r.status_code == 404
    assert client.post(f"{API}/kilns/{other}/retire", headers=mgr).status_code == 404
    op = token_for(client, "op_a")
    assert client.patch(f"{API}/kilns/{own}", headers=op, json={"name": "X"}).status_code == 403
    r = client.patch(f"{API}/kilns/{own}", headers=mgr, json={"name": None})
    assert r.status_code == 422 and r.json()["field"] == "name"
    r = client.patch(
        f"{API}/kilns/{own}", headers=mgr, json={"lining_used_fraction_at_onboarding": 2}
    )
    assert r.status_code == 422 and "between 0 and 1" in r.json()["rule"]
    assert client.post(f"{API}/regions", headers=mgr, json={"name": "R"}).status_code == 403
    regions = client.get(f"{API}/regions", headers=mgr).json()
    assert [x["name"] for x in regions] == ["North Hamgyong"]
    assert client.get(f"{API}/regions/{plant.other_region_id}", headers=mgr).status_code == 404


def test_a_retired_kiln_stays_readable_and_refuses_new_shifts(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    mgr = token_for(client, "mgr_a")
    kiln = plant.kilns_a[2]
    r = client.post(f"{API}/kilns/{kiln}/retire", headers=mgr, json={"on": "2021-10-01"})
    assert r.status_code == 200 and r.json()["retired_on"] == "2021-10-01"
    assert client.post(f"{API}/kilns/{kiln}/retire", headers=mgr).status_code == 409
    assert client.get(f"{API}/kilns/{kiln}", headers=mgr).status_code == 200
    history = client.get(f"{API}/production-records?kiln_id={kiln}&limit=10000", headers=mgr)
    assert len(history.json()) == 42
    shift = {
        "worker_id": plant.workers_a[0],
        "kiln_id": kiln,
        "start_at": "2021-10-20T06:00:00+09:00",
        "end_at": "2021-10-20T14:00:00+09:00",
    }
    r = client.post(f"{API}/shifts", headers=mgr, json=shift)
    assert r.status_code == 422 and r.json()["field"] == "kiln_id"
    assert "retired" in r.json()["rule"]
    r = client.post(f"{API}/kilns/{kiln}/reinstate", headers=mgr)
    assert r.status_code == 200 and r.json()["retired_on"] is None
    assert client.post(f"{API}/shifts", headers=mgr, json=shift).status_code == 201


def test_an_admin_administers_logins(client, plant: Plant, admin) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        f"{API}/users",
        headers=admin,
        json={
            "username": "night-supervisor",
            "password": "long-password-1",
            "role": "operator",
            "enterprise_ids": [plant.ent_a],
        },
    )
    assert r.status_code == 201, r.text
    uid = r.json()["id"]
    theirs = {
        "Authorization": "Bearer "
        + client.post(
            f"{API}/auth/token",
            json={"username": "night-supervisor", "password": "long-password-1"},
        ).json()["token"]
    }
    assert client.get(f"{API}/me", headers=theirs).status_code == 200
    r = client.patch(f"{API}/users/{uid}", headers=admin, json={"role": "regulator"})
    assert r.status_code == 422 and r.json()["field"] == "region_id"
    r = client.patch(
        f"{API}/users/{uid}",
        headers=admin,
        json={"role": "manager", "enterprise_ids": [plant.ent_a, plant.ent_b]},
    )
    assert r.status_code == 200
    assert r.json()["enterprises"] == ["A Cement", "B Refractory"]
    r = client.post(f"{API}/users/{uid}/retire", headers=admin)
    assert r.status_code == 200 and r.json()["active"] is False
    assert client.get(f"{API}/me", headers=theirs).status_code == 401  # token revoked
    assert client.post(f"{API}/users/{uid}/retire", headers=admin).status_code == 409
    assert client.post(f"{API}/users/{uid}/reactivate", headers=admin).status_code == 200
    r = client.post(f"{API}/users/{uid}/password", headers=admin, json={"password": "short"})
    assert r.status_code == 422 and r.json()["field"] == "password"
    r = client.post(
        f"{API}/users/{uid}/password", headers=admin, json={"password": "new-password-2"}
    )
    assert r.status_code == 200
    token = client.post(
        f"{API}/auth/token", json={"username": "night-supervisor", "password": "new-password-2"}
    )
    assert token.status_code == 200
    mgr = token_for(client, "mgr_a")
    assert client.get(f"{API}/users", headers=mgr).status_code == 403
    assert (
        client.patch(f"{API}/users/{uid}", headers=mgr, json={"role": "admin"}).status_code == 403
    )
    listed = [u["username"] for u in client.get(f"{API}/users?active=all", headers=admin).json()]
    assert "night-supervisor" in listed and "admin" in listed
    roles = {x["role"]: x["may_change"] for x in client.get(f"{API}/roles", headers=mgr).json()}
    assert "worker" in roles["manager"] and "user" not in roles["manager"]


SET_UP = [
    *(
        (method, path.format(kind=kind))
        for kind in ("regions", "enterprises", "sections", "kilns", "crews", "workers")
        for method, path in (
            ("post", API + "/{kind}"),
            ("patch", API + "/{kind}/{{record_id}}"),
            ("post", API + "/{kind}/{{record_id}}/retire"),
            ("post", API + "/{kind}/{{record_id}}/reinstate"),
        )
    ),
    ("post", f"{API}/users"),
    ("patch", f"{API}/users/{{user_id}}"),
    ("post", f"{API}/users/{{user_id}}/retire"),
    ("post", f"{API}/users/{{user_id}}/reactivate"),
    ("post", f"{API}/users/{{user_id}}/password"),
]


def test_every_set_up_route_documents_its_answer_and_refusals(client) -> None:  # type: ignore[no-untyped-def]
    paths: dict[str, dict[str, Any]] = client.get("/openapi.json").json()["paths"]
    for method, path in SET_UP:
        responses = paths[path][method]["responses"]
        success = next(v for k, v in responses.items() if k.startswith("2"))
        assert success["content"]["application/json"]["schema"], (method, path)
        for status in ("403", "404", "422"):
            ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("/ErrorOut"), (method, path, status)
    for path in (f"{API}/regions", f"{API}/users", f"{API}/roles"):
        assert paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
