"""Tables for change control (issue 5; domain in `kilnguard.domain.change`).

Every table carries `enterprise_id` (tenancy) and the rows are enough to rebuild a domain
`ChangeRequest` (`services.change.load_change`). Nothing here is ever deleted by the
application: reviews, objections, overrules, transitions, PSSR ticks, zone log entries and
notifications are append-only records; an objection ends by a new record (withdrawal fields or
an overrule), never by removing it. The migration is `0003_change_control` (branch
`change_control`); keep the two identical.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from kilnguard.store.models import Base, EnterpriseRecord, UTCDateTime, parent_key


class ChangeRecord(EnterpriseRecord):
    """A record about one change request: `id`, `enterprise_id`, `change_id` (indexed) first."""

    change_id: Mapped[int] = parent_key("change_requests")


class ChangeRequestRow(EnterpriseRecord, Base):
    __tablename__ = "change_requests"
    kiln_id: Mapped[int | None] = mapped_column(ForeignKey("kilns.id"), index=True)
    new_equipment: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    purpose: Mapped[str] = mapped_column(Text)
    stage: Mapped[str | None] = mapped_column(String(16))
    proposed_by: Mapped[str] = mapped_column(String(100))
    deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    deadline_set_by: Mapped[str] = mapped_column(String(200), default="")
    deadline_external: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(32), default="draft")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ChangeHazardRow(ChangeRecord, Base):
    __tablename__ = "change_hazards"
    method: Mapped[str] = mapped_column(String(16), default="what_if")
    question: Mapped[str] = mapped_column(Text, default="")
    hazard: Mapped[str] = mapped_column(Text)
    cause: Mapped[str] = mapped_column(Text)
    consequence: Mapped[str] = mapped_column(Text)
    safeguards: Mapped[str] = mapped_column(Text, default="")  # one per line


class ChangeEvidenceRow(ChangeRecord, Base):
    __tablename__ = "change_evidence"
    name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    content: Mapped[bytes] = mapped_column(LargeBinary)
    stage: Mapped[str | None] = mapped_column(String(16))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ChangeStageCompletionRow(ChangeRecord, Base):
    """A previous scale-up stage recorded complete (its evidence: evidence rows of that stage)."""

    __tablename__ = "change_stage_completions"
    stage: Mapped[str] = mapped_column(String(16))
    completed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    prior_change_id: Mapped[int | None] = mapped_column(ForeignKey("change_requests.id"))
    recorded_by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")


class ChangeReviewRow(ChangeRecord, Base):
    __tablename__ = "change_reviews"
    reviewer: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(32))
    decision: Mapped[str] = mapped_column(String(16))  # approve | object
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    objection_id: Mapped[int | None] = mapped_column(ForeignKey("change_objections.id"))


class ChangeObjectionRow(ChangeRecord, Base):
    __tablename__ = "change_objections"
    author: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="")


class ChangeOverruleRow(ChangeRecord, Base):
    """Permanent: there is no delete route, service or command for overrules."""

    __tablename__ = "change_overrules"
    kind: Mapped[str] = mapped_column(String(16))  # objection | stage_skip
    by: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    objection_id: Mapped[int | None] = mapped_column(ForeignKey("change_objections.id"))
    skipped_stage: Mapped[str | None] = mapped_column(String(16))


class ChangeTransitionRow(ChangeRecord, Base):
    __tablename__ = "change_transitions"
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")


class ChangeFiringRow(ChangeRecord, Base):
    __tablename__ = "change_firings"
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class ChangeDeadlineExtensionRow(ChangeRecord, Base):
    __tablename__ = "change_deadline_extensions"
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    old_deadline: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    new_deadline: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)


class ChangePssrCheckRow(ChangeRecord, Base):
    __tablename__ = "change_pssr_checks"
    item: Mapped[str] = mapped_column(String(32))
    checked_by: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")


class ChangeHazardZoneRow(EnterpriseRecord, Base):
    __tablename__ = "change_hazard_zones"
    change_id: Mapped[int] = mapped_column(ForeignKey("change_requests.id"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    max_headcount: Mapped[int] = mapped_column(Integer)
    essential_people: Mapped[str] = mapped_column(Text)  # one per line
    radius_m: Mapped[float | None] = mapped_column(Float)
    defined_by: Mapped[str] = mapped_column(String(100))
    defined_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ChangeZoneLogRow(ChangeRecord, Base):
    """Who asked to enter or left the hazard zone, and whether they were admitted."""

    __tablename__ = "change_zone_log"
    person: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(16))  # admitted | refused | left
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(100))


class ChangeNotificationRow(EnterpriseRecord, Base):
    """A message to the regulators of a region (sent at once when an overrule is recorded)."""

    __tablename__ = "change_notifications"
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    recipient_role: Mapped[str] = mapped_column(String(32), default="regulator")
    kind: Mapped[str] = mapped_column(String(32), default="overrule")
    change_id: Mapped[int] = mapped_column(ForeignKey("change_requests.id"), index=True)
    overrule_id: Mapped[int | None] = mapped_column(ForeignKey("change_overrules.id"))
    kiln_id: Mapped[int | None] = mapped_column(ForeignKey("kilns.id"))
    subject: Mapped[str] = mapped_column(String(300))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    read_by: Mapped[str] = mapped_column(String(100), default="")
