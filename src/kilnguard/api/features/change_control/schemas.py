"""Request and response bodies of the change-control REST API (`/api/v1/changes`,
`/api/v1/notifications`), so the OpenAPI document describes every answer; field names are the
API's contract. The answers are the service's own read views (pydantic models of
`services.change.view_types`), named here as the API's response models: one definition per
shape, not a copy per layer."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field, field_validator

from kilnguard.api.bounds import Body
from kilnguard.services.change import view_types as v


# ----------------------------------------------------------------------------- requests
class HazardBody(Body):
    hazard: str
    cause: str
    consequence: str
    safeguards: list[str] = Field(default_factory=list)
    method: str = Field("what_if", description="what_if or checklist")
    question: str = ""


class ChangeCreate(Body):
    kind: str = Field(description="experiment, process_change, equipment_modification, ...")
    title: str
    purpose: str
    kiln_id: int | None = None
    enterprise_id: int | None = Field(None, description="Needed when there is no kiln yet")
    new_equipment: str = ""
    stage: str | None = Field(None, description="lab, pilot or plant")
    deadline: dt.datetime | None = None
    deadline_set_by: str = ""
    deadline_external: bool = False
    hazards: list[HazardBody] = Field(default_factory=list)
    previous_change_id: int | None = None


class TransitionBody(Body):
    action: str = Field(description="submit, approve_for_stage, authorise_firing, ...")
    note: str = ""


class ReviewBody(Body):
    decision: str = Field(description="approve or object")
    reason: str = ""


class ReasonBody(Body):
    reason: str


class OverruleBody(Body):
    kind: str = Field(description="objection or stage_skip")
    reason: str
    objection_id: int | None = None


class StageBody(Body):
    stage: str
    note: str = ""


class PssrBody(Body):
    item: str
    note: str = ""


class ZoneBody(Body):
    name: str
    max_headcount: int
    essential_people: list[str]
    radius_m: float | None = None


class PersonBody(Body):
    person: str


class DeadlineBody(Body):
    new_deadline: dt.datetime
    reason: str
    by: str = ""


class FiringBody(Body):
    started_at: dt.datetime
    ended_at: dt.datetime | None = None
    note: str = ""


# --------------------------------------------------------------- page forms (HTML posts)
class StepForm(Body):
    """A workflow step from the change's page (an empty field means its default, as forms do)."""

    action: str = ""
    note: str = ""


class ReviewForm(Body):
    decision: str = "approve"
    reason: str = ""


class ReasonForm(Body):
    reason: str = ""


class OverruleForm(Body):
    kind: str = "objection"
    reason: str = ""
    objection_id: int | None = None

    @field_validator("objection_id", mode="before")
    @classmethod
    def _number_or_none(cls, value: object) -> int | None:
        """The page sends the objection's number, or nothing for a stage skip."""
        text = str(value or "").strip()
        return int(text) if text.isdigit() else None


class PssrForm(Body):
    item: str = ""


# ---------------------------------------------------------------------------- responses
ChangeOut = v.ChangeDetail
ChangeSummaryOut = v.ChangeSummary
NotificationOut = v.NotificationView
AttachedEvidenceOut = v.AttachedEvidence


class OverruledOut(v.ChangeDetail):
    """The change after an overrule, with the notification sent to the regulators."""

    notification_id: int


class ZoneDecisionOut(v.View):
    """The answer at the hazard zone's entrance, as logged."""

    admitted: bool
    person: str
    reason: str
    inside: list[str]
    log_id: int


class ZoneRefusedOut(ZoneDecisionOut):
    """409: the person was refused at the zone (the refusal is logged)."""

    error: str
    detail: str


class InsideOut(BaseModel):
    """Who is inside the hazard zone after someone left."""

    inside: list[str]


class RefusalOut(BaseModel):
    """403/409: a workflow step refused, with every blocker in plain words."""

    error: str
    detail: str
    blockers: list[str]
