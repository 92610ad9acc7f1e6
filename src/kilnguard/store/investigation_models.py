"""Tables for incidents, investigations, CAST analyses, corrective actions and bulletins (issue 6).

Builds on the foundation's `incidents` table (casualties live there) and adds:

- `incident_extras`: people involved, potential severity, the anonymous flag. There is no
  reporter column in any table of this module: an anonymous report is anonymous by
  construction, and a named report's reporter is the audit entry's actor.
- `investigations` and their read-only `investigation_timeline` snapshot (assembled once, from
  the records, when the investigation is opened), `investigation_evidence`,
  `investigation_interviews`, `investigation_findings` (attributed: author, at).
- `cast_controllers`: the CAST control structure of an investigation (five levels), with each
  controller's responsibilities, unsafe control actions, flawed feedback and context.
- `corrective_actions`: CAST recommendations tracked to closure (owner, due, status) with the
  escalation level reached.
- `bulletins` and `bulletin_recipients`: a regulator's regional lessons bulletin and each
  enterprise's acknowledgement (who, when, what they checked) and reminders.

Every tenant table has `enterprise_id`; every row has `source` (recorded / reconstructed).
The migration `0004_investigation` creates exactly these tables.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kilnguard.store.models import Base, EnterpriseRecord, UTCDateTime, parent_key


class InvestigationRecord(EnterpriseRecord):
    """A record of one investigation: `id`, `enterprise_id`, `investigation_id` (indexed) first."""

    investigation_id: Mapped[int] = parent_key("investigations")


class IncidentExtra(EnterpriseRecord, Base):
    """What the foundation's incident row lacks. No reporter column, on purpose."""

    __tablename__ = "incident_extras"
    # sort_order −2: between `id` and `enterprise_id`, as in the migration
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), unique=True, sort_order=-2)
    people_involved: Mapped[list[str]] = mapped_column(JSON, default=list)
    potential_severity: Mapped[int | None] = mapped_column(Integer)  # ISO 17776 scale 0..5
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    occurred_at_assumed: Mapped[bool] = mapped_column(Boolean, default=False)


class Investigation(EnterpriseRecord, Base):
    __tablename__ = "investigations"
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    opened_by: Mapped[str] = mapped_column(String(100))
    window_days: Mapped[int] = mapped_column(Integer, default=60)
    status: Mapped[str] = mapped_column(String(16), default="open")


class TimelineRow(InvestigationRecord, Base):
    """One read-only timeline fact, snapshotted when the investigation was opened."""

    __tablename__ = "investigation_timeline"
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(32))
    kiln: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Evidence(InvestigationRecord, Base):
    __tablename__ = "investigation_evidence"
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class InterviewNoteRow(InvestigationRecord, Base):
    __tablename__ = "investigation_interviews"
    interviewee: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class FindingRow(InvestigationRecord, Base):
    __tablename__ = "investigation_findings"
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    about: Mapped[list[str]] = mapped_column(JSON, default=list)
    hindsight_warnings: Mapped[list[str]] = mapped_column(JSON, default=list)


class CastController(InvestigationRecord, Base):
    __tablename__ = "cast_controllers"
    __table_args__ = (UniqueConstraint("investigation_id", "key"),)
    key: Mapped[str] = mapped_column(String(64))
    level: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    responsibilities: Mapped[list[str]] = mapped_column(JSON, default=list)
    control_actions: Mapped[list[str]] = mapped_column(JSON, default=list)
    feedback_channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    unsafe_control_actions: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    flawed_feedback: Mapped[list[str]] = mapped_column(JSON, default=list)
    process_model_flaws: Mapped[list[str]] = mapped_column(JSON, default=list)
    context: Mapped[list[str]] = mapped_column(JSON, default=list)


class CorrectiveActionRow(InvestigationRecord, Base):
    """A CAST recommendation and the corrective action that tracks it to closure."""

    __tablename__ = "corrective_actions"
    controller_key: Mapped[str] = mapped_column(String(64))
    recommendation: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    completed_on: Mapped[dt.date | None] = mapped_column(Date)
    verified_by: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)


class Bulletin(EnterpriseRecord, Base):
    """A regulator's lessons bulletin on an incident; `enterprise_id` is the incident's."""

    __tablename__ = "bulletins"
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    lessons: Mapped[list[str]] = mapped_column(JSON, default=list)
    required_checks: Mapped[list[str]] = mapped_column(JSON, default=list)
    target_tiers: Mapped[list[int]] = mapped_column(JSON, default=list)
    target_sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    issued_by: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    acknowledge_within_days: Mapped[int] = mapped_column(Integer, default=7)


class BulletinRecipient(EnterpriseRecord, Base):
    __tablename__ = "bulletin_recipients"
    __table_args__ = (UniqueConstraint("bulletin_id", "enterprise_id"),)
    # sort_order −2: between `id` and `enterprise_id`, as in the migration
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletins.id"), index=True, sort_order=-2)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    checked: Mapped[str] = mapped_column(Text, default="")
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    last_reminder_on: Mapped[dt.date | None] = mapped_column(Date)
