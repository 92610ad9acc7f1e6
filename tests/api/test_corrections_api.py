"""Correct and void over REST and on the kiln page (issue 16 points 1–2): the status codes the
OpenAPI document promises, values typed with a decimal comma, the 2× confirmation, night
shifts typed 18:00 → 06:00, and every record's history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from kilnguard.store import models as m
from kilnguard.store.db import unit_of_work
from tests.conftest import PASSWORD, Plant, token_for

API = "/api/v1"
HX = {"hx-request": "true"}


def login(client: Any, username: str) -> None:
    client.cookies.clear()
    r = client.post(
        "/login", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert r.status_code == 303


def a_record(plant: Plant, model: Any, **where: Any) -> int:
    with unit_of_work(plant.engine) as s:
        stmt = select(model.id).where(model.enterprise_id == plant.ent_a)
        for col, value in where.items():
            stmt = stmt.where(getattr(model, col) == value)
        return int(s.scalars(stmt.order_by(model.id).limit(1)).one())


def test_patch_void_and_history_of_a_production_record(client: Any, plant: Plant) -> None:
    h = token_for(client, "op_a")
    rid = a_record(plant, m.ProductionRecord, kiln_id=plant.kilns_a[2])
    r = client.patch(
        f"{API}/production-records/{rid}",
        headers=h,
        json={"changes": {"output_t": "12,4"}, "reason": "scale misread"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["output_t"] == 12.4 and r.json()["voided_at"] is None
    r = client.post(f"{API}/production-records/{rid}/void", headers=h, json={"reason": "twice"})
    assert r.status_code == 200, r.text
    assert r.json()["voided_by"] == "op_a" and r.json()["void_reason"] == "twice"
    listed = client.get(f"{API}/production-records?kiln_id={plant.kilns_a[2]}", headers=h).json()
    assert rid not in [p["id"] for p in listed]
    every = client.get(
        f"{API}/production-records?kiln_id={plant.kilns_a[2]}&include_voided=true", headers=h
    ).json()
    assert rid in [p["id"] for p in every]
    r = client.patch(
        f"{API}/production-records/{rid}",
        headers=h,
        json={"changes": {"output_t": 3}, "reason": "again"},
    )
    assert r.status_code == 409 and "voided by op_a" in r.json()["detail"]
    acts = client.get(f"{API}/production-records/{rid}/history", headers=h).json()
    assert [a["action"] for a in acts] == ["create", "correct", "void"]
    assert acts[1]["before"] == {"output_t": 12.0} and acts[1]["after"] == {"output_t": 12.4}


def test_refusals_are_the_documented_status_codes(client: Any, plant: Plant) -> None:
    rid = a_record(plant, m.ProductionRecord)
    body = {"changes": {"output_t": 11}, "reason": "typo"}
    assert (
        client.patch(
            f"{API}/production-records/{rid}", headers=token_for(client, "maint_a"), json=body
        ).status_code
        == 403
    )
    assert (
        client.patch(
            f"{API}/production-records/{rid}", headers=token_for(client, "op_b"), json=body
        ).status_code
        == 404
    )
    op = token_for(client, "op_a")
    r = client.patch(f"{API}/production-records/{rid}", headers=op, json={**body, "reason": ""})
    assert r.status_code == 422 and r.json()["field"] == "reason"
    r = client.patch(
        f"{API}/production-records/{rid}",
        headers=op,
        json={"changes": {"output_t": 1000}, "reason": "re-weighed"},  # 1.7× a 600 t/day kiln
    )
    assert r.status_code == 200, r.text
    r = client.post(
        f"{API}/production-records",
        headers=op,
        json={"kiln_id": plant.kilns_a[2], "day": "2021-10-01", "output_t": 90, "hours_fired": 8},
    )
    assert r.status_code == 422 and r.json()["field"] == "confirm_reason"
    doc = client.get("/openapi.json").json()["paths"]
    patch = doc[f"{API}/production-records/{{record_id}}"]["patch"]["responses"]
    void = doc[f"{API}/shifts/{{record_id}}/void"]["post"]["responses"]
    assert {"200", "403", "404", "409", "422"} <= set(patch) and "409" in void


def test_every_entered_kind_has_its_correct_void_and_history_routes(client: Any) -> None:
    doc = client.get("/openapi.json").json()["paths"]
    for path in (
        "production-records",
        "shifts",
        "work-orders",
        "maintenance-plans",
        "planned-stops",
        "targets",
        "incidents",
    ):
        assert "patch" in doc[f"{API}/{path}/{{record_id}}"]
        assert "post" in doc[f"{API}/{path}/{{record_id}}/void"]
        assert "get" in doc[f"{API}/{path}/{{record_id}}/history"]


# ------------------------------------------------------------------------- kiln page
def test_a_decimal_comma_is_read_where_the_users_language_writes_one(
    client: Any, plant: Plant
) -> None:
    login(client, "op_a")
    k = plant.kilns_a[2]
    form = {"day": "2021-10-01", "shift_no": "1", "output_t": "56,4", "hours_fired": "7,5"}
    r = client.post(f"/kilns/{k}/production", data=form, headers=HX)
    assert "Production record saved" in r.text and "56.40 t" in r.text
    german = {**HX, "accept-language": "de-DE,de;q=0.9"}
    form = {**form, "shift_no": "2", "output_t": "1.234,5", "note": "Ofen 3"}
    r = client.post(f"/kilns/{k}/production", data=form, headers=german)
    assert 'data-field="output_t"' in r.text  # 1234.5 t is 30× a 40 t/day kiln: refused
    assert "30.9× kiln K-3" in r.text and "is not allowed" not in r.text


def test_twice_the_rating_asks_for_a_reason_on_the_form(client: Any, plant: Plant) -> None:
    login(client, "op_a")
    k = plant.kilns_a[2]
    form = {"day": "2021-10-02", "shift_no": "1", "output_t": "88", "hours_fired": "8"}
    r = client.post(f"/kilns/{k}/production", data=form, headers=HX)
    assert 'data-field="confirm_reason"' in r.text and 'name="confirm_reason"' in r.text
    assert 'value="88"' in r.text  # what was typed is kept
    r = client.post(
        f"/kilns/{k}/production", data={**form, "confirm_reason": "two loads"}, headers=HX
    )
    assert "Production record saved" in r.text and "confirmed above 2× rating" in r.text


def test_a_night_shift_typed_18_to_06_ends_the_next_morning(client: Any, plant: Plant) -> None:
    login(client, "mgr_a")
    form = {
        "worker_id": str(plant.workers_a[4]),
        "start_at": "2021-10-05T18:00",
        "end_at": "2021-10-05T06:00",
    }
    r = client.post(f"/kilns/{plant.kilns_a[0]}/shifts", data=form, headers=HX)
    assert "Shift saved" in r.text, r.text
    with unit_of_work(plant.engine) as s:
        shift = s.scalars(
            select(m.Shift)
            .where(m.Shift.worker_id == plant.workers_a[4])
            .order_by(m.Shift.id.desc())
        ).first()
        assert shift is not None
        assert shift.end_at - shift.start_at == dt.timedelta(hours=12)


def test_a_row_is_corrected_and_voided_on_the_kiln_page(client: Any, plant: Plant) -> None:
    login(client, "op_a")
    k = plant.kilns_a[2]
    rid = a_record(plant, m.ProductionRecord, kiln_id=k, day=dt.date(2021, 9, 14), shift_no=3)
    page = client.get(f"/kilns/{k}").text
    assert f"/kilns/{k}/production/{rid}/actions" in page  # the forms come when opened
    forms = client.get(f"/kilns/{k}/production/{rid}/actions", headers=HX).text
    assert f"/kilns/{k}/production/{rid}/correct" in forms and 'value="12.0"' in forms
    fields = {"day": "2021-09-14", "shift_no": "3", "hours_fired": "8", "note": ""}
    r = client.post(
        f"/kilns/{k}/production/{rid}/correct",
        data={**fields, "output_t": "abc", "reason": "scale"},
        headers=HX,
    )
    assert 'data-field="output_t"' in r.text and 'value="abc"' in r.text  # inline, kept
    r = client.post(
        f"/kilns/{k}/production/{rid}/correct",
        data={**fields, "output_t": "11,5", "reason": "scale misread"},
        headers=HX,
    )
    assert "Corrected." in r.text and "11.50 t" in r.text
    r = client.post(f"/kilns/{k}/production/{rid}/void", data={"reason": ""}, headers=HX)
    assert 'data-field="reason"' in r.text
    r = client.post(f"/kilns/{k}/production/{rid}/void", data={"reason": "twice"}, headers=HX)
    assert "Voided." in r.text and "“twice”" in r.text
    history = client.get(f"/records/production/{rid}/history")
    assert history.status_code == 200
    assert "scale misread" in history.text and "11.5" in history.text and "void" in history.text
    other = plant.kilns_a[1]  # the record is not on this kiln: 404
    r = client.post(f"/kilns/{other}/production/{rid}/void", data={"reason": "x"}, headers=HX)
    assert r.status_code == 404


def test_a_role_that_may_not_change_a_kind_sees_no_correct_form(client: Any, plant: Plant) -> None:
    login(client, "maint_a")  # may change work orders, not production
    page = client.get(f"/kilns/{plant.kilns_a[0]}").text
    production = page.split('id="production"')[1].split("</section>")[0]
    assert "/actions" not in production and "/history" in production
    assert f"/kilns/{plant.kilns_a[0]}/work-orders/" in page
