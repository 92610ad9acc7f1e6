"""Demo investigations of the two founding accidents and the regional bulletin on Komusan.

Everything here is a reconstruction for demonstration (source = "reconstructed"): the seed
reports give the facts (targets, continuous operation, no time for repairs, the Chongjin
blame on "two people near the bottom of the hierarchy"); the findings, CAST analysis, actions
and bulletin are what an investigation using kilnguard would plausibly record. The timelines
themselves are assembled from the demo records by `services.investigation.open_investigation`.
"""

from __future__ import annotations

import datetime as dt

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
    komusan = _incident_id(session, plants.kilns["RF-2"])
    chongjin = _incident_id(session, plants.kilns["TK-1"])
    _komusan(session, komusan)
    _chongjin(session, chongjin)
    _bulletin(session, plants, komusan)


Analysis = tuple[str, list[tuple[str, str]], list[str], list[str]]
"""Controller key, unsafe control actions (text, type), flawed feedback, context."""
Recommendation = tuple[str, str, str, dt.date]
"""Controller key, recommendation, owner, due date."""


def _analyse(session: Session, inv_id: int, analyses: tuple[Analysis, ...]) -> None:
    for key, ucas, feedback, context in analyses:
        inv.analyse_controller(
            session,
            BUILDER,
            inv_id,
            key,
            unsafe_control_actions=ucas,
            flawed_feedback=feedback,
            context=context,
        )


def _recommend(session: Session, inv_id: int, recommendations: tuple[Recommendation, ...]) -> None:
    for key, text, owner, due in recommendations:
        inv.add_recommendation(
            session,
            BUILDER,
            inv_id,
            controller_key=key,
            text=text,
            owner=owner,
            due_on=due,
            source=RECON,
        )


def _findings(session: Session, inv_id: int, day: dt.date, texts: list[str]) -> None:
    for i, text in enumerate(texts):
        inv.add_finding(
            session,
            BUILDER,
            inv_id,
            text,
            at=local(day, 10 + i),
            author=INVESTIGATOR,
            source=RECON,
        )


def _komusan(session: Session, incident_id: int) -> None:
    inv.set_incident_extras(
        session,
        BUILDER,
        incident_id,
        people_involved=["Refractory crew A + B (12-h day shift on RF-2)", "Chief engineer"],
        potential_severity=5,
        occurred_at_assumed=True,
        source=RECON,
    )
    opened = demo.KOMUSAN_BOOM + dt.timedelta(days=2)
    i = inv.open_investigation(session, BUILDER, incident_id, at=local(opened, 9), source=RECON).id
    inv.add_evidence(
        session,
        BUILDER,
        i,
        "RF-2 work orders and deferral log",
        "Two safety-critical inspections and the hot-face relining deferred twice each.",
        at=local(opened, 11),
        source=RECON,
    )
    inv.add_interview(
        session,
        BUILDER,
        i,
        "Refractory shift supervisor",
        "Crews worked 12-h shifts every day from 5 Oct; nobody had a day off in seven weeks.",
        at=local(opened, 14),
        source=RECON,
    )
    _findings(
        session,
        i,
        opened,
        [
            "From 5 Oct RF-2 ran above its 40 t/day rating every day, rising to 2.8× by 24 Nov.",
            "The additional target of 4 Oct (20,000 t by 17 Dec) was accepted without a "
            "capacity check; no record shows a refusal or a request for more kilns.",
            "The lining inspections, interlock tests and the relining were deferred twice, "
            "each time for the additional target.",
            "Crews went from a 4-crew 8-h rotation to 12-h shifts every day with no 24-h break.",
        ],
    )
    _analyse(
        session,
        i,
        (
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
    )
    _recommend(
        session,
        i,
        (
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


def _chongjin(session: Session, incident_id: int) -> None:
    inv.set_incident_extras(
        session,
        BUILDER,
        incident_id,
        people_involved=[
            "ITC laboratory head",
            "ITC researcher",
            "technology department, research team and production technicians watching",
        ],
        potential_severity=5,
        occurred_at_assumed=True,
        source=RECON,
    )
    opened = demo.CHONGJIN_BOOM + dt.timedelta(days=3)
    i = inv.open_investigation(session, BUILDER, incident_id, at=local(opened, 9), source=RECON).id
    _findings(
        session,
        i,
        opened,
        [
            "The first plant-scale firing charged TK-1 with 0.6 t, 3× its 0.2 t/day rating.",
            "The pressure-relief and interlock proof test due 30 Sep was not done.",
            "Onlookers from three departments stood beside the kiln during the firing.",
            "The factory's own account blamed the laboratory head and a researcher for the "
            "entire accident — the blame-the-last-person pattern; the analysis below reaches "
            "the management and regional levels that set the deadline.",
        ],
    )
    _analyse(
        session,
        i,
        (
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
    )
    _recommend(
        session,
        i,
        (
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
