"""SQLAlchemy 2 tables for the records a kiln plant keeps.

Every plant record carries `enterprise_id` (the tenancy key the access layer filters on) and
`source` ("recorded" or "reconstructed": demo data rebuilt from the accident reports is labelled
so on every screen and export). Timestamps are stored as UTC; dates are plant-local calendar days.
Later features (change control, alerts, investigations) add their own tables in their own
modules and migrations; they share `Base` from here.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC in Python, naive UTC in the column (SQLite has no zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: kilnguard stores timezone-aware UTC only")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


SOURCE_LEN = 16


class Region(Base):
    __tablename__ = "regions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")


class Enterprise(Base):
    __tablename__ = "enterprises"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    tier: Mapped[int] = mapped_column(Integer)
    sector: Mapped[str] = mapped_column(String(100))
    region: Mapped[Region] = relationship(lazy="joined")


class Section(Base):
    __tablename__ = "sections"
    __table_args__ = (UniqueConstraint("enterprise_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))


class Kiln(Base):
    __tablename__ = "kilns"
    __table_args__ = (UniqueConstraint("enterprise_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    rated_capacity_t_per_day: Mapped[float] = mapped_column(Float)
    max_temperature_c: Mapped[float] = mapped_column(Float)
    campaign_limit_days: Mapped[int] = mapped_column(Integer)
    lining_installed_on: Mapped[dt.date | None] = mapped_column(Date)
    lining_design_life_days: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(SOURCE_LEN), default="recorded")
    section: Mapped[Section | None] = relationship(lazy="joined")


class Crew(Base):
    __tablename__ = "crews"
    __table_args__ = (UniqueConstraint("enterprise_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))


class Worker(Base):
    __tablename__ = "workers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    crew_id: Mapped[int | None] = mapped_column(ForeignKey("crews.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    job: Mapped[str] = mapped_column(String(100), default="kiln operator")
    qualifications: Mapped[str] = mapped_column(
        String(200), default=""
    )  # kiln kinds, comma-separated
    source: Mapped[str] = mapped_column(String(SOURCE_LEN), default="recorded")


class Shift(Base):
    __tablename__ = "shifts"
    __table_args__ = (Index("ix_shifts_worker_start", "worker_id", "start_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"))
    crew_id: Mapped[int | None] = mapped_column(ForeignKey("crews.id"))
    kiln_id: Mapped[int | None] = mapped_column(ForeignKey("kilns.id"), index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"))
    start_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    role: Mapped[str] = mapped_column(String(100), default="operator")
    source: Mapped[str] = mapped_column(String(SOURCE_LEN), default="recorded")


class ProductionRecord(Base):
    __tablename__ = "production_records"
    __table_args__ = (Index("ix_production_kiln_day", "kiln_id", "day"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    kiln_id: Mapped[int] = mapped_column(ForeignKey("kilns.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    shift_no: Mapped[int] = mapped_column(Integer, default=1)
    output_t: Mapped[float] = mapped_column(Float)
    hours_fired: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(SOURCE_LEN), default="recorded")


class PlannedStop(Base):
    __tablename__ = "planned_stops"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    kiln_id: Mapped[int] = mapped_column(ForeignKey("kilns.id"), index=True)
    start_on: Mapped[dt.date] = mapped_column(Date)
    end_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(SOURCE_LEN), default="recorded")


class Target(Base):
    __tablename__ = "targets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"))
    kiln_id: Mapped[int | None] = mapped_column(ForeignKey("kilns.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    quantity_t: Mapped[float] = mapped_column(Float)
    entered_on: Mapped[dt.date] = mapped_column(Date)
    deadline: Mapped[dt.date] = mapped_column(Date)
    imposed_by: Mapped[str] = mapped_column(String(200))
    additional: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(SOURCE_LEN), default="recorded")


class MaintenancePlan(Base):
    __tablename__ = "maintenance_plans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    kiln_id: Mapped[int] = mapped_column(ForeignKey("kilns.id"), index=True)
    task: Mapped[str] = mapped_column(String(200))
    interval_days: Mapped[int | None] = mapped_column(Integer)
    interval_t: Mapped[float | None] = mapped_column(Float)
    duration_days: Mapped[int] = mapped_column(Integer, default=1)
    safety_critical: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(SOURCE_LEN), default="recorded")


class WorkOrder(Base):
    __tablename__ = "work_orders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    kiln_id: Mapped[int] = mapped_column(ForeignKey("kilns.id"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("maintenance_plans.id"))
    task: Mapped[str] = mapped_column(String(200))
    safety_critical: Mapped[bool] = mapped_column(Boolean, default=False)
    due_on: Mapped[dt.date] = mapped_column(Date)
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    findings: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(SOURCE_LEN), default="recorded")
    deferrals: Mapped[list[WorkOrderDeferral]] = relationship(
        lazy="selectin", order_by="WorkOrderDeferral.deferred_on"
    )


class WorkOrderDeferral(Base):
    __tablename__ = "work_order_deferrals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    deferred_on: Mapped[dt.date] = mapped_column(Date)
    previous_due_on: Mapped[dt.date] = mapped_column(Date)
    new_due_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    deferred_by: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(SOURCE_LEN), default="recorded")


class Incident(Base):
    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    kiln_id: Mapped[int | None] = mapped_column(ForeignKey("kilns.id"))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    event_type: Mapped[str] = mapped_column(String(32))
    killed: Mapped[int] = mapped_column(Integer, default=0)
    seriously_injured: Mapped[int] = mapped_column(Integer, default=0)
    minor_injuries: Mapped[int] = mapped_column(Integer, default=0)
    missing: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text, default="")
    immediate_actions: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(SOURCE_LEN), default="recorded")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    enterprise_links: Mapped[list[UserEnterprise]] = relationship(lazy="selectin")

    @property
    def enterprise_ids(self) -> frozenset[int]:
        return frozenset(link.enterprise_id for link in self.enterprise_links)


class UserEnterprise(Base):
    __tablename__ = "user_enterprises"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), primary_key=True)


class Credential(Base):
    """A web session or an API token; only the SHA-256 of the secret is stored."""

    __tablename__ = "credentials"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "session" | "api_token"
    name: Mapped[str] = mapped_column(String(200), default="")
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """One append-only, hash-chained entry per write (see services/audit.py)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    enterprise_id: Mapped[int | None] = mapped_column(Integer, index=True)
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON, hashed byte for byte
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class ChainHead(Base):
    """Single row holding the audit chain's last seq and hash; locked while appending."""

    __tablename__ = "hash_chain_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
