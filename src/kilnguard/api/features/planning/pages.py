"""The planner's web page `/plan`, its two charts as PNG (rendered in memory) and the adopt
form."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from kilnguard.api.deps import Who, clock_of_app, engine_of, uow
from kilnguard.api.features.planning.routes import TimeLimitQuery, plan_report
from kilnguard.api.features.planning.schemas import WEB_TIME_LIMIT_S
from kilnguard.domain.validation import parse_day
from kilnguard.services import access
from kilnguard.services import planning as ps
from kilnguard.services.access import Principal
from kilnguard.services.planning import jobs
from kilnguard.services.planning.baseline import KilnWeek, latest_adoption, planned_vs_actual
from kilnguard.services.planning.deviations import Tolerance, week_deviates
from kilnguard.services.planning.forecast import cached_forecast, kiln_forecast
from kilnguard.services.records.views import KilnRef
from kilnguard.web import pages

__all__ = ["router"]

router = APIRouter()

TEMPLATES = Jinja2Templates(
    directory=str(Path(__file__).resolve().parents[3] / "web" / "templates")
)
pages.share_globals(TEMPLATES)


def _day(value: str | None) -> dt.date | None:
    return parse_day("as_of", value) if value else None  # "x" or 9999-12-31: 422, not 500


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
            enterprise_id
            if enterprise_id is not None
            else (enterprises[0][0] if enterprises else None)
        )
        weeks = [] if chosen is None else planned_vs_actual(session, who, chosen)
        adoption = None if chosen is None else latest_adoption(session, who, chosen)
    data: dict[str, Any] | None = None
    job: jobs.JobView | None = None
    if chosen is not None:
        job = _first_plan(request, who, chosen, _day(as_of), time_limit_s)
        data = job.plan if job.status == "done" else None
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
            "job": job,
            "vs_actual": weeks,
            **_off_plan(weeks),
            "adoption_id": adoption.id if adoption else None,
            "query": query,
            "may_adopt": access.may(who, "plan_adoption"),
            "adopted": request.query_params.get("adopted"),
        },
    )


def _off_plan(weeks: list[KilnWeek]) -> dict[str, Any]:
    """The kiln-weeks beyond the deviation tolerance, and the tolerance, for the tables."""
    tolerance = Tolerance.from_env()
    off = {(w.kiln_id, w.week_start) for w in weeks if week_deviates(w, tolerance)}
    return {"off_plan": off, "tolerance": tolerance}


@router.get("/plan/forecast", response_class=HTMLResponse, include_in_schema=False)
def plan_forecast_fragment(
    request: Request, who: Who, enterprise_id: int, kiln_id: int | None = None
) -> HTMLResponse:
    """The adopted plan's risk forecast (the plan page's section, or one kiln's row for its
    page's panel), loaded after the page so the page answers at once."""
    with uow(request) as session:
        found = kiln_forecast(session, who, enterprise_id, kiln_id or 0)
    if found is None:
        return HTMLResponse("<p>No plan adopted: nothing to forecast.</p>")
    forecast, row = found
    rows = forecast.kilns if kiln_id is None else [row] if row is not None else []
    return TEMPLATES.TemplateResponse(
        request, "planning/forecast.html", {"forecast": forecast, "rows": rows}
    )


def kiln_plan_panel(session: Session, who: Principal, kiln: KilnRef) -> dict[str, Any]:
    """The kiln page's panel: planned vs recorded tonnes per week under the adopted plan, and
    the plan's risk forecast for this kiln (shown at once when already computed, else loaded
    after the page)."""
    adoption, forecast = cached_forecast(session, who, kiln.enterprise_id)
    weeks = (
        [w for w in planned_vs_actual(session, who, kiln.enterprise_id) if w.kiln_id == kiln.id]
        if adoption is not None
        else []
    )
    row = next((k for k in forecast.kilns if k.kiln_id == kiln.id), None) if forecast else None
    return {
        "enterprise_id": kiln.enterprise_id,
        "kiln_id": kiln.id,
        "adoption_id": adoption.id if adoption else None,
        "forecast": forecast,
        "rows": [row] if row is not None else [],
        "weeks": weeks,
        **{k.replace("off_plan", "off"): v for k, v in _off_plan(weeks).items()},
    }


#: How long the page waits for the job's first checked plan before it answers [s].
FIRST_PLAN_WAIT_S = 0.8


def _first_plan(
    request: Request, who: Who, enterprise_id: int, as_of: dt.date | None, time_limit_s: float
) -> jobs.JobView:
    """The planning job for the question, started off the request path (or answered from
    the store), once it has its first checked plan or after `FIRST_PLAN_WAIT_S`."""
    engine = engine_of(request)
    job = jobs.start_job(
        engine,
        who,
        enterprise_id=enterprise_id,
        as_of=as_of,
        time_limit_s=time_limit_s,
        clock=clock_of_app(request),
    )
    if job.finished or job.plan is not None:
        return job
    return jobs.wait_for_job(engine, who, job.job_id, FIRST_PLAN_WAIT_S, first_plan=True)


@router.get("/plan/jobs/{job_id}", response_class=HTMLResponse, include_in_schema=False)
def plan_job_panel(request: Request, who: Who, job_id: int) -> HTMLResponse:
    """The progress panel the page polls (htmx); a finished job reloads the page, which then
    shows the stored report."""
    with uow(request) as session:
        job = jobs.get_job(session, who, job_id)
    response = TEMPLATES.TemplateResponse(request, "planning/job.html", {"job": job})
    if job.finished:
        response.headers["HX-Refresh"] = "true"
    return response


@router.post("/plan/jobs/{job_id}/cancel", response_class=HTMLResponse, include_in_schema=False)
def plan_job_cancel(request: Request, who: Who, job_id: int) -> HTMLResponse:
    """Cancel from the page: the job keeps the best plan so far."""
    job = jobs.cancel_job(engine_of(request), who, job_id)
    return TEMPLATES.TemplateResponse(request, "planning/job.html", {"job": job})


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
if not any(t == "planning/kiln_panel.html" for _, t, _ in pages.KILN_PANELS):
    pages.KILN_PANELS.append(("Adopted plan", "planning/kiln_panel.html", kiln_plan_panel))
