"""Planning jobs (issue 14 point 4; service in `kilnguard.services.planning.jobs`).

One row per planning run started off the request path: which enterprise, as of which day,
the hash of the run's inputs (the planning problem and the solver limits — the same question
is answered from this table), who asked, its state ("queued", "running", "done",
"cancelled", "failed"), the live progress of the anytime planner (stage, elapsed time,
incumbent objective, proven bound, the greedy plan's objective) and, once done, the report's
JSON. Migration `0012_plan_jobs` (branch `plan_jobs`); keep the two identical.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kilnguard.store.models import Base, EnterpriseRow, UTCDateTime


class PlanJob(EnterpriseRow, Base):
    __tablename__ = "plan_jobs"
    inputs_hash: Mapped[str] = mapped_column(String(64), index=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    time_limit_s: Mapped[float] = mapped_column(Float)
    requested_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(16), default="")
    elapsed_s: Mapped[float] = mapped_column(Float, default=0.0)
    objective: Mapped[float | None] = mapped_column(Float)
    bound: Mapped[float | None] = mapped_column(Float)
    greedy_objective: Mapped[float | None] = mapped_column(Float)
    summary: Mapped[str] = mapped_column(Text, default="")  # JSON: the best plan so far
    plan_json: Mapped[str] = mapped_column(Text, default="")  # JSON: the finished report
    error: Mapped[str] = mapped_column(Text, default="")
