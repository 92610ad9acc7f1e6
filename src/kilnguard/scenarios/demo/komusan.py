"""Komusan Cement Factory (scenario A, seed 000): the refractory kiln pushed to 2–3× its rating.

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
from kilnguard.store.models import Kiln

PUSH = dt.date(2021, 10, 5)  # first day of 1.5× rating and 12-h shifts
RAMP = dt.date(2021, 10, 21)  # from here: rising from 2.2× to 2.8×
SUMMER_STOP = (dt.date(2021, 8, 9), dt.date(2021, 8, 11))

#: Name-plates: refractory kilns RF-1..RF-3 (installed 1 Mar 2021) and cement kiln RK-1.
REFRACTORY_KILNS = [
    common.KilnSpec(f"RF-{i}", "periodic", 40.0, 1550.0, 90, dt.date(2021, 3, 1), 365)
    for i in (1, 2, 3)
]
CEMENT_KILNS = [common.KilnSpec("RK-1", "rotary", 600.0, 1450.0, 330, dt.date(2021, 1, 15), 300)]

#: Monthly safety-critical inspections deferred twice "for the target".
TARGET_DEFERRALS = common.deferred_twice(
    (dt.date(2021, 10, 10), dt.date(2021, 10, 31), dt.date(2021, 12, 18)),
    "additional production target: no stop allowed",
    "additional production target: report it met by 17 Dec first",
)
#: RF-2's hot-face relining, due by tonnage, deferred twice too.
RF2_RELINING = common.Order(
    dt.date(2021, 10, 15),
    task="Hot-face relining (inspection in Sep found thinning bricks)",
    deferrals=common.deferred_twice(
        (dt.date(2021, 10, 15), dt.date(2021, 11, 15), dt.date(2021, 12, 20)),
        "additional production target: kiln cannot be spared for 5 days",
        "additional production target: after 17 Dec",
    ),
)


def build_komusan(session: Session, plants: common.DemoPlants) -> None:
    rng = random.Random(2021_11_24)
    ent = common.enterprise(session, plants, "komusan", "Komusan Cement Factory", 1, "cement")
    refractory = common.section(session, ent, "Refractory section")
    cement = common.section(session, ent, "Cement line")
    rf = common.kilns(session, plants, refractory, REFRACTORY_KILNS)
    [rk] = common.kilns(session, plants, cement, CEMENT_KILNS)
    for k in [*rf, rk]:
        common.planned_stop(session, k.id, *SUMMER_STOP, "summer maintenance stop")

    # Targets: the annual plan, then the additional state target of 4 Oct.
    common.target(
        session,
        refractory,
        15_000.0,
        (common.START, dt.date(2021, 12, 31)),
        "Annual plan (first year of the five-year plan)",
        "Refractory brick, remainder of the annual plan",
    )
    common.target(
        session,
        refractory,
        20_000.0,
        (common.ADDITIONAL_TARGET_ON, common.ADDITIONAL_TARGET_DEADLINE),
        "Factory party committee (additional state target)",
        "Additional target, to be reported as met by 17 Dec",
        additional=True,
    )
    svc.record_production(session, common.BUILDER, _production(rng, [*rf, rk], rk))
    _maintenance(session, rf, rk)

    # Rosters: 4 crews × 8 h until 4 Oct; then 2 crews' worth of 12-h days and nights.
    ref_crews = rosters.crews_and_workers(
        session, ent.id, "Refractory", 4, 6, ("periodic", "tunnel")
    )
    cem_crews = rosters.crews_and_workers(session, ent.id, "Cement", 4, 3, ("rotary",))
    plants.workers["komusan"] = [w.id for crew in ref_crews + cem_crews for w in crew]
    roster = rosters.four_crew_shifts(ref_crews, rf, common.START, PUSH - dt.timedelta(days=1))
    roster += rosters.four_crew_shifts(cem_crews, [rk], common.START, PUSH - dt.timedelta(days=1))
    for crews, on in ((ref_crews, rf), (cem_crews, [rk])):
        day_crew = crews[0] + crews[1]
        night_crew = crews[2] + crews[3]
        for d in common.days(PUSH, common.KOMUSAN_BOOM):
            for code, crew in (("D", day_crew), ("X", night_crew)):
                if d == common.KOMUSAN_BOOM and code == "X":
                    continue
                # first day of the push: the night crew comes off its old pattern
                roster += rosters.crew_on_shift(crew, on, d, code)
    svc.record_shifts(session, common.BUILDER, rosters.drop_overlaps(roster))

    common.incident(
        session,
        refractory,
        plants.kilns["RF-2"],
        common.local(common.KOMUSAN_BOOM, 15),
        killed=2,
        seriously_injured=6,
        description=(
            "Kiln RF-2 in the refractory section exploded in the afternoon of 24 Nov 2021 "
            "while running at 2–3× its previous workload in continuous operation "
            "(date, casualties and circumstances as reported by Daily NK; the hour, 15:00, "
            "is assumed)."
        ),
        immediate_actions="Firing stopped; casualties evacuated; provincial authority informed.",
    )


def _production(rng: random.Random, fired: list[Kiln], rk: Kiln) -> list[svc.ProductionIn]:
    """Production: rated load, then the push."""
    items: list[svc.ProductionIn] = []
    for d in common.days(common.START, common.KOMUSAN_BOOM):
        for k in fired:
            if SUMMER_STOP[0] <= d <= SUMMER_STOP[1]:
                continue
            if d < PUSH:
                load, shifts = rng.uniform(0.85, 0.95), 3
            elif d < RAMP:
                load, shifts = rng.uniform(1.45, 1.55), 2
            else:
                ramp = (d - RAMP).days / (common.KOMUSAN_BOOM - RAMP).days
                load, shifts = 2.2 + 0.6 * ramp + rng.uniform(-0.05, 0.05), 2
            if k is rk:
                load = min(load, 1.0) if d < PUSH else 1.2 + rng.uniform(0, 0.05)
            if k.name == "RF-2" and d == common.KOMUSAN_BOOM:
                items.extend(
                    common.production(k, d, load / 2, 1, "firing stopped by the explosion")
                )
                continue
            items.extend(common.production(k, d, load, shifts))
    return items


def _maintenance(session: Session, rf: list[Kiln], rk: Kiln) -> None:
    """Maintenance: monthly safety-critical inspections, done until the push, then deferred
    twice "for the target"; RF-2's hot-face relining (by tonnage) deferred twice too."""
    for k in [*rf, rk]:
        for task, protects in (
            (
                "Refractory lining inspection (hot-face thickness, shell hot spots)",
                Protects.NONE,
            ),
            (
                "Burner, flame-failure and fuel shut-off interlock test",
                Protects.BURNER_MANAGEMENT,
            ),
        ):
            common.safety_plan(
                session,
                k.id,
                task,
                [
                    common.Order(dt.date(2021, 8, 11), dt.date(2021, 8, 10), "within limits"),
                    common.Order(dt.date(2021, 9, 10), dt.date(2021, 9, 9), "within limits"),
                    common.Order(dt.date(2021, 10, 10), deferrals=TARGET_DEFERRALS),
                ],
                interval_days=30,
                protects=protects,
            )
        if k.kind == "periodic":
            relining = [RF2_RELINING] if k.name == "RF-2" else []
            common.safety_plan(
                session,
                k.id,
                "Hot-face relining",
                relining,
                interval_t=12_000.0,
                duration_days=5,
                protects=Protects.LINING,
            )
