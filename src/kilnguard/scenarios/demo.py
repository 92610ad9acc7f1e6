"""The demo region: the two founding accidents and a healthy control enterprise.

What the seed reports state is used as fact (dates, casualties, the 2–3× workload, the 17 Dec
deadline, continuous operation, no time for repairs, the technicians' warning). Everything else
— daily tonnages, work orders, rosters, ratings — is a plausible reconstruction for
demonstration, written through the ordinary services and labelled `source = "reconstructed"`.
The control enterprise ("Kyongsong Refractory Works") is fictional and runs within rating, on
maintenance schedule, with rested crews, over the same months: the models must keep it green.

Reconstruction choices (documented here because every figure a model shows rests on them):

Komusan Cement Factory (scenario A, seed 000)
  * Refractory section: periodic kilns RF-1..RF-3 firing refractory brick, 40 t/day each,
    campaign limit 90 days, lining design life 365 days at rated load, installed 1 Mar 2021.
    Cement line: rotary kiln RK-1, 600 t/day.
  * Last planned stop 9–11 Aug 2021; no planned stop after it (continuous operation).
  * 1 Aug–4 Oct: 85–95 % of rating, 4 crews on 8-h shifts (2 mornings, 2 afternoons,
    2 nights, 2 days off). On 4 Oct 2021 the additional state target arrives: 20,000 t of
    refractory brick by 17 Dec 2021 on top of the annual plan. From 5 Oct: 1.5× rating and
    2 crews on 12-h shifts every day; from 21 Oct: rising from 2.2× to 2.8× ("twice or triple
    its previous workload").
  * Safety-critical inspections and RF-2's hot-face relining fall due in October and are
    deferred "for the additional production target" ("no time spared to repair its kilns").
  * RF-2 explodes on the afternoon of 24 Nov 2021: 2 killed, 6 seriously injured.
Chongjin Chemical and Textile Factory (scenario B, seed 001)
  * Industrial Technology Center test kiln TK-1, rated 0.2 t/day charge; routine small firings
    in Aug–Sep; experiments begin 19 Oct; technicians work 14-h days without a day off.
  * Its pressure-relief and interlock proof test was due 30 Sep 2021 and not done.
  * First plant-scale firing on 28 Oct 2021 (day assumed: "late October", Daily NK, Jan 2022)
    with a 0.6 t charge, 3× the kiln's rating: it explodes with onlookers beside it —
    2 seriously injured, 5 with minor injuries.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from kilnguard.domain.roles import Role
from kilnguard.services import records as svc
from kilnguard.services.access import Principal
from kilnguard.services.auth import create_user
from kilnguard.store.models import Kiln, Worker

RECON = "reconstructed"
REGION_NAME = "North Hamgyong Province"
TZ = ZoneInfo("Asia/Pyongyang")
START = dt.date(2021, 8, 1)
KOMUSAN_BOOM = dt.date(2021, 11, 24)
CHONGJIN_BOOM = dt.date(2021, 10, 28)
CONTROL_END = dt.date(2021, 12, 31)
ADDITIONAL_TARGET_ON = dt.date(2021, 10, 4)
ADDITIONAL_TARGET_DEADLINE = dt.date(2021, 12, 17)
DEMO_PASSWORD = "kilnguard-demo"

BUILDER = Principal(0, "demo-builder", Role.ADMIN, None, frozenset())

#: Extra scenario steps other features register (change requests, alerts, investigations).
#: Each is called with (session, DemoPlants) after the base records exist.
EXTENSIONS: list[Callable[[Session, DemoPlants], None]] = []


@dataclass
class DemoPlants:
    region_id: int = 0
    enterprises: dict[str, int] = field(default_factory=dict)
    kilns: dict[str, int] = field(default_factory=dict)
    workers: dict[str, list[int]] = field(default_factory=dict)
    users: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, where


def days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    d = first
    while d <= last:
        yield d
        d += dt.timedelta(days=1)


def local(day: dt.date, hour: int) -> dt.datetime:
    """A plant-local wall-clock hour on `day` (hour may be ≥ 24 for the next day) as UTC."""
    base = dt.datetime.combine(day, dt.time(0), tzinfo=TZ) + dt.timedelta(hours=hour)
    return base.astimezone(dt.UTC)


# ------------------------------------------------------------------------------- rosters
EIGHT_HOUR_CYCLE = ("M", "M", "A", "A", "N", "N", "-", "-")  # 4-crew continuous rotation
SHIFT_START = {"M": 6, "A": 14, "N": 22, "D": 6, "X": 18}
SHIFT_LEN = {"M": 8, "A": 8, "N": 8, "D": 12, "X": 12}


def four_crew_code(crew_index: int, day: dt.date) -> str:
    """Classic 8-day 4-crew pattern; crews offset by 2 days so every shift is covered."""
    n = (day - START).days + 2 * crew_index
    return EIGHT_HOUR_CYCLE[n % 8]


def _production(
    kiln: Kiln, day: dt.date, load: float, shifts: int, note: str = ""
) -> list[svc.ProductionIn]:
    per_shift = kiln.rated_capacity_t_per_day * load / shifts
    hours = 24.0 / shifts
    return [
        svc.ProductionIn(
            kiln_id=kiln.id,
            day=day,
            shift_no=i + 1,
            output_t=round(per_shift, 2),
            hours_fired=hours,
            note=note,
            source=RECON,
        )
        for i in range(shifts)
    ]


def _kiln(session: Session, **kw: object) -> Kiln:
    return svc.create_kiln(session, BUILDER, svc.KilnIn(source=RECON, **kw))  # type: ignore[arg-type]


def _crews_and_workers(
    session: Session,
    enterprise_id: int,
    prefix: str,
    crews: int,
    per_crew: int,
    quals: tuple[str, ...],
) -> list[list[Worker]]:
    out: list[list[Worker]] = []
    for c in range(crews):
        crew = svc.create_crew(
            session, BUILDER, enterprise_id=enterprise_id, name=f"{prefix} crew {'ABCD'[c]}"
        )
        out.append(
            svc.create_workers(
                session,
                BUILDER,
                [
                    svc.WorkerIn(
                        enterprise_id=enterprise_id,
                        name=f"{prefix} {'ABCD'[c]}{i + 1}",
                        crew_id=crew.id,
                        qualifications=quals,
                        source=RECON,
                    )
                    for i in range(per_crew)
                ],
            )
        )
    return out


@dataclass(frozen=True)
class _Order:
    """One reconstructed work order: due, done (None: open), findings, deferrals as
    (deferred_on, new_due_on, reason, deferred_by), and a task text when it differs from the plan's."""

    due: dt.date
    done: dt.date | None = None
    findings: str = ""
    deferrals: tuple[tuple[dt.date, dt.date, str, str], ...] = ()
    task: str = ""


def _safety_plan(
    session: Session,
    kiln_id: int,
    task: str,
    orders: list[_Order],
    *,
    interval_days: int | None = None,
    interval_t: float | None = None,
    duration_days: int = 1,
) -> None:
    """A safety-critical maintenance plan, its work orders and their deferrals."""
    plan = svc.create_maintenance_plan(
        session,
        BUILDER,
        svc.MaintenancePlanIn(
            kiln_id=kiln_id,
            task=task,
            interval_days=interval_days,
            interval_t=interval_t,
            duration_days=duration_days,
            safety_critical=True,
            source=RECON,
        ),
    )
    rows = svc.create_work_orders(
        session,
        BUILDER,
        [
            svc.WorkOrderIn(
                kiln_id=kiln_id,
                plan_id=plan.id,
                task=o.task or task,
                safety_critical=True,
                due_on=o.due,
                done_on=o.done,
                findings=o.findings,
                source=RECON,
            )
            for o in orders
        ],
    )
    for row, order in zip(rows, orders, strict=True):
        for on, new_due, reason, by in order.deferrals:
            svc.defer_work_order(
                session,
                BUILDER,
                work_order_id=row.id,
                deferred_on=on,
                new_due_on=new_due,
                reason=reason,
                deferred_by=by,
                source=RECON,
            )


def _four_crew_shifts(
    crews: list[list[Worker]], kilns: list[Kiln], first: dt.date, last: dt.date
) -> list[svc.ShiftIn]:
    """Each crew on its 8-h rotation; its workers spread over the kilns."""
    items: list[svc.ShiftIn] = []
    for d in days(first, last):
        for ci, crew in enumerate(crews):
            code = four_crew_code(ci, d)
            if code == "-":
                continue
            for wi, w in enumerate(crew):
                start = SHIFT_START[code]
                items.append(
                    svc.ShiftIn(
                        worker_id=w.id,
                        kiln_id=kilns[wi % len(kilns)].id,
                        start_at=local(d, start),
                        end_at=local(d, start + SHIFT_LEN[code]),
                        source=RECON,
                    )
                )
    return items


# -------------------------------------------------------------------------------- region
def build_demo(session: Session) -> DemoPlants:
    """Build the whole demo region inside the caller's transaction."""
    plants = DemoPlants()
    region = svc.create_region(session, BUILDER, name=REGION_NAME, timezone="Asia/Pyongyang")
    plants.region_id = region.id
    _komusan(session, plants)
    _chongjin(session, plants)
    _control(session, plants)
    _users(session, plants)
    for extend in EXTENSIONS:
        extend(session, plants)
    return plants


def _komusan(session: Session, plants: DemoPlants) -> None:
    rng = random.Random(2021_11_24)
    ent = svc.create_enterprise(
        session,
        BUILDER,
        region_id=plants.region_id,
        name="Komusan Cement Factory",
        tier=1,
        sector="cement",
    )
    plants.enterprises["komusan"] = ent.id
    refractory = svc.create_section(
        session, BUILDER, enterprise_id=ent.id, name="Refractory section"
    )
    cement = svc.create_section(session, BUILDER, enterprise_id=ent.id, name="Cement line")
    rf = [
        _kiln(
            session,
            enterprise_id=ent.id,
            section_id=refractory.id,
            name=f"RF-{i}",
            kind="periodic",
            rated_capacity_t_per_day=40.0,
            max_temperature_c=1550.0,
            campaign_limit_days=90,
            lining_installed_on=dt.date(2021, 3, 1),
            lining_design_life_days=365,
        )
        for i in (1, 2, 3)
    ]
    rk = _kiln(
        session,
        enterprise_id=ent.id,
        section_id=cement.id,
        name="RK-1",
        kind="rotary",
        rated_capacity_t_per_day=600.0,
        max_temperature_c=1450.0,
        campaign_limit_days=330,
        lining_installed_on=dt.date(2021, 1, 15),
        lining_design_life_days=300,
    )
    for k in [*rf, rk]:
        plants.kilns[k.name] = k.id
        svc.create_planned_stop(
            session,
            BUILDER,
            svc.PlannedStopIn(
                kiln_id=k.id,
                start_on=dt.date(2021, 8, 9),
                end_on=dt.date(2021, 8, 11),
                reason="summer maintenance stop",
                source=RECON,
            ),
        )

    # Targets: the annual plan, then the additional state target of 4 Oct.
    svc.create_target(
        session,
        BUILDER,
        svc.TargetIn(
            enterprise_id=ent.id,
            section_id=refractory.id,
            quantity_t=15_000.0,
            entered_on=START,
            deadline=dt.date(2021, 12, 31),
            imposed_by="Annual plan (first year of the five-year plan)",
            description="Refractory brick, remainder of the annual plan",
            source=RECON,
        ),
    )
    svc.create_target(
        session,
        BUILDER,
        svc.TargetIn(
            enterprise_id=ent.id,
            section_id=refractory.id,
            quantity_t=20_000.0,
            entered_on=ADDITIONAL_TARGET_ON,
            deadline=ADDITIONAL_TARGET_DEADLINE,
            imposed_by="Factory party committee (additional state target)",
            additional=True,
            description="Additional target, to be reported as met by 17 Dec",
            source=RECON,
        ),
    )

    # Production: rated load, then the push.
    items: list[svc.ProductionIn] = []
    for d in days(START, KOMUSAN_BOOM):
        for k in [*rf, rk]:
            if dt.date(2021, 8, 9) <= d <= dt.date(2021, 8, 11):
                continue
            if d < dt.date(2021, 10, 5):
                load, shifts = rng.uniform(0.85, 0.95), 3
            elif d < dt.date(2021, 10, 21):
                load, shifts = rng.uniform(1.45, 1.55), 2
            else:
                ramp = (d - dt.date(2021, 10, 21)).days / (
                    KOMUSAN_BOOM - dt.date(2021, 10, 21)
                ).days
                load, shifts = 2.2 + 0.6 * ramp + rng.uniform(-0.05, 0.05), 2
            if k is rk:
                load = min(load, 1.0) if d < dt.date(2021, 10, 5) else 1.2 + rng.uniform(0, 0.05)
            if k.name == "RF-2" and d == KOMUSAN_BOOM:
                items.extend(_production(k, d, load / 2, 1, "firing stopped by the explosion"))
                continue
            items.extend(_production(k, d, load, shifts))
    svc.record_production(session, BUILDER, items)

    # Maintenance: monthly safety-critical inspections, done until the push, then deferred
    # twice "for the target"; RF-2's hot-face relining (by tonnage) deferred twice too.
    target_deferrals = (
        (
            dt.date(2021, 10, 10),
            dt.date(2021, 10, 31),
            "additional production target: no stop allowed",
            "Chief engineer",
        ),
        (
            dt.date(2021, 10, 31),
            dt.date(2021, 12, 18),
            "additional production target: report it met by 17 Dec first",
            "Factory manager",
        ),
    )
    for k in [*rf, rk]:
        for task in (
            "Refractory lining inspection (hot-face thickness, shell hot spots)",
            "Burner, flame-failure and fuel shut-off interlock test",
        ):
            _safety_plan(
                session,
                k.id,
                task,
                [
                    _Order(dt.date(2021, 8, 11), dt.date(2021, 8, 10), "within limits"),
                    _Order(dt.date(2021, 9, 10), dt.date(2021, 9, 9), "within limits"),
                    _Order(dt.date(2021, 10, 10), deferrals=target_deferrals),
                ],
                interval_days=30,
            )
        if k.kind == "periodic":
            relining = (
                [
                    _Order(
                        dt.date(2021, 10, 15),
                        task="Hot-face relining (inspection in Sep found thinning bricks)",
                        deferrals=(
                            (
                                dt.date(2021, 10, 15),
                                dt.date(2021, 11, 15),
                                "additional production target: kiln cannot be spared for 5 days",
                                "Chief engineer",
                            ),
                            (
                                dt.date(2021, 11, 15),
                                dt.date(2021, 12, 20),
                                "additional production target: after 17 Dec",
                                "Factory manager",
                            ),
                        ),
                    )
                ]
                if k.name == "RF-2"
                else []
            )
            _safety_plan(
                session, k.id, "Hot-face relining", relining, interval_t=12_000.0, duration_days=5
            )

    # Rosters: 4 crews × 8 h until 4 Oct; then 2 crews' worth of 12-h days and nights.
    ref_crews = _crews_and_workers(session, ent.id, "Refractory", 4, 6, ("periodic", "tunnel"))
    cem_crews = _crews_and_workers(session, ent.id, "Cement", 4, 3, ("rotary",))
    plants.workers["komusan"] = [w.id for crew in ref_crews + cem_crews for w in crew]
    push = dt.date(2021, 10, 5)
    roster = _four_crew_shifts(ref_crews, rf, START, push - dt.timedelta(days=1))
    roster += _four_crew_shifts(cem_crews, [rk], START, push - dt.timedelta(days=1))
    for crews, kilns in ((ref_crews, rf), (cem_crews, [rk])):
        day_crew = crews[0] + crews[1]
        night_crew = crews[2] + crews[3]
        for d in days(push, KOMUSAN_BOOM):
            for code, crew in (("D", day_crew), ("X", night_crew)):
                if d == KOMUSAN_BOOM and code == "X":
                    continue
                for wi, w in enumerate(crew):
                    # first day of the push: the night crew comes off its old pattern
                    start = SHIFT_START[code]
                    roster.append(
                        svc.ShiftIn(
                            worker_id=w.id,
                            kiln_id=kilns[wi % len(kilns)].id,
                            start_at=local(d, start),
                            end_at=local(d, start + SHIFT_LEN[code]),
                            source=RECON,
                        )
                    )
    svc.record_shifts(session, BUILDER, _drop_overlaps(roster))

    svc.create_incident(
        session,
        BUILDER,
        svc.IncidentIn(
            enterprise_id=ent.id,
            kiln_id=plants.kilns["RF-2"],
            section_id=refractory.id,
            occurred_at=local(KOMUSAN_BOOM, 15),
            event_type="explosion",
            killed=2,
            seriously_injured=6,
            description=(
                "Kiln RF-2 in the refractory section exploded in the afternoon of 24 Nov 2021 "
                "while running at 2–3× its previous workload in continuous operation "
                "(date, casualties and circumstances as reported by Daily NK; the hour, 15:00, "
                "is assumed)."
            ),
            immediate_actions="Firing stopped; casualties evacuated; provincial authority informed.",
            source=RECON,
        ),
    )


def _drop_overlaps(items: list[svc.ShiftIn]) -> list[svc.ShiftIn]:
    """At the switch from 8-h to 12-h rosters a worker's last old shift can overlap the first
    new one; the reconstruction keeps the earlier shift (what a supervisor would log)."""
    items = sorted(items, key=lambda s: (s.worker_id, s.start_at))
    kept: list[svc.ShiftIn] = []
    for s in items:
        if kept and kept[-1].worker_id == s.worker_id and s.start_at < kept[-1].end_at:
            continue
        kept.append(s)
    return kept


def _chongjin(session: Session, plants: DemoPlants) -> None:
    rng = random.Random(2021_10_19)
    ent = svc.create_enterprise(
        session,
        BUILDER,
        region_id=plants.region_id,
        name="Chongjin Chemical and Textile Factory",
        tier=1,
        sector="chemical and textile",
    )
    plants.enterprises["chongjin"] = ent.id
    itc = svc.create_section(
        session, BUILDER, enterprise_id=ent.id, name="Industrial Technology Center"
    )
    works = svc.create_section(session, BUILDER, enterprise_id=ent.id, name="Calcining works")
    tk = _kiln(
        session,
        enterprise_id=ent.id,
        section_id=itc.id,
        name="TK-1",
        kind="test",
        rated_capacity_t_per_day=0.2,
        max_temperature_c=1100.0,
        campaign_limit_days=30,
        lining_installed_on=dt.date(2020, 6, 1),
        lining_design_life_days=730,
    )
    ck = _kiln(
        session,
        enterprise_id=ent.id,
        section_id=works.id,
        name="CK-1",
        kind="rotary",
        rated_capacity_t_per_day=150.0,
        max_temperature_c=1200.0,
        campaign_limit_days=300,
        lining_installed_on=dt.date(2021, 4, 1),
        lining_design_life_days=400,
    )
    plants.kilns["TK-1"] = tk.id
    plants.kilns["CK-1"] = ck.id
    svc.create_planned_stop(
        session,
        BUILDER,
        svc.PlannedStopIn(
            kiln_id=ck.id,
            start_on=dt.date(2021, 9, 1),
            end_on=dt.date(2021, 9, 3),
            reason="quarterly maintenance",
            source=RECON,
        ),
    )
    items: list[svc.ProductionIn] = []
    for d in days(START, CHONGJIN_BOOM):
        if not dt.date(2021, 9, 1) <= d <= dt.date(2021, 9, 3):
            items.extend(_production(ck, d, rng.uniform(0.75, 0.9), 3))
        # TK-1: routine small test firings twice a week, within rating, until the experiment.
        if d < dt.date(2021, 10, 19) and d.weekday() in (1, 3):
            items.append(
                svc.ProductionIn(
                    kiln_id=tk.id,
                    day=d,
                    output_t=round(rng.uniform(0.05, 0.12), 3),
                    hours_fired=6.0,
                    note="routine materials test",
                    source=RECON,
                )
            )
    items.append(
        svc.ProductionIn(
            kiln_id=tk.id,
            day=CHONGJIN_BOOM,
            output_t=0.6,
            hours_fired=5.5,
            note="first plant-scale firing of the import-substitution reagent (3× rated charge)",
            source=RECON,
        )
    )
    svc.record_production(session, BUILDER, items)

    _safety_plan(
        session,
        tk.id,
        "Pressure-relief and interlock proof test",
        [
            _Order(dt.date(2021, 7, 2), dt.date(2021, 7, 1), "relief valve lifted at set pressure"),
            _Order(dt.date(2021, 9, 30)),  # never done: overdue at the first firing
        ],
        interval_days=90,
    )
    _safety_plan(
        session,
        ck.id,
        "Refractory lining inspection",
        [
            _Order(due, due, "within limits")
            for due in (dt.date(2021, 8, 15), dt.date(2021, 9, 2), dt.date(2021, 10, 2))
        ],
        interval_days=30,
    )

    techs = _crews_and_workers(session, ent.id, "ITC", 1, 8, ("test",))[0]
    ops = _crews_and_workers(session, ent.id, "Calcining", 4, 3, ("rotary",))
    plants.workers["chongjin"] = [w.id for w in techs] + [w.id for crew in ops for w in crew]
    shifts = _four_crew_shifts(ops, [ck], START, CHONGJIN_BOOM)
    for d in days(START, CHONGJIN_BOOM):
        rushed = d >= dt.date(2021, 10, 19)
        if not rushed and d.weekday() == 6:
            continue
        for w in techs:
            start, hours = (7, 14) if rushed else (8, 9)
            shifts.append(
                svc.ShiftIn(
                    worker_id=w.id,
                    kiln_id=tk.id,
                    section_id=itc.id,
                    start_at=local(d, start),
                    end_at=local(d, start + hours),
                    role="technician",
                    source=RECON,
                )
            )
    svc.record_shifts(session, BUILDER, shifts)
    svc.create_incident(
        session,
        BUILDER,
        svc.IncidentIn(
            enterprise_id=ent.id,
            kiln_id=tk.id,
            section_id=itc.id,
            occurred_at=local(CHONGJIN_BOOM, 14),
            event_type="explosion",
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
            source=RECON,
        ),
    )


def _control(session: Session, plants: DemoPlants) -> None:
    rng = random.Random(1234)
    ent = svc.create_enterprise(
        session,
        BUILDER,
        region_id=plants.region_id,
        name="Kyongsong Refractory Works",
        tier=2,
        sector="refractory brick",
    )
    plants.enterprises["control"] = ent.id
    hall = svc.create_section(session, BUILDER, enterprise_id=ent.id, name="Kiln hall")
    kilns = [
        _kiln(
            session,
            enterprise_id=ent.id,
            section_id=hall.id,
            name=f"KR-{i}",
            kind="periodic",
            rated_capacity_t_per_day=30.0,
            max_temperature_c=1500.0,
            campaign_limit_days=90,
            lining_installed_on=dt.date(2021, 6, 1),
            lining_design_life_days=365,
        )
        for i in (1, 2, 3)
    ]
    kilns.append(
        _kiln(
            session,
            enterprise_id=ent.id,
            section_id=hall.id,
            name="T-1",
            kind="tunnel",
            rated_capacity_t_per_day=60.0,
            max_temperature_c=1450.0,
            campaign_limit_days=120,
            lining_installed_on=dt.date(2021, 5, 1),
            lining_design_life_days=540,
        )
    )
    stops: set[tuple[int, dt.date]] = set()
    for k in kilns:
        plants.kilns[k.name] = k.id
        for month in (8, 9, 10, 11, 12):
            first = dt.date(2021, month, 1)
            svc.create_planned_stop(
                session,
                BUILDER,
                svc.PlannedStopIn(
                    kiln_id=k.id,
                    start_on=first,
                    end_on=first + dt.timedelta(days=1),
                    reason="monthly inspection stop",
                    source=RECON,
                ),
            )
            stops |= {(k.id, first), (k.id, first + dt.timedelta(days=1))}
    svc.create_target(
        session,
        BUILDER,
        svc.TargetIn(
            enterprise_id=ent.id,
            section_id=hall.id,
            quantity_t=22_000.0,
            entered_on=START,
            deadline=CONTROL_END,
            imposed_by="Annual plan",
            description="Refractory brick, remainder of the annual plan",
            source=RECON,
        ),
    )
    items: list[svc.ProductionIn] = []
    for d in days(START, CONTROL_END):
        for k in kilns:
            if (k.id, d) in stops:
                continue
            items.extend(_production(k, d, rng.uniform(0.70, 0.95), 3))
    svc.record_production(session, BUILDER, items)
    for k in kilns:
        _safety_plan(
            session,
            k.id,
            "Refractory lining inspection",
            [
                _Order(dt.date(2021, m, 2), dt.date(2021, m, 1), "within limits")
                for m in (8, 9, 10, 11, 12)
            ],
            interval_days=30,
        )
    crews = _crews_and_workers(session, ent.id, "Kyongsong", 4, 4, ("periodic", "tunnel"))
    plants.workers["control"] = [w.id for crew in crews for w in crew]
    svc.record_shifts(session, BUILDER, _four_crew_shifts(crews, kilns, START, CONTROL_END))


def _users(session: Session, plants: DemoPlants) -> None:
    kom, cho, ctl = (plants.enterprises[k] for k in ("komusan", "chongjin", "control"))
    specs: list[tuple[str, Role, list[int], str]] = [
        ("operator", Role.OPERATOR, [kom], "Komusan Cement Factory"),
        ("maintenance", Role.MAINTENANCE, [kom], "Komusan Cement Factory"),
        ("safety", Role.SAFETY_OFFICER, [kom], "Komusan Cement Factory"),
        ("manager", Role.MANAGER, [kom], "Komusan Cement Factory"),
        ("technician", Role.TECHNICIAN, [cho], "Chongjin Chemical and Textile Factory"),
        ("technical-lead", Role.TECHNICAL_LEAD, [cho], "Chongjin Chemical and Textile Factory"),
        ("chongjin-manager", Role.MANAGER, [cho], "Chongjin Chemical and Textile Factory"),
        ("chongjin-safety", Role.SAFETY_OFFICER, [cho], "Chongjin Chemical and Textile Factory"),
        ("kyongsong-manager", Role.MANAGER, [ctl], "Kyongsong Refractory Works"),
        ("investigator", Role.INVESTIGATOR, [kom, cho], "Komusan and Chongjin"),
        ("regulator", Role.REGULATOR, [], REGION_NAME),
        ("admin", Role.ADMIN, [], "whole installation"),
    ]
    for username, role, ents, where in specs:
        create_user(
            session,
            BUILDER,
            username=username,
            password=DEMO_PASSWORD,
            role=role.value,
            display_name=username.replace("-", " ").title(),
            enterprise_ids=ents,
            region_id=plants.region_id if role is Role.REGULATOR else None,
        )
        plants.users.append((username, role.value, where))
