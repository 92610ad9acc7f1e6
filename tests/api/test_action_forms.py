"""Every action has a form, shown only to the roles that may take it (issue 16 points 3 and 4):
proposing a change with hazards, stage and zone; adding a hazard and defining the zone; recording
a named incident; investigation evidence, interviews and corrective-action status; the
regulator's inbox of overrule notifications and waiting bulletins; workers and logins. Each
form answers htmx with its own fragment, shows a refusal next to its field with what was typed
kept, and a role that may not gets no form and a 403."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from kilnguard.services import change as cc
from kilnguard.services import investigation as inv
from kilnguard.services import uow as store_db
from kilnguard.services.access import SYSTEM
from kilnguard.services.auth import create_user
from kilnguard.store import models as m
from kilnguard.store.change_models import ChangeHazardRow, ChangeHazardZoneRow, ChangeRequestRow
from kilnguard.store.investigation_models import CorrectiveActionRow, Evidence, InterviewNoteRow
from tests.api.test_change_api import _ok, _scale_up_to_pre_startup
from tests.api.test_setup_pages import field_error, login
from tests.conftest import PASSWORD, Plant, token_for

HTMX = {"HX-Request": "true"}


# ------------------------------------------------------------------------ change control
def proposal(plant: Plant, **over: str) -> dict[str, str]:
    return {
        "kind": "experiment",
        "title": "Lab firing of a substitute reagent",
        "purpose": "cut imports of the reagent",
        "kiln_id": str(plant.kilns_a[0]),
        "stage": "lab",
        "deadline": "2030-12-31T18:00",
        "deadline_set_by": "plant manager",
        "method_1": "what_if",
        "question_1": "what if gas evolves at full charge?",
        "hazard_1": "overpressure",
        "cause_1": "gas evolution",
        "consequence_1": "explosion",
        "safeguards_1": "relief valve; charge limit",
        "zone_name": "K-1 burner end",
        "zone_max_headcount": "3",
        "zone_essential_people": "t1\nt2",
        "zone_radius_m": "25",
    } | over


def test_a_manager_proposes_a_change_with_hazards_stage_and_zone(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    login(client, "mgr_a")
    assert 'id="propose-form"' in client.get("/changes").text
    r = client.post("/changes", data=proposal(plant), headers=HTMX)
    assert r.status_code == 200, r.text
    created = re.search(r'href="/changes/(\d+)" id="created-change"', r.text)
    assert created and 'id="changes-page"' in r.text
    cid = int(created.group(1))
    with store_db.unit_of_work(plant.engine) as s:
        row = s.get(ChangeRequestRow, cid)
        assert row is not None and row.stage == "lab" and row.state == "draft"
        assert row.deadline is not None and row.deadline.utcoffset() is not None
        assert row.deadline.astimezone().hour != 18 or True  # stored as UTC
        hazards = s.scalars(select(ChangeHazardRow).where(ChangeHazardRow.change_id == cid)).all()
        assert [(h.hazard, h.safeguards) for h in hazards] == [
            ("overpressure", "relief valve\ncharge limit")
        ]
        zone = s.scalar(select(ChangeHazardZoneRow).where(ChangeHazardZoneRow.change_id == cid))
        assert zone is not None and zone.max_headcount == 3 and zone.radius_m == 25.0
    # the deadline was typed in plant time (Asia/Pyongyang, UTC+9): 09:00 UTC
    with store_db.unit_of_work(plant.engine) as s:
        row = s.get(ChangeRequestRow, cid)
        assert row is not None and row.deadline is not None and row.deadline.hour == 9


def test_a_refused_proposal_keeps_what_was_typed_next_to_the_field(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    login(client, "mgr_a")
    r = client.post("/changes", data=proposal(plant, zone_max_headcount="three"))
    assert r.status_code == 422 and field_error(r.text, "zone_max_headcount")
    assert 'value="Lab firing of a substitute reagent"' in r.text
    assert 'value="relief valve; charge limit"' in r.text
    r = client.post("/changes", data=proposal(plant, stage="full scale"), headers=HTMX)
    assert r.status_code == 200 and field_error(r.text, "stage")
    with store_db.unit_of_work(plant.engine) as s:
        assert s.scalars(select(ChangeRequestRow)).all() == []  # nothing half-written


def test_a_regulator_may_not_propose_and_sees_no_form(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    login(client, "reg")
    assert 'id="propose-form"' not in client.get("/changes").text
    assert client.post("/changes", data=proposal(plant), headers=HTMX).status_code == 403


def test_hazards_by_plant_roles_and_the_zone_by_reviewers_only(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    login(client, "mgr_a")
    r = client.post("/changes", data=proposal(plant, zone_name=""), headers=HTMX)
    cid = int(re.search(r'href="/changes/(\d+)" id="created-change"', r.text).group(1))  # type: ignore[union-attr]
    login(client, "op_a")
    page = client.get(f"/changes/{cid}").text
    assert 'id="hazard-form"' in page and 'id="zone-form"' not in page
    r = client.post(
        f"/changes/{cid}/hazards",
        data={"method": "what_if", "hazard": "", "cause": "damp charge"},
        headers=HTMX,
    )
    assert r.status_code == 200 and field_error(r.text, "hazard")
    assert 'value="damp charge"' in r.text
    r = client.post(
        f"/changes/{cid}/hazards",
        data={
            "method": "checklist",
            "hazard": "steam explosion",
            "cause": "damp charge",
            "consequence": "scalding",
        },
        headers=HTMX,
    )
    assert r.status_code == 200 and "Hazard entry added." in r.text
    assert "steam explosion" in r.text and r.text.lstrip().startswith("<section")
    zone = {"zone_name": "K-1", "zone_max_headcount": "2", "zone_essential_people": "t1"}
    assert client.post(f"/changes/{cid}/zone", data=zone, headers=HTMX).status_code == 403
    login(client, "safety_a")
    assert 'id="zone-form"' in client.get(f"/changes/{cid}").text
    r = client.post(f"/changes/{cid}/zone", data=zone | {"zone_max_headcount": "0"})
    assert r.status_code == 422 and field_error(r.text, "zone_max_headcount")
    r = client.post(f"/changes/{cid}/zone", data=zone, headers=HTMX)
    assert r.status_code == 200 and "Hazard zone saved." in r.text
    login(client, "reg")
    page = client.get(f"/changes/{cid}").text
    assert 'id="hazard-form"' not in page and 'id="zone-form"' not in page
    assert client.post(f"/changes/{cid}/hazards", data={"hazard": "x"}).status_code == 403


# ------------------------------------------------------------------------------- incidents
def incident(plant: Plant, **over: str) -> dict[str, str]:
    return {
        "enterprise_id": str(plant.ent_a),
        "kiln_id": str(plant.kilns_a[2]),
        "occurred_at": "2021-09-10T22:40",
        "event_type": "burn",
        "minor_injuries": "1",
        "days_lost": "3",
        "description": "Burn to the forearm while clearing a blockage at the shaft kiln",
        "immediate_actions": "first aid; kiln door interlock checked",
    } | over


def test_a_named_incident_is_recorded_by_its_form(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    login(client, "safety_a")
    assert 'id="incident-form"' in client.get("/incidents").text
    r = client.post("/incidents", data=incident(plant, occurred_at="yesterday"), headers=HTMX)
    assert r.status_code == 200 and field_error(r.text, "occurred_at")
    assert "Burn to the forearm while clearing a blockage at the shaft kiln</textarea>" in r.text
    r = client.post("/incidents", data=incident(plant, minor_injuries="-1"))
    assert r.status_code == 422 and field_error(r.text, "minor_injuries")
    r = client.post("/incidents", data=incident(plant), headers=HTMX)
    assert r.status_code == 200 and "Incident recorded." in r.text
    with store_db.unit_of_work(plant.engine) as s:
        row = s.scalars(select(m.Incident).order_by(m.Incident.id.desc())).first()
        assert row is not None and row.kiln_id == plant.kilns_a[2] and row.days_lost == 3
        assert row.occurred_at.hour == 13  # 22:40 plant time (UTC+9) is 13:40 UTC
        actor = s.scalar(
            select(m.AuditEntry.actor).where(
                m.AuditEntry.entity == "incident", m.AuditEntry.entity_id == str(row.id)
            )
        )
    assert actor == "safety_a"  # a named report


def test_a_regulator_records_no_incident(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    login(client, "reg")
    assert 'id="incident-form"' not in client.get("/incidents").text
    assert client.post("/incidents", data=incident(plant), headers=HTMX).status_code == 403


# --------------------------------------------------------------------------- investigations
def opened_investigation(plant: Plant) -> int:
    with store_db.unit_of_work(plant.engine) as s:
        incident_id = s.scalar(select(m.Incident.id).where(m.Incident.enterprise_id == plant.ent_a))
        assert incident_id is not None
        return inv.open_or_get(s, plant.users["safety_a"], incident_id).id


def test_evidence_interviews_and_action_status_by_their_forms(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    iid = opened_investigation(plant)
    with store_db.unit_of_work(plant.engine) as s:
        key = inv.controllers_of(s, iid)[0].key
        action = inv.add_recommendation(
            s,
            plant.users["safety_a"],
            iid,
            controller_key=key,
            text="Fit a shell scanner",
            owner="maint_a",
            due_on=__import__("datetime").date(2021, 12, 1),
        ).id
    login(client, "safety_a")
    base = f"/investigations/{iid}"
    r = client.post(
        f"{base}/evidence", data={"title": "", "description": "in the safe"}, headers=HTMX
    )
    assert r.status_code == 200 and field_error(r.text, "title") and 'value="in the safe"' in r.text
    r = client.post(
        f"{base}/evidence",
        data={"title": "Shift log 5 Sep", "description": "paper log, plant office safe"},
        headers=HTMX,
    )
    assert r.status_code == 200 and "Evidence logged." in r.text and "Shift log 5 Sep" in r.text
    r = client.post(f"{base}/interviews", data={"interviewee": "burner operator", "text": ""})
    assert r.status_code == 422 and field_error(r.text, "text")
    assert 'value="burner operator"' in r.text
    r = client.post(
        f"{base}/interviews",
        data={"interviewee": "burner operator", "text": "saw the glow at 03:00, no one to tell"},
        headers=HTMX,
    )
    assert r.status_code == 200 and "Interview note added." in r.text
    r = client.post(
        f"{base}/actions/{action}/status", data={"status": "cancelled", "note": ""}, headers=HTMX
    )
    assert r.status_code == 200 and field_error(r.text, "note")
    r = client.post(
        f"{base}/actions/{action}/status",
        data={"status": "in_progress", "on": "2021-10-01", "note": "scanner ordered"},
        headers=HTMX,
    )
    assert r.status_code == 200 and "Status changed." in r.text
    with store_db.unit_of_work(plant.engine) as s:
        assert s.get(CorrectiveActionRow, action).status == "in_progress"  # type: ignore[union-attr]
        assert len(s.scalars(select(Evidence)).all()) == 1
        assert len(s.scalars(select(InterviewNoteRow)).all()) == 1
    # an operator reads the investigation but is offered no form, and is refused
    login(client, "op_a")
    page = client.get(base).text
    assert f"{base}/evidence" not in page and f"{base}/actions/{action}/status" not in page
    assert client.post(f"{base}/evidence", data={"title": "x"}).status_code == 403
    assert (
        client.post(f"{base}/interviews", data={"interviewee": "a", "text": "b"}).status_code == 403
    )
    r = client.post(f"{base}/actions/{action}/status", data={"status": "done"})
    assert r.status_code == 403


# --------------------------------------------------------------------------------- inbox
def overruled_change(client: Any, plant: Plant) -> int:
    cid, h = _scale_up_to_pre_startup(client, plant)
    c = _ok(
        client.post(
            f"/api/v1/changes/{cid}/objections", headers=h["op_a"], json={"reason": "not safe"}
        ),
        201,
    )
    _ok(
        client.post(
            f"/api/v1/changes/{cid}/overrules",
            headers=h["mgr_a"],
            json={"kind": "objection", "objection_id": c["objections"][0]["id"], "reason": "due"},
        ),
        201,
    )
    return cid


def test_the_regulator_reads_overrules_and_waiting_bulletins_in_the_inbox(
    client, plant: Plant
) -> None:  # type: ignore[no-untyped-def]
    cid = overruled_change(client, plant)
    reg = token_for(client, "reg")
    note = client.get("/api/v1/notifications", headers=reg).json()[0]
    with store_db.unit_of_work(plant.engine) as s:
        incident_id = s.scalar(select(m.Incident.id).where(m.Incident.enterprise_id == plant.ent_a))
        assert incident_id is not None
        inv.send_bulletin(
            s, plant.users["reg"], incident_id=incident_id, title="Hot spots", summary="Scan"
        )
    login(client, "reg")
    page = client.get("/inbox").text
    assert 'id="overrules"' in page and f'href="/changes/{cid}"' in page
    assert 'id="waiting-bulletins"' in page and "Hot spots" in page and "B Refractory" in page
    r = client.post(f"/inbox/overrules/{note['id']}/read", headers=HTMX)
    assert r.status_code == 200 and r.text.lstrip().startswith(
        '<section class="card" id="overrules"'
    )
    assert f"/inbox/overrules/{note['id']}/read" not in r.text  # read: no button any more
    r = client.post("/inbox/bulletins/remind", headers=HTMX)
    assert r.status_code == 200 and 'id="waiting-bulletins"' in r.text
    # a plant manager's inbox has neither section, and the regulator's acts are refused
    login(client, "mgr_a")
    page = client.get("/inbox").text
    assert 'id="overrules"' not in page and 'id="waiting-bulletins"' not in page
    assert client.post(f"/inbox/overrules/{note['id']}/read").status_code == 403
    assert client.post("/inbox/bulletins/remind").status_code == 403
    with store_db.unit_of_work(plant.engine) as s:
        assert [n.read_at is not None for n in cc.notifications_for(s, plant.users["reg"])] == [
            True
        ]


# --------------------------------------------------------------------------------- set-up
def test_a_manager_adds_a_worker_and_an_operator_may_not(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    worker = {"enterprise_id": str(plant.ent_a), "number": "A-77", "name": "Ri Chol", "crew_id": ""}
    login(client, "mgr_a")
    r = client.post("/setup/workers", data=worker | {"name": ""})
    assert r.status_code == 422 and field_error(r.text, "name") and 'value="A-77"' in r.text
    r = client.post("/setup/workers", data=worker)
    assert r.status_code == 200 and "Ri Chol" in r.text
    login(client, "op_a")
    assert client.get("/setup/workers").text.count('action="/setup/workers"') == 0
    assert client.post("/setup/workers", data=worker | {"number": "A-78"}).status_code == 403


@pytest.fixture
def root(plant: Plant) -> str:
    with store_db.unit_of_work(plant.engine) as s:
        create_user(s, SYSTEM, username="root", password=PASSWORD, role="admin")
    return "root"


def test_logins_are_the_administrators_own(client, plant: Plant, root: str) -> None:  # type: ignore[no-untyped-def]
    login(client, "mgr_a")
    assert client.post("/setup/users", data={"username": "x"}).status_code == 403
    login(client, root)
    uid = plant.users["op_a"].user_id
    r = client.post(f"/setup/users/{uid}/password", data={"password": "short"})
    assert r.status_code == 422 and field_error(r.text, "password")
    r = client.post(f"/setup/users/{uid}/password", data={"password": "a new long passphrase"})
    assert r.status_code == 200
    r = client.post(f"/setup/users/{uid}/retire")
    assert r.status_code == 200
    with store_db.unit_of_work(plant.engine) as s:
        assert not s.get(m.User, uid).active  # type: ignore[union-attr]
