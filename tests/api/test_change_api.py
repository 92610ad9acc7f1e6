"""Scenario B through the REST API: authorisation is refused while the objection stands and the
pilot stage is missing; the overrules reach the regulator's inbox; the crowd is refused at the
hazard zone; and a user of another enterprise gets 404 on every change route."""

from __future__ import annotations

import hashlib
from typing import Any

from kilnguard.domain.change import PssrItem
from tests.conftest import Plant, token_for

LAB_CSV = b"temperature_c,gas_evolved_l_per_kg\n600,1.2\n950,9.6\n"


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _scale_up_to_pre_startup(client: Any, plant: Plant) -> tuple[int, dict[str, dict[str, str]]]:
    h = {u: token_for(client, u) for u in ("op_a", "lead_a", "safety_a", "mgr_a")}
    c = _ok(
        client.post(
            "/api/v1/changes",
            headers=h["mgr_a"],
            json={
                "kind": "experiment",
                "title": "Plant-scale firing of a substitute reagent",
                "purpose": "cut imports",
                "kiln_id": plant.kilns_a[0],
                "stage": "plant",
                "deadline": "2030-12-31T18:00:00+09:00",
                "deadline_set_by": "party committee",
                "deadline_external": True,
                "hazards": [
                    {
                        "hazard": "overpressure",
                        "cause": "gas evolution at full charge",
                        "consequence": "explosion",
                        "safeguards": ["relief valve"],
                    }
                ],
            },
        ),
        201,
    )
    cid = c["id"]
    ev = _ok(
        client.post(
            f"/api/v1/changes/{cid}/evidence",
            headers=h["op_a"],
            files={"file": ("lab.csv", LAB_CSV, "text/csv")},
            data={"stage": "lab", "sha256": hashlib.sha256(LAB_CSV).hexdigest()},
        ),
        201,
    )
    assert ev["sha256"] == hashlib.sha256(LAB_CSV).hexdigest()
    _ok(
        client.post(f"/api/v1/changes/{cid}/stages", headers=h["safety_a"], json={"stage": "lab"}),
        201,
    )
    _ok(
        client.post(
            f"/api/v1/changes/{cid}/transitions", headers=h["op_a"], json={"action": "submit"}
        )
    )
    for u in ("lead_a", "safety_a", "mgr_a"):
        _ok(
            client.post(
                f"/api/v1/changes/{cid}/reviews", headers=h[u], json={"decision": "approve"}
            ),
            201,
        )
    _ok(
        client.post(
            f"/api/v1/changes/{cid}/transitions",
            headers=h["mgr_a"],
            json={"action": "approve_for_stage"},
        )
    )
    _ok(
        client.post(
            f"/api/v1/changes/{cid}/transitions",
            headers=h["safety_a"],
            json={"action": "start_pre_startup_review"},
        )
    )
    _ok(
        client.put(
            f"/api/v1/changes/{cid}/zone",
            headers=h["safety_a"],
            json={
                "name": "K-1 zone",
                "max_headcount": 3,
                "essential_people": ["t1", "t2", "t3", "t4"],
            },
        )
    )
    for item in PssrItem:
        _ok(
            client.post(
                f"/api/v1/changes/{cid}/pssr", headers=h["safety_a"], json={"item": item.value}
            ),
            201,
        )
    return cid, h


def test_scenario_b_through_the_api(client: Any, plant: Plant) -> None:
    cid, h = _scale_up_to_pre_startup(client, plant)
    reg, reg_other = token_for(client, "reg"), token_for(client, "reg_other")
    # the technicians object
    c = _ok(
        client.post(
            f"/api/v1/changes/{cid}/objections",
            headers=h["op_a"],
            json={"reason": "still dangerous despite being lab-tested; observe the process first"},
        ),
        201,
    )
    oid = c["objections"][0]["id"]
    # 1. refused while the objection stands and the pilot stage is missing: both named
    r = client.post(
        f"/api/v1/changes/{cid}/transitions",
        headers=h["mgr_a"],
        json={"action": "authorise_firing"},
    )
    assert r.status_code == 409, r.text
    body = r.json()
    assert "open objection by a operator (op_a)" in body["detail"]
    assert any("still dangerous" in b for b in body["blockers"])
    assert any("pilot stage is not complete" in b for b in body["blockers"])
    assert (
        _ok(client.get(f"/api/v1/changes/{cid}", headers=h["mgr_a"]))["state"]
        == "pre_startup_review"
    )
    # a peer cannot overrule; the regulator's inbox is still empty
    r = client.post(
        f"/api/v1/changes/{cid}/overrules",
        headers=token_for(client, "maint_a"),
        json={"kind": "objection", "objection_id": oid, "reason": "peer"},
    )
    assert r.status_code == 403
    assert _ok(client.get("/api/v1/notifications", headers=reg)) == []
    # 2. the manager overrules the objection: the regulator sees it at once
    _ok(
        client.post(
            f"/api/v1/changes/{cid}/overrules",
            headers=h["mgr_a"],
            json={"kind": "objection", "objection_id": oid, "reason": "plan due by year end"},
        ),
        201,
    )
    inbox = _ok(client.get("/api/v1/notifications", headers=reg))
    assert len(inbox) == 1 and inbox[0]["change_id"] == cid and inbox[0]["read_at"] is None
    assert "plan due by year end" in inbox[0]["message"]
    assert _ok(client.get("/api/v1/notifications", headers=reg_other)) == []
    r = client.post(
        f"/api/v1/changes/{cid}/transitions",
        headers=h["mgr_a"],
        json={"action": "authorise_firing"},
    )
    assert r.status_code == 409
    assert [b for b in r.json()["blockers"] if "pilot" in b] and not [
        b for b in r.json()["blockers"] if "objection" in b
    ]
    # 3. the stage skip is itself an overrule, also sent to the regulator
    _ok(
        client.post(
            f"/api/v1/changes/{cid}/overrules",
            headers=h["mgr_a"],
            json={"kind": "stage_skip", "reason": "no time for a pilot"},
        ),
        201,
    )
    assert len(_ok(client.get("/api/v1/notifications", headers=reg))) == 2
    read = _ok(client.post(f"/api/v1/notifications/{inbox[0]['id']}/read", headers=reg))
    assert read["read_at"] is not None
    c = _ok(
        client.post(
            f"/api/v1/changes/{cid}/transitions",
            headers=h["mgr_a"],
            json={"action": "authorise_firing"},
        )
    )
    assert c["state"] == "authorised_to_fire"
    assert [o["permanent"] for o in c["overrules"]] == [True, True]
    assert c["barrier_degraded"] is True
    _ok(
        client.post(
            f"/api/v1/changes/{cid}/transitions", headers=h["op_a"], json={"action": "start_firing"}
        )
    )
    # 4. the crowd is refused by the headcount limit and the essential list; refusals are logged
    for person in ("t1", "t2", "t3"):
        assert _ok(
            client.post(
                f"/api/v1/changes/{cid}/zone/admit", headers=h["op_a"], json={"person": person}
            )
        )["admitted"]
    r = client.post(f"/api/v1/changes/{cid}/zone/admit", headers=h["op_a"], json={"person": "t4"})
    assert r.status_code == 409 and "its maximum is 3" in r.json()["detail"]
    r = client.post(
        f"/api/v1/changes/{cid}/zone/admit", headers=h["op_a"], json={"person": "onlooker"}
    )
    assert r.status_code == 409 and "not on the essential-personnel list" in r.json()["detail"]
    log = _ok(client.get(f"/api/v1/changes/{cid}", headers=reg))["zone_log"]
    assert [z["outcome"] for z in log] == ["admitted"] * 3 + ["refused"] * 2
    # no route deletes an overrule
    assert client.delete(f"/api/v1/changes/{cid}/overrules/1", headers=h["mgr_a"]).status_code in (
        404,
        405,
    )


def test_an_evidence_upload_with_a_wrong_checksum_is_refused(client: Any, plant: Plant) -> None:
    cid, h = _scale_up_to_pre_startup(client, plant)
    r = client.post(
        f"/api/v1/changes/{cid}/evidence",
        headers=h["op_a"],
        files={"file": ("pilot.csv", b"x,y\n1,2\n", "text/csv")},
        data={"stage": "pilot", "sha256": "0" * 64},
    )
    assert r.status_code == 422 and r.json()["field"] == "sha256"
    ev_id = _ok(client.get(f"/api/v1/changes/{cid}", headers=h["op_a"]))["evidence"][0]["id"]
    f = client.get(f"/api/v1/changes/{cid}/evidence/{ev_id}", headers=h["op_a"])
    assert (
        f.content == LAB_CSV
        and f.headers["x-checksum-sha256"] == hashlib.sha256(LAB_CSV).hexdigest()
    )


def test_a_regulator_reads_but_cannot_propose_a_change(client: Any, plant: Plant) -> None:
    reg = token_for(client, "reg")
    r = client.post(
        "/api/v1/changes",
        headers=reg,
        json={
            "kind": "experiment",
            "title": "t",
            "purpose": "p",
            "kiln_id": plant.kilns_a[0],
            "hazards": [],
        },
    )
    assert r.status_code == 403


def test_a_user_of_another_enterprise_gets_404_on_every_change_route(
    client: Any, plant: Plant
) -> None:
    cid, h = _scale_up_to_pre_startup(client, plant)
    ev_id = _ok(client.get(f"/api/v1/changes/{cid}", headers=h["op_a"]))["evidence"][0]["id"]
    obj = _ok(
        client.post(f"/api/v1/changes/{cid}/objections", headers=h["op_a"], json={"reason": "no"}),
        201,
    )
    oid = obj["objections"][0]["id"]
    b = token_for(client, "op_b")
    base = f"/api/v1/changes/{cid}"
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", base, {}),
        ("POST", f"{base}/hazards", {"json": {"hazard": "h", "cause": "c", "consequence": "x"}}),
        ("POST", f"{base}/transitions", {"json": {"action": "reject"}}),
        ("POST", f"{base}/reviews", {"json": {"decision": "object", "reason": "r"}}),
        ("POST", f"{base}/objections", {"json": {"reason": "r"}}),
        ("POST", f"{base}/objections/{oid}/withdraw", {"json": {"reason": "r"}}),
        (
            "POST",
            f"{base}/overrules",
            {"json": {"kind": "objection", "objection_id": oid, "reason": "r"}},
        ),
        ("POST", f"{base}/evidence", {"files": {"file": ("a.txt", b"a", "text/plain")}}),
        ("GET", f"{base}/evidence/{ev_id}", {}),
        ("POST", f"{base}/stages", {"json": {"stage": "lab"}}),
        ("POST", f"{base}/pssr", {"json": {"item": "emergency_plan"}}),
        (
            "PUT",
            f"{base}/zone",
            {"json": {"name": "z", "max_headcount": 1, "essential_people": ["a"]}},
        ),
        ("POST", f"{base}/zone/admit", {"json": {"person": "t1"}}),
        ("POST", f"{base}/zone/leave", {"json": {"person": "t1"}}),
        (
            "POST",
            f"{base}/deadline",
            {"json": {"new_deadline": "2031-01-01T00:00:00Z", "reason": "r"}},
        ),
        ("POST", f"{base}/firings", {"json": {"started_at": "2030-01-01T00:00:00Z"}}),
        (
            "POST",
            "/api/v1/changes",
            {
                "json": {
                    "kind": "experiment",
                    "title": "t",
                    "purpose": "p",
                    "kiln_id": plant.kilns_a[0],
                }
            },
        ),
    ]
    for method, path, kw in calls:
        r = client.request(method, path, headers=b, **kw)
        assert r.status_code == 404, (method, path, r.status_code, r.text)
    assert _ok(client.get("/api/v1/changes", headers=b)) == []
    assert _ok(client.get("/api/v1/notifications", headers=b)) == []
    assert client.get(f"/changes/{cid}", headers=b).status_code == 404


def test_the_web_pages_show_the_change_and_a_refusal_in_plain_words(
    client: Any, plant: Plant
) -> None:
    cid, h = _scale_up_to_pre_startup(client, plant)
    _ok(
        client.post(
            f"/api/v1/changes/{cid}/objections", headers=h["op_a"], json={"reason": "not yet safe"}
        ),
        201,
    )
    page = client.get("/changes", headers=h["mgr_a"])
    assert page.status_code == 200 and "Plant-scale firing of a substitute reagent" in page.text
    r = client.post(f"/changes/{cid}/act", headers=h["mgr_a"], data={"action": "authorise_firing"})
    assert r.status_code == 409
    assert (
        "Refused" in r.text and "not yet safe" in r.text and "pilot stage is not complete" in r.text
    )
    kiln_page = client.get(f"/kilns/{plant.kilns_a[0]}", headers=h["mgr_a"])
    assert "Change requests" in kiln_page.text
