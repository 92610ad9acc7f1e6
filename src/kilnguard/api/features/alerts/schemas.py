"""Alert API shapes: an alert with its escalation steps, comments and figures (when raised and
now), and the acknowledgement and comment bodies."""

from __future__ import annotations

from pydantic import BaseModel, Field

from kilnguard.api.bounds import Body
from kilnguard.api.shell import EnterpriseItem


class AckBody(Body):
    comment: str = Field(description="What is being done about it (required).")


class CommentBody(Body):
    comment: str = Field(description="What you see or do (required); it does not acknowledge.")


class CommentOut(BaseModel):
    author: str
    role: str
    at: str = Field(description="When (ISO 8601, UTC)")
    text: str


class FigureOut(BaseModel):
    day: str = Field(description="The stored level's day")
    level: str
    risk_ratio: float = Field(description="R on that day (× a kiln within its design basis)")
    reason: str = Field(description="The kiln's top cause that day")


class EscalationOut(BaseModel):
    level: int = Field(description="1: the enterprise's managers; 2: the region's regulators")
    at: str = Field(description="When it fell due (ISO 8601, UTC)")
    notified_role: str
    notified: list[str]


class AlertOut(EnterpriseItem):
    enterprise: str
    kiln_id: int
    kiln: str
    level: str = Field(description="amber, red or stop")
    state: str = Field(description="open or closed")
    raised_on: str
    raised_at: str
    summary: str
    explanation: str
    acknowledged_at: str | None
    acknowledged_by: str | None
    ack_comment: str
    escalation_level: int
    escalation: str
    escalated_at: str | None
    closed_on: str | None
    closed_at: str | None
    closed_reason: str
    source: str
    escalations: list[EscalationOut]
    comments: list[CommentOut] = Field(description="Comments (they do not acknowledge)")
    raised_figure: FigureOut | None = Field(description="The figure that raised the alert")
    current_figure: FigureOut | None = Field(description="The kiln's figure now")
    may_acknowledge: bool = Field(description="Whether you may acknowledge it now")
    may_comment: bool = Field(description="Whether you may comment on it")
