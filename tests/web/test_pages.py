"""Web pages without a browser: login, tenancy, inline validation, reconstructed labels."""

from __future__ import annotations

from tests.conftest import PASSWORD, Plant


def login(client, username: str) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        "/login", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert r.status_code == 303


def test_pages_need_a_login(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/kilns", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"


def test_kiln_list_shows_only_own_enterprise(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    login(client, "op_a")
    html = client.get("/kilns").text
    assert "A Cement" in html and "B Refractory" not in html
    assert client.get(f"/kilns/{plant.kilns_b[0]}").status_code == 404


def test_invalid_production_shows_the_error_inline_and_keeps_the_values(
    client, plant: Plant
) -> None:  # type: ignore[no-untyped-def]
    login(client, "op_a")
    r = client.post(
        f"/kilns/{plant.kilns_a[0]}/production",
        data={"day": "2021-10-01", "shift_no": "1", "output_t": "-7", "hours_fired": "8"},
        headers={"hx-request": "true"},
    )
    assert 'data-field="output_t"' in r.text
    assert 'value="-7"' in r.text


def test_overlapping_shift_is_shown_inline(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    login(client, "mgr_a")
    worker = plant.workers_a[0]  # worked 06:00-14:00 (UTC+9) on 2021-09-01 in the fixture
    r = client.post(
        f"/kilns/{plant.kilns_a[0]}/shifts",
        data={
            "worker_id": str(worker),
            "start_at": "2021-09-01T10:00",
            "end_at": "2021-09-01T18:00",
        },
        headers={"hx-request": "true"},
    )
    assert "overlaps stored shift" in r.text


def test_valid_work_order_is_listed(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    login(client, "maint_a")
    r = client.post(
        f"/kilns/{plant.kilns_a[0]}/work-orders",
        data={"task": "Shell scanner calibration", "due_on": "2021-12-01", "safety_critical": "1"},
        headers={"hx-request": "true"},
    )
    assert "Work order saved" in r.text and "Shell scanner calibration" in r.text
