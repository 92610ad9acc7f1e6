"""Alerts: raise on a rise, deduplicate while the level stays, supersede on a further rise,
close on green with the history kept; acknowledgement by a named user of the enterprise with a
comment; escalation to managers then regulators at the configured delays; the demo story."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kilnguard.domain import risk as rk
from kilnguard.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from kilnguard.services import alerts as al
from kilnguard.services import records as svc
from kilnguard.services import risk as rs
from kilnguard.services.access import SYSTEM
from kilnguard.services.risk import levels as stored
from kilnguard.store import models as m
from kilnguard.store.alert_models import AlertEscalationRow, AlertRow
from kilnguard.store.db import session_factory, unit_of_work
from tests.conftest import Plant

START = dt.date(2021, 9, 1)
LAST = dt.date(2021, 9, 14)
KST = ZoneInfo("Asia/Pyongyang")
CFG = al.AlertConfig(escalate_managers_h=4, escalate_regulators_h=24)
G, A, R, S = rk.GREEN, rk.AMBER, rk.RED, rk.STOP


def scripted(
    monkeypatch: pytest.MonkeyPatch, plant: Plant, kiln_id: int, levels: Sequence[int]
) -> None:
    """The real replay, with one kiln's levels replaced by `levels` (day by day from 1 Sep,
    the last one held) and every other kiln green, and the stored levels rebuilt from it: the
    alert rules under test see exactly this sequence."""
    real = rs.replay

    def fake(history: rs.LoadedHistory, config: rk.RiskConfig | None = None) -> rk.RiskResult:
        result = real(history, config)
        result.levels[:, :] = G
        if kiln_id not in {k.id for k in history.kiln_rows}:
            return result
        i = history.kiln_index(kiln_id)
        n = min(len(levels), result.levels.shape[1])
        result.levels[i, :] = levels[-1]  # the last level holds to the end
        result.levels[i, :n] = levels[:n]
        return result

    monkeypatch.setattr(rs, "replay", fake)
    monkeypatch.setattr(stored, "replay", fake)
    with unit_of_work(plant.engine, write=True) as s:
        stored.rebuild(s)


@pytest.fixture
def db(plant: Plant) -> Iterator[Session]:
    s = session_factory(plant.engine)()
    try:
        yield s
    finally:
        s.rollback()
        s.close()


def rows(s: Session, kiln_id: int) -> list[AlertRow]:
    return list(
        s.scalars(select(AlertRow).where(AlertRow.kiln_id == kiln_id).order_by(AlertRow.id))
    )


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def end_of(n: int) -> dt.datetime:
    return dt.datetime.combine(day(n + 1), dt.time(0), tzinfo=KST).astimezone(dt.UTC)


# ------------------------------------------------------------------------ raise / close
def test_an_alert_is_raised_when_the_level_rises_and_carries_the_explanation(
    plant: Plant, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    kiln = plant.kilns_b[0]
    scripted(monkeypatch, plant, kiln, [G, G, A, A, A, A])
    report = al.evaluate(db, SYSTEM, LAST)
    [a] = rows(db, kiln)
    assert report.raised == [a]
    assert (a.level, a.raised_on, a.raised_at) == ("amber", day(2), end_of(2))
    assert a.explanation.startswith(f"AMBER: K-1 on {day(2)}")  # the engine's own words
    assert a.summary and a.closed_at is None and a.acknowledged_at is None
    assert a.enterprise_id == plant.ent_b


def test_no_second_alert_while_the_level_stays_or_wavers_below_the_open_alert(
    plant: Plant, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    kiln = plant.kilns_b[0]
    scripted(monkeypatch, plant, kiln, [A, A, A, R, R, A, R, R, A, A])
    al.evaluate(db, SYSTEM, LAST)
    assert [(a.level, a.raised_on) for a in rows(db, kiln)] == [("amber", day(0)), ("red", day(3))]
    again = al.evaluate(db, SYSTEM, LAST)  # idempotent: nothing new on a second run
    assert again.raised == [] and again.closed == []
    assert len(rows(db, kiln)) == 2


def test_a_further_rise_raises_a_new_alert_and_closes_the_previous_as_superseded(
    plant: Plant, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    kiln = plant.kilns_b[0]
    scripted(monkeypatch, plant, kiln, [G, A, R, S, S])
    al.evaluate(db, SYSTEM, LAST)
    amber, red, stop = rows(db, kiln)
    assert (amber.level, red.level, stop.level) == ("amber", "red", "stop")
    assert amber.closed_on == day(2) and amber.closed_reason.startswith("superseded by alert")
    assert red.closed_on == day(3) and f"alert {stop.id} (stop)" in red.closed_reason
    assert stop.closed_at is None


def test_the_open_alert_closes_when_the_level_falls_to_green_and_the_history_is_kept(
    plant: Plant, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    kiln = plant.kilns_b[0]
    scripted(monkeypatch, plant, kiln, [A, R, A, G, G, A, G])
    al.evaluate(db, SYSTEM, LAST)
    amber, red, amber2 = rows(db, kiln)
    assert red.closed_on == day(3) and red.closed_reason == "level fell to green"
    assert red.closed_at == end_of(3)
    assert (amber2.raised_on, amber2.closed_on) == (day(5), day(6))
    assert amber.closed_reason.startswith("superseded")
    assert al.list_alerts(db, SYSTEM, state="open") == []
    assert len(al.list_alerts(db, SYSTEM, state="all")) == 3
    actions = db.scalars(
        select(m.AuditEntry.action).where(m.AuditEntry.entity == "alert").order_by(m.AuditEntry.seq)
    ).all()
    assert actions.count("raise") == 3 and actions.count("close") == 3


def test_evaluating_day_by_day_gives_the_same_alerts_as_one_evaluation(
    plant: Plant, monkeypatch: pytest.MonkeyPatch
) -> None:
    kiln = plant.kilns_b[0]
    scripted(monkeypatch, plant, kiln, [G, A, A, R, G, A, S, S, R, G, A, A, G, R])

    def run(days: list[dt.date]) -> list[tuple[str, dt.date, dt.date | None, str]]:
        s = session_factory(plant.engine)()
        try:
            for d in days:
                al.evaluate(s, SYSTEM, d)
            return [
                (a.level, a.raised_on, a.closed_on, a.closed_reason[:10]) for a in rows(s, kiln)
            ]
        finally:
            s.rollback()
            s.close()

    assert run([day(n) for n in range(14)]) == run([LAST])


def test_the_real_engine_raises_an_alert_when_a_kiln_is_overloaded(
    plant: Plant, db: Session
) -> None:
    assert al.evaluate(db, SYSTEM, LAST).raised == []  # the plant runs at 90 % of rating
    kiln = plant.kilns_b[1]
    svc.record_production(
        db,
        SYSTEM,
        [
            svc.ProductionIn(
                kiln_id=kiln,
                day=LAST + dt.timedelta(days=d),
                shift_no=1,
                output_t=120.0,
                hours_fired=24.0,
                confirm_reason="pushed for the deadline, on the manager's order",
            )
            for d in (1, 2, 3)
        ],
    )
    al.evaluate(db, SYSTEM, LAST + dt.timedelta(days=3))
    raised = rows(db, kiln)
    assert raised and raised[0].raised_on == LAST + dt.timedelta(days=1)
    assert raised[-1].level in ("red", "stop")
    assert "3.0× rating" in raised[-1].explanation


# --------------------------------------------------------------------------- acknowledge
@pytest.fixture
def red_alert(plant: Plant, db: Session, monkeypatch: pytest.MonkeyPatch) -> AlertRow:
    """One red alert on enterprise A's first kiln, raised at the end of 3 Sep (KST)."""
    scripted(monkeypatch, plant, plant.kilns_a[0], [G, G, R, R, R, R, R, R, R, R, R, R, R, R])
    al.evaluate(db, SYSTEM, LAST)
    [a] = rows(db, plant.kilns_a[0])
    return a


def test_acknowledging_needs_a_comment_and_is_audited(
    plant: Plant, db: Session, red_alert: AlertRow
) -> None:
    mgr = plant.users["mgr_a"]
    for blank in ("", "   "):
        with pytest.raises(ValidationError, match="comment"):
            al.acknowledge(db, mgr, red_alert.id, blank)
    at = red_alert.raised_at + dt.timedelta(minutes=30)
    al.acknowledge(db, mgr, red_alert.id, "  Load cut to rating; inspection today.  ", at=at)
    assert (red_alert.acknowledged_by, red_alert.acknowledged_at) == ("mgr_a", at)
    assert red_alert.ack_comment == "Load cut to rating; inspection today."
    entry = db.scalars(select(m.AuditEntry).where(m.AuditEntry.action == "acknowledge")).one()
    assert entry.actor == "mgr_a" and entry.entity_id == str(red_alert.id)
    with pytest.raises(Conflict, match="already acknowledged by mgr_a"):
        al.acknowledge(db, plant.users["op_a"], red_alert.id, "me too")


def test_only_a_named_user_of_that_enterprise_may_acknowledge(
    plant: Plant, db: Session, red_alert: AlertRow
) -> None:
    with pytest.raises(NotFound):
        al.acknowledge(db, plant.users["op_b"], red_alert.id, "not my plant")
    with pytest.raises(NotFound):
        al.acknowledge(db, plant.users["reg_other"], red_alert.id, "not my region")
    with pytest.raises(PermissionDenied, match="named user of the kiln's enterprise"):
        al.acknowledge(db, plant.users["reg"], red_alert.id, "regulators read only")
    with pytest.raises(PermissionDenied):
        al.acknowledge(db, SYSTEM, red_alert.id, "a system job is nobody")
    with pytest.raises(PermissionDenied, match="manager or safety officer"):
        al.acknowledge(db, plant.users["op_a"], red_alert.id, "operator on shift has seen it")
    al.acknowledge(db, plant.users["safety_a"], red_alert.id, "safety officer has seen it")
    assert red_alert.acknowledged_by == "safety_a"


# ------------------------------------------------------------------------------ escalate
def test_escalation_goes_to_managers_at_4_h_then_regulators_at_24_h(
    plant: Plant, db: Session, red_alert: AlertRow
) -> None:
    t0 = red_alert.raised_at
    second = dt.timedelta(seconds=1)
    assert al.escalate(db, t0 + dt.timedelta(hours=4) - second, CFG) == []
    [e1] = al.escalate(db, t0 + dt.timedelta(hours=4), CFG)
    assert (e1.level, e1.at, e1.notified_role, e1.notified) == (
        1,
        t0 + dt.timedelta(hours=4),
        "manager",
        "mgr_a",
    )
    assert red_alert.escalation_level == 1
    assert al.escalate(db, t0 + dt.timedelta(hours=24) - second, CFG) == []
    [e2] = al.escalate(db, t0 + dt.timedelta(hours=24), CFG)
    assert (e2.level, e2.notified_role, e2.notified) == (2, "regulator", "reg")  # not reg_other
    assert (red_alert.escalation_level, red_alert.escalated_at) == (2, t0 + dt.timedelta(hours=24))
    assert al.escalate(db, t0 + dt.timedelta(days=30), CFG) == []
    steps = db.scalars(select(AlertEscalationRow).order_by(AlertEscalationRow.level)).all()
    assert [s.level for s in steps] == [1, 2]


def test_a_late_escalation_run_records_when_each_step_fell_due(
    plant: Plant, db: Session, red_alert: AlertRow
) -> None:
    t0 = red_alert.raised_at
    made = al.escalate(db, t0 + dt.timedelta(days=3), CFG)
    assert [(e.level, e.at - t0) for e in made] == [
        (1, dt.timedelta(hours=4)),
        (2, dt.timedelta(hours=24)),
    ]


def test_acknowledgement_before_a_step_falls_due_stops_the_escalation(
    plant: Plant, db: Session, red_alert: AlertRow
) -> None:
    t0 = red_alert.raised_at
    al.acknowledge(db, plant.users["mgr_a"], red_alert.id, "on it", at=t0 + dt.timedelta(hours=4))
    assert al.escalate(db, t0 + dt.timedelta(days=2), CFG) == []  # acknowledged at the due time


def test_acknowledged_after_the_managers_the_regulators_are_not_called(
    plant: Plant, db: Session, red_alert: AlertRow
) -> None:
    t0 = red_alert.raised_at
    al.acknowledge(
        db, plant.users["mgr_a"], red_alert.id, "late, but on it", at=t0 + dt.timedelta(hours=5)
    )
    made = al.escalate(db, t0 + dt.timedelta(days=2), CFG)
    assert [e.level for e in made] == [1]


def test_amber_alerts_and_alerts_closed_in_time_do_not_escalate(
    plant: Plant, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    scripted(monkeypatch, plant, plant.kilns_a[0], [A, A, A, A, R, G, G])
    al.evaluate(db, SYSTEM, LAST)
    amber, red = rows(db, plant.kilns_a[0])
    assert red.closed_at == red.raised_at + dt.timedelta(days=1)
    made = al.escalate(db, red.raised_at + dt.timedelta(days=10), CFG)
    assert [e.level for e in made] == [1]  # managers at 4 h; closed before the 24 h step
    assert amber.escalation_level == 0


def test_escalation_delays_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert al.AlertConfig.from_env() == al.AlertConfig(4.0, 24.0)
    monkeypatch.setenv("KILNGUARD_ALERT_ESCALATE_MANAGERS_H", "2")
    monkeypatch.setenv("KILNGUARD_ALERT_ESCALATE_REGULATORS_H", "12.5")
    assert al.AlertConfig.from_env() == al.AlertConfig(2.0, 12.5)
    monkeypatch.setenv("KILNGUARD_ALERT_ESCALATE_REGULATORS_H", "1")
    with pytest.raises(ValidationError, match="REGULATORS_H"):
        al.AlertConfig.from_env()
    monkeypatch.setenv("KILNGUARD_ALERT_ESCALATE_MANAGERS_H", "soon")
    with pytest.raises(ValidationError, match="number of hours"):
        al.AlertConfig.from_env()


# ---------------------------------------------------------------------------------- demo
BOOM = dt.datetime(2021, 11, 24, tzinfo=KST)


def _demo_alerts(engine: Engine, enterprise: str, kiln: str | None = None) -> list[dict]:  # type: ignore[type-arg]
    with unit_of_work(engine) as s:
        items = al.describe(s, al.list_alerts(s, SYSTEM, state="all", enterprise=enterprise))
    return [a for a in items if kiln is None or a["kiln"] == kiln]


def test_demo_komusan_rf2_alerts_went_unacknowledged_and_reached_the_regulator_before_the_explosion(
    demo_readonly_engine: Engine,
) -> None:
    rf2 = _demo_alerts(demo_readonly_engine, "Komusan", "RF-2")
    assert {a["level"] for a in rf2} >= {"red", "stop"}
    assert all(a["acknowledged_by"] is None for a in rf2)
    serious = [a for a in rf2 if a["level"] in ("red", "stop")]
    for a in serious:
        steps = {e["level"]: e for e in a["escalations"]}
        assert steps[1]["notified_role"] == "manager" and "manager" in steps[1]["notified"]
        assert steps[2]["notified_role"] == "regulator" and "regulator" in steps[2]["notified"]
        assert dt.datetime.fromisoformat(steps[2]["at"]) < BOOM
    first_red = min(serious, key=lambda a: a["raised_at"])
    assert dt.date.fromisoformat(first_red["raised_on"]) <= dt.date(2021, 11, 10)
    still_open = [a for a in rf2 if a["state"] == "open"]
    assert [a["level"] for a in still_open] == ["stop"]


def test_demo_chongjin_alerts_are_unacknowledged_and_the_control_plant_acknowledges(
    demo_readonly_engine: Engine,
) -> None:
    tk1 = _demo_alerts(demo_readonly_engine, "Chongjin", "TK-1")
    assert tk1 and all(a["acknowledged_by"] is None for a in tk1)
    assert any(a["level"] == "stop" and a["escalation_level"] == 2 for a in tk1)
    control = _demo_alerts(demo_readonly_engine, "Kyongsong")
    assert all(a["acknowledged_by"] == "kyongsong-manager" for a in control)
    assert all(a["escalation_level"] == 0 for a in control if a["level"] in ("red", "stop"))
