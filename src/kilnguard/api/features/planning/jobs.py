"""Planning jobs over HTTP (issue 14 point 4): start one, read its progress and best plan so
far, cancel it. The planner runs off the request path (`services.planning.jobs`); a request
only records or reads the job, so it answers at once whatever the time limit."""

from __future__ import annotations

import datetime as dt
from enum import Enum

from fastapi import APIRouter, Request
from pydantic import Field

from kilnguard.api.bounds import Body
from kilnguard.api.deps import Who, clock_of_app, engine_of, uow
from kilnguard.api.features.planning.schemas import WEB_TIME_LIMIT_S, TimeLimit
from kilnguard.services.planning import jobs

__all__ = ["JobBody", "JobOut", "router"]

router = APIRouter()
API = "/api/v1/plans/jobs"
TAG: list[str | Enum] = ["plans"]


class JobBody(Body):
    """The question: an enterprise's plan as of a day, solved for at most `time_limit_s`."""

    enterprise_id: int
    as_of: dt.date | None = Field(None, description="Default: as for GET /api/v1/plans")
    time_limit_s: TimeLimit = WEB_TIME_LIMIT_S


JobOut = jobs.JobView
"""A planning job: state, live progress (incumbent objective, bound, gap, elapsed) and `plan`:
a summary of the best plan so far while it runs, the full report once done (the service's
view is the JSON shape; FastAPI serialises the dataclass)."""


@router.post(f"{API}", tags=TAG, status_code=202, summary="Start (or reuse) a planning job")
def start(request: Request, who: Who, body: JobBody) -> JobOut:
    """Answers at once with the job: a stored one when the same question (same inputs) was
    asked before, else a new one queued off the request path. Poll it for progress."""
    view = jobs.start_job(
        engine_of(request),
        who,
        enterprise_id=body.enterprise_id,
        as_of=body.as_of,
        time_limit_s=body.time_limit_s,
        clock=clock_of_app(request),
    )
    return view


@router.get(f"{API}/{{job_id}}", tags=TAG, summary="A planning job's progress and best plan")
def read(request: Request, who: Who, job_id: int) -> JobOut:
    with uow(request) as session:
        return jobs.get_job(session, who, job_id)


@router.post(f"{API}/{{job_id}}/cancel", tags=TAG, summary="Cancel a planning job")
def cancel(request: Request, who: Who, job_id: int) -> JobOut:
    """Stops the search; the job keeps and stores the best plan found so far."""
    return jobs.cancel_job(engine_of(request), who, job_id)
