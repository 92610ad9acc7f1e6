"""Tenancy through the API: a user of enterprise A gets 404 for B's records on every route."""

from __future__ import annotations

import datetime as dt

import pytest

from kilnguard.api.features.records import KINDS
from tests.conftest import Plant, token_for


@pytest.mark.parametrize("path", sorted(KINDS))
def test_user_of_a_gets_404_for_bs_record_on_every_route(client, plant: Plant, path: str) -> None:  # type: ignore[no-untyped-def]
    h = token_for(client, "op_a")
    rid = plant.record_ids_b[path]
    r = client.get(f"/api/v1/{path}/{rid}", headers=h)
    assert r.status_code == 404, r.text
    assert r.json()["error"] == "NotFound"
    missing = client.get(f"/api/v1/{path}/987654", headers=h)
    assert missing.status_code == 404
    assert set(r.json()) == set(missing.json())  # same shape: absent and not-yours look alike
    listed = client.get(f"/api/v1/{path}", headers=h).json()
    ent_key = "id" if path == "enterprises" else "enterprise_id"
    assert listed and {row[ent_key] for row in listed} == {plant.ent_a}


@pytest.mark.parametrize("path", sorted(KINDS))
def test_owner_reads_its_own_record(client, plant: Plant, path: str) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"/api/v1/{path}/{plant.record_ids_b[path]}", headers=token_for(client, "op_b"))
    assert r.status_code == 200, r.text


def test_regulator_reads_the_whole_region_but_not_other_regions(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    h = token_for(client, "reg")
    ents = {e["id"] for e in client.get("/api/v1/enterprises", headers=h).json()}
    assert ents == {plant.ent_a, plant.ent_b}
    other = token_for(client, "reg_other")
    assert client.get(f"/api/v1/kilns/{plant.kilns_a[0]}", headers=other).status_code == 404


def test_regulator_cannot_write_plant_records(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/production-records",
        headers=token_for(client, "reg"),
        json={"kiln_id": plant.kilns_a[0], "day": "2021-10-01", "output_t": 5, "hours_fired": 8},
    )
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("production-records", {"day": "2021-10-01", "output_t": 5, "hours_fired": 8}),
        ("work-orders", {"task": "Inspect", "due_on": "2021-10-01"}),
        ("maintenance-plans", {"task": "Inspect", "interval_days": 30}),
        ("planned-stops", {"start_on": "2021-10-01", "end_on": "2021-10-02"}),
    ],
)
def test_writes_on_bs_kiln_fail_without_revealing_it(
    client, plant: Plant, path: str, body: dict
) -> None:  # type: ignore[no-untyped-def, type-arg]
    h = token_for(client, "mgr_a")
    r = client.post(f"/api/v1/{path}", headers=h, json={**body, "kiln_id": plant.kilns_b[0]})
    assert r.status_code in (404, 422), r.text
    assert "B Refractory" not in r.text


def test_actions_on_bs_work_order_answer_404(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    h = token_for(client, "maint_a")
    wo = plant.record_ids_b["work-orders"]
    r1 = client.post(
        f"/api/v1/work-orders/{wo}/complete", headers=h, json={"done_on": "2021-10-01"}
    )
    r2 = client.post(
        f"/api/v1/work-orders/{wo}/defer",
        headers=h,
        json={"deferred_on": "2021-10-01", "new_due_on": "2021-10-09", "reason": "x"},
    )
    assert (r1.status_code, r2.status_code) == (404, 404)


def test_target_and_incident_for_b_are_refused_for_a(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    h = token_for(client, "mgr_a")
    r = client.post(
        "/api/v1/targets",
        headers=h,
        json={
            "enterprise_id": plant.ent_b,
            "quantity_t": 10,
            "entered_on": "2021-10-01",
            "deadline": "2021-11-01",
            "imposed_by": "x",
        },
    )
    assert r.status_code == 404
    r = client.post(
        "/api/v1/incidents",
        headers=h,
        json={
            "enterprise_id": plant.ent_b,
            "occurred_at": dt.datetime(2021, 10, 1, tzinfo=dt.UTC).isoformat(),
            "event_type": "fire",
        },
    )
    assert r.status_code == 404


def test_no_credentials_gives_401_and_a_bad_token_too(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/kilns").status_code == 401
    assert client.get("/api/v1/kilns", headers={"Authorization": "Bearer nope"}).status_code == 401
    r = client.post("/api/v1/auth/token", json={"username": "op_a", "password": "wrong-password"})
    assert r.status_code == 401
