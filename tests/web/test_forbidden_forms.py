"""Web forms answer 403 to a role that may not do the act, as the API does (issue 15 point 4),
and write nothing: the form is not shown again as if the input were at fault."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kilnguard.api.app import create_app
from kilnguard.api.browser import csrf_token
from kilnguard.api.deps import SESSION_COOKIE
from kilnguard.store import db as store_db
from kilnguard.store import models as m
from tests.api.conftest import red_alert
from tests.conftest import PASSWORD, Plant

ORIGIN = {"Origin": "http://testserver"}


@pytest.fixture
def app(plant: Plant) -> Iterator[TestClient]:
    with TestClient(create_app(plant.engine)) as c:
        yield c


def post_as(client: TestClient, username: str, url: str, form: dict[str, str]) -> int:
    client.cookies.clear()
    r = client.post("/login", data={"username": username, "password": PASSWORD}, headers=ORIGIN)
    assert r.status_code in (200, 303), r.text
    token = csrf_token(client.cookies[SESSION_COOKIE])
    r = client.post(url, data={**form, "csrf_token": token}, headers=ORIGIN, follow_redirects=False)
    return r.status_code


def audit_entries(plant: Plant) -> list[str]:
    """What the audit log says was done, but logging in."""
    with store_db.unit_of_work(plant.engine) as s:
        stmt = select(m.AuditEntry.action, m.AuditEntry.entity).order_by(m.AuditEntry.seq)
        return [f"{a} {e}" for a, e in s.execute(stmt) if a != "issue"]


def test_forbidden_roles_get_403_from_web_forms_and_nothing_is_written(
    plant: Plant, app: TestClient
) -> None:
    alert_id = red_alert(plant)
    incident_a = plant.record_ids_b["incidents"] - 1  # enterprise A's incident
    before = audit_entries(plant)
    production = {"day": "2021-09-20", "shift_no": "4", "output_t": "10", "hours_fired": "8"}
    kiln = {
        "enterprise_id": str(plant.ent_a),
        "name": "K-9",
        "kind": "rotary",
        "rated_capacity_t_per_day": "600",
        "max_temperature_c": "1450",
        "campaign_limit_days": "90",
    }
    cases = [
        ("maint_a", f"/kilns/{plant.kilns_a[0]}/production", production),
        ("op_a", "/setup/kilns", kiln),
        ("reg", f"/alerts/{alert_id}/acknowledge", {"comment": "seen"}),
        ("op_a", f"/incidents/{incident_a}/investigate", {}),
        ("op_a", "/bulletins", {"incident_id": str(incident_a), "title": "t", "summary": "s"}),
    ]
    answers = {url: post_as(app, user, url, form) for user, url, form in cases}
    assert answers == dict.fromkeys(answers, 403)
    assert audit_entries(plant) == before
