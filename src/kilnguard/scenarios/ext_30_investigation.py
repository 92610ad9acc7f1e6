"""Demo investigations of the two founding accidents and the regional bulletin on Komusan.

Everything here is a reconstruction for demonstration (source = "reconstructed"): the seed
reports give the facts (targets, continuous operation, no time for repairs, the Chongjin
blame on "two people near the bottom of the hierarchy"); the findings, CAST analysis, actions
and bulletin are what an investigation using kilnguard would plausibly record. The timelines
themselves are assembled from the demo records by `services.investigation.open_investigation`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.scenarios import demo
from kilnguard.scenarios.demo import BUILDER, RECON, DemoPlants, local
from kilnguard.services import investigation as inv
from kilnguard.store import models as m

INVESTIGATOR = "investigator"


def _incident_id(session: Session, kiln_id: int) -> int:
    return session.scalars(
        select(m.Incident.id).where(m.Incident.kiln_id == kiln_id).order_by(m.Incident.id)
    ).one()


def build(session: Session, plants: DemoPlants) -> None:
    incidents = [_incident_id(session, plants.kilns[case.kiln]) for case in CASES]
    for case, incident_id in zip(CASES, incidents, strict=True):
        _investigate(session, incident_id, case)
    _bulletin(session, plants, incidents[0])


Analysis = tuple[str, list[tuple[str, str]], list[str], list[str]]
"""Controller key, unsafe control actions (text, type), flawed feedback, context."""
Recommendation = tuple[str, str, str, dt.date]
"""Controller key, recommendation, owner, due date."""


@dataclass(frozen=True)
class _Case:
    """One demo investigation: what its investigators recorded, in the order they did it.

    Opened at 09:00 of `opened` (plant time); then the evidence (11:00), the interview (14:00)
    and the findings (from 10:00, an hour apart), the CAST analysis and the recommendations.
    """

    kiln: str
    opened: dt.date
    people_involved: tuple[str, ...]
    findings: tuple[str, ...]
    analyses: tuple[Analysis, ...]
    recommendations: tuple[Recommendation, ...]
    evidence: tuple[str, str] | None = None
    """Title, description."""
    interview: tuple[str, str] | None = None
    """Interviewee, notes."""


def _investigate(session: Session, incident_id: int, case: _Case) -> None:
    inv.set_incident_extras(
        session,
        BUILDER,
        incident_id,
        people_involved=list(case.people_involved),
        potential_severity=5,
        occurred_at_assumed=True,
        source=RECON,
    )
    day = case.opened
    i = inv.open_investigation(session, BUILDER, incident_id, at=local(day, 9), source=RECON).id
    if case.evidence is not None:
        inv.add_evidence(session, BUILDER, i, *case.evidence, at=local(day, 11), source=RECON)
    if case.interview is not None:
        inv.add_interview(session, BUILDER, i, *case.interview, at=local(day, 14), source=RECON)
    for n, text in enumerate(case.findings):
        at = local(day, 10 + n)
        inv.add_finding(session, BUILDER, i, text, at=at, author=INVESTIGATOR, source=RECON)
    for key, ucas, feedback, context in case.analyses:
        inv.analyse_controller(
            session,
            BUILDER,
            i,
            key,
            unsafe_control_actions=ucas,
            flawed_feedback=feedback,
            context=context,
        )
    for key, text, owner, due in case.recommendations:
        inv.add_recommendation(
            session,
            BUILDER,
            i,
            controller_key=key,
            text=text,
            owner=owner,
            due_on=due,
            source=RECON,
        )


KOMUSAN = _Case(
    kiln="RF-2",
    opened=demo.KOMUSAN_BOOM + dt.timedelta(days=2),
    people_involved=("Refractory crew A + B (12-h day shift on RF-2)", "Chief engineer"),
    evidence=(
        "RF-2 work orders and deferral log",
        "Two safety-critical inspections and the hot-face relining deferred twice each.",
    ),
    interview=(
        "Refractory shift supervisor",
        "Crews worked 12-h shifts every day from 5 Oct; nobody had a day off in seven weeks.",
    ),
    findings=(
        "From 5 Oct RF-2 ran above its 40 t/day rating every day, rising to 2.8× by 24 Nov.",
        "The additional target of 4 Oct (20,000 t by 17 Dec) was accepted without a "
        "capacity check; no record shows a refusal or a request for more kilns.",
        "The lining inspections, interlock tests and the relining were deferred twice, "
        "each time for the additional target.",
        "Crews went from a 4-crew 8-h rotation to 12-h shifts every day with no 24-h break.",
    ),
    analyses=(
        (
            "regional_authority",
            [("set an additional target beyond the kilns' rated capacity", "provided_unsafe")],
            ["plan-fulfilment reports carried tonnage only, not load against rating"],
            ["targets are political commitments; reporting a shortfall is itself a risk"],
        ),
        (
            "enterprise_management",
            [
                ("deferred safety-critical repairs for production", "provided_unsafe"),
                ("did not stop the kiln when inspections fell overdue", "not_provided"),
            ],
            ["deferrals were recorded but never reviewed as a pattern"],
            ["the factory party committee demanded the target be reported met by 17 Dec"],
        ),
        (
            "section",
            [("loaded RF-2 at 2–3× its rating", "provided_unsafe")],
            ["no daily comparison of output against rating reached the section head"],
            ["the section's bonus and standing depended on the tonnage"],
        ),
        (
            "crew",
            [("kept firing through the afternoon of 24 Nov", "wrong_duration")],
            ["fatigue after seven weeks of 12-h shifts dulled attention to warning signs"],
            ["no authority to stop a kiln against a state target"],
        ),
        (
            "kiln",
            [("lining thinned beyond its limit without an automatic trip", "not_provided")],
            ["the shell hot-spot check was among the deferred inspections"],
            ["interlock proof test overdue since October"],
        ),
    ),
    recommendations=(
        (
            "regional_authority",
            "Require a rated-capacity check (kilnguard plan) before any additional target",
            "Provincial industry department",
            dt.date(2022, 1, 31),
        ),
        (
            "enterprise_management",
            "No deferral of a safety-critical task beyond 7 days without the safety "
            "officer's written consent and regulator notice",
            "Factory manager",
            dt.date(2021, 12, 31),
        ),
        (
            "section",
            "Daily load-against-rating review with a stop at 1.1× rating",
            "Refractory section head",
            dt.date(2021, 12, 20),
        ),
        (
            "crew",
            "Restore 4-crew rotation; a 24-h break at least every 7 days",
            "Factory manager",
            dt.date(2021, 12, 15),
        ),
        (
            "kiln",
            "Fit shell-temperature trips and prove interlocks before restart",
            "Chief engineer",
            dt.date(2022, 2, 28),
        ),
    ),
)


CHONGJIN = _Case(
    kiln="TK-1",
    opened=demo.CHONGJIN_BOOM + dt.timedelta(days=3),
    people_involved=(
        "ITC laboratory head",
        "ITC researcher",
        "technology department, research team and production technicians watching",
    ),
    findings=(
        "The first plant-scale firing charged TK-1 with 0.6 t, 3× its 0.2 t/day rating.",
        "The pressure-relief and interlock proof test due 30 Sep was not done.",
        "Onlookers from three departments stood beside the kiln during the firing.",
        "The factory's own account blamed the laboratory head and a researcher for the "
        "entire accident — the blame-the-last-person pattern; the analysis below reaches "
        "the management and regional levels that set the deadline.",
    ),
    analyses=(
        (
            "regional_authority",
            [("demanded import substitution by a fixed date", "provided_unsafe")],
            ["no feedback on the readiness of the process"],
            ["import-substitution campaign; deadlines announced publicly"],
        ),
        (
            "enterprise_management",
            [("approved plant-scale firing without the pilot stage", "wrong_timing_or_order")],
            ["technicians' warning not recorded as an objection"],
            ["pressure to show results before the year's end"],
        ),
        (
            "section",
            [("let onlookers into the kiln area", "provided_unsafe")],
            ["no headcount of the hazard zone"],
            ["the firing was treated as a demonstration"],
        ),
        (
            "crew",
            [("fired a 3× charge", "provided_unsafe")],
            ["14-h days without a day off since 19 Oct"],
            ["instructed to proceed; blamed afterwards"],
        ),
        (
            "kiln",
            [("relief path not proven", "not_provided")],
            ["proof test overdue"],
            ["test kiln never designed for plant-scale charges"],
        ),
    ),
    recommendations=(
        (
            "enterprise_management",
            "No scale-up without completed lab and pilot stages (change control gate)",
            "Factory manager",
            dt.date(2021, 12, 15),
        ),
        (
            "section",
            "Hazard zone with a maximum headcount for every firing",
            "ITC director",
            dt.date(2021, 11, 30),
        ),
        (
            "kiln",
            "Proof-test the relief path before any firing",
            "Chief engineer",
            dt.date(2021, 11, 15),
        ),
    ),
)


CASES = (KOMUSAN, CHONGJIN)
"""Komusan first: the regional bulletin is about it."""


def _bulletin(session: Session, plants: DemoPlants, komusan_incident: int) -> None:
    b = inv.send_bulletin(
        session,
        BUILDER,
        incident_id=komusan_incident,
        title="Kiln explosion at Komusan Cement Factory, 24 Nov 2021",
        summary=(
            "Refractory kiln RF-2 exploded after seven weeks at up to 2.8× its rating, with "
            "lining inspections and relining deferred for an additional target: 2 killed, "
            "6 seriously injured."
        ),
        lessons=[
            "An additional target is not a reason to defer a safety-critical repair.",
            "Load against rating must be reviewed daily.",
            "Crews need a 24-h break at least every 7 days.",
        ],
        required_checks=[
            "List every deferred safety-critical work order and its reason",
            "Compare last month's output of every kiln with its rating",
            "Check rosters for runs of more than 6 shifts without a 24-h break",
        ],
        tiers=[1, 2],
        acknowledge_within_days=7,
        at=local(dt.date(2021, 12, 1), 10),
        source=RECON,
    )
    inv.acknowledge_bulletin(
        session,
        BUILDER,
        b.id,
        checked="All 4 kilns within rating; no deferred work orders; rosters on 4 crews.",
        enterprise_id=plants.enterprises["control"],
        at=local(dt.date(2021, 12, 3), 16),
        by="kyongsong-manager",
    )
    inv.escalate_bulletins(session, BUILDER, dt.date(2021, 12, 20))


demo.EXTENSIONS.append(build)
