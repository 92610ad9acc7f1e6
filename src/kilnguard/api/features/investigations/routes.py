"""REST JSON of the investigation feature under /api/v1: the incident register, anonymous
reports, investigations (timeline, findings, evidence, interviews, CAST, corrective actions,
report), rates and bulletins. Every route declares its response model (`schemas`); tenancy
(404 for other enterprises) and the audit log are the services'."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.types import DecoratedCallable
from pydantic import BaseModel

from kilnguard.api.browser import SELF_CONTAINED_PAGE
from kilnguard.api.deps import Who, clock_of_app, uow
from kilnguard.api.features.investigations import schemas as s
from kilnguard.services import investigation as svc
from kilnguard.services.investigation import report as rep

router = APIRouter()
API = "/api/v1"
INV = "/investigations/{investigation_id}"


def _json(
    method: str, path: str, model: Any, *, tag: str, status: int = 200
) -> Callable[[DecoratedCallable], DecoratedCallable]:
    """A REST route of this feature under /api/v1, its JSON described by `model` (schemas)."""
    return router.api_route(
        f"{API}{path}", methods=[method], status_code=status, tags=[tag], response_model=model
    )


Add = Callable[..., Any]
"""A service adding to an investigation: (session, who, investigation_id, **fields) -> row."""


# ---------------------------------------------------------------------------- incidents
@_json("GET", "/incident-register", list[s.IncidentOut], tag="incidents")
def api_register(request: Request, who: Who) -> list[dict[str, Any]]:
    """Incidents with severity class, people involved and the anonymous flag."""
    with uow(request) as session:
        return svc.list_incidents(session, who)


@_json("GET", "/incident-register/{incident_id}", s.IncidentOut, tag="incidents")
def api_register_one(request: Request, who: Who, incident_id: int) -> dict[str, Any]:
    with uow(request) as session:
        return svc.get_incident(session, who, incident_id)


@_json("PUT", "/incident-register/{incident_id}/extras", s.IncidentOut, tag="incidents")
def api_extras(request: Request, who: Who, incident_id: int, body: s.ExtrasIn) -> dict[str, Any]:
    with uow(request) as session:
        svc.set_incident_extras(session, who, incident_id, **body.model_dump())
        return svc.get_incident(session, who, incident_id)


@_json("POST", "/anonymous-reports", s.AnonymousReportOut, tag="incidents", status=201)
def api_anonymous(request: Request, who: Who, body: s.AnonymousReportIn) -> dict[str, Any]:
    """File a near miss or unsafe condition anonymously: no identity is stored anywhere
    (audit actor "anonymous", audit time the day only). The reply carries only the id."""
    with uow(request) as session:
        received_on = clock_of_app(request).now().date()
        row = svc.file_anonymous_report(session, who, received_on=received_on, **body.model_dump())
        return {"id": row.id, "anonymous": True}


# ------------------------------------------------------------------------ investigations
@_json("GET", "/investigations", list[s.InvestigationListItem], tag="investigations")
def api_investigations(request: Request, who: Who) -> list[dict[str, Any]]:
    with uow(request) as session:
        return svc.list_investigations(session, who)


@_json("POST", "/investigations", s.InvestigationOut, tag="investigations", status=201)
def api_open(request: Request, who: Who, body: s.OpenIn) -> dict[str, Any]:
    """Open an investigation: the timeline is assembled from the records and frozen."""
    with uow(request) as session:
        inv = svc.open_investigation(session, who, body.incident_id, window_days=body.window_days)
        session.flush()
        return svc.investigation_view(session, who, inv.id)


@_json("GET", INV, s.InvestigationOut, tag="investigations")
def api_investigation(request: Request, who: Who, investigation_id: int) -> dict[str, Any]:
    with uow(request) as session:
        return svc.investigation_view(session, who, investigation_id)


@_json("GET", f"{INV}/timeline", list[s.TimelineEntryOut], tag="investigations")
def api_timeline(request: Request, who: Who, investigation_id: int) -> list[dict[str, Any]]:
    with uow(request) as session:
        timeline: list[dict[str, Any]] = svc.investigation_view(session, who, investigation_id)[
            "timeline"
        ]
        return timeline


def _adding(
    name: str, section: str, body: type[BaseModel], out: type[BaseModel], add: Add, *fields: str
) -> None:
    """POST /investigations/{id}/`section`: add what `body` describes; 201 with the new row's
    `fields` (dates and times as ISO text)."""

    def endpoint(request: Request, who: Who, investigation_id: int, body: Any) -> dict[str, Any]:
        with uow(request) as session:
            row = add(session, who, investigation_id, **body.model_dump())
            values = {name: getattr(row, name) for name in fields}
            return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}

    endpoint.__annotations__["body"] = body  # FastAPI reads the body's model here
    router.add_api_route(
        f"{API}{INV}/{section}",
        endpoint,
        methods=["POST"],
        status_code=201,
        tags=["investigations"],
        response_model=out,
        name=name,
    )


_adding(
    "api_finding",
    "findings",
    s.FindingIn,
    s.FindingCreated,
    svc.add_finding,
    "id",
    "text",
    "author",
    "at",
    "hindsight_warnings",
)
_adding(
    "api_evidence",
    "evidence",
    s.EvidenceIn,
    s.EvidenceCreated,
    svc.add_evidence,
    "id",
    "title",
    "added_by",
)
_adding(
    "api_interview",
    "interviews",
    s.InterviewIn,
    s.InterviewCreated,
    svc.add_interview,
    "id",
    "interviewee",
    "author",
)


@_json("POST", f"{INV}/controllers/{{key}}/analysis", s.ControllerOut, tag="investigations")
def api_analyse(
    request: Request, who: Who, investigation_id: int, key: str, body: s.AnalysisIn
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
        controller: dict[str, Any] = next(c for c in view["controllers"] if c["key"] == key)
        return controller


_adding(
    "api_recommend",
    "actions",
    s.RecommendationIn,
    s.ActionCreated,
    svc.add_recommendation,
    "id",
    "status",
    "owner",
    "due_on",
)


@_json(
    "POST", "/investigations/actions/{action_id}/status", s.ActionStatusOut, tag="investigations"
)
def api_action_status(
    request: Request, who: Who, action_id: int, body: s.StatusIn
) -> dict[str, Any]:
    with uow(request) as session:
        a = svc.set_action_status(session, who, action_id, body.status, on=body.on, note=body.note)
        return {"id": a.id, "status": a.status, "completed_on": a.completed_on}


@_json("POST", "/investigations/actions/escalate", s.EscalatedActions, tag="investigations")
def api_action_escalate(request: Request, who: Who, body: s.EscalateIn) -> dict[str, Any]:
    with uow(request) as session:
        changed = svc.escalate_actions(session, who, body.as_of)
        return {"escalated": [{"id": a.id, "level": a.escalation_level} for a in changed]}


@router.get(f"{API}{INV}/report.html", tags=["investigations"], response_class=HTMLResponse)
def api_report_html(request: Request, who: Who, investigation_id: int) -> HTMLResponse:
    """The self-contained HTML report."""
    with uow(request) as session:
        data = rep.report_data(session, who, investigation_id)
    return HTMLResponse(rep.render_html(data), headers=SELF_CONTAINED_PAGE)


@router.get(
    f"{API}{INV}/report.pdf",
    tags=["investigations"],
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def api_report_pdf(request: Request, who: Who, investigation_id: int) -> Response:
    with uow(request) as session:
        data = rep.report_data(session, who, investigation_id)
    return Response(rep.render_pdf(data), media_type="application/pdf")


# ------------------------------------------------------------------------ rates, bulletins
@_json("GET", "/rates", list[s.RateOut], tag="rates")
def api_rates(request: Request, who: Who, enterprise_id: int | None = None) -> list[svc.RateRow]:
    """TRIR, LTIFR and fatality rate per 200 000 h by enterprise, region and month."""
    with uow(request) as session:
        return svc.rates(session, who, enterprise_id=enterprise_id)


@_json("GET", "/bulletins", list[s.BulletinOut], tag="bulletins")
def api_bulletins(request: Request, who: Who, as_of: dt.date | None = None) -> list[dict[str, Any]]:
    with uow(request) as session:
        return svc.list_bulletins(session, who, as_of=as_of)


@_json("POST", "/bulletins", s.BulletinOut, tag="bulletins", status=201)
def api_send_bulletin(request: Request, who: Who, body: s.BulletinIn) -> dict[str, Any]:
    with uow(request) as session:
        b = svc.send_bulletin(session, who, **body.model_dump())
        session.flush()
        return svc.bulletin_view(session, who, b.id)


@_json("POST", "/bulletins/escalate", s.RemindedOut, tag="bulletins")
def api_escalate(request: Request, who: Who, body: s.EscalateIn) -> dict[str, Any]:
    with uow(request) as session:
        changed = svc.escalate_bulletins(session, who, body.as_of)
        return {"reminded": [{"id": r.id, "enterprise_id": r.enterprise_id} for r in changed]}


@_json("GET", "/bulletins/{bulletin_id}", s.BulletinOut, tag="bulletins")
def api_bulletin(
    request: Request, who: Who, bulletin_id: int, as_of: dt.date | None = None
) -> dict[str, Any]:
    with uow(request) as session:
        return svc.bulletin_view(session, who, bulletin_id, as_of=as_of)


@_json("POST", "/bulletins/{bulletin_id}/acknowledge", s.BulletinOut, tag="bulletins")
def api_acknowledge(
    request: Request, who: Who, bulletin_id: int, body: s.AcknowledgeIn
) -> dict[str, Any]:
    with uow(request) as session:
        svc.acknowledge_bulletin(
            session, who, bulletin_id, checked=body.checked, enterprise_id=body.enterprise_id
        )
        return svc.bulletin_view(session, who, bulletin_id)
