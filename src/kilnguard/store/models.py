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
    CheckConstraint,
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
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

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

# Shared columns. A mixin's columns are placed by `sort_order`: `id` first, then
# `enterprise_id`, then a mixin's parent key (sort_order −1), then the table's own columns
# (0, in declaration order), and `source` last, the order of the migrations' columns. A table
# column with the same sort_order as a mixin column comes before it.


class IdKey:
    """An integer primary key `id`, the table's first column."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=-3)


class EnterpriseRow(IdKey):
    """A row of one enterprise: `id`, then `enterprise_id`, the tenancy key (indexed)."""

    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id"), index=True, sort_order=-2
    )


class EnterpriseRecord(EnterpriseRow):
    """A plant record: an enterprise's row with `source` last ("recorded" / "reconstructed")."""

    source: Mapped[str] = mapped_column(String(SOURCE_LEN), default="recorded", sort_order=1)


CURRENT = text("voided_at IS NULL")
"""The rows that count: not voided (the condition of the partial unique indexes, 0014)."""


class Voidable:
    """A record that is corrected or voided, never deleted (0014_corrections): a voided row
    keeps its values and says when, by whom and why; risk, rates and pages use current rows
    only (`voided_at IS NULL`). Corrections live in the audit log (before and after)."""

    voided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), sort_order=3)
    voided_by: Mapped[str | None] = mapped_column(String(100), sort_order=3)
    void_reason: Mapped[str | None] = mapped_column(Text, sort_order=3)


class NamedInEnterprise:
    """A named unit of an enterprise (section, kiln, crew): the name is unique in the enterprise."""

    @declared_attr.directive
    def __table_args__(cls) -> tuple[UniqueConstraint]:
        return (UniqueConstraint("enterprise_id", "name"),)


def parent_key(table: str) -> Mapped[int]:
    """The indexed key of the row this one belongs to, placed right after `enterprise_id`."""
    return mapped_column(ForeignKey(f"{table}.id"), index=True, sort_order=-1)


class Region(IdKey, Base):
    __tablename__ = "regions"
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    retired_on: Mapped[dt.date | None] = mapped_column(Date, sort_order=2)


class Enterprise(IdKey, Base):
    __tablename__ = "enterprises"
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    tier: Mapped[int] = mapped_column(Integer)
    sector: Mapped[str] = mapped_column(String(100))
    retired_on: Mapped[dt.date | None] = mapped_column(Date, sort_order=2)
    region: Mapped[Region] = relationship(lazy="joined")


class Section(NamedInEnterprise, EnterpriseRow, Base):
    __tablename__ = "sections"
    name: Mapped[str] = mapped_column(String(200))
    retired_on: Mapped[dt.date | None] = mapped_column(Date, sort_order=2)


class Kiln(NamedInEnterprise, EnterpriseRecord, Base):
    __tablename__ = "kilns"
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    rated_capacity_t_per_day: Mapped[float] = mapped_column(Float)
    max_temperature_c: Mapped[float] = mapped_column(Float)
    campaign_limit_days: Mapped[int] = mapped_column(Integer)
    lining_installed_on: Mapped[dt.date | None] = mapped_column(Date)
    lining_design_life_days: Mapped[int | None] = mapped_column(Integer)
    # the lining's state when the kiln was onboarded (before its first stored production
    # record): tonnes already fired on it, or the fraction of its design life used; at most one
    lining_used_t_at_onboarding: Mapped[float | None] = mapped_column(Float, sort_order=2)
    lining_used_fraction_at_onboarding: Mapped[float | None] = mapped_column(Float, sort_order=2)
    retired_on: Mapped[dt.date | None] = mapped_column(Date, sort_order=2)
    section: Mapped[Section | None] = relationship(lazy="joined")


class Crew(NamedInEnterprise, EnterpriseRow, Base):
    __tablename__ = "crews"
    name: Mapped[str] = mapped_column(String(100))
    retired_on: Mapped[dt.date | None] = mapped_column(Date, sort_order=2)


class Worker(EnterpriseRecord, Base):
    __tablename__ = "workers"
    __table_args__ = (
        Index("uq_workers_enterprise_number", "enterprise_id", "number", unique=True),
    )
    crew_id: Mapped[int | None] = mapped_column(ForeignKey("crews.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    job: Mapped[str] = mapped_column(String(100), default="kiln operator")
    qualifications: Mapped[str] = mapped_column(
        String(200), default=""
    )  # kiln kinds, comma-separated
    # the worker number, the natural key in the enterprise (filled as W-<id> for older rows)
    number: Mapped[str] = mapped_column(String(32), nullable=True, sort_order=2)
    retired_on: Mapped[dt.date | None] = mapped_column(Date, sort_order=2)


class Shift(Voidable, EnterpriseRecord, Base):
    """A worked shift. A worker's shifts never overlap: the service refuses it, and the
    database holds it under concurrent writers (0010_writes): one shift per worker and start,
    ends after it starts, and on PostgreSQL the statement-level triggers of 0015_shift_overlap
    (per-worker advisory locks, or a table lock for bulk statements, then one lookup; a clash is
    reported as `ex_shifts_worker_overlap`, the name of the exclusion constraint they replace).
    From 0014 both hold for current shifts only: a voided shift no longer blocks its corrected
    replacement."""

    __tablename__ = "shifts"
    __table_args__ = (
        Index("ix_shifts_worker_start", "worker_id", "start_at"),
        Index(
            "uq_shifts_worker_start",
            "worker_id",
            "start_at",
            unique=True,
            sqlite_where=CURRENT,
            postgresql_where=CURRENT,
        ),
        CheckConstraint("end_at > start_at", name="ordered"),
    )
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"))
    crew_id: Mapped[int | None] = mapped_column(ForeignKey("crews.id"))
    kiln_id: Mapped[int | None] = mapped_column(ForeignKey("kilns.id"), index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"))
    start_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    role: Mapped[str] = mapped_column(String(100), default="operator")


class ProductionRecord(Voidable, EnterpriseRecord, Base):
    """One shift's output of a kiln. One current record per kiln, day and shift (0014): a
    second one is a typing slip or a double entry, corrected or voided, never summed."""

    __tablename__ = "production_records"
    __table_args__ = (
        Index("ix_production_kiln_day", "kiln_id", "day"),
        Index(
            "uq_production_kiln_day_shift",
            "kiln_id",
            "day",
            "shift_no",
            unique=True,
            sqlite_where=CURRENT,
            postgresql_where=CURRENT,
        ),
        CheckConstraint("output_t >= 0 AND hours_fired >= 0 AND shift_no >= 1", name="amounts"),
    )
    kiln_id: Mapped[int] = mapped_column(ForeignKey("kilns.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    shift_no: Mapped[int] = mapped_column(Integer, default=1)
    output_t: Mapped[float] = mapped_column(Float)
    hours_fired: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")


class PlannedStop(Voidable, EnterpriseRecord, Base):
    __tablename__ = "planned_stops"
    kiln_id: Mapped[int] = mapped_column(ForeignKey("kilns.id"), index=True)
    start_on: Mapped[dt.date] = mapped_column(Date)
    end_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    relines_lining: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false"), sort_order=2
    )


class Target(Voidable, EnterpriseRecord, Base):
    __tablename__ = "targets"
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"))
    kiln_id: Mapped[int | None] = mapped_column(ForeignKey("kilns.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    quantity_t: Mapped[float] = mapped_column(Float)
    entered_on: Mapped[dt.date] = mapped_column(Date)
    deadline: Mapped[dt.date] = mapped_column(Date)
    imposed_by: Mapped[str] = mapped_column(String(200))
    additional: Mapped[bool] = mapped_column(Boolean, default=False)


class MaintenancePlan(Voidable, EnterpriseRecord, Base):
    __tablename__ = "maintenance_plans"
    kiln_id: Mapped[int] = mapped_column(ForeignKey("kilns.id"), index=True)
    task: Mapped[str] = mapped_column(String(200))
    interval_days: Mapped[int | None] = mapped_column(Integer)
    interval_t: Mapped[float | None] = mapped_column(Float)
    duration_days: Mapped[int] = mapped_column(Integer, default=1)
    safety_critical: Mapped[bool] = mapped_column(Boolean, default=False)
    # what the task protects (domain.plant.Protects): a protection layer's proof test, the
    # lining's renewal, or none; explicit, never guessed from the task's words
    protects: Mapped[str] = mapped_column(
        String(32), default="none", server_default="none", sort_order=2
    )


class WorkOrder(Voidable, EnterpriseRecord, Base):
    __tablename__ = "work_orders"
    __table_args__ = (
        Index("uq_work_orders_enterprise_number", "enterprise_id", "number", unique=True),
    )
    kiln_id: Mapped[int] = mapped_column(ForeignKey("kilns.id"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("maintenance_plans.id"))
    task: Mapped[str] = mapped_column(String(200))
    safety_critical: Mapped[bool] = mapped_column(Boolean, default=False)
    due_on: Mapped[dt.date] = mapped_column(Date)
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    findings: Mapped[str] = mapped_column(Text, default="")
    # the work-order number, the natural key in the enterprise (WO-<id> for older rows)
    number: Mapped[str] = mapped_column(String(32), nullable=True, sort_order=2)
    deferrals: Mapped[list[WorkOrderDeferral]] = relationship(
        lazy="selectin", order_by="WorkOrderDeferral.deferred_on"
    )


class WorkOrderDeferral(EnterpriseRecord, Base):
    __tablename__ = "work_order_deferrals"
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    deferred_on: Mapped[dt.date] = mapped_column(Date)
    previous_due_on: Mapped[dt.date] = mapped_column(Date)
    new_due_on: Mapped[dt.date | None] = mapped_column(Date)  # None: deferred, no new date
    reason: Mapped[str] = mapped_column(Text)
    deferred_by: Mapped[str] = mapped_column(String(200))


class Incident(Voidable, EnterpriseRecord, Base):
    __tablename__ = "incidents"
    kiln_id: Mapped[int | None] = mapped_column(ForeignKey("kilns.id"))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    event_type: Mapped[str] = mapped_column(String(32))
    killed: Mapped[int] = mapped_column(Integer, default=0)
    seriously_injured: Mapped[int] = mapped_column(Integer, default=0)
    minor_injuries: Mapped[int] = mapped_column(Integer, default=0)
    missing: Mapped[int] = mapped_column(Integer, default=0)
    # calendar days away from work of the injured, summed (the severity rate's numerator)
    days_lost: Mapped[int] = mapped_column(Integer, default=0, server_default="0", sort_order=2)
    description: Mapped[str] = mapped_column(Text, default="")
    immediate_actions: Mapped[str] = mapped_column(Text, default="")


class User(IdKey, Base):
    __tablename__ = "users"
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


class Credential(IdKey, Base):
    """A web session or an API token; only the SHA-256 of the secret is stored."""

    __tablename__ = "credentials"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "session" | "api_token"
    name: Mapped[str] = mapped_column(String(200), default="")
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class AuditEntry(IdKey, Base):
    """One append-only, hash-chained entry per write (see services/audit.py)."""

    __tablename__ = "audit_log"
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


class ChainHead(IdKey, Base):
    """Single row holding the audit chain's last seq and hash; locked while appending."""

    __tablename__ = "hash_chain_head"
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
