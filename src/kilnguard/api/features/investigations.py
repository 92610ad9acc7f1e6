"""REST routes and web pages for incidents, investigations, bulletins and rates (issue 6).

API under /api/v1/incident-register, /api/v1/anonymous-reports, /api/v1/investigations,
/api/v1/bulletins and /api/v1/rates; pages at /incidents, /incidents/{id},
/investigations/{id}, /bulletins and /rates. Everything goes through
`services.investigation`, so tenancy (404 for other enterprises) and the audit log apply.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from kilnguard.api.deps import Who, uow
from kilnguard.domain.errors import KilnguardError, ValidationError
from kilnguard.domain.incident import EventType
from kilnguard.domain.investigation import UcaType
from kilnguard.services import investigation as svc
from kilnguard.services import report as rep
from kilnguard.services.access import readable_enterprise_ids
from kilnguard.store import models as m
from kilnguard.web import pages

router = APIRouter()
API = "/api/v1"

for _entry in (
    ("Incidents", "/incidents"),
    ("Bulletins", "/bulletins"),
    ("Rates", "/rates"),
):
    if _entry not in pages.NAV:
        pages.NAV.append(_entry)


# ----------------------------------------------------------------------------- bodies
class ExtrasIn(BaseModel):
    people_involved: list[str] = []
    potential_severity: int | None = Field(None, ge=0, le=5)


class AnonymousReportIn(BaseModel):
    enterprise_id: int
    event_type: str
    description: str
    occurred_on: dt.date
    kiln_id: int | None = None
    killed: int = Field(0, ge=0)
    seriously_injured: int = Field(0, ge=0)
    minor_injuries: int = Field(0, ge=0)


class OpenIn(BaseModel):
    incident_id: int
    window_days: int = 60


class FindingIn(BaseModel):
    text: str
    about: list[str] = []


class EvidenceIn(BaseModel):
    title: str
    description: str = ""


class InterviewIn(BaseModel):
    interviewee: str
    text: str


class UcaIn(BaseModel):
    description: str
    type: str


class AnalysisIn(BaseModel):
    unsafe_control_actions: list[UcaIn] = []
    flawed_feedback: list[str] = []
    process_model_flaws: list[str] = []
    context: list[str] = []


class RecommendationIn(BaseModel):
    controller_key: str
    text: str
    owner: str
    due_on: dt.date


class StatusIn(BaseModel):
    status: str
    on: dt.date
    note: str = ""


class BulletinIn(BaseModel):
    incident_id: int
    title: str
    summary: str
    lessons: list[str] = []
    required_checks: list[str] = []
    tiers: list[int] = []
    sectors: list[str] = []
    acknowledge_within_days: int = 7


class AcknowledgeIn(BaseModel):
    checked: str
    enterprise_id: int | None = None


class EscalateIn(BaseModel):
    as_of: dt.date


# -------------------------------------------------------------------------------- API
@router.get(f"{API}/incident-register", tags=["incidents"])
def api_register(request: Request, who: Who) -> list[dict[str, Any]]:
    """Incidents with severity class, people involved and the anonymous flag."""
    with uow(request) as session:
        return svc.list_incidents(session, who)


@router.get(f"{API}/incident-register/{{incident_id}}", tags=["incidents"])
def api_register_one(request: Request, who: Who, incident_id: int) -> dict[str, Any]:
    with uow(request) as session:
        return svc.get_incident(session, who, incident_id)


@router.put(f"{API}/incident-register/{{incident_id}}/extras", tags=["incidents"])
def api_extras(request: Request, who: Who, incident_id: int, body: ExtrasIn) -> dict[str, Any]:
    with uow(request) as session:
        svc.set_incident_extras(
            session,
            who,
            incident_id,
            people_involved=body.people_involved,
            potential_severity=body.potential_severity,
        )
        return svc.get_incident(session, who, incident_id)


@router.post(f"{API}/anonymous-reports", status_code=201, tags=["incidents"])
def api_anonymous(request: Request, who: Who, body: AnonymousReportIn) -> dict[str, Any]:
    """File a near miss or unsafe condition anonymously: no identity is stored anywhere
    (audit actor "anonymous", audit time the day only). The reply carries only the id."""
    with uow(request) as session:
        row = svc.file_anonymous_report(
            session,
            who,
            enterprise_id=body.enterprise_id,
            event_type=body.event_type,
            description=body.description,
            occurred_on=body.occurred_on,
            received_on=dt.datetime.now(dt.UTC).date(),
            kiln_id=body.kiln_id,
            killed=body.killed,
            seriously_injured=body.seriously_injured,
            minor_injuries=body.minor_injuries,
        )
        return {"id": row.id, "anonymous": True}


@router.get(f"{API}/investigations", tags=["investigations"])
def api_investigations(request: Request, who: Who) -> list[dict[str, Any]]:
    with uow(request) as session:
        return svc.list_investigations(session, who)


@router.post(f"{API}/investigations", status_code=201, tags=["investigations"])
def api_open(request: Request, who: Who, body: OpenIn) -> dict[str, Any]:
    """Open an investigation: the timeline is assembled from the records and frozen."""
    with uow(request) as session:
        inv = svc.open_investigation(session, who, body.incident_id, window_days=body.window_days)
        session.flush()
        return svc.investigation_view(session, who, inv.id)


@router.get(f"{API}/investigations/{{investigation_id}}", tags=["investigations"])
def api_investigation(request: Request, who: Who, investigation_id: int) -> dict[str, Any]:
    with uow(request) as session:
        return svc.investigation_view(session, who, investigation_id)


@router.get(f"{API}/investigations/{{investigation_id}}/timeline", tags=["investigations"])
def api_timeline(request: Request, who: Who, investigation_id: int) -> list[dict[str, Any]]:
    with uow(request) as session:
        timeline: list[dict[str, Any]] = svc.investigation_view(session, who, investigation_id)[
            "timeline"
        ]
        return timeline


@router.post(
    f"{API}/investigations/{{investigation_id}}/findings", status_code=201, tags=["investigations"]
)
def api_finding(
    request: Request, who: Who, investigation_id: int, body: FindingIn
) -> dict[str, Any]:
    with uow(request) as session:
        f = svc.add_finding(session, who, investigation_id, body.text, about=body.about)
        return {
            "id": f.id,
            "text": f.text,
            "author": f.author,
            "at": f.at.isoformat(),
            "hindsight_warnings": f.hindsight_warnings,
        }


@router.post(
    f"{API}/investigations/{{investigation_id}}/evidence", status_code=201, tags=["investigations"]
)
def api_evidence(
    request: Request, who: Who, investigation_id: int, body: EvidenceIn
) -> dict[str, Any]:
    with uow(request) as session:
        e = svc.add_evidence(session, who, investigation_id, body.title, body.description)
        return {"id": e.id, "title": e.title, "added_by": e.added_by}


@router.post(
    f"{API}/investigations/{{investigation_id}}/interviews",
    status_code=201,
    tags=["investigations"],
)
def api_interview(
    request: Request, who: Who, investigation_id: int, body: InterviewIn
) -> dict[str, Any]:
    with uow(request) as session:
        n = svc.add_interview(session, who, investigation_id, body.interviewee, body.text)
        return {"id": n.id, "interviewee": n.interviewee, "author": n.author}


@router.post(
    f"{API}/investigations/{{investigation_id}}/controllers/{{key}}/analysis",
    tags=["investigations"],
)
def api_analyse(
    request: Request, who: Who, investigation_id: int, key: str, body: AnalysisIn
) -> dict[str, Any]:
    with uow(request) as session:
        svc.analyse_controller(
            session,
            who,
            investigation_id,
            key,
            unsafe_control_actions=[(u.description, u.type) for u in body.unsafe_control_actions],
            flawed_feedback=body.flawed_feedback,
            process_model_flaws=body.process_model_flaws,
            context=body.context,
        )
        view = svc.investigation_view(session, who, investigation_id)
        return next(c for c in view["controllers"] if c["key"] == key)


@router.post(
    f"{API}/investigations/{{investigation_id}}/actions", status_code=201, tags=["investigations"]
)
def api_recommend(
    request: Request, who: Who, investigation_id: int, body: RecommendationIn
) -> dict[str, Any]:
    with uow(request) as session:
        a = svc.add_recommendation(
            session,
            who,
            investigation_id,
            controller_key=body.controller_key,
            text=body.text,
            owner=body.owner,
            due_on=body.due_on,
        )
        return {"id": a.id, "status": a.status, "owner": a.owner, "due_on": a.due_on.isoformat()}


@router.post(f"{API}/investigations/actions/{{action_id}}/status", tags=["investigations"])
def api_action_status(request: Request, who: Who, action_id: int, body: StatusIn) -> dict[str, Any]:
    with uow(request) as session:
        a = svc.set_action_status(session, who, action_id, body.status, on=body.on, note=body.note)
        return {"id": a.id, "status": a.status, "completed_on": a.completed_on}


@router.post(f"{API}/investigations/actions/escalate", tags=["investigations"])
def api_action_escalate(request: Request, who: Who, body: EscalateIn) -> dict[str, Any]:
    with uow(request) as session:
        changed = svc.escalate_actions(session, who, body.as_of)
        return {"escalated": [{"id": a.id, "level": a.escalation_level} for a in changed]}


@router.get(f"{API}/investigations/{{investigation_id}}/report.html", tags=["investigations"])
def api_report_html(request: Request, who: Who, investigation_id: int) -> HTMLResponse:
    """The self-contained HTML report."""
    with uow(request) as session:
        data = rep.report_data(session, who, investigation_id)
    return HTMLResponse(rep.render_html(data))


@router.get(f"{API}/investigations/{{investigation_id}}/report.pdf", tags=["investigations"])
def api_report_pdf(request: Request, who: Who, investigation_id: int) -> Response:
    with uow(request) as session:
        data = rep.report_data(session, who, investigation_id)
    return Response(rep.render_pdf(data), media_type="application/pdf")


@router.get(f"{API}/rates", tags=["rates"])
def api_rates(request: Request, who: Who, enterprise_id: int | None = None) -> list[dict[str, Any]]:
    """TRIR, LTIFR and fatality rate per 200 000 h by enterprise, region and month."""
    with uow(request) as session:
        return [asdict(r) for r in svc.rates(session, who, enterprise_id=enterprise_id)]


@router.get(f"{API}/bulletins", tags=["bulletins"])
def api_bulletins(request: Request, who: Who, as_of: dt.date | None = None) -> list[dict[str, Any]]:
    with uow(request) as session:
        return svc.list_bulletins(session, who, as_of=as_of)


@router.post(f"{API}/bulletins", status_code=201, tags=["bulletins"])
def api_send_bulletin(request: Request, who: Who, body: BulletinIn) -> dict[str, Any]:
    with uow(request) as session:
        b = svc.send_bulletin(session, who, **body.model_dump())
        session.flush()
        return svc.bulletin_view(session, who, b.id)


@router.post(f"{API}/bulletins/escalate", tags=["bulletins"])
def api_escalate(request: Request, who: Who, body: EscalateIn) -> dict[str, Any]:
    with uow(request) as session:
        changed = svc.escalate_bulletins(session, who, body.as_of)
        return {"reminded": [{"id": r.id, "enterprise_id": r.enterprise_id} for r in changed]}


@router.get(f"{API}/bulletins/{{bulletin_id}}", tags=["bulletins"])
def api_bulletin(
    request: Request, who: Who, bulletin_id: int, as_of: dt.date | None = None
) -> dict[str, Any]:
    with uow(request) as session:
        return svc.bulletin_view(session, who, bulletin_id, as_of=as_of)


@router.post(f"{API}/bulletins/{{bulletin_id}}/acknowledge", tags=["bulletins"])
def api_acknowledge(
    request: Request, who: Who, bulletin_id: int, body: AcknowledgeIn
) -> dict[str, Any]:
    with uow(request) as session:
        svc.acknowledge_bulletin(
            session, who, bulletin_id, checked=body.checked, enterprise_id=body.enterprise_id
        )
        return svc.bulletin_view(session, who, bulletin_id)


# ------------------------------------------------------------------------------ pages
T = "investigation"


def _error_text(exc: KilnguardError) -> str:
    if isinstance(exc, ValidationError):
        return f"{exc.field}: {exc.message}"
    return exc.message


@router.get("/incidents", response_class=HTMLResponse, include_in_schema=False)
def page_incidents(request: Request, who: Who, error: str = "") -> HTMLResponse:
    with uow(request) as session:
        items = svc.list_incidents(session, who)
        ids = readable_enterprise_ids(session, who)
        ents = [
            e
            for e in session.query(m.Enterprise).order_by(m.Enterprise.name)
            if ids is None or e.id in ids
        ]
        return pages.render(
            request,
            f"{T}/incidents.html",
            who,
            incidents=items,
            enterprises=[(e.id, e.name) for e in ents],
            event_types=[e.value for e in EventType],
            error=error,
        )


@router.post("/incidents/anonymous", include_in_schema=False, response_model=None)
def page_anonymous(
    request: Request,
    who: Who,
    enterprise_id: int = Form(...),
    event_type: str = Form("near_miss"),
    description: str = Form(""),
    occurred_on: str = Form(""),
) -> Response:
    try:
        with uow(request) as session:
            svc.file_anonymous_report(
                session,
                who,
                enterprise_id=enterprise_id,
                event_type=event_type,
                description=description,
                occurred_on=_date("occurred_on", occurred_on),
                received_on=dt.datetime.now(dt.UTC).date(),
            )
    except KilnguardError as exc:
        return page_incidents(request, who, error=_error_text(exc))
    return RedirectResponse("/incidents?filed=1", status_code=303)


def _date(field: str, raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(field, raw, "must be a date like 2021-11-24") from None


@router.get("/incidents/{incident_id}", response_class=HTMLResponse, include_in_schema=False)
def page_incident(request: Request, who: Who, incident_id: int, error: str = "") -> HTMLResponse:
    with uow(request) as session:
        item = svc.get_incident(session, who, incident_id)
        inv = svc.investigation_for_incident(session, who, incident_id)
        tz = svc.plant_tz(session, item["enterprise_id"])
        return pages.render(
            request,
            f"{T}/incident.html",
            who,
            incident=item,
            when=rep.local_time(item["occurred_at"], tz),
            investigation=inv,
            error=error,
        )


@router.post("/incidents/{incident_id}/investigate", include_in_schema=False, response_model=None)
def page_open(request: Request, who: Who, incident_id: int) -> Response:
    try:
        with uow(request) as session:
            inv = svc.open_or_get(session, who, incident_id)
            inv_id = inv.id
    except KilnguardError as exc:
        return page_incident(request, who, incident_id, error=_error_text(exc))
    return RedirectResponse(f"/investigations/{inv_id}", status_code=303)


@router.get(
    "/investigations/{investigation_id}", response_class=HTMLResponse, include_in_schema=False
)
def page_investigation(
    request: Request, who: Who, investigation_id: int, error: str = ""
) -> HTMLResponse:
    with uow(request) as session:
        data = rep.report_data(session, who, investigation_id)
        charts = {"load": rep.load_chart(data), "cast": rep.cast_chart(data)}
        tz = data["tz"]
        return pages.render(
            request,
            f"{T}/investigation.html",
            who,
            v=data,
            when=lambda iso: rep.local_time(iso, tz),
            load_png=base64.b64encode(charts["load"]).decode(),
            cast_png=base64.b64encode(charts["cast"]).decode(),
            uca_types=[u.value for u in UcaType],
            error=error,
        )


@router.post(
    "/investigations/{investigation_id}/findings", include_in_schema=False, response_model=None
)
def page_finding(
    request: Request, who: Who, investigation_id: int, text: str = Form("")
) -> Response:
    try:
        with uow(request) as session:
            svc.add_finding(session, who, investigation_id, text)
    except KilnguardError as exc:
        return page_investigation(request, who, investigation_id, error=_error_text(exc))
    return RedirectResponse(f"/investigations/{investigation_id}#findings", status_code=303)


@router.post(
    "/investigations/{investigation_id}/analysis", include_in_schema=False, response_model=None
)
def page_analysis(
    request: Request,
    who: Who,
    investigation_id: int,
    key: str = Form(""),
    uca: str = Form(""),
    uca_type: str = Form("provided_unsafe"),
    flawed_feedback: str = Form(""),
    context: str = Form(""),
) -> Response:
    try:
        with uow(request) as session:
            svc.analyse_controller(
                session,
                who,
                investigation_id,
                key,
                unsafe_control_actions=[(uca, uca_type)] if uca.strip() else [],
                flawed_feedback=[flawed_feedback] if flawed_feedback.strip() else [],
                context=[context] if context.strip() else [],
            )
    except (KilnguardError, ValueError) as exc:
        msg = _error_text(exc) if isinstance(exc, KilnguardError) else str(exc)
        return page_investigation(request, who, investigation_id, error=msg)
    return RedirectResponse(f"/investigations/{investigation_id}#cast", status_code=303)


@router.post(
    "/investigations/{investigation_id}/actions", include_in_schema=False, response_model=None
)
def page_action(
    request: Request,
    who: Who,
    investigation_id: int,
    controller_key: str = Form(""),
    text: str = Form(""),
    owner: str = Form(""),
    due_on: str = Form(""),
) -> Response:
    try:
        with uow(request) as session:
            svc.add_recommendation(
                session,
                who,
                investigation_id,
                controller_key=controller_key,
                text=text,
                owner=owner,
                due_on=_date("due_on", due_on),
            )
    except KilnguardError as exc:
        return page_investigation(request, who, investigation_id, error=_error_text(exc))
    return RedirectResponse(f"/investigations/{investigation_id}#actions", status_code=303)


@router.get(
    "/investigations/{investigation_id}/report",
    response_class=HTMLResponse,
    include_in_schema=False,
)
def page_report(request: Request, who: Who, investigation_id: int) -> HTMLResponse:
    return api_report_html(request, who, investigation_id)


@router.get("/bulletins", response_class=HTMLResponse, include_in_schema=False)
def page_bulletins(request: Request, who: Who, error: str = "") -> HTMLResponse:
    with uow(request) as session:
        items = svc.list_bulletins(session, who)
        can_send = who.role in svc.BULLETIN_ROLES
        incidents = svc.list_incidents(session, who) if can_send else []
        return pages.render(
            request,
            f"{T}/bulletins.html",
            who,
            bulletins=items,
            can_ack=who.role in svc.ACKNOWLEDGING_ROLES,
            can_send=can_send,
            incidents=incidents,
            mine=who.enterprise_ids,
            error=error,
        )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@router.post("/bulletins", include_in_schema=False, response_model=None)
def page_send_bulletin(
    request: Request,
    who: Who,
    incident_id: int = Form(...),
    title: str = Form(""),
    summary: str = Form(""),
    lessons: str = Form(""),
    required_checks: str = Form(""),
    tiers: list[int] = Form([]),
    sectors: str = Form(""),
    acknowledge_within_days: int = Form(7),
) -> Response:
    """A regulator sends a bulletin from the web: lessons and checks one per line."""
    try:
        with uow(request) as session:
            svc.send_bulletin(
                session,
                who,
                incident_id=incident_id,
                title=title,
                summary=summary,
                lessons=_lines(lessons),
                required_checks=_lines(required_checks),
                tiers=tiers,
                sectors=[x.strip() for x in sectors.split(",") if x.strip()],
                acknowledge_within_days=acknowledge_within_days,
            )
    except KilnguardError as exc:
        return page_bulletins(request, who, error=_error_text(exc))
    return RedirectResponse("/bulletins", status_code=303)


@router.post("/bulletins/{bulletin_id}/acknowledge", include_in_schema=False, response_model=None)
def page_acknowledge(
    request: Request, who: Who, bulletin_id: int, checked: str = Form("")
) -> Response:
    try:
        with uow(request) as session:
            svc.acknowledge_bulletin(session, who, bulletin_id, checked=checked)
    except KilnguardError as exc:
        return page_bulletins(request, who, error=_error_text(exc))
    return RedirectResponse("/bulletins", status_code=303)


@router.get("/rates", response_class=HTMLResponse, include_in_schema=False)
def page_rates(request: Request, who: Who) -> HTMLResponse:
    with uow(request) as session:
        rows = svc.rates(session, who)
    return pages.render(
        request,
        f"{T}/rates.html",
        who,
        rows=rows,
        chart=base64.b64encode(rates_chart(rows)).decode(),
    )


def rates_chart(rows: list[svc.RateRow]) -> bytes:
    """TRIR per month and enterprise (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3))
    names = sorted({r.name for r in rows if r.scope == "enterprise"})
    months = sorted({r.period for r in rows if r.period != "all"})
    width = 0.8 / max(len(names), 1)
    for i, name in enumerate(names):
        vals = {
            r.period: r.trir_per_200k_h or 0.0
            for r in rows
            if r.scope == "enterprise" and r.name == name and r.period != "all"
        }
        ax.bar(
            [j + i * width for j in range(len(months))],
            [vals.get(mo, 0.0) for mo in months],
            width,
            label=name,
        )
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(months))], months, fontsize=7)
    ax.set_ylabel("TRIR per 200,000 h")
    if names:
        ax.legend(fontsize=7)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()
