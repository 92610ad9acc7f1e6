"""Tables of the stored risk levels (issue 19 point 1; service in `kilnguard.services.risk.levels`).

`kiln_levels`: one row per kiln and day from the kiln's first production record to its
enterprise's latest one: the level (0 green … 3 stop), the risk ratio, the one-line summary,
the explanation (`domain.risk.Explanation` as JSON) and the fingerprint of the facts behind it
(SHA-1 of every number of `domain.risk.KilnDayFacts`), so a recompute rewrites only the days
whose facts changed. `risk_level_states`: per enterprise, `dirty_from` (the earliest day a
committed write may have changed; NULL when the stored levels are current; `0001-01-01` for
"every day"), `dirty_version` (bumped by every such write, in the write's own transaction) and
`computed_version` (the version the stored levels were computed at: a recompute clears
`dirty_from` only when no write came in meanwhile) and `judged_version` (the version whose
levels the alerts were last evaluated on: the scheduler evaluates the enterprises where it
lags, whichever process wrote). Migration `0009_levels` (branch `levels`);
keep the two identical.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kilnguard.store.models import Base, UTCDateTime


class KilnLevelRow(Base):
    __tablename__ = "kiln_levels"
    __table_args__ = (Index("ix_kiln_levels_enterprise_day", "enterprise_id", "day"),)
    kiln_id: Mapped[int] = mapped_column(ForeignKey("kilns.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    level: Mapped[int] = mapped_column(Integer)  # 0 green, 1 amber, 2 red, 3 stop
    risk_ratio: Mapped[float] = mapped_column(Float)
    summary: Mapped[str] = mapped_column(String(500))
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON)
    fingerprint: Mapped[str] = mapped_column(String(40))
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class RiskLevelStateRow(Base):
    __tablename__ = "risk_level_states"
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), primary_key=True)
    dirty_from: Mapped[dt.date | None] = mapped_column(Date)
    dirty_version: Mapped[int] = mapped_column(Integer, default=0)
    computed_version: Mapped[int] = mapped_column(Integer, default=0)
    judged_version: Mapped[int] = mapped_column(Integer, default=0)
    computed_through: Mapped[dt.date | None] = mapped_column(Date)
    computed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
