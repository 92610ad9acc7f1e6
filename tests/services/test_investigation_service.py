"""Investigation services: timelines from the demo records, rates, anonymous reports,
bulletins, escalation and tenancy (issue 6)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session

from kilnguard.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from kilnguard.domain.roles import Role
from kilnguard.services import investigation as inv
from kilnguard.services import records as rec
from kilnguard.services.access import SYSTEM, Principal
from kilnguard.services.auth import create_user
from kilnguard.store import db as store_db
from kilnguard.store import models as m
from kilnguard.store.investigation_models import (
    BulletinRecipient,
    CorrectiveActionRow,
    FindingRow,
    IncidentExtra,
    Investigation,
    TimelineRow,
)
from kilnguard.store.models import Base
from tests.conftest import PASSWORD, Plant

KST = ZoneInfo("Asia/Pyongyang")


@pytest.fixture(scope="module")
def demo(fresh_database_url: Callable[[], str]) -> Iterator[Engine]:
    from tests.conftest import build_demo_database

    url = fresh_database_url()
    build_demo_database(url)
    engine = store_db.make_engine(url)
    yield engine
    engine.dispose()


def _user(s: Session, name: str) -> Principal:
    u = s.scalars(select(m.User).where(m.User.username == name)).one()
    return Principal.of(u)


def _incident(s: Session, kiln: str) -> int:
    kiln_id = s.scalars(select(m.Kiln.id).where(m.Kiln.name == kiln)).one()
    return s.scalars(select(m.Incident.id).where(m.Incident.kiln_id == kiln_id)).one()


def _view(s: Session, kiln: str) -> dict[str, object]:
    who = _user(s, "investigator")
    found = inv.investigation_for_incident(s, who, _incident(s, kiln))
    assert found is not None
    return inv.investigation_view(s, who, found.id)


def _timeline(s: Session, kiln: str) -> list[dict[str, object]]:
    return _view(s, kiln)["timeline"]  # type: ignore[return-value]


def _local_day(iso: object) -> dt.date:
    return dt.datetime.fromisoformat(str(iso)).astimezone(KST).date()


# ------------------------------------------------------------------------ Komusan timeline
def test_komusan_timeline_contains_the_additional_target_of_4_october(ds: Session) -> None:
    targets = [t for t in _timeline(ds, "RF-2") if t["kind"] == "target"]
    [added] = [t for t in targets if "ADDITIONAL" in str(t["summary"])]
    assert _local_day(added["at"]) == dt.date(2021, 10, 4)
    assert added["facts"]["quantity_t"] == 20_000.0  # type: ignore[index]
    assert added["facts"]["set_from_outside_plant"] is True  # type: ignore[index]
    assert added["source"] == "reconstructed"


def test_komusan_timeline_lists_every_deferred_repair_with_reason_and_who(ds: Session) -> None:
    deferred = [t for t in _timeline(ds, "RF-2") if t["kind"] == "maintenance_deferred"]
    assert len(deferred) == 6  # 2 inspections × 2 deferrals + relining × 2
    for t in deferred:
        facts = t["facts"]
        assert "additional production target" in facts["reason"]  # type: ignore[index]
        assert facts["by"] in ("Chief engineer", "Factory manager")  # type: ignore[index]
    assert any("relining" in str(t["summary"]).lower() for t in deferred)


def test_komusan_timeline_shows_the_continuous_12_hour_rosters_with_fatigue(ds: Session) -> None:
    shifts = [t for t in _timeline(ds, "RF-2") if t["kind"] == "shift"]
    push = [t for t in shifts if _local_day(t["at"]) >= dt.date(2021, 10, 6)]
    assert push and all(t["facts"]["duration_h"] == 12.0 for t in push)  # type: ignore[index]
    last = push[-1]["facts"]
    assert last["fatigue_model"] == inv.FATIGUE_MODEL  # type: ignore[index]
    assert 1.0 <= float(last["fatigue_score"]) <= 9.0  # type: ignore[index]
    # seven weeks of shifts without a 24-h break by the day of the explosion
    assert "consecutive shifts without a 24-h break" in str(last["fatigue_label"])  # type: ignore[index]
    run = int(str(last["fatigue_label"]).split(";")[1].split()[0])  # type: ignore[index]
    assert run >= 40


def test_komusan_timeline_has_days_above_rating_and_ends_with_the_casualties(ds: Session) -> None:
    tl = _timeline(ds, "RF-2")
    above = [t for t in tl if t["kind"] == "production" and t["facts"]["above_rating"]]  # type: ignore[index]
    assert len(above) >= 45
    assert max(float(t["facts"]["load_ratio"]) for t in above) > 2.5  # type: ignore[index]
    assert tl[-1]["kind"] == "incident"
    facts = tl[-1]["facts"]
    assert (facts["killed"], facts["seriously_injured"]) == (2, 6)  # type: ignore[index]
    assert _local_day(tl[-1]["at"]) == dt.date(2021, 11, 24)


def test_chongjin_timeline_has_casualties_objection_overrule_and_skipped_pilot(ds: Session) -> None:
    tl = _timeline(ds, "TK-1")
    facts = tl[-1]["facts"]
    assert (facts["seriously_injured"], facts["minor_injuries"]) == (2, 5)  # type: ignore[index]
    kinds = {t["kind"] for t in tl}
    assert {"objection", "overrule"} <= kinds
    assert any("pilot" in str(t["summary"]) for t in tl if t["kind"] == "overrule")


def test_demo_cast_analysis_reaches_every_level_for_both_accidents(ds: Session) -> None:
    for kiln in ("RF-2", "TK-1"):
        view = _view(ds, kiln)
        controllers = view["controllers"]
        assert [c["level"] for c in controllers] == [1, 2, 3, 4, 5]  # type: ignore[union-attr,index]
        assert all(c["unsafe_control_actions"] for c in controllers)  # type: ignore[union-attr,index]
        assert not [g for g in view["cast_gaps"] if "no analysis" in g]  # type: ignore[union-attr]
        assert view["findings"] and all(f["author"] == "investigator" for f in view["findings"])  # type: ignore[union-attr,index]
    chongjin = _view(ds, "TK-1")
    assert any("blame" in f["text"] for f in chongjin["findings"])  # type: ignore[union-attr,index]


def test_timeline_entries_are_read_only(ds: Session) -> None:
    row = ds.scalars(select(TimelineRow).limit(1)).one()
    row.summary = "edited"
    with pytest.raises(Conflict):
        ds.flush()


def test_findings_are_attributed_to_the_user_who_adds_them(ds: Session) -> None:
    who = _user(ds, "safety")
    found = inv.investigation_for_incident(ds, who, _incident(ds, "RF-2"))
    assert found is not None
    f = inv.add_finding(ds, who, found.id, "The deferral log was never reviewed.")
    assert f.author == "safety"
    warned = inv.add_finding(ds, who, found.id, "The crew should have stopped the kiln.")
    assert warned.hindsight_warnings == ["should have"]


def test_opening_a_second_investigation_on_the_same_incident_is_refused(ds: Session) -> None:
    with pytest.raises(Conflict):
        inv.open_investigation(ds, _user(ds, "investigator"), _incident(ds, "RF-2"))


def test_other_enterprises_get_not_found_on_every_investigation_service(ds: Session) -> None:
    outsider = _user(ds, "kyongsong-manager")
    incident = _incident(ds, "RF-2")
    found = ds.scalars(select(Investigation).where(Investigation.incident_id == incident)).one()
    for call in (
        lambda: inv.get_incident(ds, outsider, incident),
        lambda: inv.open_investigation(ds, outsider, incident),
        lambda: inv.investigation_view(ds, outsider, found.id),
        lambda: inv.add_finding(ds, outsider, found.id, "x"),
        lambda: inv.add_evidence(ds, outsider, found.id, "x"),
        lambda: inv.add_interview(ds, outsider, found.id, "x", "y"),
        lambda: inv.analyse_controller(ds, outsider, found.id, "crew", context=["x"]),
        lambda: inv.set_incident_extras(ds, outsider, incident, people_involved=["x"]),
    ):
        with pytest.raises(NotFound):
            call()
    assert all(
        i["enterprise"] == "Kyongsong Refractory Works" for i in inv.list_incidents(ds, outsider)
    )
    assert inv.list_investigations(ds, outsider) == []


def test_regulators_read_investigations_of_their_region_but_do_not_change_them(
    ds: Session,
) -> None:
    reg = _user(ds, "regulator")
    found = inv.investigation_for_incident(ds, reg, _incident(ds, "RF-2"))
    assert found is not None
    assert inv.investigation_view(ds, reg, found.id)["timeline"]
    with pytest.raises(PermissionDenied):
        inv.add_finding(ds, reg, found.id, "x")


def _rf2_action_due_1_jan_2022(ds: Session, who: Principal) -> tuple[int, CorrectiveActionRow]:
    """The RF-2 investigation's id and a new corrective action on it, due 2022-01-01."""
    found = inv.investigation_for_incident(ds, who, _incident(ds, "RF-2"))
    assert found is not None
    action = inv.add_recommendation(
        ds,
        who,
        found.id,
        controller_key="section",
        text="Weekly shell scan",
        owner="Section head",
        due_on=dt.date(2022, 1, 1),
    )
    return found.id, action


def test_overdue_corrective_actions_escalate_up_the_ladder(ds: Session) -> None:
    who = _user(ds, "investigator")
    investigation_id, a = _rf2_action_due_1_jan_2022(ds, who)
    assert inv.action_escalation_level(a, dt.date(2022, 1, 1)) == 0
    changed = inv.escalate_actions(ds, who, dt.date(2022, 1, 9), investigation_id=investigation_id)
    assert a in changed and a.escalation_level == 2  # manager told after a week
    inv.set_action_status(ds, who, a.id, "done", on=dt.date(2022, 1, 10))
    assert inv.action_escalation_level(a, dt.date(2022, 3, 1)) == 0


def test_only_investigators_escalate_actions_and_never_as_of_a_future_day(ds: Session) -> None:
    """An escalation is permanent: a technician may not trigger it, nor anyone as of 2099."""
    who = _user(ds, "investigator")
    investigation_id, a = _rf2_action_due_1_jan_2022(ds, who)
    with pytest.raises(PermissionDenied):
        inv.escalate_actions(ds, _user(ds, "technician"), dt.date(2022, 1, 9))
    with pytest.raises(PermissionDenied):
        inv.escalate_actions(ds, _user(ds, "regulator"), dt.date(2022, 1, 9))
    with pytest.raises(ValidationError) as err:
        inv.escalate_actions(ds, who, dt.date(2099, 1, 1), investigation_id=investigation_id)
    assert err.value.field == "as_of"
    assert a.escalation_level == 0
    chongjin_manager = _user(ds, "chongjin-manager")
    changed = inv.escalate_actions(ds, chongjin_manager, dt.date(2022, 1, 9))
    assert a not in changed and a.escalation_level == 0  # Komusan's action is not theirs
    assert {c.enterprise_id for c in changed} <= chongjin_manager.enterprise_ids


def test_demo_bulletin_reaches_the_other_enterprises_and_tracks_acknowledgement(
    ds: Session,
) -> None:
    [b] = inv.list_bulletins(ds, _user(ds, "regulator"), as_of=dt.date(2021, 12, 20))
    by_name = {r["enterprise"]: r for r in b["recipients"]}
    assert set(by_name) == {"Chongjin Chemical and Textile Factory", "Kyongsong Refractory Works"}
    assert by_name["Kyongsong Refractory Works"]["acknowledged_by"] == "kyongsong-manager"
    assert by_name["Kyongsong Refractory Works"]["checked"]
    chongjin = by_name["Chongjin Chemical and Textile Factory"]
    assert not chongjin["acknowledged"] and chongjin["reminders_sent"] == 1
    assert chongjin["escalation_level"] == 2
    assert b["not_acknowledged"] == ["Chongjin Chemical and Textile Factory"]


# ----------------------------------------------------------------- on the small test plant
def test_rates_use_hours_from_the_shift_records(plant: Plant) -> None:
    with store_db.unit_of_work(plant.engine) as s:
        rec.create_incident(
            s,
            SYSTEM,
            rec.IncidentIn(
                enterprise_id=plant.ent_a,
                kiln_id=plant.kilns_a[0],
                occurred_at=dt.datetime(2021, 9, 10, 4, tzinfo=dt.UTC),
                event_type="burn",
                seriously_injured=1,
                minor_injuries=1,
                days_lost=12,
            ),
        )
    with store_db.unit_of_work(plant.engine) as s:
        rows = inv.rates(s, plant.users["mgr_a"])
    hours = 2 * 3 * 12 * 8.0  # 2 crews × 3 workers × 12 days (a day off in seven) × 8 h
    [total] = [r for r in rows if r.name == "A Cement" and r.period == "all"]
    [sept] = [r for r in rows if r.name == "A Cement" and r.period == "2021-09"]
    assert total.hours_worked_h == hours and sept.hours_worked_h == hours
    assert total.recordable_cases == 2 and total.lost_time_injuries == 1
    assert total.near_misses == 1
    assert total.trir_per_200k_h == pytest.approx(round(2 * 200_000 / hours, 4))
    assert total.ltifr_per_200k_h == pytest.approx(round(200_000 / hours, 4))
    assert total.fatality_rate_per_200k_h == 0.0 and total.noisy
    assert {r.name for r in rows} == {"A Cement"}  # no other enterprise, no region rows
    # the headline LTIFR is per 10⁶ h: five times the per-200 000 h figure
    assert total.ltifr_per_1m_h == pytest.approx(round(1_000_000 / hours, 4))
    assert total.days_lost == 12
    assert total.severity_rate_per_200k_h == pytest.approx(round(12 * 200_000 / hours, 4))
    # ILO incidence: 2 injured of the 6 people with a shift (2 crews × 3 workers) per 1 000
    assert (total.workers, total.injury_cases) == (6, 2)
    assert total.incidence_per_1000_workers == pytest.approx(2 * 1000 / 6, abs=1e-4)


def test_regulators_get_region_rates(plant: Plant) -> None:
    with store_db.unit_of_work(plant.engine) as s:
        rows = inv.rates(s, plant.users["reg"])
    [region] = [r for r in rows if r.scope == "region" and r.period == "all"]
    assert region.name == "North Hamgyong"
    assert region.hours_worked_h == 2 * 2 * 3 * 12 * 8.0
    assert "C Lime" not in {r.name for r in rows}


def test_anonymous_reports_leave_no_identity_anywhere(plant: Plant) -> None:
    with store_db.unit_of_work(plant.engine) as s:
        row = inv.file_anonymous_report(
            s,
            plant.users["op_a"],
            enterprise_id=plant.ent_a,
            event_type="unsafe_condition",
            description="Shell hot spot on K-1 has been growing for a week.",
            occurred_on=dt.date(2021, 9, 12),
            received_on=dt.date(2021, 9, 13),
        )
        incident_id = row.id
    with store_db.unit_of_work(plant.engine) as s:
        extra = s.scalars(
            select(IncidentExtra).where(IncidentExtra.incident_id == incident_id)
        ).one()
        assert extra.anonymous
        entries = s.scalars(
            select(m.AuditEntry).where(m.AuditEntry.action == "report_anonymously")
        ).all()
        assert len(entries) == 2
        for e in entries:
            assert e.actor == "anonymous"
            assert e.at == dt.datetime(2021, 9, 13, tzinfo=dt.UTC)  # the day, not the instant
            assert "op_a" not in e.payload and str(plant.users["op_a"].user_id) not in json.loads(
                e.payload
            ).get("reported_by", "")
        assert inv.get_incident(s, plant.users["mgr_a"], incident_id)["anonymous"] is True
    # no column in any table could hold a reporter
    for table in Base.metadata.tables.values():
        for col in table.columns:
            assert "report" not in col.name, f"{table.name}.{col.name}"
    cols = inspect(plant.engine).get_columns("incident_extras")
    assert not [c for c in cols if "by" in c["name"] or "user" in c["name"]]


def test_anonymous_reports_only_on_enterprises_you_may_read(plant: Plant) -> None:
    with store_db.unit_of_work(plant.engine) as s, pytest.raises(NotFound):
        inv.file_anonymous_report(
            s,
            plant.users["op_a"],
            enterprise_id=plant.ent_b,
            event_type="near_miss",
            description="x",
            occurred_on=dt.date(2021, 9, 12),
            received_on=dt.date(2021, 9, 13),
        )


def _open_on_a(plant: Plant) -> int:
    with store_db.unit_of_work(plant.engine) as s:
        incident = s.scalars(
            select(m.Incident.id).where(m.Incident.enterprise_id == plant.ent_a)
        ).one()
        i = inv.open_investigation(s, plant.users["safety_a"], incident, window_days=30)
        return i.id


def test_opening_an_investigation_assembles_the_timeline_and_audits_it(plant: Plant) -> None:
    inv_id = _open_on_a(plant)
    with store_db.unit_of_work(plant.engine) as s:
        view = inv.investigation_view(s, plant.users["safety_a"], inv_id)
        kinds = [t["kind"] for t in view["timeline"]]
        assert kinds[-1] == "incident" and "production" in kinds and "shift" in kinds
        assert "target" in kinds  # entered 1 Sep, within 30 days of the 5 Sep near miss
        assert view["investigation"]["opened_by"] == "safety_a"
        actions = set(
            s.scalars(select(m.AuditEntry.action).where(m.AuditEntry.entity == "investigation"))
        )
        assert {"open", "assemble_timeline"} <= actions


def test_risk_and_alert_facts_are_empty_without_the_risk_tables(plant: Plant) -> None:
    with store_db.unit_of_work(plant.engine) as s:
        names = inspect(s.connection()).get_table_names()
        facts = inv.risk_and_alert_facts(
            s, plant.kilns_a, dt.date(2021, 9, 1), dt.date(2021, 9, 30)
        )
    if not any("risk" in n or "alert" in n for n in names):
        assert facts == []
    else:  # the risk engine's tables are present: only facts of the asked kilns
        assert all(f.kiln_id.startswith("K-") for f in facts)


def _manager_b(plant: Plant) -> Principal:
    with store_db.unit_of_work(plant.engine) as s:
        u = create_user(
            s,
            SYSTEM,
            username="mgr_b",
            password=PASSWORD,
            role=Role.MANAGER.value,
            enterprise_ids=[plant.ent_b],
        )
        return Principal.of(u)


def test_bulletins_acknowledgements_and_escalation(plant: Plant) -> None:
    mgr_b = _manager_b(plant)
    issued = dt.datetime(2021, 9, 6, 9, tzinfo=dt.UTC)
    with store_db.unit_of_work(plant.engine) as s:
        incident = s.scalars(
            select(m.Incident.id).where(m.Incident.enterprise_id == plant.ent_a)
        ).one()
        with pytest.raises(PermissionDenied):
            inv.send_bulletin(s, plant.users["mgr_a"], incident_id=incident, title="t", summary="s")
        with pytest.raises(NotFound):
            inv.send_bulletin(
                s, plant.users["reg_other"], incident_id=incident, title="t", summary="s"
            )
        b = inv.send_bulletin(
            s,
            plant.users["reg"],
            incident_id=incident,
            title="Hot spot near miss",
            summary="Shell hot spot found on K-1",
            required_checks=["Scan every shell"],
            tiers=[1, 2],
            acknowledge_within_days=7,
            at=issued,
        )
        b_id = b.id
    with store_db.unit_of_work(plant.engine) as s:
        view = inv.bulletin_view(s, plant.users["reg"], b_id, as_of=dt.date(2021, 9, 10))
        assert [r["enterprise"] for r in view["recipients"]] == ["B Refractory"]
        assert view["not_acknowledged"] == ["B Refractory"]
        with pytest.raises(NotFound):
            inv.bulletin_view(s, plant.users["reg_other"], b_id)
        assert inv.escalate_bulletins(s, plant.users["reg"], dt.date(2021, 9, 13)) == []
        [r] = inv.escalate_bulletins(s, plant.users["reg"], dt.date(2021, 9, 21))
        assert r.reminders_sent == 1 and r.escalation_level == 2
        assert inv.escalate_bulletins(s, plant.users["reg"], dt.date(2021, 9, 21)) == []
        [r] = inv.escalate_bulletins(s, plant.users["reg"], dt.date(2021, 9, 28))
        assert r.reminders_sent == 2 and r.escalation_level == 3
    with store_db.unit_of_work(plant.engine) as s:
        with pytest.raises(PermissionDenied):
            inv.acknowledge_bulletin(s, plant.users["op_b"], b_id, checked="x")
        r = inv.acknowledge_bulletin(s, mgr_b, b_id, checked="All shells scanned: no hot spot.")
        assert r.acknowledged_by == "mgr_b"
    with store_db.unit_of_work(plant.engine) as s, pytest.raises(Conflict):
        inv.acknowledge_bulletin(s, mgr_b, b_id, checked="again")
    with store_db.unit_of_work(plant.engine) as s:
        view = inv.bulletin_view(s, mgr_b, b_id, as_of=dt.date(2021, 10, 30))
        assert view["not_acknowledged"] == []
        assert view["recipients"][0]["checked"] == "All shells scanned: no hot spot."
        assert inv.escalate_bulletins(s, plant.users["reg"], dt.date(2021, 10, 30)) == []
        rows = s.scalars(select(BulletinRecipient)).all()
        assert len(rows) == 1
        audit = set(
            s.scalars(select(m.AuditEntry.action).where(m.AuditEntry.entity.like("bulletin%")))
        )
        assert {"send", "address", "remind", "acknowledge"} <= audit


def test_findings_table_keeps_author_and_time(plant: Plant) -> None:
    inv_id = _open_on_a(plant)
    at = dt.datetime(2021, 9, 7, 8, tzinfo=dt.UTC)
    with store_db.unit_of_work(plant.engine) as s:
        inv.add_finding(s, plant.users["safety_a"], inv_id, "Hot spot seen twice before.", at=at)
    with store_db.unit_of_work(plant.engine) as s:
        f = s.scalars(select(FindingRow)).one()
        assert (f.author, f.at) == ("safety_a", at)


def test_chongjin_change_entries_come_from_change_control_on_the_named_kiln(ds: Session) -> None:
    """The timeline reads change control through its typed view (no reflection): entries name
    the kiln, the overrules say the regulator was told, headcounts carry the zone's maximum."""
    changes = [
        t
        for t in _timeline(ds, "TK-1")
        if t["kind"] in ("change", "objection", "overrule", "zone_headcount", "firing")
    ]
    assert changes and all(t["kiln"] == "TK-1" for t in changes)
    overrules = [t for t in changes if t["kind"] == "overrule"]
    assert overrules and all("(regulator notified)" in str(t["summary"]) for t in overrules)
    zone = [t for t in changes if t["kind"] == "zone_headcount"]
    counts = [t for t in zone if "max_headcount" in t["facts"]]  # type: ignore[operator]
    assert counts and all(t["facts"]["max_headcount"] == 3 for t in counts)  # type: ignore[index]
    refused = [t for t in zone if t["facts"].get("outcome") == "refused"]  # type: ignore[union-attr]
    assert len(refused) >= 7, "the onlookers turned away at the firing stay on the record"
    assert all("refused entry to the hazard zone" in str(t["summary"]) for t in refused)
