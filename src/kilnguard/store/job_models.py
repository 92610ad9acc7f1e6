"""Tables of the scheduler (issue 19 point 3; service in `kilnguard.services.scheduler`).

`scheduler_runs`: one row per run of a job for a slot ("rollover:region 3" for 2021-10-05,
"escalate" for 2021-10-05T04:00:00Z). The row is inserted (claimed) before the job runs and
marked done in the same transaction as the job's own writes; (job, slot) is unique, so a slot
is claimed once, and a claimed row whose `done_at` is empty is a run still owed (a crash, a
failure to retry). `scheduler_leases`: the lease row that makes one instance the active
scheduler on SQLite (on PostgreSQL a session-level advisory lock does it and this table stays
empty). Migration `0008_scheduler` (branch `scheduler`); keep the two identical.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kilnguard.store.models import Base, IdKey, UTCDateTime


class SchedulerRun(IdKey, Base):
    __tablename__ = "scheduler_runs"
    __table_args__ = (UniqueConstraint("job", "slot"),)
    job: Mapped[str] = mapped_column(String(100))
    slot: Mapped[str] = mapped_column(String(40))  # ISO date or UTC instant: sorts in time order
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # when the slot fell due
    claimed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str] = mapped_column(String(100))  # host:pid:tag of the instance
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # backoff after failing
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(Text, default="")  # what the run did, in words
    error: Mapped[str] = mapped_column(Text, default="")  # the last failure, if any


class SchedulerLease(Base):
    __tablename__ = "scheduler_leases"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    acquired_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
