"""Alert API shapes: an alert with its escalation steps, and the acknowledgement body."""

from __future__ import annotations

from pydantic import BaseModel, Field

from kilnguard.api.bounds import Body
from kilnguard.api.shell import EnterpriseItem


class AckBody(Body):
    comment: str = Field(description="What is being done about it (required).")


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
