"""Issue 15 point 8: the probe's "500s from bad values", each as a test. Every one is now a 4xx
whose body is valid JSON (no NaN, no lone surrogate), on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import PASSWORD, Plant, token_for

Client = Any
HUGE_IDS = [99999999999999999999, 2**63, 2**31]
"""Past any integer column, past SQLite's, past PostgreSQL's `integer`."""


def _no_constants(name: str) -> None:
    raise AssertionError(f"the error body holds {name}, which is not JSON")


def _refused(r: Any, field: str | None = None) -> dict[str, Any]:
    """`r` is a 4xx with a strictly valid JSON body (naming `field` when given)."""
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    body: dict[str, Any] = json.loads(r.content.decode("utf-8"), parse_constant=_no_constants)
    if field is not None:
        assert body.get("field") == field or field in body.get("detail", ""), body
    return body


def _post(client: Client, plant: Plant, path: str, raw: str) -> Any:
    headers = {**token_for(client, "mgr_a"), "content-type": "application/json"}
    return client.post(path, headers=headers, content=raw.encode("utf-8", "surrogatepass"))


def _production(plant: Plant, **change: Any) -> str:
    body = {"kiln_id": plant.kilns_a[0], "day": "2021-11-20", "output_t": 1, "hours_fired": 1}
    return json.dumps(body | change)


@pytest.mark.parametrize("number", ["NaN", "-Infinity", "Infinity"])
def test_a_json_number_that_is_not_finite_is_refused_with_a_json_body(
    client: Client, plant: Plant, number: str
) -> None:
    raw = _production(plant).replace('"output_t": 1', f'"output_t": {number}')
    body = _refused(_post(client, plant, "/api/v1/production-records", raw), "output_t")
    assert body["value"] in ("nan", "inf", "-inf")


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_an_id_past_the_integer_range_is_refused_in_a_body(
    client: Client, plant: Plant, huge: int
) -> None:
    raw = _production(plant, kiln_id=huge)
    _refused(_post(client, plant, "/api/v1/production-records", raw), "kiln_id")


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_an_id_past_the_integer_range_is_refused_in_a_path_or_a_query(
    client: Client, plant: Plant, huge: int
) -> None:
    h = token_for(client, "mgr_a")
    _refused(client.get(f"/api/v1/kilns/{huge}", headers=h), "record_id")
    _refused(client.get(f"/api/v1/shifts?worker_id={huge}", headers=h), "worker_id")
    _refused(client.get(f"/api/v1/production-records?limit=10&offset={huge}", headers=h))
    client.post("/login", data={"username": "mgr_a", "password": PASSWORD})
    _refused(client.get(f"/kilns/{huge}"), "kiln_id")  # a page as well


@pytest.mark.parametrize(
    "at", ["9999-12-31T10:00-09:00", "9999-12-31T23:00-09:00", "0001-01-01T00:00+09:00"]
)
def test_a_time_outside_the_plausible_window_is_refused_even_without_a_utc_equivalent(
    client: Client, plant: Plant, at: str
) -> None:
    raw = json.dumps(
        {
            "worker_id": plant.workers_a[0],
            "kiln_id": plant.kilns_a[0],
            "start_at": at,
            "end_at": "2021-11-20T08:00:00+09:00",
        }
    )
    _refused(_post(client, plant, "/api/v1/shifts", raw), "start_at")


@pytest.mark.parametrize(
    "note",
    [
        "a\\u0000b",  # NUL: PostgreSQL refuses it
        "a\\ud800b",  # a lone surrogate: no UTF-8 exists for it
    ],
)
def test_text_a_database_cannot_store_is_refused(client: Client, plant: Plant, note: str) -> None:
    raw = _production(plant)[:-1] + f', "note": "{note}"}}'
    _refused(_post(client, plant, "/api/v1/production-records", raw), "note")


def test_text_longer_than_its_column_is_refused_on_both_databases(
    client: Client, plant: Plant
) -> None:
    raw = json.dumps(
        {
            "kiln_id": plant.kilns_a[0],
            "task": "Shell scan " + "x" * 300,  # work_orders.task is String(200)
            "due_on": "2021-12-01",
        }
    )
    body = _refused(_post(client, plant, "/api/v1/work-orders", raw), "task")
    assert "at most 200 characters" in body["rule"]


def test_a_page_date_that_is_not_a_date_is_refused(client: Client, plant: Plant) -> None:
    client.post("/login", data={"username": "mgr_a", "password": PASSWORD})
    _refused(client.get(f"/plan?enterprise_id={plant.ent_a}&as_of=x"), "as_of")
    _refused(client.get(f"/plan?enterprise_id={plant.ent_a}&as_of=9999-12-31"), "as_of")


@pytest.mark.parametrize("shift_no", ["nan", "inf", "1e400", "99999999999999999999"])
def test_a_web_form_number_that_is_not_a_number_is_shown_inline(
    client: Client, plant: Plant, shift_no: str
) -> None:
    client.post("/login", data={"username": "op_a", "password": PASSWORD})
    form = {"day": "2021-11-20", "shift_no": shift_no, "output_t": "10", "hours_fired": "8"}
    r = client.post(f"/kilns/{plant.kilns_a[0]}/production", data=form)
    assert r.status_code == 422 and "shift_no" in r.text


def test_every_operation_documents_the_refusals_it_may_answer_with(client: Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    missing = [
        f"{method.upper()} {path}: {code}"
        for path, operations in paths.items()
        for method, operation in operations.items()
        for code in ("401", "403", "404", "409", "422")
        if code not in operation["responses"]
    ]
    assert not missing, missing[:10]


def test_a_nul_in_a_user_name_is_refused_not_sent_to_the_database(
    client: Client, plant: Plant
) -> None:
    r = client.post("/api/v1/auth/token", json={"username": "op_a\x00", "password": PASSWORD})
    _refused(r, "username")
    r = client.post("/login", data={"username": "op_a\x00", "password": PASSWORD})
    assert 200 <= r.status_code < 500 and "op_a" not in client.cookies.get("kg_session", "")
    assert client.get("/kilns", follow_redirects=False).status_code == 303  # not logged in
