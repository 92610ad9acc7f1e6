"""The safe production planner over HTTP: `GET /api/v1/plans`, `POST /api/v1/plans/adopt`, the
page `/plan` and its two charts as PNG routes (served from memory).

Thin: `services.planning` builds the problem (tenancy through `services.access`), plans,
replays every plan through the risk engine, and adopts (managers and admins, audited). A
report is cached while the records are unchanged, so the page and its images reuse one solve.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from sqlalchemy import select

from kilnguard.api.deps import Who, uow
from kilnguard.domain.roles import Role
from kilnguard.services import planning as ps
from kilnguard.services.access import Principal, scoped
from kilnguard.store import models as m
from kilnguard.web import pages

router = APIRouter()
API = "/api/v1"
TAG: list[str | Enum] = ["plans"]

TEMPLATES = Jinja2Templates(
    directory=str(Path(__file__).resolve().parents[2] / "web" / "templates")
)

#: Solver limits of the web and API front ends [s]: short, the page waits for them.
WEB_TIME_LIMIT_S = 10.0
WEB_SEARCH_TIME_LIMIT_S = 3.0


def _report(
    request: Request,
    who: Principal,
    enterprise_id: int | None,
    as_of: dt.date | None,
    time_limit_s: float,
) -> ps.PlanReport:
    with uow(request) as session:
        if enterprise_id is None:
            readable = _enterprises(session, who)
            enterprise_id = readable[0].id if readable else 0
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


def _enterprises(session: Any, who: Principal) -> list[m.Enterprise]:
    stmt = scoped(session, who, select(m.Enterprise), m.Enterprise).order_by(m.Enterprise.name)
    kiln_ents = set(session.scalars(scoped(session, who, select(m.Kiln.enterprise_id), m.Kiln)))
    return [e for e in session.scalars(stmt) if e.id in kiln_ents]


class AdoptBody(BaseModel):
    enterprise_id: int
    as_of: dt.date | None = Field(None, description="Default: as for GET /api/v1/plans")
    time_limit_s: float = Field(WEB_TIME_LIMIT_S, gt=0, le=600)


@router.get(f"{API}/plans", tags=TAG, summary="Safe plan, shortfall explanation and replay")
def api_plan(
    request: Request,
    who: Who,
    enterprise_id: int | None = None,
    as_of: dt.date | None = None,
    time_limit_s: float = WEB_TIME_LIMIT_S,
) -> dict[str, Any]:
    """The same JSON as `kilnguard plan --json`: `feasible`, `max_safe_t` (t by the first
    deadline), `earliest_safe_date`, `binding`, `replay.worst_level` of the proposed plan (and
    `replay.actual_worst_level` of the recorded history), `price_of_pushing`, `targets`..."""
    return _report(request, who, enterprise_id, as_of, time_limit_s).to_json()


@router.post(f"{API}/plans/adopt", tags=TAG, status_code=201, summary="Adopt the safe plan")
def api_adopt(request: Request, who: Who, body: AdoptBody) -> dict[str, Any]:
    """Write the proposed plan's production and shifts as planned rows (managers, admins)."""
    report = _report(request, who, body.enterprise_id, body.as_of, body.time_limit_s)
    with uow(request) as session:
        adoption = ps.adopt_plan(session, who, report)
        return {
            "adoption_id": adoption.id,
            "enterprise_id": adoption.enterprise_id,
            "as_of": adoption.as_of.isoformat(),
            "first_day": adoption.first_day.isoformat(),
            "last_day": adoption.last_day.isoformat(),
            "planned_production_rows": len(report.result.shifts),
            "planned_shift_rows": sum(len(s.worker_ids) for s in report.result.shifts),
            "replay_worst_level": adoption.replay_worst_level,
            "adopted_by": adoption.adopted_by,
        }


# ------------------------------------------------------------------------------- web
def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@router.get("/plan", response_class=HTMLResponse, include_in_schema=False)
def plan_page(
    request: Request,
    who: Who,
    enterprise_id: int | None = None,
    as_of: str | None = None,
    time_limit_s: float = WEB_TIME_LIMIT_S,
) -> HTMLResponse:
    with uow(request) as session:
        enterprises = [(e.id, e.name) for e in _enterprises(session, who)]
    chosen = (
        enterprise_id if enterprise_id is not None else (enterprises[0][0] if enterprises else None)
    )
    data: dict[str, Any] | None = None
    if chosen is not None:
        data = _report(request, who, chosen, _day(as_of), time_limit_s).to_json()
    query = f"enterprise_id={chosen}&time_limit_s={time_limit_s:g}" + (
        f"&as_of={as_of}" if as_of else ""
    )
    return TEMPLATES.TemplateResponse(
        request,
        "planning/plan.html",
        {
            "who": who,
            "nav": pages.NAV,
            "enterprises": enterprises,
            "chosen": chosen,
            "as_of": as_of or "",
            "plan": data,
            "query": query,
            "may_adopt": who.role in (Role.MANAGER, Role.ADMIN),
            "adopted": request.query_params.get("adopted"),
        },
    )


@router.get("/plan/chart/{which}.png", include_in_schema=False)
def plan_chart(
    request: Request,
    who: Who,
    which: str,
    enterprise_id: int,
    as_of: str | None = None,
    time_limit_s: float = WEB_TIME_LIMIT_S,
) -> Response:
    report = _report(request, who, enterprise_id, _day(as_of), time_limit_s)
    return Response(ps.chart_png(report, which), media_type="image/png")


@router.post("/plan/adopt", include_in_schema=False)
def plan_adopt(
    request: Request, who: Who, enterprise_id: int = Form(...), as_of: str = Form("")
) -> RedirectResponse:
    report = _report(request, who, enterprise_id, _day(as_of), WEB_TIME_LIMIT_S)
    with uow(request) as session:
        adoption = ps.adopt_plan(session, who, report)
        adopted = adoption.id
    query = f"enterprise_id={enterprise_id}" + (f"&as_of={as_of}" if as_of else "")
    return RedirectResponse(f"/plan?{query}&adopted={adopted}", status_code=303)


if ("Plan", "/plan") not in pages.NAV:
    pages.NAV.append(("Plan", "/plan"))
