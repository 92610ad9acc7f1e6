"""What the scheduler has done: each job's schedule, last run and runs still owed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.services.scheduler.jobs import Job
from kilnguard.store.job_models import SchedulerLease, SchedulerRun


@dataclass(frozen=True)
class JobStatus:
    job: str
    schedule: str
    last_slot: str | None  # the latest slot done
    last_done_at: dt.datetime | None
    last_outcome: str
    owed: int  # slots claimed and not done
    last_error: str


def job_status(session: Session, jobs: list[Job]) -> list[JobStatus]:
    out = []
    for job in jobs:
        last = session.scalars(
            select(SchedulerRun)
            .where(SchedulerRun.job == job.name, SchedulerRun.done_at.is_not(None))
            .order_by(SchedulerRun.slot.desc())
            .limit(1)
        ).first()
        owed = list(
            session.scalars(
                select(SchedulerRun)
                .where(SchedulerRun.job == job.name, SchedulerRun.done_at.is_(None))
                .order_by(SchedulerRun.slot)
            )
        )
        out.append(
            JobStatus(
                job=job.name,
                schedule=job.schedule.describe(),
                last_slot=last.slot if last else None,
                last_done_at=last.done_at if last else None,
                last_outcome=last.outcome if last else "",
                owed=len(owed),
                last_error=next((r.error for r in reversed(owed) if r.error), ""),
            )
        )
    return out


def lease_holder(session: Session, now: dt.datetime) -> str | None:
    """The instance holding the SQLite lease, if it has not expired."""
    row = session.scalars(select(SchedulerLease)).first()
    return row.holder if row is not None and row.expires_at > now else None
