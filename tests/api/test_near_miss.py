"""Anonymous near misses from a kiln's QR code (issue 16 point 12): a manager issues and rotates
the kiln's code; the code's link opens a form without an account; the report lands in the
incident register as anonymous, with no user, no address and no time of day anywhere; one
address may file only a few per hour."""

from __future__ import annotations

import datetime as dt
import json
import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from kilnguard.api.app import create_app
from kilnguard.api.features.near_miss.limit import PER_WINDOW, AddressLimit
from kilnguard.services import uow as store_db
from kilnguard.store import models as m
from kilnguard.store.investigation_models import IncidentExtra
from kilnguard.store.near_miss_models import NearMissLink
from tests.api.test_setup_pages import field_error, login
from tests.conftest import Plant, csrf_aware

HTMX = {"HX-Request": "true"}


def issue_code(client, kiln_id: int) -> str:  # type: ignore[no-untyped-def]
    """Issue (or rotate) the kiln's code as the logged-in user; the link it prints."""
    r = client.post(f"/kilns/{kiln_id}/near-miss/rotate", headers=HTMX)
    assert r.status_code == 200, r.text
    found = re.search(r'id="near-miss-url">([^<]+)<', r.text)
    assert found, r.text
    return found.group(1).replace("http://testserver", "")


def anonymous(plant: Plant) -> TestClient:
    return csrf_aware(TestClient(create_app(plant.engine)))


def report(**over: str) -> dict[str, str]:
    today = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    return {
        "event_type": "near_miss",
        "occurred_on": today.isoformat(),
        "description": "Burner flame went out twice on K-1 and relit by itself",
    } | over


def test_a_manager_issues_a_code_and_the_page_shows_it_as_svg(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    login(client, "mgr_a")
    kiln = plant.kilns_a[0]
    page = client.get(f"/kilns/{kiln}/near-miss")
    assert 'id="near-miss-none"' in page.text and 'id="near-miss-rotate"' in page.text
    link = issue_code(client, kiln)
    token = link.rsplit("/", 1)[1]
    assert len(token) >= 43  # 256 bits, URL-safe
    page = client.get(f"/kilns/{kiln}/near-miss")
    assert "<svg" in page.text and link in page.text
    svg = client.get(f"/kilns/{kiln}/near-miss/qr.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.count("<svg") == 1 and 'xmlns="http://www.w3.org/2000/svg"' in svg.text
    # the audit entry says who rotated it, never the token itself (a capability)
    with store_db.unit_of_work(plant.engine) as s:
        entries = s.scalars(
            select(m.AuditEntry.payload).where(m.AuditEntry.entity == "near_miss_link")
        ).all()
    assert entries and all(token not in json.dumps(e) for e in entries)


def test_roles_that_may_not_rotate_see_no_button_and_get_403(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    login(client, "safety_a")
    kiln = plant.kilns_a[0]
    page = client.get(f"/kilns/{kiln}/near-miss")
    assert page.status_code == 200 and 'id="near-miss-rotate"' not in page.text
    assert client.post(f"/kilns/{kiln}/near-miss/rotate", headers=HTMX).status_code == 403
    # another enterprise's kiln is not even there
    login(client, "mgr_a")
    assert client.post(f"/kilns/{plant.kilns_b[0]}/near-miss/rotate").status_code == 404


def test_the_code_opens_a_form_without_an_account_and_the_report_keeps_no_identity(
    client,  # type: ignore[no-untyped-def]
    plant: Plant,
) -> None:
    login(client, "mgr_a")
    kiln = plant.kilns_a[1]
    link = issue_code(client, kiln)
    with anonymous(plant) as c:
        form = c.get(link)
        assert form.status_code == 200 and "K-2" in form.text and "A Cement" in form.text
        assert "/logout" not in form.text  # no account involved
        filed = c.post(link, data=report(), headers=HTMX)
    assert filed.status_code == 200 and 'id="near-miss-filed"' in filed.text
    with store_db.unit_of_work(plant.engine) as s:
        row = s.scalars(select(m.Incident).order_by(m.Incident.id.desc())).first()
        assert row is not None and row.kiln_id == kiln and row.enterprise_id == plant.ent_a
        assert row.event_type == "near_miss" and "Burner flame" in row.description
        extra = s.scalar(select(IncidentExtra).where(IncidentExtra.incident_id == row.id))
        assert extra is not None and extra.anonymous
        audit = s.scalars(
            select(m.AuditEntry).where(
                m.AuditEntry.entity == "incident", m.AuditEntry.entity_id == str(row.id)
            )
        ).all()
    assert [a.actor for a in audit] == ["anonymous"]
    assert audit[0].at.time() == dt.time(0)  # the day received, not the minute
    stored = json.dumps([a.payload for a in audit]) + row.description
    assert "testclient" not in stored and "127.0.0.1" not in stored
    # the safety officer finds it in the register
    login(client, "safety_a")
    register = client.get("/api/v1/incidents").json()
    assert any(i["id"] == row.id for i in register)


def test_a_refused_report_keeps_what_was_typed_next_to_the_field(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    login(client, "mgr_a")
    link = issue_code(client, plant.kilns_a[0])
    with anonymous(plant) as c:
        future = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=3)).isoformat()
        r = c.post(link, data=report(occurred_on=future, description="gas smell at the burner"))
        assert r.status_code == 422
        assert "cannot be after today" in field_error(r.text, "occurred_on")
        assert "gas smell at the burner</textarea>" in r.text
        r = c.post(link, data=report(description="   "), headers=HTMX)
        assert r.status_code == 200 and field_error(r.text, "description")


def test_a_rotated_code_stops_working(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    login(client, "mgr_a")
    old = issue_code(client, plant.kilns_a[0])
    new = issue_code(client, plant.kilns_a[0])
    assert old != new
    with anonymous(plant) as c:
        assert c.get(old).status_code == 404
        assert c.post(old, data=report()).status_code == 404
        assert c.get("/near-miss/guessed-token").status_code == 404
        assert c.get(new).status_code == 200
    with store_db.unit_of_work(plant.engine) as s:
        assert len(s.scalars(select(NearMissLink)).all()) == 1


def test_one_address_files_only_a_few_reports_an_hour(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    login(client, "mgr_a")
    link = issue_code(client, plant.kilns_a[0])
    with store_db.unit_of_work(plant.engine) as s:
        before = len(s.scalars(select(m.Incident)).all())
    with anonymous(plant) as c:
        codes = [c.post(link, data=report()).status_code for _ in range(PER_WINDOW + 1)]
        assert codes == [200] * PER_WINDOW + [429]
        refused = c.post(link, data=report(description="one more"))
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "one more</textarea>" in refused.text  # kept, to send later
    with store_db.unit_of_work(plant.engine) as s:
        assert len(s.scalars(select(m.Incident)).all()) == before + PER_WINDOW


def test_the_limit_forgets_an_address_after_its_window() -> None:
    limit = AddressLimit(per_window=2, window=dt.timedelta(minutes=10))
    t0 = dt.datetime(2026, 11, 30, 5, tzinfo=dt.UTC)
    limit.count("10.0.0.7", t0)
    limit.count("10.0.0.7", t0 + dt.timedelta(minutes=1))
    assert limit.retry_after_s("10.0.0.7", t0 + dt.timedelta(minutes=2)) == 481
    assert limit.retry_after_s("10.0.0.8", t0 + dt.timedelta(minutes=2)) == 0
    assert limit.retry_after_s("10.0.0.7", t0 + dt.timedelta(minutes=11)) == 0
    assert limit.remembered() == 0  # nothing about the address is held any longer
