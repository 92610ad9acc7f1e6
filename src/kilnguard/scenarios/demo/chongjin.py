"""Chongjin Chemical and Textile Factory (scenario B, seed 001): the test kiln fired at 3× rating.

The reconstruction choices behind every figure here are listed in the package docstring
(:mod:`kilnguard.scenarios.demo`).
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy.orm import Session

from kilnguard.domain.plant import Protects
from kilnguard.scenarios.demo import common, rosters
from kilnguard.services import records as svc

QUARTERLY_STOP = (dt.date(2021, 9, 1), dt.date(2021, 9, 3))
EXPERIMENTS_FROM = dt.date(2021, 10, 19)  # technicians on 14-h days without a day off


def build_chongjin(session: Session, plants: common.DemoPlants) -> None:
    rng = random.Random(2021_10_19)
    ent = common.enterprise(
        session,
        plants,
        "chongjin",
        "Chongjin Chemical and Textile Factory",
        1,
        "chemical and textile",
    )
    itc = common.section(session, ent, "Industrial Technology Center")
    works = common.section(session, ent, "Calcining works")
    [tk] = common.kilns(
        session,
        plants,
        itc,
        [common.KilnSpec("TK-1", "test", 0.2, 1100.0, 30, dt.date(2020, 6, 1), 730)],
    )
    [ck] = common.kilns(
        session,
        plants,
        works,
        [common.KilnSpec("CK-1", "rotary", 150.0, 1200.0, 300, dt.date(2021, 4, 1), 400)],
    )
    common.planned_stop(session, ck.id, *QUARTERLY_STOP, "quarterly maintenance")
    items: list[svc.ProductionIn] = []
    for d in common.days(common.START, common.CHONGJIN_BOOM):
        if not QUARTERLY_STOP[0] <= d <= QUARTERLY_STOP[1]:
            items.extend(common.production(ck, d, rng.uniform(0.75, 0.9), 3))
        # TK-1: routine small test firings twice a week, within rating, until the experiment.
        if d < EXPERIMENTS_FROM and d.weekday() in (1, 3):
            items.append(
                svc.ProductionIn(
                    kiln_id=tk.id,
                    day=d,
                    output_t=round(rng.uniform(0.05, 0.12), 3),
                    hours_fired=6.0,
                    note="routine materials test",
                    source=common.RECON,
                )
            )
    items.append(
        svc.ProductionIn(
            kiln_id=tk.id,
            day=common.CHONGJIN_BOOM,
            output_t=0.6,
            hours_fired=5.5,
            note="first plant-scale firing of the import-substitution reagent (3× rated charge)",
            source=common.RECON,
        )
    )
    svc.record_production(session, common.BUILDER, items)

    common.safety_plan(
        session,
        tk.id,
        "Pressure-relief and interlock proof test",
        [
            common.Order(
                dt.date(2021, 7, 2), dt.date(2021, 7, 1), "relief valve lifted at set pressure"
            ),
            common.Order(dt.date(2021, 9, 30)),  # never done: overdue at the first firing
        ],
        interval_days=90,
        protects=Protects.RELIEF,
    )
    common.safety_plan(
        session,
        ck.id,
        "Refractory lining inspection",
        [
            common.Order(due, due, "within limits")
            for due in (dt.date(2021, 8, 15), dt.date(2021, 9, 2), dt.date(2021, 10, 2))
        ],
        interval_days=30,
    )

    techs = rosters.crews_and_workers(session, ent.id, "ITC", 1, 8, ("test",))[0]
    ops = rosters.crews_and_workers(session, ent.id, "Calcining", 4, 3, ("rotary",))
    plants.workers["chongjin"] = [w.id for w in techs] + [w.id for crew in ops for w in crew]
    shifts = rosters.four_crew_shifts(ops, [ck], common.START, common.CHONGJIN_BOOM)
    for d in common.days(common.START, common.CHONGJIN_BOOM):
        rushed = d >= EXPERIMENTS_FROM
        if not rushed and d.weekday() == 6:
            continue
        for w in techs:
            start, hours = (7, 14) if rushed else (8, 9)
            shifts.append(
                rosters.shift(w.id, tk.id, d, start, hours, section_id=itc.id, role="technician")
            )
    svc.record_shifts(session, common.BUILDER, shifts)
    common.incident(
        session,
        itc,
        tk.id,
        common.local(common.CHONGJIN_BOOM, 14),
        seriously_injured=2,
        minor_injuries=5,
        description=(
            "The Industrial Technology Center's test kiln exploded during the first "
            "plant-scale firing of an import-substitution experiment, with the technology "
            "department, research team and production technicians gathered beside it. "
            "Casualties as reported by Daily NK; the day (28 Oct 2021) is assumed from "
            "'late October'; the hour is assumed."
        ),
        immediate_actions="Injured taken to hospital; experiments suspended.",
    )
