"""Investigation: timeline ordering and windowing, read-only facts, alerts and who saw them,
change records on the timeline, attributed findings, and the CAST structure (issue 6)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from kilnguard.domain.change import (
    Actor,
    ChangeAction,
    ChangeKind,
    ChangeRequest,
    HazardEntry,
    Role,
    ScaleStage,
    overrule_objection,
    raise_objection,
    record_headcount,
    transition,
)
from kilnguard.domain.errors import ValidationError
from kilnguard.domain.investigation import (
    DEFAULT_WINDOW_DAYS,
    ActionStatus,
    AlertRecord,
    Casualties,
    ControlLevel,
    Finding,
    Incident,
    MaintenanceRecord,
    MaintenanceStatus,
    ProductionDay,
    Recommendation,
    RiskLevelRecord,
    ShiftRecord,
    TargetEntered,
    TimelineEntry,
    TimelineKind,
    UcaType,
    UnsafeControlAction,
    analyse_controller,
    assemble_timeline,
    cast_gaps,
    days_above_rating,
    default_control_structure,
    hindsight_phrases,
    recommendation_to_action,
    unanalysed_levels,
)
from kilnguard.domain.plant import EventType

BLAST = datetime(2021, 11, 24, 14, 0, tzinfo=UTC)
KOMUSAN = Incident(
    id="INC-1",
    occurred_at=BLAST,
    enterprise_id="komusan-cement",
    kiln_id="rk-2",
    section_id="refractory",
    event_type=EventType.EXPLOSION,
    casualties=Casualties(killed=2, seriously_injured=6),
    reported_by="provincial-report",
)


def days_before(n: float) -> datetime:
    return BLAST - timedelta(days=n)


def test_the_timeline_is_sorted_by_time_and_ends_with_the_incident() -> None:
    entries = assemble_timeline(
        KOMUSAN,
        maintenance=[
            MaintenanceRecord(
                days_before(3), "rk-2", "relining", MaintenanceStatus.DEFERRED, "plan"
            )
        ],
        targets=[TargetEntered(days_before(40), "additional target, report by 17 Dec", "province")],
        shifts=[ShiftRecord("rk-2", "B", days_before(1), days_before(0.5), ("w1", "w2"))],
    )
    assert [e.kind for e in entries] == [
        TimelineKind.TARGET,
        TimelineKind.MAINTENANCE_DEFERRED,
        TimelineKind.SHIFT,
        TimelineKind.INCIDENT,
    ]
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    assert entries[-1].summary == (
        "Explosion: 2 killed, 6 seriously injured, 0 with minor injuries, 0 missing"
    )


def test_the_window_is_60_days_before_the_incident_by_default_and_excludes_later_records() -> None:
    def due(at: datetime) -> MaintenanceRecord:
        return MaintenanceRecord(at, "rk-2", "inspection", MaintenanceStatus.DUE)

    records = [
        due(days_before(61)),
        due(days_before(60)),  # exactly at the window start: kept
        due(days_before(59)),
        due(BLAST + timedelta(minutes=1)),  # after the incident: not what the system knew
    ]
    kept = [e.at for e in assemble_timeline(KOMUSAN, maintenance=records)][:-1]
    assert DEFAULT_WINDOW_DAYS == 60
    assert kept == [days_before(60), days_before(59)]
    short = assemble_timeline(KOMUSAN, maintenance=records, window_days=10)
    assert [e.kind for e in short] == [TimelineKind.INCIDENT]


def test_simultaneous_entries_have_a_stable_order_with_the_incident_last() -> None:
    same = [
        MaintenanceRecord(BLAST, "rk-2", "inspection", MaintenanceStatus.DONE),
        MaintenanceRecord(BLAST, "rk-1", "inspection", MaintenanceStatus.DUE),
    ]
    entries = assemble_timeline(KOMUSAN, maintenance=same)
    assert [(e.kind, e.kiln) for e in entries] == [
        (TimelineKind.MAINTENANCE_DUE, "rk-1"),
        (TimelineKind.MAINTENANCE_DONE, "rk-2"),
        (TimelineKind.INCIDENT, "rk-2"),
    ]
    assert entries == assemble_timeline(KOMUSAN, maintenance=list(reversed(same)))


def test_kiln_scope_keeps_the_chosen_kilns_and_plant_wide_records() -> None:
    records = [
        MaintenanceRecord(days_before(2), "rk-1", "inspection", MaintenanceStatus.DUE),
        MaintenanceRecord(days_before(2), "rk-2", "inspection", MaintenanceStatus.DUE),
    ]
    targets = [TargetEntered(days_before(5), "first-year plan target", "ministry")]
    entries = assemble_timeline(KOMUSAN, maintenance=records, targets=targets, kiln_ids={"rk-2"})
    assert [(e.kind, e.kiln) for e in entries] == [
        (TimelineKind.TARGET, None),
        (TimelineKind.MAINTENANCE_DUE, "rk-2"),
        (TimelineKind.INCIDENT, "rk-2"),
    ]


def test_production_entries_show_the_load_against_rating_and_keep_their_provenance() -> None:
    prod = [
        ProductionDay("rk-2", date(2021, 11, 20), 52.0, 20.0, source="reconstructed"),
        ProductionDay("rk-2", date(2021, 11, 21), 18.0, 20.0, source="reconstructed"),
    ]
    entries = assemble_timeline(KOMUSAN, production=prod)
    first = entries[0]
    assert first.at == datetime(2021, 11, 20, tzinfo=UTC)
    assert first.summary == "rk-2 produced 52.0 t against a rating of 20.0 t/day (2.60× rating)"
    assert first.facts["load_ratio"] == 2.6 and first.facts["above_rating"] is True
    assert first.source == "reconstructed" and entries[-1].source == "recorded"
    assert days_above_rating(prod, "rk-2") == [date(2021, 11, 20)]


def test_timeline_facts_are_read_only() -> None:
    entry = assemble_timeline(KOMUSAN)[0]
    assert entry.read_only is True
    with pytest.raises(TypeError):
        entry.facts["killed"] = 0  # type: ignore[index]
    with pytest.raises(AttributeError):
        entry.summary = "nothing happened"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="read-only"):
        TimelineEntry(BLAST, TimelineKind.SHIFT, None, "x", read_only=False)  # type: ignore[arg-type]


def test_a_deferral_must_carry_its_reason_and_the_timeline_quotes_it() -> None:
    with pytest.raises(ValidationError, match="reason"):
        MaintenanceRecord(days_before(9), "rk-2", "relining", MaintenanceStatus.DEFERRED)
    rec = MaintenanceRecord(
        days_before(9),
        "rk-2",
        "refractory relining",
        MaintenanceStatus.DEFERRED,
        "additional target by 17 Dec",
        by="chief engineer",
    )
    entry = assemble_timeline(KOMUSAN, maintenance=[rec])[0]
    assert entry.summary == (
        "refractory relining on rk-2 deferred by chief engineer: "
        "\u201cadditional target by 17 Dec\u201d"
    )


def test_shift_entries_carry_duration_headcount_and_fatigue() -> None:
    s = ShiftRecord(
        "rk-2",
        "A",
        days_before(1),
        days_before(1) + timedelta(hours=12),
        ("w1", "w2", "w3"),
        fatigue_score=1.62,
        fatigue_label="high",
        fatigue_model="FRI-like risk",
    )
    entry = assemble_timeline(KOMUSAN, shifts=[s])[0]
    assert entry.summary == "Crew A: 12.0 h shift, 3 people; fatigue FRI-like risk 1.62, high"
    assert entry.facts["duration_h"] == 12.0 and entry.facts["headcount"] == 3


def test_alerts_show_who_acknowledged_them_and_when_or_that_nobody_did_before_the_blast() -> None:
    alerts = [
        AlertRecord(
            "rk-2",
            days_before(5),
            "red",
            "load 2.6× rating",
            "mgr-1",
            days_before(5) + timedelta(minutes=45),
        ),
        AlertRecord("rk-2", days_before(2), "stop", "relining 21 days overdue"),
        AlertRecord(
            "rk-2", days_before(1), "red", "crew fatigue high", "mgr-1", BLAST + timedelta(hours=3)
        ),
    ]
    entries = assemble_timeline(KOMUSAN, alerts=alerts)
    kinds = [e.kind for e in entries]
    assert kinds == [
        TimelineKind.ALERT,
        TimelineKind.ALERT_ACKNOWLEDGED,
        TimelineKind.ALERT,
        TimelineKind.ALERT,
        TimelineKind.INCIDENT,
    ]
    assert entries[0].summary.endswith("acknowledged by mgr-1 after 45 min")
    assert entries[0].facts["minutes_to_acknowledge"] == 45.0
    assert entries[2].summary.endswith("not acknowledged before the incident")
    late = entries[3]
    assert late.facts["acknowledged_before_incident"] is False
    assert late.facts["acknowledged_at"] == (BLAST + timedelta(hours=3)).isoformat()


def test_change_requests_put_transitions_objections_overrules_and_headcount_on_the_timeline() -> (
    None
):
    t0 = datetime(2021, 10, 19, 8, tzinfo=UTC)
    chongjin = Incident(
        id="INC-2",
        occurred_at=datetime(2021, 10, 27, 10, tzinfo=UTC),
        enterprise_id="cctf",
        kiln_id="itc-test-kiln",
        event_type=EventType.EXPLOSION,
        casualties=Casualties(seriously_injured=2, minor_injuries=5),
        reported_by="source",
        occurred_at_assumed=True,
        source="reconstructed",
    )
    c = ChangeRequest(
        id="CR-CJ-1",
        kind=ChangeKind.EXPERIMENT,
        title="Local reagent",
        purpose="self-reliance",
        enterprise_id="cctf",
        kiln_id="itc-test-kiln",
        proposed_by="lead-1",
        created_at=t0,
        stage=ScaleStage.PLANT,
        source="reconstructed",
        hazards=(HazardEntry("overpressure", "gas evolution", "burst"),),
    )
    c = transition(c, ChangeAction.SUBMIT, Actor("lead-1", Role.TECHNICAL_LEAD), t0)
    c = raise_objection(
        c, Actor("tech-1", Role.TECHNICIAN), "still dangerous", t0 + timedelta(days=1)
    )
    c, _ = overrule_objection(
        c,
        c.objections[0].id,
        Actor("mgr-1", Role.MANAGER),
        "plan due",
        t0 + timedelta(days=2),
        region_id="nh",
    )
    c = record_headcount(c, t0 + timedelta(days=8), [f"p{i}" for i in range(12)])
    entries = assemble_timeline(chongjin, changes=[c])
    assert [e.kind for e in entries] == [
        TimelineKind.CHANGE,
        TimelineKind.OBJECTION,
        TimelineKind.OVERRULE,
        TimelineKind.ZONE_HEADCOUNT,
        TimelineKind.INCIDENT,
    ]
    assert all(e.source == "reconstructed" for e in entries)
    assert "objection by technician tech-1: \u201cstill dangerous\u201d" in entries[1].summary
    assert "(regulator notified)" in entries[2].summary
    assert entries[3].facts["headcount"] == 12 and entries[3].facts["max_headcount"] is None
    assert entries[-1].facts["time_assumed"] is True


def test_risk_levels_are_placed_at_the_start_of_their_day() -> None:
    r = RiskLevelRecord("rk-2", date(2021, 11, 23), "stop", ("load 2.6× rating",))
    entry = assemble_timeline(KOMUSAN, risk_levels=[r])[0]
    assert entry.at == datetime(2021, 11, 23, tzinfo=UTC)
    assert entry.summary == "Risk level stop on rk-2: load 2.6× rating"


# ------------------------------------------------------------------ findings


def test_findings_are_attributed_and_flag_hindsight_language() -> None:
    with pytest.raises(ValidationError, match="author_id"):
        Finding("kiln overloaded", "", BLAST)
    f = Finding("The operator should have stopped the kiln", "inv-1", BLAST + timedelta(days=3))
    assert f.author_id == "inv-1" and f.hindsight_warnings == ["should have"]
    neutral = "Stopping the kiln meant missing the 17 Dec report, which the committee forbade"
    assert hindsight_phrases(neutral) == []


# ------------------------------------------------------------------ CAST


def test_the_default_control_structure_has_five_levels_linked_top_down() -> None:
    cs = default_control_structure("North Hamgyong", "Komusan Cement Factory", "refractory", "rk-2")
    assert [c.level for c in cs.controllers] == list(ControlLevel)
    assert [c.name for c in cs.controllers] == [
        "North Hamgyong regional authority",
        "Komusan Cement Factory management",
        "refractory section",
        "crew on rk-2",
        "rk-2",
    ]
    assert [(link.controller_id, link.controlled_id) for link in cs.links] == [
        ("regional_authority", "enterprise_management"),
        ("enterprise_management", "section"),
        ("section", "crew"),
        ("crew", "kiln"),
    ]
    assert all(c.responsibilities for c in cs.controllers)
    assert (
        "maintenance due, deferred and done"
        in cs.controller("enterprise_management").feedback_channels
    )


def test_an_analysis_that_stops_at_the_crew_is_reported_as_incomplete() -> None:
    cs = default_control_structure(
        "NH", "Chongjin CTF", "Industrial Technology Center", "test kiln"
    )
    assert unanalysed_levels(cs) == list(ControlLevel)
    cs = analyse_controller(
        cs,
        "crew",
        unsafe_control_actions=(
            UnsafeControlAction("fired with onlookers inside the zone", UcaType.PROVIDED_UNSAFE),
        ),
        context=("the committee required results before the year-end plan",),
    )
    gaps = unanalysed_levels(cs)
    assert ControlLevel.CREW not in gaps
    assert ControlLevel.REGIONAL_AUTHORITY in gaps and ControlLevel.ENTERPRISE_MANAGEMENT in gaps
    text = cast_gaps(cs, [])
    assert "no analysis yet at level regional authority" in text
    assert "no recommendation addresses crew on test kiln" in text


def test_analysis_appends_and_recommendations_become_tracked_corrective_actions() -> None:
    cs = default_control_structure("NH", "Komusan", "refractory", "rk-2")
    cs = analyse_controller(cs, "regional_authority", flawed_feedback=("only tonnage reported",))
    cs = analyse_controller(cs, "regional_authority", flawed_feedback=("no repair records sent",))
    assert cs.controller("regional_authority").flawed_feedback == (
        "only tonnage reported",
        "no repair records sent",
    )
    rec = Recommendation(
        id="R1",
        text="report kiln load against rating and deferred repairs with every plan report",
        controller_id="regional_authority",
        owner_id="province-industry-dept",
        due_on=date(2022, 2, 1),
        priority=1,
    )
    action = recommendation_to_action(rec)
    assert (action.id, action.owner_id, action.due_on, action.status, action.source_ref) == (
        "CA-R1",
        "province-industry-dept",
        date(2022, 2, 1),
        ActionStatus.OPEN,
        "R1",
    )
    assert action.is_overdue(date(2022, 2, 2))
    assert "no recommendation addresses NH regional authority" not in cast_gaps(cs, [rec])
    assert "recommendation targets unknown controller ghost" in cast_gaps(
        cs, [rec, Recommendation("R2", "x", "ghost", "o", date(2022, 2, 1))]
    )
    with pytest.raises(ValidationError, match="no such controller"):
        analyse_controller(cs, "ghost")
