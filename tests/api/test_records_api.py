"""Writes through the API: validation errors name the field; good records come back."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Plant, token_for


def test_invalid_production_is_422_with_the_field(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    h = token_for(client, "op_a")
    r = client.post(
        "/api/v1/production-records",
        headers=h,
        json={"kiln_id": plant.kilns_a[0], "day": "2021-10-01", "output_t": -2, "hours_fired": 8},
    )
    assert r.status_code == 422
    assert r.json()["field"] == "output_t"
    r = client.post(
        "/api/v1/production-records", headers=h, json={"kiln_id": plant.kilns_a[0], "day": "soon"}
    )
    assert r.status_code == 422
    assert "day" in r.json()["detail"]


def test_valid_production_is_stored_and_listed(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    h = token_for(client, "op_a")
    r = client.post(
        "/api/v1/production-records",
        headers=h,
        json={
            "kiln_id": plant.kilns_a[1],
            "day": "2021-10-01",
            "output_t": 190.5,
            "hours_fired": 8,
        },
    )
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    listed = client.get(
        f"/api/v1/production-records?kiln_id={plant.kilns_a[1]}&limit=10000", headers=h
    ).json()
    assert rid in [p["id"] for p in listed]


def test_deferring_through_the_api_keeps_the_history(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    h = token_for(client, "maint_a")
    wo = client.get("/api/v1/work-orders", headers=h).json()[0]
    r = client.post(
        f"/api/v1/work-orders/{wo['id']}/defer",
        headers=h,
        json={
            "deferred_on": "2021-09-30",
            "new_due_on": "2021-10-15",
            "reason": "additional target",
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["due_on"] == "2021-10-15"
    assert r.json()["deferrals"][0]["deferred_by"] == "maint_a"


def test_openapi_docs_are_served_without_a_cdn(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/docs")
    assert r.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in r.text
    assert "cdn" not in r.text.lower()
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    assert "/api/v1/kilns" in client.get("/openapi.json").json()["paths"]


def test_a_date_outside_the_plausible_window_is_refused_naming_the_field(
    client, plant: Plant
) -> None:  # type: ignore[no-untyped-def]
    """One record dated 9999-12-31 used to make every page of the enterprise replay millennia."""
    h = token_for(client, "op_a")
    before = client.get(
        f"/api/v1/production-records?kiln_id={plant.kilns_a[0]}&limit=10000", headers=h
    ).json()
    r = client.post(
        "/api/v1/production-records",
        headers=h,
        json={"kiln_id": plant.kilns_a[0], "day": "9999-12-31", "output_t": 10, "hours_fired": 8},
    )
    assert r.status_code == 422
    body = r.json()
    assert body["field"] == "day"
    assert "1900-01-01" in body["detail"] and "2100-12-31" in body["detail"]
    after = client.get(
        f"/api/v1/production-records?kiln_id={plant.kilns_a[0]}&limit=10000", headers=h
    ).json()
    assert after == before
    r = client.post(
        "/api/v1/shifts",
        headers=h,
        json={
            "worker_id": plant.workers_a[0],
            "kiln_id": plant.kilns_a[0],
            "start_at": "9999-12-30T07:00:00+09:00",
            "end_at": "9999-12-30T19:00:00+09:00",
        },
    )
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "start_at"


@pytest.mark.parametrize(("field", "value"), [("output_t", "NaN"), ("hours_fired", "-Infinity")])
def test_a_number_that_is_not_finite_is_422_naming_the_field(  # type: ignore[no-untyped-def]
    client, plant: Plant, field: str, value: str
) -> None:
    body = {"kiln_id": plant.kilns_a[0], "day": "2021-10-01", "output_t": 10, "hours_fired": 8}
    text = json.dumps(body).replace(f'"{field}": {body[field]}', f'"{field}": {value}')
    r = client.post(
        "/api/v1/production-records",
        headers={**token_for(client, "op_a"), "content-type": "application/json"},
        content=text,
    )
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field
    assert "finite" in r.json()["rule"]
