"""Investigation routes through the REST API and the web pages: open an investigation, add
findings, CAST analysis and actions, reports, anonymous reports, rates, bulletins — and a user
of another enterprise gets 404 on every route."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from kilnguard.services import investigation as inv
from kilnguard.services.access import SYSTEM
from kilnguard.store import db as store_db
from kilnguard.store import models as m
from tests.conftest import Plant, token_for

API = "/api/v1"


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _incident(plant: Plant, enterprise_id: int) -> int:
    with store_db.unit_of_work(plant.engine) as s:
        return s.scalars(
            select(m.Incident.id).where(m.Incident.enterprise_id == enterprise_id)
        ).one()


def test_an_investigation_through_the_api(client: Any, plant: Plant) -> None:
    h = token_for(client, "safety_a")
    incident = _incident(plant, plant.ent_a)
    assert _ok(client.get(f"{API}/incident-register", headers=h))[0]["id"] == incident
    extras = _ok(
        client.put(
            f"{API}/incident-register/{incident}/extras",
            headers=h,
            json={"people_involved": ["worker A1"], "potential_severity": 4},
        )
    )
    assert extras["people_involved"] == ["worker A1"] and extras["severity"]["class"] == 4
    view = _ok(client.post(f"{API}/investigations", headers=h, json={"incident_id": incident}), 201)
    iid = view["investigation"]["id"]
    assert view["timeline"][-1]["kind"] == "incident"
    assert all(t["read_only"] for t in view["timeline"])
    assert _ok(client.get(f"{API}/investigations/{iid}/timeline", headers=h))
    f = _ok(
        client.post(
            f"{API}/investigations/{iid}/findings",
            headers=h,
            json={"text": "The operator failed to report the hot spot."},
        ),
        201,
    )
    assert f["author"] == "safety_a" and f["hindsight_warnings"] == ["failed to"]
    _ok(client.post(f"{API}/investigations/{iid}/evidence", headers=h, json={"title": "Log"}), 201)
    _ok(
        client.post(
            f"{API}/investigations/{iid}/interviews",
            headers=h,
            json={"interviewee": "worker A1", "text": "Saw it twice."},
        ),
        201,
    )
    c = _ok(
        client.post(
            f"{API}/investigations/{iid}/controllers/section/analysis",
            headers=h,
            json={
                "unsafe_control_actions": [
                    {"description": "kept loading", "type": "provided_unsafe"}
                ],
                "flawed_feedback": ["no shell scan"],
            },
        )
    )
    assert c["unsafe_control_actions"][0]["type"] == "provided_unsafe"
    a = _ok(
        client.post(
            f"{API}/investigations/{iid}/actions",
            headers=h,
            json={
                "controller_key": "section",
                "text": "Weekly shell scan",
                "owner": "Section head",
                "due_on": "2021-10-01",
            },
        ),
        201,
    )
    esc = _ok(
        client.post(
            f"{API}/investigations/actions/escalate", headers=h, json={"as_of": "2021-10-20"}
        )
    )
    assert esc["escalated"] == [{"id": a["id"], "level": 3}]
    done = _ok(
        client.post(
            f"{API}/investigations/actions/{a['id']}/status",
            headers=h,
            json={"status": "done", "on": "2021-10-21"},
        )
    )
    assert done["status"] == "done"
    r = client.get(f"{API}/investigations/{iid}/report.html", headers=h)
    assert r.status_code == 200 and "Weekly shell scan" in r.text
    assert client.get(f"{API}/investigations/{iid}/report.pdf", headers=h).content[:4] == b"%PDF"
    assert _ok(client.post(f"{API}/investigations", headers=h, json={"incident_id": incident}), 409)
    reg = token_for(client, "reg")
    assert _ok(client.get(f"{API}/investigations/{iid}", headers=reg))["investigation"]["id"] == iid
    assert (
        client.post(
            f"{API}/investigations/{iid}/findings", headers=reg, json={"text": "x"}
        ).status_code
        == 403
    )


def test_anonymous_report_route_stores_no_identity(client: Any, plant: Plant) -> None:
    h = token_for(client, "op_a")
    body = {
        "enterprise_id": plant.ent_a,
        "event_type": "near_miss",
        "description": "Burner relit without purge",
        "occurred_on": "2021-09-08",
    }
    out = _ok(client.post(f"{API}/anonymous-reports", headers=h, json=body), 201)
    assert out == {"id": out["id"], "anonymous": True}
    with store_db.unit_of_work(plant.engine) as s:
        entries = s.scalars(
            select(m.AuditEntry).where(m.AuditEntry.action == "report_anonymously")
        ).all()
        assert len(entries) == 2 and {e.actor for e in entries} == {"anonymous"}
        # the only entry naming op_a is the login token issued before the report
        assert [
            e.action for e in s.scalars(select(m.AuditEntry).where(m.AuditEntry.actor == "op_a"))
        ] == ["issue"]
        assert all("op_a" not in e.payload for e in entries)
        assert all(e.at.time() == dt.time(0) for e in entries)
    wrong = dict(body, enterprise_id=plant.ent_b)
    assert client.post(f"{API}/anonymous-reports", headers=h, json=wrong).status_code == 404


def test_rates_and_bulletins_through_the_api(client: Any, plant: Plant) -> None:
    rows = _ok(client.get(f"{API}/rates", headers=token_for(client, "mgr_a")))
    assert {r["name"] for r in rows} == {"A Cement"}
    reg = token_for(client, "reg")
    b = _ok(
        client.post(
            f"{API}/bulletins",
            headers=reg,
            json={
                "incident_id": _incident(plant, plant.ent_a),
                "title": "Hot spot",
                "summary": "Check shells",
                "required_checks": ["scan shells"],
                "sectors": ["refractory brick"],
            },
        ),
        201,
    )
    assert b["not_acknowledged"] == ["B Refractory"]
    assert _ok(client.get(f"{API}/bulletins", headers=reg))[0]["id"] == b["id"]
    out = _ok(client.post(f"{API}/bulletins/escalate", headers=reg, json={"as_of": "2031-01-01"}))
    assert len(out["reminded"]) == 1
    other = token_for(client, "reg_other")
    assert client.get(f"{API}/bulletins/{b['id']}", headers=other).status_code == 404
    assert (
        client.post(
            f"{API}/bulletins/{b['id']}/acknowledge", headers=other, json={"checked": "x"}
        ).status_code
        == 404
    )
    assert _ok(client.get(f"{API}/bulletins", headers=other)) == []


def _b_investigation(plant: Plant) -> tuple[int, int, int]:
    incident = _incident(plant, plant.ent_b)
    with store_db.unit_of_work(plant.engine) as s:
        i = inv.open_investigation(s, SYSTEM, incident)
        a = inv.add_recommendation(
            s,
            SYSTEM,
            i.id,
            controller_key="crew",
            text="x",
            owner="y",
            due_on=dt.date(2021, 12, 1),
        )
        return incident, i.id, a.id


def test_other_enterprises_get_404_on_every_investigation_route(client: Any, plant: Plant) -> None:
    incident, iid, aid = _b_investigation(plant)
    h = token_for(client, "safety_a")
    gets = [
        f"{API}/incident-register/{incident}",
        f"{API}/investigations/{iid}",
        f"{API}/investigations/{iid}/timeline",
        f"{API}/investigations/{iid}/report.html",
        f"{API}/investigations/{iid}/report.pdf",
        f"/incidents/{incident}",
        f"/investigations/{iid}",
        f"/investigations/{iid}/report",
    ]
    for path in gets:
        assert client.get(path, headers=h).status_code == 404, path
    posts: list[tuple[str, dict[str, Any]]] = [
        (f"{API}/investigations", {"incident_id": incident}),
        (f"{API}/investigations/{iid}/findings", {"text": "x"}),
        (f"{API}/investigations/{iid}/evidence", {"title": "x"}),
        (f"{API}/investigations/{iid}/interviews", {"interviewee": "x", "text": "y"}),
        (f"{API}/investigations/{iid}/controllers/crew/analysis", {"context": ["x"]}),
        (
            f"{API}/investigations/{iid}/actions",
            {"controller_key": "crew", "text": "x", "owner": "y", "due_on": "2022-01-01"},
        ),
        (f"{API}/investigations/actions/{aid}/status", {"status": "done", "on": "2022-01-01"}),
    ]
    for path, body in posts:
        assert client.post(path, headers=h, json=body).status_code == 404, path
    assert (
        client.put(f"{API}/incident-register/{incident}/extras", headers=h, json={}).status_code
        == 404
    )
    assert all(i["id"] != incident for i in _ok(client.get(f"{API}/incident-register", headers=h)))
    assert _ok(client.get(f"{API}/investigations", headers=h)) == []
    forms = [
        (f"/incidents/{incident}/investigate", {}),
        (f"/investigations/{iid}/findings", {"text": "x"}),
        (f"/investigations/{iid}/analysis", {"key": "crew", "context": "x"}),
        (
            f"/investigations/{iid}/actions",
            {"controller_key": "crew", "text": "x", "owner": "y", "due_on": "2022-01-01"},
        ),
    ]
    for path, data in forms:
        r = client.post(path, headers=h, data=data, follow_redirects=False)
        assert r.status_code == 404, path


def test_web_pages_render_for_the_owning_enterprise(client: Any, plant: Plant) -> None:
    h = token_for(client, "safety_a")
    incident = _incident(plant, plant.ent_a)
    page = client.get("/incidents", headers=h)
    assert page.status_code == 200 and "Incident register" in page.text
    assert client.get(f"/incidents/{incident}", headers=h).status_code == 200
    r = client.post(f"/incidents/{incident}/investigate", headers=h, follow_redirects=False)
    assert r.status_code == 303
    inv_page = client.get(r.headers["location"], headers=h)
    assert inv_page.status_code == 200 and "timeline-table" in inv_page.text
    for path in ("/bulletins", "/rates"):
        assert client.get(path, headers=h).status_code == 200, path
    filed = client.post(
        "/incidents/anonymous",
        headers=h,
        data={
            "enterprise_id": str(plant.ent_a),
            "event_type": "unsafe_condition",
            "description": "Guard rail missing",
            "occurred_on": "2021-09-09",
        },
        follow_redirects=False,
    )
    assert filed.status_code == 303


INVESTIGATION_PREFIXES = (
    "/api/v1/incident-register",
    "/api/v1/anonymous-reports",
    "/api/v1/investigations",
    "/api/v1/rates",
    "/api/v1/bulletins",
)


def test_every_investigation_json_route_documents_its_response(client: Any) -> None:
    """Issue 11 point 5: the OpenAPI document describes every JSON response of the feature."""
    paths = _ok(client.get("/openapi.json"))["paths"]
    mine = {p: ops for p, ops in paths.items() if p.startswith(INVESTIGATION_PREFIXES)}
    assert len(mine) >= 18
    for path, ops in mine.items():
        for method, op in ops.items():
            ok = next(v for k, v in op["responses"].items() if k.startswith("2"))
            content = ok.get("content", {})
            if path.endswith((".html", ".pdf")):
                assert content, f"{method} {path}"
                continue
            schema = content["application/json"]["schema"]
            assert schema.get("$ref") or schema.get("items", {}).get("$ref"), f"{method} {path}"
