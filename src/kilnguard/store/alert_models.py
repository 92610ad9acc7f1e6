"""Tables for risk alerts (issue 8 point 4; service in `kilnguard.services.alerts`).

`alerts`: one row per rise of a kiln's risk level (amber, red or stop), carrying the engine's
explanation of that day. An alert is never deleted: it ends by `closed_at` / `closed_reason`
("superseded" by a higher level, or "level fell to green"). Acknowledgement (who, when, comment)
and escalation state live on the row; `alert_escalations` keeps each escalation step with who
was notified. The investigation feature reads `alerts` by reflection (kiln_id, raised_at, level,
summary, acknowledged_by, acknowledged_at): keep those names. Migration `0002_alerts` (branch
`alerts`); keep the two identical.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kilnguard.store.models import Base, EnterpriseRecord, EnterpriseRow, UTCDateTime


class AlertRow(EnterpriseRecord, Base):
    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_kiln_raised", "kiln_id", "raised_on"),)
    kiln_id: Mapped[int] = mapped_column(ForeignKey("kilns.id"))
    level: Mapped[str] = mapped_column(String(8))  # amber | red | stop
    raised_on: Mapped[dt.date] = mapped_column(Date)  # plant-local day of the rise
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    summary: Mapped[str] = mapped_column(String(500), default="")  # first line of explanation
    explanation: Mapped[str] = mapped_column(Text, default="")
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    ack_comment: Mapped[str] = mapped_column(Text, default="")
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)  # 0, 1 managers, 2 regulators
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_reason: Mapped[str] = mapped_column(String(200), default="")


class AlertEscalationRow(EnterpriseRow, Base):
    __tablename__ = "alert_escalations"
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)  # 1 enterprise managers, 2 region regulators
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    notified_role: Mapped[str] = mapped_column(String(32))
    notified: Mapped[str] = mapped_column(Text, default="")  # user names, comma-separated
