"""Use cases that create and change plant records.

Each function validates every item first (naming field, value and rule), checks tenancy and
role through `services.access`, writes inside the caller's transaction and appends one audit
entry per record. Nothing commits here: the unit of work does, or rolls everything back.
Batch functions validate the whole batch and raise `BatchValidationError` listing every bad
row, so an import is all-or-nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from kilnguard.domain import plant as rules
from kilnguard.domain.errors import (
    BatchValidationError,
    KilnguardError,
    NotFound,
    RowError,
    ValidationError,
)
from kilnguard.domain.roles import Role
from kilnguard.services import audit
from kilnguard.services.access import Principal, get_readable, require_role, require_write
from kilnguard.store.models import (
    Base,
    Crew,
    Enterprise,
    Incident,
    Kiln,
    MaintenancePlan,
    PlannedStop,
    ProductionRecord,
    Region,
    Section,
    Shift,
    Target,
    Worker,
    WorkOrder,
    WorkOrderDeferral,
)

T = TypeVar("T")


def record_payload(obj: Base) -> dict[str, Any]:
    """Column values of a row, for the audit entry."""
    mapper = inspect(obj).mapper
    return {c.key: getattr(obj, c.key) for c in mapper.column_attrs}


def _audit_rows(
    session: Session, who: Principal, action: str, kind: str, rows: Sequence[Base]
) -> None:
    session.flush()
    for row in rows:
        audit.append(
            session,
            actor=who.username,
            action=action,
            entity=kind,
            entity_id=row.id,  # type: ignore[attr-defined]
            enterprise_id=getattr(row, "enterprise_id", None),
            payload=record_payload(row),
        )


def _validate_batch(items: Sequence[T], check: Callable[[int, T], None]) -> None:
    """Run `check` on every item, collecting errors with 1-based row numbers."""
    errors: list[RowError] = []
    for i, item in enumerate(items, start=1):
        try:
            check(i, item)
        except ValidationError as exc:
            errors.append(RowError(i, exc.field, f"{exc.value!r}: {exc.rule}", exc))
        except KilnguardError as exc:
            errors.append(RowError(i, "", exc.message, exc))
    if errors:
        raise BatchValidationError(errors)


def _single(exc: BatchValidationError) -> KilnguardError:
    """A one-item batch failure reads better as the plain validation error."""
    if len(exc.errors) == 1 and exc.errors[0].cause is not None:
        return exc.errors[0].cause
    if len(exc.errors) == 1:
        err = exc.errors[0]
        return ValidationError(err.column or "record", "", err.reason)
    return exc


def _kiln_for_write(session: Session, who: Principal, kind: str, kiln_id: int) -> Kiln:
    kiln = get_readable(session, who, Kiln, kiln_id)
    require_write(session, who, kind, kiln.enterprise_id)
    return kiln


# ----------------------------------------------------------------------------------- plant
def create_region(session: Session, who: Principal, *, name: str, timezone: str = "UTC") -> Region:
    rules.require_text("name", name)
    require_role(who, Role.ADMIN)
    region = Region(name=name, timezone=timezone)
    session.add(region)
    _audit_rows(session, who, "create", "region", [region])
    return region


def create_enterprise(
    session: Session, who: Principal, *, region_id: int, name: str, tier: int, sector: str
) -> Enterprise:
    rules.require_text("name", name)
    rules.validate_tier(tier)
    rules.require_text("sector", sector)
    require_role(who, Role.ADMIN)
    if session.get(Region, region_id) is None:
        raise ValidationError("region_id", region_id, "no such region")
    ent = Enterprise(region_id=region_id, name=name, tier=tier, sector=sector)
    session.add(ent)
    _audit_rows(session, who, "create", "enterprise", [ent])
    return ent


def create_section(session: Session, who: Principal, *, enterprise_id: int, name: str) -> Section:
    rules.require_text("name", name)
    require_write(session, who, "plant", enterprise_id)
    sec = Section(enterprise_id=enterprise_id, name=name)
    session.add(sec)
    _audit_rows(session, who, "create", "section", [sec])
    return sec


@dataclass(frozen=True)
class KilnIn:
    enterprise_id: int
    name: str
    kind: str
    rated_capacity_t_per_day: float
    max_temperature_c: float
    campaign_limit_days: int
    section_id: int | None = None
    lining_installed_on: dt.date | None = None
    lining_design_life_days: int | None = None
    source: str = "recorded"


def create_kiln(session: Session, who: Principal, data: KilnIn) -> Kiln:
    rules.require_text("name", data.name)
    rules.validate_kiln(
        kind=data.kind,
        rated_capacity_t_per_day=data.rated_capacity_t_per_day,
        max_temperature_c=data.max_temperature_c,
        campaign_limit_days=data.campaign_limit_days,
        lining_design_life_days=data.lining_design_life_days,
    )
    rules.require_choice("source", data.source, [s.value for s in rules.Source])
    require_write(session, who, "plant", data.enterprise_id)
    if data.section_id is not None:
        sec = session.get(Section, data.section_id)
        if sec is None or sec.enterprise_id != data.enterprise_id:
            raise ValidationError(
                "section_id", data.section_id, "no such section in this enterprise"
            )
    kiln = Kiln(**asdict(data))
    session.add(kiln)
    _audit_rows(session, who, "create", "kiln", [kiln])
    return kiln


def create_crew(session: Session, who: Principal, *, enterprise_id: int, name: str) -> Crew:
    rules.require_text("name", name)
    require_write(session, who, "worker", enterprise_id)
    crew = Crew(enterprise_id=enterprise_id, name=name)
    session.add(crew)
    _audit_rows(session, who, "create", "crew", [crew])
    return crew


@dataclass(frozen=True)
class WorkerIn:
    enterprise_id: int
    name: str
    crew_id: int | None = None
    job: str = "kiln operator"
    qualifications: tuple[str, ...] = ()
    source: str = "recorded"


def create_workers(session: Session, who: Principal, items: Sequence[WorkerIn]) -> list[Worker]:
    def check(_: int, w: WorkerIn) -> None:
        rules.require_text("name", w.name)
        for q in w.qualifications:
            rules.require_choice("qualifications", q, [k.value for k in rules.KilnKind])
        require_write(session, who, "worker", w.enterprise_id)
        if w.crew_id is not None:
            crew = session.get(Crew, w.crew_id)
            if crew is None or crew.enterprise_id != w.enterprise_id:
                raise ValidationError("crew_id", w.crew_id, "no such crew in this enterprise")

    _validate_batch(items, check)
    rows = [
        Worker(
            enterprise_id=w.enterprise_id,
            name=w.name,
            crew_id=w.crew_id,
            job=w.job,
            qualifications=",".join(w.qualifications),
            source=w.source,
        )
        for w in items
    ]
    session.add_all(rows)
    _audit_rows(session, who, "create", "worker", rows)
    return rows


# ------------------------------------------------------------------------------ production
@dataclass(frozen=True)
class ProductionIn:
    kiln_id: int
    day: dt.date
    output_t: float
    hours_fired: float
    shift_no: int = 1
    note: str = ""
    source: str = "recorded"


def record_production(
    session: Session, who: Principal, items: Sequence[ProductionIn]
) -> list[ProductionRecord]:
    """Record kiln output per shift (t, hours fired)."""
    kilns: dict[int, Kiln] = {}

    def check(_: int, p: ProductionIn) -> None:
        rules.validate_production(
            output_t=p.output_t, hours_fired=p.hours_fired, shift_no=p.shift_no
        )
        rules.require_choice("source", p.source, [s.value for s in rules.Source])
        if p.kiln_id not in kilns:
            try:
                kilns[p.kiln_id] = _kiln_for_write(session, who, "production_record", p.kiln_id)
            except NotFound as exc:
                raise ValidationError(
                    "kiln_id", p.kiln_id, "no such kiln in your enterprises"
                ) from exc

    _validate_batch(items, check)
    rows = [
        ProductionRecord(
            enterprise_id=kilns[p.kiln_id].enterprise_id,
            kiln_id=p.kiln_id,
            day=p.day,
            shift_no=p.shift_no,
            output_t=p.output_t,
            hours_fired=p.hours_fired,
            note=p.note,
            source=p.source,
        )
        for p in items
    ]
    session.add_all(rows)
    _audit_rows(session, who, "create", "production_record", rows)
    return rows


def record_production_one(session: Session, who: Principal, item: ProductionIn) -> ProductionRecord:
    try:
        return record_production(session, who, [item])[0]
    except BatchValidationError as exc:
        raise _single(exc) from exc


# ---------------------------------------------------------------------------------- shifts
@dataclass(frozen=True)
class ShiftIn:
    worker_id: int
    start_at: dt.datetime
    end_at: dt.datetime
    kiln_id: int | None = None
    section_id: int | None = None
    role: str = "operator"
    source: str = "recorded"


def record_shifts(session: Session, who: Principal, items: Sequence[ShiftIn]) -> list[Shift]:
    """Record worked shifts. Refuses a shift that ends before it starts and any two shifts of
    one worker that overlap, within the batch or with shifts already stored."""
    workers: dict[int, Worker] = {}

    def check(_: int, s: ShiftIn) -> None:
        rules.validate_shift_times(s.start_at, s.end_at)
        if s.kiln_id is None and s.section_id is None:
            raise ValidationError("kiln_id", None, "a shift is worked on a kiln or in a section")
        if s.worker_id not in workers:
            w = session.get(Worker, s.worker_id)
            if w is None:
                raise ValidationError("worker_id", s.worker_id, "no such worker")
            workers[s.worker_id] = w
        worker = workers[s.worker_id]
        try:
            require_write(session, who, "shift", worker.enterprise_id)
        except NotFound as exc:
            raise ValidationError("worker_id", s.worker_id, "no such worker") from exc
        if s.kiln_id is not None:
            kiln = session.get(Kiln, s.kiln_id)
            if kiln is None or kiln.enterprise_id != worker.enterprise_id:
                raise ValidationError(
                    "kiln_id", s.kiln_id, "the kiln must belong to the worker's enterprise"
                )

    _validate_batch(items, check)
    # Overlaps: within the batch, and against stored shifts of the same workers.
    fresh = [
        rules.Interval(s.worker_id, s.start_at, s.end_at, f"row {i}")
        for i, s in enumerate(items, start=1)
    ]
    lo = min(s.start_at for s in items) if items else None
    hi = max(s.end_at for s in items) if items else None
    stored: list[rules.Interval] = []
    if items:
        for sh in session.scalars(
            select(Shift).where(
                Shift.worker_id.in_(list(workers)), Shift.end_at > lo, Shift.start_at < hi
            )
        ):
            stored.append(
                rules.Interval(sh.worker_id, sh.start_at, sh.end_at, f"stored shift {sh.id}")
            )
    errors: list[RowError] = []
    for a, b in rules.find_overlaps(stored + fresh):
        row_iv = b if b.label.startswith("row") else a
        other = a if row_iv is b else b
        row = int(row_iv.label.split()[1])
        errors.append(
            RowError(
                row,
                "start_at",
                f"worker {row_iv.key}'s shift {row_iv.start.isoformat()}–{row_iv.end.isoformat()} "
                f"overlaps {other.label} ({other.start.isoformat()}–{other.end.isoformat()})",
            )
        )
    if errors:
        raise BatchValidationError(sorted(errors, key=lambda e: e.row))
    rows = [
        Shift(
            enterprise_id=workers[s.worker_id].enterprise_id,
            worker_id=s.worker_id,
            crew_id=workers[s.worker_id].crew_id,
            kiln_id=s.kiln_id,
            section_id=s.section_id,
            start_at=s.start_at,
            end_at=s.end_at,
            role=s.role,
            source=s.source,
        )
        for s in items
    ]
    session.add_all(rows)
    _audit_rows(session, who, "create", "shift", rows)
    return rows


def record_shift_one(session: Session, who: Principal, item: ShiftIn) -> Shift:
    try:
        return record_shifts(session, who, [item])[0]
    except BatchValidationError as exc:
        raise _single(exc) from exc


# ----------------------------------------------------------------------------- maintenance
@dataclass(frozen=True)
class MaintenancePlanIn:
    kiln_id: int
    task: str
    interval_days: int | None = None
    interval_t: float | None = None
    duration_days: int = 1
    safety_critical: bool = False
    source: str = "recorded"


def create_maintenance_plan(
    session: Session, who: Principal, data: MaintenancePlanIn
) -> MaintenancePlan:
    rules.validate_maintenance_plan(
        task=data.task,
        interval_days=data.interval_days,
        interval_t=data.interval_t,
        duration_days=data.duration_days,
    )
    kiln = _kiln_for_write(session, who, "maintenance_plan", data.kiln_id)
    plan = MaintenancePlan(enterprise_id=kiln.enterprise_id, **asdict(data))
    session.add(plan)
    _audit_rows(session, who, "create", "maintenance_plan", [plan])
    return plan


@dataclass(frozen=True)
class WorkOrderIn:
    kiln_id: int
    task: str
    due_on: dt.date
    plan_id: int | None = None
    safety_critical: bool = False
    done_on: dt.date | None = None
    findings: str = ""
    source: str = "recorded"
    enterprise_id: int | None = None  # optional cross-check of the kiln's enterprise


def create_work_orders(
    session: Session, who: Principal, items: Sequence[WorkOrderIn]
) -> list[WorkOrder]:
    kilns: dict[int, Kiln] = {}

    def check(_: int, w: WorkOrderIn) -> None:
        rules.validate_work_order(task=w.task, due_on=w.due_on, done_on=w.done_on)
        if w.kiln_id not in kilns:
            try:
                kilns[w.kiln_id] = _kiln_for_write(session, who, "work_order", w.kiln_id)
            except NotFound as exc:
                raise ValidationError(
                    "kiln_id", w.kiln_id, "no such kiln in your enterprises"
                ) from exc
        kiln = kilns[w.kiln_id]
        if w.enterprise_id is not None and w.enterprise_id != kiln.enterprise_id:
            raise ValidationError(
                "kiln_id", w.kiln_id, "a work order must be on a kiln of its own enterprise"
            )
        if w.plan_id is not None:
            plan = session.get(MaintenancePlan, w.plan_id)
            if plan is None or plan.kiln_id != w.kiln_id:
                raise ValidationError(
                    "plan_id", w.plan_id, "no such maintenance plan for this kiln"
                )

    _validate_batch(items, check)
    rows = []
    for w in items:
        values = asdict(w)
        values.pop("enterprise_id")
        rows.append(WorkOrder(enterprise_id=kilns[w.kiln_id].enterprise_id, **values))
    session.add_all(rows)
    _audit_rows(session, who, "create", "work_order", rows)
    return rows


def create_work_order_one(session: Session, who: Principal, item: WorkOrderIn) -> WorkOrder:
    try:
        return create_work_orders(session, who, [item])[0]
    except BatchValidationError as exc:
        raise _single(exc) from exc


def defer_work_order(
    session: Session,
    who: Principal,
    *,
    work_order_id: int,
    deferred_on: dt.date,
    new_due_on: dt.date,
    reason: str,
    deferred_by: str | None = None,
    source: str = "recorded",
) -> WorkOrderDeferral:
    """Move a due date later, keeping why and by whom (the record investigators ask for)."""
    wo = get_readable(session, who, WorkOrder, work_order_id)
    require_write(session, who, "work_order", wo.enterprise_id)
    if wo.done_on is not None:
        raise ValidationError(
            "work_order_id", work_order_id, "a completed work order cannot be deferred"
        )
    by = deferred_by or who.username
    rules.validate_deferral(
        current_due_on=wo.due_on, new_due_on=new_due_on, reason=reason, deferred_by=by
    )
    d = WorkOrderDeferral(
        enterprise_id=wo.enterprise_id,
        work_order_id=wo.id,
        deferred_on=deferred_on,
        previous_due_on=wo.due_on,
        new_due_on=new_due_on,
        reason=reason,
        deferred_by=by,
        source=source,
    )
    session.add(d)
    wo.due_on = new_due_on
    _audit_rows(session, who, "defer", "work_order", [d])
    return d


def complete_work_order(
    session: Session, who: Principal, *, work_order_id: int, done_on: dt.date, findings: str = ""
) -> WorkOrder:
    wo = get_readable(session, who, WorkOrder, work_order_id)
    require_write(session, who, "work_order", wo.enterprise_id)
    if wo.done_on is not None:
        raise ValidationError("done_on", done_on.isoformat(), f"already completed on {wo.done_on}")
    wo.done_on = done_on
    wo.findings = findings
    _audit_rows(session, who, "complete", "work_order", [wo])
    return wo


# -------------------------------------------------------------------------- stops, targets
@dataclass(frozen=True)
class PlannedStopIn:
    kiln_id: int
    start_on: dt.date
    end_on: dt.date
    reason: str = ""
    source: str = "recorded"


def create_planned_stop(session: Session, who: Principal, data: PlannedStopIn) -> PlannedStop:
    rules.validate_planned_stop(start_on=data.start_on, end_on=data.end_on)
    kiln = _kiln_for_write(session, who, "planned_stop", data.kiln_id)
    stop = PlannedStop(enterprise_id=kiln.enterprise_id, **asdict(data))
    session.add(stop)
    _audit_rows(session, who, "create", "planned_stop", [stop])
    return stop


@dataclass(frozen=True)
class TargetIn:
    enterprise_id: int
    quantity_t: float
    entered_on: dt.date
    deadline: dt.date
    imposed_by: str
    additional: bool = False
    description: str = ""
    section_id: int | None = None
    kiln_id: int | None = None
    source: str = "recorded"


def create_target(session: Session, who: Principal, data: TargetIn) -> Target:
    rules.validate_target(
        quantity_t=data.quantity_t, entered_on=data.entered_on, deadline=data.deadline
    )
    rules.require_text("imposed_by", data.imposed_by)
    require_write(session, who, "target", data.enterprise_id)
    if data.kiln_id is not None:
        kiln = session.get(Kiln, data.kiln_id)
        if kiln is None or kiln.enterprise_id != data.enterprise_id:
            raise ValidationError("kiln_id", data.kiln_id, "no such kiln in this enterprise")
    if data.section_id is not None:
        sec = session.get(Section, data.section_id)
        if sec is None or sec.enterprise_id != data.enterprise_id:
            raise ValidationError(
                "section_id", data.section_id, "no such section in this enterprise"
            )
    target = Target(**asdict(data))
    session.add(target)
    _audit_rows(session, who, "create", "target", [target])
    return target


# ------------------------------------------------------------------------------- incidents
@dataclass(frozen=True)
class IncidentIn:
    enterprise_id: int
    occurred_at: dt.datetime
    event_type: str
    kiln_id: int | None = None
    section_id: int | None = None
    killed: int = 0
    seriously_injured: int = 0
    minor_injuries: int = 0
    missing: int = 0
    description: str = ""
    immediate_actions: str = ""
    source: str = "recorded"
    extra: dict[str, Any] = field(default_factory=dict)


def create_incident(session: Session, who: Principal, data: IncidentIn) -> Incident:
    rules.validate_incident(
        event_type=data.event_type,
        killed=data.killed,
        seriously_injured=data.seriously_injured,
        minor_injuries=data.minor_injuries,
        missing=data.missing,
    )
    if data.occurred_at.tzinfo is None:
        raise ValidationError("occurred_at", data.occurred_at.isoformat(), "must carry a time zone")
    require_write(session, who, "incident", data.enterprise_id)
    if data.kiln_id is not None:
        kiln = session.get(Kiln, data.kiln_id)
        if kiln is None or kiln.enterprise_id != data.enterprise_id:
            raise ValidationError("kiln_id", data.kiln_id, "no such kiln in this enterprise")
    values = asdict(data)
    values.pop("extra")
    inc = Incident(**values)
    session.add(inc)
    _audit_rows(session, who, "create", "incident", [inc])
    return inc
