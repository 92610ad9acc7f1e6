"""Tables for adopted production plans (issue 4; planner in `kilnguard.domain.planning`).

An adoption is one row in `plan_adoptions` (who adopted which plan, as of which day, with the
replayed worst risk level), with one `planned_production` row per kiln-shift the plan fires and
one `planned_shifts` row per worker-shift it rosters. Planned rows are never mixed with the
recorded `production_records` / `shifts`: a plan is an intention, not a record. Every row carries
`enterprise_id` (tenancy). The migration is `0005_planning` (branch `planning`); keep the two
identical.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kilnguard.store.models import Base, EnterpriseRow, UTCDateTime, parent_key


class AdoptionRow(EnterpriseRow):
    """A row of one adopted plan: `id`, `enterprise_id`, `adoption_id` (indexed) first."""

    adoption_id: Mapped[int] = parent_key("plan_adoptions")


class PlanAdoption(EnterpriseRow, Base):
    __tablename__ = "plan_adoptions"
    as_of: Mapped[dt.date] = mapped_column(Date)
    first_day: Mapped[dt.date] = mapped_column(Date)
    last_day: Mapped[dt.date] = mapped_column(Date)
    adopted_by: Mapped[str] = mapped_column(String(100))
    adopted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))
    feasible: Mapped[bool] = mapped_column(Boolean, default=False)
    allowed_load_margin: Mapped[float] = mapped_column(Float, default=1.0)
    planned_output_t: Mapped[float] = mapped_column(Float, default=0.0)
    replay_worst_level: Mapped[str] = mapped_column(String(8))
    summary: Mapped[str] = mapped_column(Text, default="")


class PlannedProduction(AdoptionRow, Base):
    __tablename__ = "planned_production"
    kiln_id: Mapped[int] = mapped_column(ForeignKey("kilns.id"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    shift_no: Mapped[int] = mapped_column(Integer)
    start_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    output_t: Mapped[float] = mapped_column(Float)
    load_ratio: Mapped[float] = mapped_column(Float)


class PlannedShift(AdoptionRow, Base):
    __tablename__ = "planned_shifts"
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    crew_id: Mapped[int | None] = mapped_column(ForeignKey("crews.id"))
    kiln_id: Mapped[int] = mapped_column(ForeignKey("kilns.id"))
    start_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    night: Mapped[bool] = mapped_column(Boolean, default=False)
