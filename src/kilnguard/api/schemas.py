"""API shapes. Field names carry their units; OpenAPI is the contract other tools read."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class EnterpriseOut(Out):
    id: int
    region_id: int
    name: str
    tier: int
    sector: str


class SectionOut(Out):
    id: int
    enterprise_id: int
    name: str


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
    source: str


class CrewOut(Out):
    id: int
    enterprise_id: int
    name: str


class WorkerOut(Out):
    id: int
    enterprise_id: int
    crew_id: int | None
    name: str
    job: str
    qualifications: str
    source: str


class ProductionOut(Out):
    id: int
    enterprise_id: int
    kiln_id: int
    day: dt.date
    shift_no: int
    output_t: float
    hours_fired: float
    note: str
    source: str


class ProductionCreate(BaseModel):
    kiln_id: int
    day: dt.date
    output_t: float = Field(description="Output of this shift [t]")
    hours_fired: float = Field(description="Hours the kiln was fired in this shift [h]")
    shift_no: int = 1
    note: str = ""


class ShiftOut(Out):
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


class ShiftCreate(BaseModel):
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
    new_due_on: dt.date
    reason: str
    deferred_by: str
    source: str


class WorkOrderOut(Out):
    id: int
    enterprise_id: int
    kiln_id: int
    plan_id: int | None
    task: str
    safety_critical: bool
    due_on: dt.date
    done_on: dt.date | None
    findings: str
    source: str
    deferrals: list[DeferralOut] = []


class WorkOrderCreate(BaseModel):
    kiln_id: int
    task: str
    due_on: dt.date
    plan_id: int | None = None
    safety_critical: bool = False
    done_on: dt.date | None = None
    findings: str = ""


class WorkOrderDefer(BaseModel):
    deferred_on: dt.date
    new_due_on: dt.date
    reason: str


class WorkOrderComplete(BaseModel):
    done_on: dt.date
    findings: str = ""


class MaintenancePlanOut(Out):
    id: int
    enterprise_id: int
    kiln_id: int
    task: str
    interval_days: int | None
    interval_t: float | None
    duration_days: int
    safety_critical: bool
    source: str


class MaintenancePlanCreate(BaseModel):
    kiln_id: int
    task: str
    interval_days: int | None = None
    interval_t: float | None = None
    duration_days: int = 1
    safety_critical: bool = False


class PlannedStopOut(Out):
    id: int
    enterprise_id: int
    kiln_id: int
    start_on: dt.date
    end_on: dt.date
    reason: str
    source: str


class PlannedStopCreate(BaseModel):
    kiln_id: int
    start_on: dt.date
    end_on: dt.date
    reason: str = ""


class TargetOut(Out):
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


class TargetCreate(BaseModel):
    enterprise_id: int
    quantity_t: float
    entered_on: dt.date
    deadline: dt.date
    imposed_by: str
    additional: bool = False
    description: str = ""
    section_id: int | None = None
    kiln_id: int | None = None


class IncidentOut(Out):
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
    description: str
    immediate_actions: str
    source: str


class IncidentCreate(BaseModel):
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


class TokenRequest(BaseModel):
    username: str
    password: str
    name: str = "api token"


class TokenOut(BaseModel):
    token: str
    token_type: str = "bearer"


class MeOut(BaseModel):
    username: str
    role: str
    region_id: int | None
    enterprise_ids: list[int]


class AuditVerifyOut(BaseModel):
    ok: bool
    entries_checked: int
    first_broken_seq: int | None
    problem: str
