"""Who may acknowledge an alert (issue 16 point 4): a red or stop alert takes a manager or a
safety officer (KILNGUARD_ALERT_ACK_ROLES); anyone else of the enterprise comments, and the
comment neither acknowledges the alert nor stops its escalation; an amber alert any member
acknowledges. Comments are stored, audited and shown with the alert."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from kilnguard.services import alerts as al
from kilnguard.services.access import SYSTEM
from kilnguard.store import models as m
from kilnguard.store.alert_models import AlertRow
from kilnguard.store.db import unit_of_work
from tests.conftest import Plant
from tests.services.test_alerts import CFG, LAST, A, G, S, scripted


@pytest.fixture
def stop_alert(plant: Plant, monkeypatch: pytest.MonkeyPatch) -> int:
    """Enterprise A's first kiln at STOP from 4 Sep (the amber before it superseded)."""
    scripted(monkeypatch, plant, plant.kilns_a[0], [G, A, A, S])
    with unit_of_work(plant.engine) as s:
        al.evaluate(s, SYSTEM, LAST)
    with unit_of_work(plant.engine) as s:
        return s.scalars(select(AlertRow.id).where(AlertRow.level == "stop")).one()


@pytest.fixture
def db(plant: Plant) -> Iterator[Session]:
    with unit_of_work(plant.engine) as s:
        yield s


def test_an_operator_may_not_acknowledge_a_stop_alert_and_is_told_to_comment(
    plant: Plant, stop_alert: int, db: Session
) -> None:
    with pytest.raises(PermissionDenied) as refused:
        al.acknowledge(db, plant.users["op_a"], stop_alert, "seen on shift")
    assert "manager or safety officer" in refused.value.message
    assert "comment" in refused.value.message
    row = db.get(AlertRow, stop_alert)
    assert row is not None
    for user in ("op_a", "lead_a", "maint_a"):
        assert not al.may_acknowledge(db, plant.users[user], row)
    assert al.may_acknowledge(db, plant.users["mgr_a"], row)
    a = al.acknowledge(db, plant.users["safety_a"], stop_alert, "Firing stopped, lining checked")
    assert a.acknowledged_by == "safety_a"
    with pytest.raises(Conflict) as twice:
        al.acknowledge(db, plant.users["op_a"], stop_alert, "me too")
    assert "already acknowledged by safety_a" in twice.value.message
    assert "KST (plant time)" in twice.value.message


def test_a_comment_is_kept_audited_shown_and_leaves_the_escalation_running(
    plant: Plant, stop_alert: int, db: Session
) -> None:
    c = al.comment(db, plant.users["op_a"], stop_alert, "  Shell hot spot at ring 4 again.  ")
    assert (c.author, c.role, c.text) == ("op_a", "operator", "Shell hot spot at ring 4 again.")
    entry = db.scalars(
        select(m.AuditEntry).where(
            m.AuditEntry.entity == "alert_comment", m.AuditEntry.entity_id == str(c.id)
        )
    ).one()
    assert entry.actor == "op_a" and entry.action == "comment"
    a = db.get(AlertRow, stop_alert)
    assert a is not None and a.acknowledged_at is None
    [shown] = al.describe(db, [a], plant.users["op_a"])
    assert [n["text"] for n in shown["comments"]] == ["Shell hot spot at ring 4 again."]
    assert shown["may_comment"] and not shown["may_acknowledge"]
    [escalated] = al.escalate(db, a.raised_at + dt.timedelta(hours=4), CFG)
    assert escalated.alert_id == stop_alert and escalated.level == 1


def test_comments_need_text_and_a_member_of_the_enterprise(
    plant: Plant, stop_alert: int, db: Session
) -> None:
    with pytest.raises(ValidationError) as empty:
        al.comment(db, plant.users["op_a"], stop_alert, "   ")
    assert empty.value.field == "comment"
    with pytest.raises(NotFound):
        al.comment(db, plant.users["op_b"], stop_alert, "not my plant")
    with pytest.raises(PermissionDenied):
        al.comment(db, plant.users["reg"], stop_alert, "the regulator reads, does not comment")


def test_an_amber_alert_any_member_acknowledges(
    plant: Plant, monkeypatch: pytest.MonkeyPatch, db: Session
) -> None:
    scripted(monkeypatch, plant, plant.kilns_a[0], [G, A])
    al.evaluate(db, SYSTEM, LAST)
    amber = db.scalars(select(AlertRow).where(AlertRow.level == "amber")).one()
    assert al.may_acknowledge(db, plant.users["op_a"], amber)
    assert al.acknowledge(db, plant.users["op_a"], amber.id, "load reduced").acknowledged_by


def test_the_roles_are_configurable_and_a_bad_setting_names_the_variable(
    plant: Plant, stop_alert: int, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KILNGUARD_ALERT_ACK_ROLES", "safety_officer")
    with pytest.raises(PermissionDenied) as refused:
        al.acknowledge(db, plant.users["mgr_a"], stop_alert, "seen")
    assert "safety officer of the enterprise" in refused.value.message
    monkeypatch.setenv("KILNGUARD_ALERT_ACK_ROLES", "manager, operator")
    assert al.acknowledge(db, plant.users["op_a"], stop_alert, "stopped").acknowledged_by
    for bad in ("regulator", "boss", " , "):
        monkeypatch.setenv("KILNGUARD_ALERT_ACK_ROLES", bad)
        with pytest.raises(ValidationError) as wrong:
            al.ack_roles()
        assert wrong.value.field == "KILNGUARD_ALERT_ACK_ROLES"
        assert "safety_officer" in wrong.value.message
