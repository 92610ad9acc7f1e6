"""Plant-record API shapes. Field names carry their units; OpenAPI is the contract other tools
read. `*Out` models read the record views of `services.records.views` (stored columns)."""

from __future__ import annotations

import datetime as dt
from dataclasses import MISSING
from dataclasses import fields as dataclass_fields
from typing import Any, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, create_model

from kilnguard.api.bounds import Body
from kilnguard.services import records as svc


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class VoidableOut(Out):
    """A record that is corrected or voided, never deleted: a voided one is kept, with when,
    by whom and why, and counts nowhere (lists leave it out unless `include_voided`)."""

    voided_at: dt.datetime | None = Field(None, description="When it was voided (UTC)")
    voided_by: str | None = Field(None, description="The user who voided it")
    void_reason: str | None = Field(None, description="Why it was voided")


class EnterpriseOut(Out):
    id: int
    region_id: int
    name: str
    tier: int
    sector: str
    retired_on: dt.date | None = None


class SectionOut(Out):
    id: int
    enterprise_id: int
    name: str
    retired_on: dt.date | None = None


class KilnOut(Out):
    id: int
    enterprise_id: int
    section_id: int | None
    name: str
    kind: str
    rated_capacity_t_per_day: float
    max_temperature_c: float
    campaign_limit_days: int
    lining_installed_on: dt.date | None
    lining_design_life_days: int | None
    lining_used_t_at_onboarding: float | None = Field(
        None, description="Tonnes fired on the current lining before the first stored record [t]"
    )
    lining_used_fraction_at_onboarding: float | None = Field(
        None, description="Fraction of the lining's design life used then [0–1]"
    )
    retired_on: dt.date | None = None
    source: str


class CrewOut(Out):
    id: int
    enterprise_id: int
    name: str
    retired_on: dt.date | None = None


class WorkerOut(Out):
    id: int
    enterprise_id: int
    crew_id: int | None
    number: str | None = None
    name: str
    job: str
    qualifications: str
    retired_on: dt.date | None = None
    source: str


class ProductionOut(VoidableOut):
    id: int
    enterprise_id: int
    kiln_id: int
    day: dt.date
    shift_no: int
    output_t: float
    hours_fired: float
    note: str
    source: str


class ProductionCreate(Body):
    kiln_id: int
    day: dt.date
    output_t: float = Field(description="Output of this shift [t]")
    hours_fired: float = Field(description="Hours the kiln was fired in this shift [h]")
    shift_no: int = 1
    note: str = ""
    confirm_reason: str = Field(
        "",
        description="Why an output above 2× the kiln's rated day is right (kept on the note); "
        "required above 2×, and above 5× the output is refused",
    )


class ShiftOut(VoidableOut):
    id: int
    enterprise_id: int
    worker_id: int
    crew_id: int | None
    kiln_id: int | None
    section_id: int | None
    start_at: dt.datetime
    end_at: dt.datetime
    role: str
    source: str


class ShiftCreate(Body):
    worker_id: int
    start_at: dt.datetime = Field(description="Start, ISO 8601 with offset")
    end_at: dt.datetime = Field(description="End, ISO 8601 with offset")
    kiln_id: int | None = None
    section_id: int | None = None
    role: str = "operator"


class DeferralOut(Out):
    id: int
    deferred_on: dt.date
    previous_due_on: dt.date
    new_due_on: dt.date | None
    reason: str
    deferred_by: str
    source: str


class WorkOrderOut(VoidableOut):
    id: int
    enterprise_id: int
    kiln_id: int
    plan_id: int | None
    number: str | None
    task: str
    safety_critical: bool
    due_on: dt.date
    done_on: dt.date | None
    findings: str
    source: str
    deferrals: list[DeferralOut] = []


class WorkOrderDefer(Body):
    deferred_on: dt.date
    reason: str
    new_due_on: dt.date | None = Field(
        default=None,
        description="New due date, later than the current one; omit to defer "
        "without one (the order stays due, and overdue, on its current date)",
    )
    deferred_by: str | None = Field(
        default=None,
        description="Who decided the deferral (a person, a user or not); "
        "default: the user entering it",
    )


class WorkOrderComplete(Body):
    done_on: dt.date
    findings: str = ""


class MaintenancePlanOut(VoidableOut):
    id: int
    enterprise_id: int
    kiln_id: int
    task: str
    interval_days: int | None
    interval_t: float | None
    duration_days: int
    safety_critical: bool
    protects: str
    source: str


class PlannedStopOut(VoidableOut):
    id: int
    enterprise_id: int
    kiln_id: int
    start_on: dt.date
    end_on: dt.date
    reason: str
    relines_lining: bool
    source: str


class TargetOut(VoidableOut):
    id: int
    enterprise_id: int
    section_id: int | None
    kiln_id: int | None
    description: str
    quantity_t: float
    entered_on: dt.date
    deadline: dt.date
    imposed_by: str
    additional: bool
    source: str


class IncidentOut(VoidableOut):
    id: int
    enterprise_id: int
    kiln_id: int | None
    section_id: int | None
    occurred_at: dt.datetime
    event_type: str
    killed: int
    seriously_injured: int
    minor_injuries: int
    missing: int
    days_lost: int
    description: str
    immediate_actions: str
    source: str


class CorrectionIn(Body):
    """A correction: the fields to change (text or typed values; a time without an offset is
    read in plant time) and why; the audit log keeps every field before and after."""

    changes: dict[str, Any] = Field(
        description='Field -> new value, e.g. {"output_t": 56.4}; the correctable fields of '
        "each kind: production day, shift_no, output_t, hours_fired, note; shift start_at, "
        "end_at, role; work order task, safety_critical, due_on, done_on, findings; …"
    )
    reason: str = Field(description="Why the record is corrected (kept in the audit log)")
    confirm_reason: str = Field(
        "", description="Why an output above 2× the kiln's rated day is right"
    )


class VoidIn(Body):
    reason: str = Field(description="Why the record is voided (kept on it and in the audit log)")


class HistoryOut(Out):
    """One act on a record (create, correct, void, defer, complete), from the audit log."""

    at: dt.datetime
    actor: str
    action: str
    reason: str
    before: dict[str, Any]
    after: dict[str, Any]


def body_of(data: type[Any], name: str, omit: tuple[str, ...] = ("source",)) -> type[BaseModel]:
    """The request body of a create route: the fields of the service's input dataclass `data`,
    less those only the services set (`source`, …), so the two never drift apart."""
    hints = get_type_hints(data)
    fields: dict[str, Any] = {
        f.name: (hints[f.name], ... if f.default is MISSING else f.default)
        for f in dataclass_fields(data)
        if f.name not in omit
    }
    return create_model(name, __base__=Body, __module__=__name__, **fields)


WorkOrderCreate = body_of(svc.WorkOrderIn, "WorkOrderCreate", ("source", "enterprise_id"))
MaintenancePlanCreate = body_of(svc.MaintenancePlanIn, "MaintenancePlanCreate")
PlannedStopCreate = body_of(svc.PlannedStopIn, "PlannedStopCreate")
TargetCreate = body_of(svc.TargetIn, "TargetCreate")
IncidentCreate = body_of(svc.IncidentIn, "IncidentCreate", ("source", "extra"))


def form_of(name: str, defaults: dict[str, str]) -> type[BaseModel]:
    """A kiln-page form as typed: text fields with their defaults (the page parses them, so
    errors are shown inline with what was typed)."""
    fields: dict[str, Any] = {k: (str, v) for k, v in defaults.items()}
    return create_model(name, __base__=Body, __module__=__name__, **fields)
