"""Authorisation of what a body names (issue 15 point 4): a shift or an incident cannot name
another enterprise's section (its name would show on the record); escalating corrective
actions is an investigator's act, judged as of today at the latest."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kilnguard.domain.errors import ValidationError
from kilnguard.services import records as svc
from kilnguard.store import db as store_db
from kilnguard.store.models import Section
from tests.conftest import Plant, token_for

KST = dt.timezone(dt.timedelta(hours=9))


def section_of(plant: Plant, enterprise_id: int) -> int:
    with store_db.unit_of_work(plant.engine) as s:
        return int(s.scalar(select(Section.id).where(Section.enterprise_id == enterprise_id)) or 0)


def test_a_shift_may_not_name_another_enterprises_section(plant: Plant) -> None:
    other = section_of(plant, plant.ent_b)
    shift = svc.ShiftIn(
        worker_id=plant.workers_a[0],
        section_id=other,
        start_at=dt.datetime(2021, 10, 2, 6, tzinfo=KST),
        end_at=dt.datetime(2021, 10, 2, 14, tzinfo=KST),
    )
    with pytest.raises(ValidationError) as err, store_db.unit_of_work(plant.engine) as s:
        svc.record_shift_one(s, plant.users["mgr_a"], shift)
    assert err.value.field == "section_id"
    own = section_of(plant, plant.ent_a)
    with store_db.unit_of_work(plant.engine) as s:
        stored = svc.record_shift_one(s, plant.users["mgr_a"], replace(shift, section_id=own))
        assert stored.section_id == own


def test_an_incident_may_not_name_another_enterprises_section(plant: Plant) -> None:
    incident = svc.IncidentIn(
        enterprise_id=plant.ent_a,
        section_id=section_of(plant, plant.ent_b),
        occurred_at=dt.datetime(2021, 10, 2, 3, tzinfo=dt.UTC),
        event_type="near_miss",
        description="burner flame-out",
    )
    with pytest.raises(ValidationError) as err, store_db.unit_of_work(plant.engine) as s:
        svc.create_incident(s, plant.users["safety_a"], incident)
    assert err.value.field == "section_id"


def test_only_investigators_escalate_actions_and_never_as_of_a_future_day(
    plant: Plant, client: TestClient
) -> None:
    url = "/api/v1/investigations/actions/escalate"
    for user in ("lead_a", "op_a", "maint_a", "reg"):
        r = client.post(url, json={"as_of": "2021-09-30"}, headers=token_for(client, user))
        assert r.status_code == 403, (user, r.text)
    r = client.post(url, json={"as_of": "2099-01-01"}, headers=token_for(client, "mgr_a"))
    assert r.status_code == 422 and r.json()["field"] == "as_of"
    r = client.post(url, json={"as_of": "2021-09-30"}, headers=token_for(client, "mgr_a"))
    assert r.status_code == 200, r.text
