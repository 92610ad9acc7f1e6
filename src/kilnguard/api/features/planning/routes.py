"""The planner's REST routes: `GET /api/v1/plans` and `POST /api/v1/plans/adopt`.

Thin: `services.planning` builds the problem (tenancy through `services.access`), plans,
replays every plan through the risk engine, and adopts (managers and admins, audited). A
report is cached while the records are unchanged, so the page and its images reuse one solve.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from kilnguard.api.bounds import REFUSALS
from kilnguard.api.deps import Who, uow
from kilnguard.api.features.planning.schemas import (
    MAX_WEB_TIME_LIMIT_S,
    TIME_LIMIT_HELP,
    WEB_TIME_LIMIT_S,
    AdoptBody,
    AdoptionOut,
    PlanForecastOut,
    PlanOut,
)
from kilnguard.services import planning as ps
from kilnguard.services.access import Principal
from kilnguard.services.planning.baseline import KilnWeek, planned_vs_actual
from kilnguard.services.planning.forecast import plan_forecast

__all__ = [
    "WEB_SEARCH_TIME_LIMIT_S",
    "WEB_TIME_LIMIT_S",
    "TimeLimitQuery",
    "plan_report",
    "router",
]

router = APIRouter()
API = "/api/v1"
TAG: list[str | Enum] = ["plans"]

#: Time limit of the explanation's and the pushing table's solves in the front ends [s].
WEB_SEARCH_TIME_LIMIT_S = 3.0

TimeLimitQuery = Annotated[
    float, Query(gt=0, le=MAX_WEB_TIME_LIMIT_S, allow_inf_nan=False, description=TIME_LIMIT_HELP)
]
"""The `time_limit_s` query parameter of the plan routes and pages (finite, positive, capped)."""


def plan_report(
    request: Request,
    who: Principal,
    enterprise_id: int | None,
    as_of: dt.date | None,
    time_limit_s: float,
) -> ps.PlanReport:
    """The (cached) report for an enterprise — by default the first one `who` may plan for."""
    with uow(request) as session:
        if enterprise_id is None:
            options = ps.plannable_enterprises(session, who)
            enterprise_id = options[0].id if options else 0
        search = min(WEB_SEARCH_TIME_LIMIT_S, max(1.0, time_limit_s / 4))
        return ps.make_plan(
            session,
            who,
            enterprise_id=enterprise_id,
            as_of=as_of,
            time_limit_s=time_limit_s,
            search_time_limit_s=search,
            pushing_time_limit_s=search,
        )


@router.get(
    f"{API}/plans",
    tags=TAG,
    summary="Safe plan, shortfall explanation and replay",
    response_model=PlanOut,
)
def api_plan(
    request: Request,
    who: Who,
    enterprise_id: int | None = None,
    as_of: dt.date | None = None,
    time_limit_s: TimeLimitQuery = WEB_TIME_LIMIT_S,
) -> PlanOut:
    """The same JSON as `kilnguard plan --json`: `feasible`, `max_safe_t` (t by the first
    deadline), `earliest_safe_date`, `binding`, `replay.worst_level` of the proposed plan (and
    `replay.actual_worst_level` of the recorded history), `price_of_pushing`, `targets`..."""
    report = plan_report(request, who, enterprise_id, as_of, time_limit_s)
    return PlanOut.model_validate(report.to_json())


@router.get(
    f"{API}/plans/vs-actual",
    tags=TAG,
    summary="The adopted plan against recorded production, per kiln and week",
)
def api_vs_actual(
    request: Request, who: Who, enterprise_id: int, until: dt.date | None = None
) -> list[KilnWeek]:
    """Planned (latest adoption) and recorded tonnes per kiln and week, up to `until` (default:
    the last recorded day); `deviation_t` = recorded − planned."""
    with uow(request) as session:
        return planned_vs_actual(session, who, enterprise_id, until)


@router.get(
    f"{API}/plans/forecast",
    tags=TAG,
    summary="The adopted plan as a risk forecast, per kiln",
    response_model=PlanForecastOut,
    responses={
        200: {"description": "The forecast of the enterprise's latest adopted plan"},
        204: {"description": "The enterprise has adopted no plan"},
        **{code: REFUSALS[code] for code in (401, 404, 422)},
    },
)
def api_forecast(request: Request, who: Who, enterprise_id: int) -> PlanForecastOut | Response:
    """The risk engine over the stored history plus the adopted plan's planned production and
    shifts for the days after the last record: each kiln's first day at amber, red and stop
    ("this plan takes RF-2 to red on 12 Dec"), and whether the forecast has risen since the
    plan was adopted. 404 for an enterprise `who` may not read."""
    with uow(request) as session:
        forecast = plan_forecast(session, who, enterprise_id)
    if forecast is None:
        return Response(status_code=204)
    return PlanForecastOut.model_validate(forecast.to_json())


@router.post(
    f"{API}/plans/adopt",
    tags=TAG,
    status_code=201,
    summary="Adopt the safe plan",
    response_model=AdoptionOut,
)
def api_adopt(request: Request, who: Who, body: AdoptBody) -> AdoptionOut:
    """Write the proposed plan's production and shifts as planned rows (managers, admins)."""
    report = plan_report(request, who, body.enterprise_id, body.as_of, body.time_limit_s)
    with uow(request) as session:
        adoption = ps.adopt_plan(session, who, report)
    return adoption
