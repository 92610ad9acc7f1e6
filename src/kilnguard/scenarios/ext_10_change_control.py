"""Demo change requests (issue 5), written through the change-control services as BUILDER.

Chongjin (scenario B, reconstructed — SCENARIOS.md; Daily NK, January 2022):
  * CR on test kiln TK-1: plant-scale firing of the import-substitution reagent. The lab stage
    is complete with its results attached (a small generated CSV, SHA-256 stored); the pilot
    stage was never run. Deadline "end of year" set from outside the plant by the factory party
    committee (the order to submit a technological-innovation plan by year end).
  * Review in two days (under the 72-h minimum: a rush flag). During the pre-startup review the
    technicians object: "still dangerous despite being lab-tested; observe the process in more
    detail first". The factory manager overrules the objection and the skipped pilot stage; both
    overrules notify the regulators. The proof test of pressure relief and interlocks is not
    done, so the PSSR is incomplete and the workflow never authorises the firing.
  * The first firing on 28 Oct 2021 (day assumed) is recorded as a fact, outside the workflow.
    The hazard zone holds 3; the zone log shows three technicians admitted and the crowd of
    onlookers (technology department, research team, production technicians) refused.
  Names of people are roles, not persons: no names were reported.

Kyongsong Refractory Works (control, fictional): a new firing curve for high-alumina brick
taken properly lab → pilot → plant, each stage closed with its results before the next, reviews
of at least 72 h, PSSR complete, zone within its limit.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from sqlalchemy.orm import Session

from kilnguard.domain.change import PssrItem
from kilnguard.scenarios import demo
from kilnguard.scenarios.demo import BUILDER, CHONGJIN_BOOM, RECON, DemoPlants, local
from kilnguard.services import change as cc

TECH = cc.OnBehalf(BUILDER, "technician", "technician")
CJ_MANAGER = cc.OnBehalf(BUILDER, "chongjin-manager", "manager")
CJ_SAFETY = cc.OnBehalf(BUILDER, "chongjin-safety", "safety_officer")
ITC_HEAD = cc.OnBehalf(BUILDER, "itc-head", "technical_lead")
KS_MANAGER = cc.OnBehalf(BUILDER, "kyongsong-manager", "manager")
KS_SAFETY = cc.OnBehalf(BUILDER, "kyongsong-safety", "safety_officer")
KS_LEAD = cc.OnBehalf(BUILDER, "kyongsong-lead", "technical_lead")
KS_OPERATOR = cc.OnBehalf(BUILDER, "kyongsong-operator", "operator")

OBJECTION = (
    "Still dangerous despite being lab-tested: the gas evolution at full charge is unknown. "
    "Observe the process in more detail first (a pilot-scale firing with the gas and pressure "
    "watched) before charging the test kiln."
)
CJ_ESSENTIAL = ("ITC technician A1", "ITC technician A2", "ITC technician A3", "ITC technician A4")
CJ_CROWD = (
    "ITC technician A4",
    "technology department head",
    "technology department engineer",
    "research team leader",
    "research team member 1",
    "research team member 2",
    "production technician 1",
    "production technician 2",
)


def lab_results_csv(title: str, rows: list[tuple[float, float, float]]) -> bytes:
    """A small generated results table: temperature [°C], gas evolved [L/kg], overpressure [kPa]."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([f"# {title} (reconstructed for the kilnguard demo)"])
    w.writerow(["temperature_c", "gas_evolved_l_per_kg", "overpressure_kpa"])
    for row in rows:
        w.writerow([f"{v:g}" for v in row])
    return buf.getvalue().encode("utf-8")


def _step(
    session: Session, cid: int, action: str, person: cc.OnBehalf, at: dt.datetime, note: str = ""
) -> None:
    """One workflow step recorded on behalf of `person`."""
    cc.transition(session, person.at(at), cid, action, note=note)


def _approve(
    session: Session, cid: int, approvals: list[tuple[cc.OnBehalf, dt.datetime, str]]
) -> None:
    """The reviewers' approvals, in order: (person, time, reason)."""
    for person, at, reason in approvals:
        cc.review(session, person.at(at), cid, decision="approve", reason=reason)


def _chongjin(session: Session, plants: DemoPlants) -> None:
    kiln = plants.kilns["TK-1"]
    lab_day = dt.date(2021, 10, 14)
    row = cc.create_change(
        session,
        ITC_HEAD.at(local(dt.date(2021, 10, 12), 9)),
        cc.ChangeIn(
            kind="experiment",
            title="Plant-scale firing of the import-substitution reagent in test kiln TK-1",
            purpose=(
                "Replace an imported chemical reagent with one calcined from local raw "
                "materials (technological-innovation plan, due by the end of the year)."
            ),
            kiln_id=kiln,
            stage="plant",
            deadline=local(dt.date(2021, 12, 31), 18),
            deadline_set_by="factory party committee",
            deadline_external=True,
            hazards=(
                cc.HazardIn(
                    question="What if the full charge evolves gas faster than the lab sample?",
                    hazard="overpressure of the kiln chamber",
                    cause="gas evolution scales with charge; heat removal does not (3x rated charge)",
                    consequence="explosion of the test kiln; injuries to anyone nearby",
                    safeguards=(
                        "pressure-relief valve (proof test due 30 Sep)",
                        "burner interlock",
                    ),
                ),
                cc.HazardIn(
                    method="checklist",
                    question="Are non-essential people kept away during the first firing?",
                    hazard="people inside the blast radius",
                    cause="first firing of a new process draws onlookers",
                    consequence="more people hurt if the kiln fails",
                    safeguards=("hazard zone, maximum 3 people",),
                ),
            ),
            source=RECON,
        ),
    )
    cid = row.id
    cc.attach_evidence(
        session,
        ITC_HEAD.at(local(lab_day, 16)),
        cid,
        name="lab-results-reagent-substitution.csv",
        content=lab_results_csv(
            "Lab calcination of the substitute reagent, 50 g samples",
            [(600, 1.2, 0.1), (800, 4.8, 0.4), (950, 9.6, 0.9), (1050, 14.1, 1.6)],
        ),
        stage="lab",
        content_type="text/csv",
    )
    cc.record_stage_complete(
        session,
        ITC_HEAD.at(local(lab_day, 17)),
        cid,
        stage="lab",
        note="lab calcination of 50 g samples; gas evolution rises steeply above 900 °C",
    )
    # experiments begin 19 Oct: submitted, and approved two days later (under 72 h)
    _step(session, cid, "submit", ITC_HEAD, local(dt.date(2021, 10, 19), 8))
    _approve(
        session,
        cid,
        [
            (
                ITC_HEAD,
                local(dt.date(2021, 10, 20), 9),
                "lab results reproducible at 50 g; approve the lab stage",
            ),
            (CJ_SAFETY, local(dt.date(2021, 10, 20), 10), "deadline from the committee"),
            (CJ_MANAGER, local(dt.date(2021, 10, 20), 15), "innovation plan due"),
        ],
    )
    _step(session, cid, "approve_for_stage", CJ_MANAGER, local(dt.date(2021, 10, 21), 9))
    _step(session, cid, "start_pre_startup_review", CJ_SAFETY, local(dt.date(2021, 10, 21), 10))
    cc.set_hazard_zone(
        session,
        CJ_SAFETY.at(local(dt.date(2021, 10, 21), 11)),
        cid,
        name="TK-1 firing zone",
        max_headcount=3,
        essential_people=CJ_ESSENTIAL,
        radius_m=25.0,
    )
    for item in (
        "equipment_per_design",
        "emergency_plan",
        "hazard_zone_defined",
        "operators_trained",
    ):
        cc.check_pssr(
            session,
            CJ_SAFETY.at(local(dt.date(2021, 10, 21), 12)),
            cid,
            item=item,
        )
    # the technicians' objection, then the factory manager's overrules
    obj = cc.review(
        session,
        TECH.at(local(dt.date(2021, 10, 22), 10)),
        cid,
        decision="object",
        reason=OBJECTION,
    )
    assert obj.objection_id is not None
    cc.overrule(
        session,
        CJ_MANAGER.at(local(dt.date(2021, 10, 26), 9)),
        cid,
        kind="objection",
        objection_id=obj.objection_id,
        reason=(
            "The technological-innovation plan is due by the end of the year and the factory "
            "party committee has ordered the firing; the lab results are sufficient."
        ),
    )
    cc.overrule(
        session,
        CJ_MANAGER.at(local(dt.date(2021, 10, 26), 9)),
        cid,
        kind="stage_skip",
        reason="No time for a pilot run before the year-end deadline; go to full charge.",
    )
    # the first (and last) firing, outside the workflow: PSSR incomplete, never authorised
    cc.record_firing(
        session,
        TECH,
        cid,
        started_at=local(CHONGJIN_BOOM, 9),
        ended_at=local(CHONGJIN_BOOM, 14),
        note="first plant-scale firing, 0.6 t charge; ended by the explosion",
    )
    for i, person in enumerate((*CJ_ESSENTIAL[:3], *CJ_CROWD)):
        cc.admit_to_zone(
            session,
            TECH.at(local(CHONGJIN_BOOM, 9) + dt.timedelta(minutes=5 + i)),
            cid,
            person=person,
        )


def _clean_stage(
    session: Session,
    plants: DemoPlants,
    *,
    stage: str,
    start: dt.date,
    previous: int | None,
    kiln: int | None,
    equipment: str,
    results: list[tuple[float, float, float]],
) -> int:
    ent = plants.enterprises["control"]
    row = cc.create_change(
        session,
        KS_LEAD.at(local(start, 9)),
        cc.ChangeIn(
            kind="process_change",
            title=f"New firing curve for high-alumina brick — {stage} stage",
            purpose="Slower ramp through 500-900 °C to cut cracking losses.",
            kiln_id=kiln,
            enterprise_id=ent,
            new_equipment=equipment,
            stage=stage,
            deadline=local(start + dt.timedelta(days=40), 18),
            deadline_set_by="Kyongsong technical department",
            hazards=(
                cc.HazardIn(
                    question="What if the slower ramp traps moisture in the brick?",
                    hazard="spalling of green brick",
                    cause="steam pressure in the pores",
                    consequence="brick losses; lining damage",
                    safeguards=("drying hold at 150 °C", "thermocouple alarm on ramp rate"),
                ),
            ),
            previous_change_id=previous,
            source=RECON,
        ),
    )
    cid = row.id
    _step(session, cid, "submit", KS_LEAD, local(start, 10))
    _approve(
        session,
        cid,
        [
            (KS_LEAD, local(start + dt.timedelta(days=3), 9), ""),
            (KS_SAFETY, local(start + dt.timedelta(days=3), 10), ""),
            (KS_MANAGER, local(start + dt.timedelta(days=4), 10), ""),
        ],
    )
    _step(session, cid, "approve_for_stage", KS_MANAGER, local(start + dt.timedelta(days=4), 11))
    _step(
        session, cid, "start_pre_startup_review", KS_SAFETY, local(start + dt.timedelta(days=5), 9)
    )
    crew = ("KR firing lead", "KR burner operator", "KR safety watch")
    cc.set_hazard_zone(
        session,
        KS_SAFETY.at(local(start + dt.timedelta(days=5), 10)),
        cid,
        name=f"{stage} firing zone",
        max_headcount=3,
        essential_people=crew,
    )
    for item in PssrItem:
        cc.check_pssr(
            session,
            KS_SAFETY.at(local(start + dt.timedelta(days=5), 11)),
            cid,
            item=item.value,
        )
    fire = start + dt.timedelta(days=6)
    _step(session, cid, "authorise_firing", KS_MANAGER, local(fire, 8))
    _step(session, cid, "start_firing", KS_OPERATOR, local(fire, 9))
    for i, person in enumerate(crew):
        cc.admit_to_zone(
            session,
            KS_OPERATOR.at(local(fire, 9) + dt.timedelta(minutes=i + 1)),
            cid,
            person=person,
        )
    cc.attach_evidence(
        session,
        KS_LEAD.at(local(fire + dt.timedelta(days=1), 10)),
        cid,
        name=f"{stage}-firing-results.csv",
        content=lab_results_csv(f"High-alumina brick, {stage} firing", results),
        stage=stage,
        content_type="text/csv",
    )
    for i, person in enumerate(crew):
        cc.leave_zone(
            session,
            KS_OPERATOR.at(local(fire + dt.timedelta(days=1), 11) + dt.timedelta(minutes=i)),
            cid,
            person=person,
        )
    _step(
        session,
        cid,
        "close",
        KS_MANAGER,
        local(fire + dt.timedelta(days=1), 12),
        note="results within expectations",
    )
    return cid


CONTROL_STAGES: tuple[
    tuple[str, dt.date, str | None, str, list[tuple[float, float, float]]], ...
] = (
    (
        "lab",
        dt.date(2021, 8, 2),
        None,
        "Laboratory muffle furnace",
        [(500, 0.0, 0.0), (900, 0.1, 0.0)],
    ),
    ("pilot", dt.date(2021, 8, 23), None, "Pilot kiln (1:10)", [(500, 0.0, 0.0), (900, 0.2, 0.0)]),
    ("plant", dt.date(2021, 9, 13), "KR-1", "", [(500, 0.0, 0.0), (900, 0.2, 0.0)]),
)
"""The control plant's scale-up, stage by stage: (stage, first day, kiln, equipment, results)."""


def _control(session: Session, plants: DemoPlants) -> None:
    """Each stage closed with its results, and named as the previous stage of the next."""
    previous: int | None = None
    for stage, start, kiln, equipment, results in CONTROL_STAGES:
        previous = _clean_stage(
            session,
            plants,
            stage=stage,
            start=start,
            previous=previous,
            kiln=plants.kilns[kiln] if kiln else None,
            equipment=equipment,
            results=results,
        )


def build(session: Session, plants: DemoPlants) -> None:
    """The demo step: Chongjin's reconstructed scale-up and the control plant's clean one."""
    _chongjin(session, plants)
    _control(session, plants)


if build not in demo.EXTENSIONS:
    demo.EXTENSIONS.append(build)
