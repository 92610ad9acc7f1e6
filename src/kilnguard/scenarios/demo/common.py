"""The demo region's shared vocabulary: its dates, the builder, and one helper per kind of record.

Every record is written through the ordinary services as `BUILDER` and labelled
`source = "reconstructed"`; the helpers keep the scenario modules to the figures that differ.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from kilnguard.domain.plant import Protects
from kilnguard.domain.roles import Role
from kilnguard.services import records as svc
from kilnguard.services.access import Principal
from kilnguard.store.models import Enterprise, Kiln, Section

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


# ------------------------------------------------------------------------- plant records
def enterprise(
    session: Session, plants: DemoPlants, key: str, name: str, tier: int, sector: str
) -> Enterprise:
    """An enterprise of the region, remembered in `plants.enterprises[key]`."""
    ent = svc.create_enterprise(
        session, BUILDER, region_id=plants.region_id, name=name, tier=tier, sector=sector
    )
    plants.enterprises[key] = ent.id
    return ent


def section(session: Session, ent: Enterprise, name: str) -> Section:
    return svc.create_section(session, BUILDER, enterprise_id=ent.id, name=name)


class KilnSpec(NamedTuple):
    """A reconstructed kiln's name-plate: the figures the risk models read."""

    name: str
    kind: str
    rated_capacity_t_per_day: float
    max_temperature_c: float
    campaign_limit_days: int
    lining_installed_on: dt.date
    lining_design_life_days: int


def kilns(session: Session, plants: DemoPlants, at: Section, specs: list[KilnSpec]) -> list[Kiln]:
    """The kilns of one section, in order, remembered in `plants.kilns` by name."""
    made = [
        svc.create_kiln(
            session,
            BUILDER,
            svc.KilnIn(
                enterprise_id=at.enterprise_id, section_id=at.id, source=RECON, **s._asdict()
            ),
        )
        for s in specs
    ]
    for k in made:
        plants.kilns[k.name] = k.id
    return made


def planned_stop(
    session: Session, kiln_id: int, first: dt.date, last: dt.date, reason: str
) -> None:
    svc.create_planned_stop(
        session,
        BUILDER,
        svc.PlannedStopIn(
            kiln_id=kiln_id, start_on=first, end_on=last, reason=reason, source=RECON
        ),
    )


def target(
    session: Session,
    at: Section,
    quantity_t: float,
    period: tuple[dt.date, dt.date],
    imposed_by: str,
    description: str,
    *,
    additional: bool = False,
) -> None:
    """A production target on a section, entered on `period[0]`, due on `period[1]`."""
    svc.create_target(
        session,
        BUILDER,
        svc.TargetIn(
            enterprise_id=at.enterprise_id,
            section_id=at.id,
            quantity_t=quantity_t,
            entered_on=period[0],
            deadline=period[1],
            imposed_by=imposed_by,
            additional=additional,
            description=description,
            source=RECON,
        ),
    )


def production(
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


# ------------------------------------------------------------------------- maintenance
Deferral = tuple[dt.date, dt.date, str, str]  # deferred_on, new_due_on, reason, deferred_by


@dataclass(frozen=True)
class Order:
    """One reconstructed work order: due, done (None: open), findings, deferrals as
    (deferred_on, new_due_on, reason, deferred_by), and a task text when it differs from the plan's."""

    due: dt.date
    done: dt.date | None = None
    findings: str = ""
    deferrals: tuple[Deferral, ...] = ()
    task: str = ""


def deferred_twice(
    dates: tuple[dt.date, dt.date, dt.date], first_reason: str, second_reason: str
) -> tuple[Deferral, Deferral]:
    """The chief engineer defers a work order from `dates[0]` to `dates[1]`; on that day the
    factory manager defers it again, to `dates[2]`."""
    return (
        (dates[0], dates[1], first_reason, "Chief engineer"),
        (dates[1], dates[2], second_reason, "Factory manager"),
    )


def safety_plan(
    session: Session,
    kiln_id: int,
    task: str,
    orders: list[Order],
    *,
    interval_days: int | None = None,
    interval_t: float | None = None,
    duration_days: int = 1,
    protects: Protects = Protects.NONE,
) -> None:
    """A safety-critical maintenance plan (what it `protects`, said explicitly), its work
    orders and their deferrals."""
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
            protects=protects.value,
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


def incident(
    session: Session,
    at: Section,
    kiln_id: int,
    occurred_at: dt.datetime,
    *,
    killed: int = 0,
    seriously_injured: int = 0,
    minor_injuries: int = 0,
    description: str,
    immediate_actions: str,
) -> None:
    """An explosion on a kiln of section `at`."""
    svc.create_incident(
        session,
        BUILDER,
        svc.IncidentIn(
            enterprise_id=at.enterprise_id,
            kiln_id=kiln_id,
            section_id=at.id,
            occurred_at=occurred_at,
            event_type="explosion",
            killed=killed,
            seriously_injured=seriously_injured,
            minor_injuries=minor_injuries,
            description=description,
            immediate_actions=immediate_actions,
            source=RECON,
        ),
    )
