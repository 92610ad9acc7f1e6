"""Pydantic models of the investigation feature's REST API: request bodies and every response,
so the OpenAPI document describes them. Field names and shapes are the API contract: they are
the services' views as they have always been sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kilnguard.api.bounds import Body
from kilnguard.services.investigation import RateRow


# ----------------------------------------------------------------------------- bodies
class ExtrasIn(Body):
    people_involved: list[str] = Field(default_factory=list)
    potential_severity: int | None = Field(None, ge=0, le=5)


class AnonymousReportIn(Body):
    enterprise_id: int
    event_type: str
    description: str
    occurred_on: dt.date
    kiln_id: int | None = None
    killed: int = Field(0, ge=0)
    seriously_injured: int = Field(0, ge=0)
    minor_injuries: int = Field(0, ge=0)


class OpenIn(Body):
    incident_id: int
    window_days: int = 60


class FindingIn(Body):
    text: str
    about: list[str] = Field(default_factory=list)


class EvidenceIn(Body):
    title: str
    description: str = ""


class InterviewIn(Body):
    interviewee: str
    text: str


class UcaIn(Body):
    description: str
    type: str


class AnalysisIn(Body):
    unsafe_control_actions: list[UcaIn] = Field(default_factory=list)
    flawed_feedback: list[str] = Field(default_factory=list)
    process_model_flaws: list[str] = Field(default_factory=list)
    context: list[str] = Field(default_factory=list)


class RecommendationIn(Body):
    controller_key: str
    text: str
    owner: str
    due_on: dt.date


class StatusIn(Body):
    status: str
    on: dt.date
    note: str = ""


class BulletinIn(Body):
    incident_id: int
    title: str
    summary: str
    lessons: list[str] = Field(default_factory=list)
    required_checks: list[str] = Field(default_factory=list)
    tiers: list[int] = Field(default_factory=list)
    sectors: list[str] = Field(default_factory=list)
    acknowledge_within_days: int = 7


class AcknowledgeIn(Body):
    checked: str
    enterprise_id: int | None = None


class EscalateIn(Body):
    as_of: dt.date


# ---------------------------------------------------------------------------- incidents
class CasualtiesOut(BaseModel):
    killed: int
    seriously_injured: int
    minor_injuries: int
    missing: int


class SeverityOut(BaseModel):
    """Severity on three scales; `class` is the investigation class (max of actual, potential)."""

    model_config = ConfigDict(populate_by_name=True)

    class_: int = Field(alias="class")
    label: str
    actual: int
    potential: int
    osha_case: str
    pse_tier: int | None
    reasons: list[str]


class IncidentOut(BaseModel):
    id: int
    enterprise_id: int
    enterprise: str
    kiln_id: int | None
    kiln: str | None
    section: str | None
    occurred_at: str
    event_type: str
    casualties: CasualtiesOut
    people_involved: list[str]
    anonymous: bool
    severity: SeverityOut
    description: str
    immediate_actions: str
    source: str


class IncidentRef(BaseModel):
    """An incident named by id only (a bulletin recipient may not read the incident itself)."""

    id: int


class AnonymousReportOut(BaseModel):
    id: int
    anonymous: bool


# ------------------------------------------------------------------------ investigations
class InvestigationHead(BaseModel):
    id: int
    incident_id: int
    enterprise_id: int
    opened_at: str
    opened_by: str
    window_days: int
    status: str
    source: str


class TimelineEntryOut(BaseModel):
    id: int
    seq: int
    at: str
    kind: str
    kiln: str | None
    summary: str
    facts: dict[str, Any]
    source: str
    read_only: bool


class FindingOut(BaseModel):
    id: int
    text: str
    author: str
    at: str
    about: list[str]
    hindsight_warnings: list[str]
    source: str


class EvidenceOut(BaseModel):
    id: int
    title: str
    description: str
    added_by: str
    added_at: str
    source: str


class InterviewOut(BaseModel):
    id: int
    interviewee: str
    text: str
    author: str
    at: str
    source: str


class UcaOut(BaseModel):
    description: str
    type: str


class ControllerOut(BaseModel):
    key: str
    level: int
    level_name: str
    name: str
    responsibilities: list[str]
    control_actions: list[str]
    feedback_channels: list[str]
    unsafe_control_actions: list[UcaOut]
    flawed_feedback: list[str]
    process_model_flaws: list[str]
    context: list[str]
    source: str


class ActionOut(BaseModel):
    id: int
    controller_key: str
    recommendation: str
    owner: str
    due_on: str
    status: str
    overdue_days: int
    escalation_level: int
    source: str


class InvestigationOut(BaseModel):
    investigation: InvestigationHead
    incident: IncidentOut
    timeline: list[TimelineEntryOut]
    findings: list[FindingOut]
    evidence: list[EvidenceOut]
    interviews: list[InterviewOut]
    controllers: list[ControllerOut]
    cast_gaps: list[str]
    actions: list[ActionOut]


class InvestigationListItem(BaseModel):
    id: int
    incident_id: int
    status: str
    opened_at: str
    opened_by: str
    incident: IncidentOut


class FindingCreated(BaseModel):
    id: int
    text: str
    author: str
    at: str
    hindsight_warnings: list[str]


class EvidenceCreated(BaseModel):
    id: int
    title: str
    added_by: str


class InterviewCreated(BaseModel):
    id: int
    interviewee: str
    author: str


class ActionCreated(BaseModel):
    id: int
    status: str
    owner: str
    due_on: str


class ActionStatusOut(BaseModel):
    id: int
    status: str
    completed_on: dt.date | None


class EscalatedAction(BaseModel):
    id: int
    level: int


class EscalatedActions(BaseModel):
    escalated: list[EscalatedAction]


# ----------------------------------------------------------------------------- rates
RateOut = RateRow
"""Counts, hours [h] and rates per 200 000 h for one scope and period: the service's frozen
dataclass is the schema (FastAPI documents dataclasses like models)."""


# --------------------------------------------------------------------------- bulletins
class RecipientOut(BaseModel):
    id: int
    enterprise_id: int
    enterprise: str
    tier: int | None
    sector: str
    acknowledged: bool
    acknowledged_at: str | None
    acknowledged_by: str | None
    checked: str
    reminders_sent: int
    escalation_level: int
    escalation: str
    source: str


class BulletinOut(BaseModel):
    id: int
    title: str
    summary: str
    lessons: list[str]
    required_checks: list[str]
    target_tiers: list[int]
    target_sectors: list[str]
    issued_by: str
    issued_at: str
    acknowledge_by: str
    incident_id: int
    incident: IncidentOut | IncidentRef = Field(union_mode="left_to_right")
    recipients: list[RecipientOut]
    not_acknowledged: list[str]
    source: str


class Reminded(BaseModel):
    id: int
    enterprise_id: int


class RemindedOut(BaseModel):
    reminded: list[Reminded]
