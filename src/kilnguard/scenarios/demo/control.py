"""Kyongsong Refractory Works: the fictional healthy control plant the models must keep green.

It runs within rating, on maintenance schedule, with rested crews, over the same months as the
two accidents (see the package docstring, :mod:`kilnguard.scenarios.demo`).
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy.orm import Session

from kilnguard.scenarios.demo import common, rosters
from kilnguard.services import records as svc

MONTHS = (8, 9, 10, 11, 12)
#: Name-plates: periodic kilns KR-1..KR-3 and tunnel kiln T-1, all run within rating.
KILNS = [
    *(
        common.KilnSpec(f"KR-{i}", "periodic", 30.0, 1500.0, 90, dt.date(2021, 6, 1), 365)
        for i in (1, 2, 3)
    ),
    common.KilnSpec("T-1", "tunnel", 60.0, 1450.0, 120, dt.date(2021, 5, 1), 540),
]


def build_control(session: Session, plants: common.DemoPlants) -> None:
    rng = random.Random(1234)
    ent = common.enterprise(
        session, plants, "control", "Kyongsong Refractory Works", 2, "refractory brick"
    )
    hall = common.section(session, ent, "Kiln hall")
    fired = common.kilns(session, plants, hall, KILNS)
    stops: set[tuple[int, dt.date]] = set()
    for k in fired:
        for month in MONTHS:
            first = dt.date(2021, month, 1)
            common.planned_stop(
                session, k.id, first, first + dt.timedelta(days=1), "monthly inspection stop"
            )
            stops |= {(k.id, first), (k.id, first + dt.timedelta(days=1))}
    common.target(
        session,
        hall,
        22_000.0,
        (common.START, common.CONTROL_END),
        "Annual plan",
        "Refractory brick, remainder of the annual plan",
    )
    items: list[svc.ProductionIn] = []
    for d in common.days(common.START, common.CONTROL_END):
        for k in fired:
            if (k.id, d) in stops:
                continue
            items.extend(common.production(k, d, rng.uniform(0.70, 0.95), 3))
    svc.record_production(session, common.BUILDER, items)
    for k in fired:
        common.safety_plan(
            session,
            k.id,
            "Refractory lining inspection",
            [
                common.Order(dt.date(2021, m, 2), dt.date(2021, m, 1), "within limits")
                for m in MONTHS
            ],
            interval_days=30,
        )
    crews = rosters.crews_and_workers(session, ent.id, "Kyongsong", 4, 4, ("periodic", "tunnel"))
    plants.workers["control"] = [w.id for crew in crews for w in crew]
    svc.record_shifts(
        session,
        common.BUILDER,
        rosters.four_crew_shifts(crews, fired, common.START, common.CONTROL_END),
    )
