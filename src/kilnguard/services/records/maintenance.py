"""Maintenance: plans, work orders (with their deferrals and completion), planned stops."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

from sqlalchemy.orm import Session

from kilnguard.domain import plant as rules
from kilnguard.domain.errors import Conflict, ValidationError
from kilnguard.services import access, writes
from kilnguard.services.access import Principal
from kilnguard.services.records.batch import (
    NUMBER_LEN,
    FreeNumbers,
    kiln_for_write,
    one,
    validate_with,
    write_all,
    write_on_kilns,
)
from kilnguard.services.records.plant import require_own
from kilnguard.store.models import (
    Kiln,
    MaintenancePlan,
    PlannedStop,
    WorkOrder,
    WorkOrderDeferral,
)


@dataclass(frozen=True)
class MaintenancePlanIn:
    kiln_id: int
    task: str
    interval_days: int | None = None
    interval_t: float | None = None
    duration_days: int = 1
    safety_critical: bool = False
    source: str = "recorded"
    protects: str = "none"  # domain.plant.Protects: a protection layer, the lining, or none


def create_maintenance_plan(
    session: Session, who: Principal, data: MaintenancePlanIn
) -> MaintenancePlan:
    validate_with(rules.validate_maintenance_plan, data)
    kiln = kiln_for_write(session, who, "maintenance_plan", data.kiln_id)
    plan = MaintenancePlan(enterprise_id=kiln.enterprise_id, **asdict(data))
    return write_all(session, who, [plan], kind="maintenance_plan")[0]


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
    number: str = ""  # the work-order number; empty: the next free WO-<n> of the enterprise


def create_work_orders(
    session: Session, who: Principal, items: Sequence[WorkOrderIn]
) -> list[WorkOrder]:

    def check(w: WorkOrderIn, kiln_of: Callable[[int], Kiln]) -> None:
        validate_with(rules.validate_work_order, w)
        if len(w.number) > NUMBER_LEN:
            raise ValidationError("number", w.number, f"at most {NUMBER_LEN} characters")
        kiln = kiln_of(w.kiln_id)
        if w.enterprise_id is not None and w.enterprise_id != kiln.enterprise_id:
            raise ValidationError(
                "kiln_id", w.kiln_id, "a work order must be on a kiln of its own enterprise"
            )
        rule = "no such maintenance plan for this kiln"
        require_own(session, MaintenancePlan, w.plan_id, w.kiln_id, "plan_id", rule, "kiln_id")

    numbers = FreeNumbers(session, WorkOrder, "WO-")
    seen: dict[tuple[int, str], int] = {}

    def check_number(row: int, w: WorkOrderIn, kiln: Kiln) -> None:
        if not w.number:
            return
        key = (kiln.enterprise_id, w.number.strip())
        if key in seen:
            raise ValidationError("number", w.number, f"also given on row {seen[key]}")
        seen[key] = row
        if numbers.taken(kiln.enterprise_id, key[1]):
            raise ValidationError("number", w.number, "a work order with this number exists")

    def row(w: WorkOrderIn, kiln: Kiln) -> WorkOrder:
        values = asdict(w)
        values.pop("enterprise_id")
        values["number"] = w.number.strip() or numbers.next(kiln.enterprise_id)
        return WorkOrder(enterprise_id=kiln.enterprise_id, **values)

    return write_on_kilns(
        session,
        who,
        items,
        kind="work_order",
        check=check,
        row=row,
        check_row=check_number,
    )


def create_work_order_one(session: Session, who: Principal, item: WorkOrderIn) -> WorkOrder:
    return one(create_work_orders, session, who, item)


def _open_work_order(session: Session, who: Principal, work_order_id: int) -> WorkOrder:
    """The work order `who` may change (NotFound when not theirs to read), re-read under a row
    lock so that concurrent deferrals and completions of it are judged one after another."""
    wo = access.get_readable(session, who, WorkOrder, work_order_id)
    access.require_write(session, who, "work_order", wo.enterprise_id)
    return writes.locked(session, WorkOrder, wo.id) or wo


def defer_work_order(
    session: Session,
    who: Principal,
    *,
    work_order_id: int,
    deferred_on: dt.date,
    reason: str,
    new_due_on: dt.date | None = None,
    deferred_by: str | None = None,
    source: str = "recorded",
) -> WorkOrderDeferral:
    """Defer a work order, keeping why and by whom (the record investigators ask for).

    `deferred_by` is the person who decided it, a user or not (free text); the user entering
    it when not given. `new_due_on`, when given, moves the due date later; without it the order
    stays due, and overdue, on its current date (a deferral with no new date)."""
    wo = _open_work_order(session, who, work_order_id)
    if wo.done_on is not None:
        raise ValidationError(
            "work_order_id", work_order_id, "a completed work order cannot be deferred"
        )
    by = deferred_by or who.username
    rules.validate_deferral(
        current_due_on=wo.due_on, new_due_on=new_due_on, reason=reason, deferred_by=by
    )
    for earlier in wo.deferrals:
        same = (earlier.deferred_on, earlier.previous_due_on, earlier.new_due_on, earlier.reason)
        if same == (deferred_on, wo.due_on, new_due_on, reason):
            raise Conflict(f"work order {wo.id}: this deferral is already recorded ({earlier.id})")
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
    writes.change(
        session,
        wo,
        expect={"done_on": None, "due_on": wo.due_on},
        values={"due_on": new_due_on or wo.due_on},
        conflict=f"work order {wo.id} was completed or deferred meanwhile: reload it",
    )
    return write_all(session, who, [d], kind="work_order", action="defer")[0]


def complete_work_order(
    session: Session, who: Principal, *, work_order_id: int, done_on: dt.date, findings: str = ""
) -> WorkOrder:
    wo = _open_work_order(session, who, work_order_id)
    if wo.done_on is not None:
        raise Conflict(f"work order {wo.id} was already completed on {wo.done_on}")
    writes.change(
        session,
        wo,
        expect={"done_on": None},
        values={"done_on": done_on, "findings": findings},
        conflict=f"work order {wo.id} was completed meanwhile",
    )
    return write_all(session, who, [wo], kind="work_order", action="complete")[0]


@dataclass(frozen=True)
class PlannedStopIn:
    kiln_id: int
    start_on: dt.date
    end_on: dt.date
    reason: str = ""
    source: str = "recorded"
    relines_lining: bool = False  # the stop renews the refractory lining (resets wear)


def create_planned_stop(session: Session, who: Principal, data: PlannedStopIn) -> PlannedStop:
    validate_with(rules.validate_planned_stop, data)
    kiln = kiln_for_write(session, who, "planned_stop", data.kiln_id)
    stop = PlannedStop(enterprise_id=kiln.enterprise_id, **asdict(data))
    return write_all(session, who, [stop], kind="planned_stop")[0]
