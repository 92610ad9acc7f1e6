"""Change control through the services: workflow, audit, tenancy, overrule notification, zone
log, evidence checksums, and the barrier inputs the risk engine reads from the demo."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, func, select

from kilnguard.domain.change import PssrItem
from kilnguard.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from kilnguard.services import change as cc
from kilnguard.services.access import SYSTEM, Principal
from kilnguard.store import db as store_db
from kilnguard.store.change_models import (
    ChangeNotificationRow,
    ChangeOverruleRow,
    ChangeZoneLogRow,
)
from kilnguard.store.models import AuditEntry, Kiln
from tests.conftest import Plant

HAZARD = cc.HazardIn(
    question="What if the new charge evolves more gas?",
    hazard="overpressure",
    cause="faster gas evolution",
    consequence="kiln rupture",
    safeguards=("relief valve",),
)


def _do(engine: Engine, fn: Callable[..., object], *args: object, **kw: object) -> object:
    with store_db.unit_of_work(engine) as s:
        return fn(s, *args, **kw)


def _audit_count(engine: Engine, action: str | None = None) -> int:
    with store_db.unit_of_work(engine) as s:
        stmt = select(func.count()).select_from(AuditEntry).where(AuditEntry.entity.like("change%"))
        if action is not None:
            stmt = stmt.where(AuditEntry.action == action)
        return int(s.scalar(stmt) or 0)


def _new_change(plant: Plant, who: Principal, stage: str = "lab") -> int:
    with store_db.unit_of_work(plant.engine) as s:
        row = cc.create_change(
            s,
            who,
            cc.ChangeIn(
                kind="experiment",
                title="New reagent firing",
                purpose="substitute an imported reagent",
                kiln_id=plant.kilns_a[0],
                stage=stage,
                hazards=(HAZARD,),
            ),
        )
        return row.id


def _to_pre_startup(plant: Plant, cid: int) -> None:
    u = plant.users
    _do(plant.engine, cc.transition, u["op_a"], cid, "submit")
    _do(plant.engine, cc.review, u["lead_a"], cid, decision="approve", reason="ok")
    _do(plant.engine, cc.review, u["safety_a"], cid, decision="approve", reason="ok")
    _do(plant.engine, cc.review, u["mgr_a"], cid, decision="approve", reason="ok")
    _do(plant.engine, cc.transition, u["mgr_a"], cid, "approve_for_stage")
    _do(plant.engine, cc.transition, u["safety_a"], cid, "start_pre_startup_review")
    _do(
        plant.engine,
        cc.set_hazard_zone,
        u["safety_a"],
        cid,
        name="K-1 zone",
        max_headcount=2,
        essential_people=["alice", "bob", "carol"],
    )


def _pssr_all(plant: Plant, cid: int) -> None:
    for item in PssrItem:
        _do(plant.engine, cc.check_pssr, plant.users["safety_a"], cid, item=item.value)


def test_a_change_walks_the_whole_workflow_with_one_audit_entry_per_write(plant: Plant) -> None:
    u = plant.users
    before = _audit_count(plant.engine)
    cid = _new_change(plant, u["op_a"])
    _to_pre_startup(plant, cid)
    _pssr_all(plant, cid)
    _do(plant.engine, cc.transition, u["mgr_a"], cid, "authorise_firing")
    _do(plant.engine, cc.transition, u["op_a"], cid, "start_firing")
    _do(plant.engine, cc.transition, u["mgr_a"], cid, "close", note="done")
    with store_db.unit_of_work(plant.engine) as s:
        d = cc.describe(s, u["mgr_a"], cc.get_change(s, u["mgr_a"], cid))
    assert d["state"] == "closed"
    assert [h["action"] for h in d["history"]] == [
        "submit",
        "approve_for_stage",
        "start_pre_startup_review",
        "authorise_firing",
        "start_firing",
        "close",
    ]
    assert d["firings"][0]["ended_at"] is not None
    # create, 6 transitions, 3 reviews (technical lead, safety officer, manager), zone, PSSR ticks
    assert _audit_count(plant.engine) - before == 1 + 6 + 3 + 1 + len(PssrItem)
    assert _audit_count(plant.engine, "authorise_firing") == 1


def test_a_user_of_another_enterprise_gets_not_found_for_every_act(plant: Plant) -> None:
    cid = _new_change(plant, plant.users["op_a"])
    stranger = plant.users["op_b"]
    acts: list[Callable[..., object]] = [
        lambda s: cc.get_change(s, stranger, cid),
        lambda s: cc.transition(s, stranger, cid, "submit"),
        lambda s: cc.raise_objection(s, stranger, cid, reason="no"),
        lambda s: cc.review(s, stranger, cid, decision="approve"),
        lambda s: cc.attach_evidence(s, stranger, cid, name="x.csv", content=b"1"),
        lambda s: cc.admit_to_zone(s, stranger, cid, person="x"),
        lambda s: cc.overrule(s, stranger, cid, kind="stage_skip", reason="r"),
    ]
    for act in acts:
        with pytest.raises(NotFound), store_db.unit_of_work(plant.engine) as s:
            act(s)
    with store_db.unit_of_work(plant.engine) as s:
        assert cc.list_changes(s, stranger) == []
        assert [r.id for r in cc.list_changes(s, plant.users["reg"])] == [cid]
        assert cc.list_changes(s, plant.users["reg_other"]) == []
        with pytest.raises(NotFound):
            cc.create_change(
                s,
                stranger,
                cc.ChangeIn(kind="experiment", title="t", purpose="p", kiln_id=plant.kilns_a[0]),
            )


def test_an_overrule_is_stored_with_a_notification_for_the_regions_regulators(
    plant: Plant,
) -> None:
    u = plant.users
    cid = _new_change(plant, u["op_a"])
    _do(plant.engine, cc.transition, u["op_a"], cid, "submit")
    obj = _do(plant.engine, cc.raise_objection, u["op_a"], cid, reason="still dangerous")
    oid = obj.id  # type: ignore[attr-defined]
    with pytest.raises(PermissionDenied, match="higher role"):
        _do(
            plant.engine,
            cc.overrule,
            u["maint_a"],
            cid,
            kind="objection",
            objection_id=oid,
            reason="peer",
        )
    assert _audit_count(plant.engine, "overrule") == 0
    _do(
        plant.engine,
        cc.overrule,
        u["mgr_a"],
        cid,
        kind="objection",
        objection_id=oid,
        reason="deadline",
    )
    with store_db.unit_of_work(plant.engine) as s:
        [note] = cc.notifications_for(s, u["reg"])
        assert note.region_id == plant.region_id
        assert note.recipient_role == "regulator"
        assert "overruled" in note.subject and "still dangerous" in note.message
        assert cc.notifications_for(s, u["reg_other"]) == []
        assert s.scalar(select(func.count()).select_from(ChangeOverruleRow)) == 1
        d = cc.describe(s, u["reg"], cc.get_change(s, u["reg"], cid))
        assert d["objections"][0]["status"] == "overruled"
        assert d["barrier_degraded"] is True
        read = cc.mark_notification_read(s, u["reg"], note.id)
        assert read.read_at is not None
    assert _audit_count(plant.engine, "notify_regulator") == 1
    assert not [name for name in dir(cc) if name.startswith(("delete", "remove"))]


def test_only_the_author_withdraws_an_objection_and_then_it_stops_blocking(plant: Plant) -> None:
    u = plant.users
    cid = _new_change(plant, u["op_a"])
    _do(plant.engine, cc.transition, u["op_a"], cid, "submit")
    obj = _do(plant.engine, cc.raise_objection, u["safety_a"], cid, reason="need a pilot")
    oid = obj.id  # type: ignore[attr-defined]
    _do(plant.engine, cc.review, u["mgr_a"], cid, decision="approve")
    with pytest.raises(PermissionDenied, match="Only the author"):
        _do(plant.engine, cc.withdraw_objection, u["mgr_a"], cid, oid, reason="no")
    with pytest.raises(Conflict, match="open objection"):
        _do(plant.engine, cc.transition, u["mgr_a"], cid, "approve_for_stage")
    _do(plant.engine, cc.withdraw_objection, u["safety_a"], cid, oid, reason="pilot added")
    _do(plant.engine, cc.review, u["safety_a"], cid, decision="approve")
    with pytest.raises(Conflict, match="technical lead"):
        _do(plant.engine, cc.transition, u["mgr_a"], cid, "approve_for_stage")
    _do(plant.engine, cc.review, u["lead_a"], cid, decision="approve")
    _do(plant.engine, cc.transition, u["mgr_a"], cid, "approve_for_stage")
    assert _audit_count(plant.engine, "withdraw") == 1


def test_a_regulator_may_object_in_their_region_and_nobody_overrules_it(plant: Plant) -> None:
    """The rights table lets a regulator dissent (and do no other change-control write)."""
    u = plant.users
    cid = _new_change(plant, u["op_a"])
    _do(plant.engine, cc.transition, u["op_a"], cid, "submit")
    obj = _do(plant.engine, cc.raise_objection, u["reg"], cid, reason="no pilot stage yet")
    oid = obj.id  # type: ignore[attr-defined]
    with pytest.raises(NotFound):
        _do(plant.engine, cc.raise_objection, u["reg_other"], cid, reason="not my region")
    with pytest.raises(PermissionDenied):
        _do(plant.engine, cc.review, u["reg"], cid, decision="approve")
    with pytest.raises(Conflict, match="only its author"):
        _do(
            plant.engine,
            cc.overrule,
            u["mgr_a"],
            cid,
            kind="objection",
            reason="deadline",
            objection_id=oid,
        )
    for who in ("lead_a", "safety_a", "mgr_a"):
        _do(plant.engine, cc.review, u[who], cid, decision="approve")
    with pytest.raises(Conflict, match="open objection"):
        _do(plant.engine, cc.transition, u["mgr_a"], cid, "approve_for_stage")
    _do(plant.engine, cc.withdraw_objection, u["reg"], cid, oid, reason="pilot planned")
    _do(plant.engine, cc.transition, u["mgr_a"], cid, "approve_for_stage")


def test_zone_refusals_are_logged_and_audited(plant: Plant) -> None:
    u = plant.users
    cid = _new_change(plant, u["op_a"])
    _to_pre_startup(plant, cid)
    results = [
        _do(plant.engine, cc.admit_to_zone, u["op_a"], cid, person=p)
        for p in ("alice", "bob", "carol", "onlooker")
    ]
    assert [r.admitted for r in results] == [True, True, False, False]  # type: ignore[attr-defined]
    assert "its maximum is 2" in results[2].reason  # type: ignore[attr-defined]
    assert "not on the essential-personnel list" in results[3].reason  # type: ignore[attr-defined]
    with store_db.unit_of_work(plant.engine) as s:
        log = s.scalars(select(ChangeZoneLogRow).order_by(ChangeZoneLogRow.id)).all()
        assert [(e.person, e.outcome) for e in log] == [
            ("alice", "admitted"),
            ("bob", "admitted"),
            ("carol", "refused"),
            ("onlooker", "refused"),
        ]
    assert _audit_count(plant.engine, "zone_refuse") == 2
    _do(plant.engine, cc.leave_zone, u["op_a"], cid, person="bob")
    assert _do(plant.engine, cc.admit_to_zone, u["op_a"], cid, person="carol").admitted  # type: ignore[attr-defined]


def test_evidence_is_stored_with_its_sha256_and_a_wrong_checksum_is_refused(plant: Plant) -> None:
    u = plant.users
    cid = _new_change(plant, u["op_a"], stage="pilot")
    content = b"temperature_c,gas\n800,4.8\n"
    with pytest.raises(ValidationError, match="does not match"):
        _do(
            plant.engine,
            cc.attach_evidence,
            u["op_a"],
            cid,
            name="lab.csv",
            content=content,
            stage="lab",
            expected_sha256="0" * 64,
        )
    ev = _do(
        plant.engine,
        cc.attach_evidence,
        u["op_a"],
        cid,
        name="lab.csv",
        content=content,
        stage="lab",
        expected_sha256=hashlib.sha256(content).hexdigest(),
    )
    assert ev.sha256 == hashlib.sha256(content).hexdigest()  # type: ignore[attr-defined]
    with store_db.unit_of_work(plant.engine) as s:
        stored = cc.get_evidence(s, u["op_a"], cid, ev.id)  # type: ignore[attr-defined]
        assert stored.content == content
        d = cc.describe(s, u["op_a"], cc.get_change(s, u["op_a"], cid))
        assert "lab stage is not complete" in (d["stage_gate"] or "")
    _do(plant.engine, cc.record_stage_complete, u["safety_a"], cid, stage="lab")
    with store_db.unit_of_work(plant.engine) as s:
        d = cc.describe(s, u["op_a"], cc.get_change(s, u["op_a"], cid))
        assert d["stage_gate"] is None


def test_a_stage_without_evidence_cannot_be_recorded_complete(plant: Plant) -> None:
    cid = _new_change(plant, plant.users["op_a"], stage="plant")
    with pytest.raises(Conflict, match="attach its evidence"):
        _do(plant.engine, cc.record_stage_complete, plant.users["mgr_a"], cid, stage="pilot")


def test_a_closed_stage_carries_its_evidence_into_the_next_stage(plant: Plant) -> None:
    u = plant.users
    lab = _new_change(plant, u["op_a"], stage="lab")
    _to_pre_startup(plant, lab)
    _pssr_all(plant, lab)
    _do(plant.engine, cc.transition, u["mgr_a"], lab, "authorise_firing")
    _do(plant.engine, cc.transition, u["op_a"], lab, "start_firing")
    _do(
        plant.engine, cc.attach_evidence, u["op_a"], lab, name="lab.csv", content=b"ok", stage="lab"
    )
    _do(plant.engine, cc.transition, u["mgr_a"], lab, "close")
    with store_db.unit_of_work(plant.engine) as s:
        pilot = cc.create_change(
            s,
            u["op_a"],
            cc.ChangeIn(
                kind="experiment",
                title="pilot",
                purpose="p",
                kiln_id=plant.kilns_a[0],
                stage="pilot",
                hazards=(HAZARD,),
                previous_change_id=lab,
            ),
        )
        d = cc.describe(s, u["op_a"], pilot)
    assert d["stage_gate"] is None
    assert d["previous_stages"][0]["stage"] == "lab"
    assert d["evidence"][0]["sha256"] == hashlib.sha256(b"ok").hexdigest()


def test_only_the_admin_may_record_acts_on_behalf_of_others(plant: Plant) -> None:
    cid = _new_change(plant, plant.users["op_a"])
    with pytest.raises(PermissionDenied, match="on behalf"):
        _do(
            plant.engine,
            cc.transition,
            cc.OnBehalf(plant.users["op_a"], "mgr", "manager"),
            cid,
            "submit",
        )


# ----------------------------------------------------------------------- demo data
@pytest.fixture(scope="module")
def demo_engine(fresh_database_url: Callable[[], str]) -> Iterator[Engine]:
    from tests.conftest import build_demo_database

    url = fresh_database_url()
    build_demo_database(url)
    engine = store_db.make_engine(url)
    yield engine
    engine.dispose()


def _kiln_id(engine: Engine, name: str) -> int:
    with store_db.unit_of_work(engine) as s:
        return int(s.scalar(select(Kiln.id).where(Kiln.name == name)) or 0)


def test_the_demo_puts_tk1_at_severity_3_on_the_firing_day_and_leaves_the_control_plant_at_0(
    demo_engine: Engine,
) -> None:
    from kilnguard.scenarios.demo import CHONGJIN_BOOM

    tk1, kr1 = _kiln_id(demo_engine, "TK-1"), _kiln_id(demo_engine, "KR-1")
    with store_db.unit_of_work(demo_engine) as s:
        out = cc.change_control_inputs(s, [tk1, kr1], dt.date(2021, 8, 1), dt.date(2021, 12, 31))
    fire = out[(tk1, CHONGJIN_BOOM)]
    assert fire.severity == 3
    assert any("on the strength of 2 overrule(s)" in r for r in fire.reasons)
    assert out[(tk1, CHONGJIN_BOOM - dt.timedelta(days=1))].severity == 2
    assert out[(tk1, dt.date(2021, 10, 23))].severity == 1  # the objection stands
    assert out[(tk1, dt.date(2021, 9, 1))].severity == 0
    assert max(v.severity for (k, _), v in out.items() if k == kr1) == 0
    assert len(out) == 2 * 153


def test_the_demo_chongjin_change_carries_objection_overrules_and_refused_crowd(
    demo_engine: Engine,
) -> None:
    with store_db.unit_of_work(demo_engine) as s:
        rows = cc.list_changes(s, SYSTEM)
        [cj] = [r for r in rows if "TK-1" in r.title]
        d = cc.describe(s, SYSTEM, cj)
        assert d["source"] == "reconstructed"
        assert d["stage"] == "plant" and "pilot stage is not complete" not in str(d["stage_gate"])
        assert d["objections"][0]["role"] == "technician"
        assert "still dangerous despite being lab-tested" in d["objections"][0]["reason"].lower()
        assert {v["kind"] for v in d["overrules"]} == {"objection", "stage_skip"}
        assert d["pssr"]["missing"]
        assert d["hazard_zone"]["max_headcount"] == 3
        refused = [z for z in d["zone_log"] if z["outcome"] == "refused"]
        assert len(refused) >= 5 and any("maximum is 3" in z["reason"] for z in refused)
        assert {f["code"] for f in d["rush_flags"]} >= {"external_deadline", "review_too_short"}
        notes = s.scalars(select(ChangeNotificationRow)).all()
        assert len(notes) == 2
        others = [r for r in rows if r is not cj]
        assert {r.state for r in others} == {"closed"}
        assert sorted(r.stage or "" for r in others) == ["lab", "pilot", "plant"]
