"""The planner's web page `/plan`, its two charts as PNG (rendered in memory) and the adopt
form."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from kilnguard.api.deps import Who, uow
from kilnguard.api.features.planning.routes import TimeLimitQuery, plan_report
from kilnguard.api.features.planning.schemas import WEB_TIME_LIMIT_S
from kilnguard.services import access
from kilnguard.services import planning as ps
from kilnguard.web import pages

__all__ = ["router"]

router = APIRouter()

TEMPLATES = Jinja2Templates(
    directory=str(Path(__file__).resolve().parents[3] / "web" / "templates")
)
pages.share_globals(TEMPLATES)


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@router.get("/plan", response_class=HTMLResponse, include_in_schema=False)
def plan_page(
    request: Request,
    who: Who,
    enterprise_id: int | None = None,
    as_of: str | None = None,
    time_limit_s: TimeLimitQuery = WEB_TIME_LIMIT_S,
) -> HTMLResponse:
    with uow(request) as session:
        enterprises = [(e.id, e.name) for e in ps.plannable_enterprises(session, who)]
    chosen = (
        enterprise_id if enterprise_id is not None else (enterprises[0][0] if enterprises else None)
    )
    data: dict[str, Any] | None = None
    if chosen is not None:
        data = plan_report(request, who, chosen, _day(as_of), time_limit_s).to_json()
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
            "may_adopt": access.may(who, "plan_adoption"),
            "adopted": request.query_params.get("adopted"),
        },
    )


@router.get("/plan/chart/{which}.png", response_class=Response, include_in_schema=False)
def plan_chart(
    request: Request,
    who: Who,
    which: str,
    enterprise_id: int,
    as_of: str | None = None,
    time_limit_s: TimeLimitQuery = WEB_TIME_LIMIT_S,
) -> Response:
    report = plan_report(request, who, enterprise_id, _day(as_of), time_limit_s)
    return Response(ps.chart_png(report, which), media_type="image/png")


@router.post("/plan/adopt", response_class=RedirectResponse, include_in_schema=False)
def plan_adopt(
    request: Request, who: Who, enterprise_id: int = Form(...), as_of: str = Form("")
) -> RedirectResponse:
    report = plan_report(request, who, enterprise_id, _day(as_of), WEB_TIME_LIMIT_S)
    with uow(request) as session:
        adopted = ps.adopt_plan(session, who, report).id
    query = f"enterprise_id={enterprise_id}" + (f"&as_of={as_of}" if as_of else "")
    return RedirectResponse(f"/plan?{query}&adopted={adopted}", status_code=303)


if ("Plan", "/plan") not in pages.NAV:
    pages.NAV.append(("Plan", "/plan"))
