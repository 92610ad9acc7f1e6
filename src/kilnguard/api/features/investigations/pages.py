"""Web pages of the investigation feature: /incidents, /incidents/{id},
/investigations/{id} (timeline, findings, CAST, actions, report), /bulletins and /rates.
Forms post back here and redirect; errors re-render the page with the message."""

from __future__ import annotations

import base64
import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.types import DecoratedCallable
from sqlalchemy.orm import Session

from kilnguard.api.deps import Who, clock_of_app, uow
from kilnguard.api.features.investigations.routes import api_report_html
from kilnguard.domain.errors import KilnguardError, PermissionDenied, ValidationError
from kilnguard.domain.investigation import UcaType
from kilnguard.domain.plant import EventType
from kilnguard.services import access
from kilnguard.services import investigation as svc
from kilnguard.services.investigation import report as rep
from kilnguard.web import pages

router = APIRouter()

for _entry in (
    ("Incidents", "/incidents"),
    ("Bulletins", "/bulletins"),
    ("Rates", "/rates"),
):
    if _entry not in pages.NAV:
        pages.NAV.append(_entry)

T = "investigation"


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return f"{exc.field}: {exc.message}"
    return exc.message if isinstance(exc, KilnguardError) else str(exc)


def _form(path: str) -> Callable[[DecoratedCallable], DecoratedCallable]:
    """A form post of these pages (HTML, not part of the API document)."""
    return router.post(path, include_in_schema=False, response_model=None)


Act = Callable[[Session], object]
"""What a form does, in the unit of work its post opens."""
Params = dict[str, Any]
"""A form post's parameters by name (path, form fields, `request`, `who`)."""


def _posting(
    path: str,
    *,
    done: Callable[[Params], str],
    again: Callable[[Params, str], Response],
    refused: tuple[type[Exception], ...] = (KilnguardError,),
) -> Callable[[Callable[..., Act]], Callable[..., Response]]:
    """A form post to `path`. The decorated function takes the post's parameters and names
    its act; the post runs the act in one unit of work and shows `done` (303), or, when the act
    is refused, shows the form's page `again` with the reason."""

    def register(act_of: Callable[..., Act]) -> Callable[..., Response]:
        @functools.wraps(act_of)  # FastAPI reads the parameters from act_of's signature
        def post(**params: Any) -> Response:
            try:
                with uow(params["request"]) as session:
                    act_of(**params)(session)
            except PermissionDenied:
                raise  # the role may not: 403, as the API answers
            except refused as exc:
                return again(params, _error_text(exc))
            return RedirectResponse(done(params), status_code=303)

        return _form(path)(post)

    return register


@router.get("/incidents", response_class=HTMLResponse, include_in_schema=False)
def page_incidents(request: Request, who: Who, error: str = "") -> HTMLResponse:
    with uow(request) as session:
        return pages.render(
            request,
            f"{T}/incidents.html",
            who,
            incidents=svc.list_incidents(session, who),
            enterprises=svc.enterprise_choices(session, who),
            event_types=[e.value for e in EventType],
            error=error,
        )


@_posting(
    "/incidents/anonymous",
    done=lambda p: "/incidents?filed=1",
    again=lambda p, error: page_incidents(p["request"], p["who"], error=error),
)
def page_anonymous(
    request: Request,
    who: Who,
    enterprise_id: int = Form(...),
    event_type: str = Form("near_miss"),
    description: str = Form(""),
    occurred_on: str = Form(""),
) -> Act:
    return lambda session: svc.file_anonymous_report(
        session,
        who,
        enterprise_id=enterprise_id,
        event_type=event_type,
        description=description,
        occurred_on=_date("occurred_on", occurred_on),
        received_on=clock_of_app(request).now().date(),
    )


def _date(field: str, raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(field, raw, "must be a date like 2021-11-24") from None


@router.get("/incidents/{incident_id}", response_class=HTMLResponse, include_in_schema=False)
def page_incident(request: Request, who: Who, incident_id: int, error: str = "") -> HTMLResponse:
    with uow(request) as session:
        item = svc.get_incident(session, who, incident_id)
        inv = svc.investigation_summary(session, who, incident_id)
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


@_form("/incidents/{incident_id}/investigate")
def page_open(request: Request, who: Who, incident_id: int) -> Response:
    try:
        with uow(request) as session:
            inv = svc.open_or_get(session, who, incident_id)
            inv_id = inv.id
    except PermissionDenied:
        raise
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


def _investigation_form(
    section: str, *, anchor: str, refused: tuple[type[Exception], ...] = (KilnguardError,)
) -> Callable[[Callable[..., Act]], Callable[..., Response]]:
    """A form of the investigation page, posted to /investigations/{id}/`section`: back to the
    page's section `anchor`, or the page again with the reason the act was refused."""
    return _posting(
        f"/investigations/{{investigation_id}}/{section}",
        done=lambda p: f"/investigations/{p['investigation_id']}#{anchor}",
        again=lambda p, error: page_investigation(
            p["request"], p["who"], p["investigation_id"], error=error
        ),
        refused=refused,
    )


@_investigation_form("findings", anchor="findings")
def page_finding(request: Request, who: Who, investigation_id: int, text: str = Form("")) -> Act:
    return lambda session: svc.add_finding(session, who, investigation_id, text)


@_investigation_form("analysis", anchor="cast", refused=(KilnguardError, ValueError))
def page_analysis(
    request: Request,
    who: Who,
    investigation_id: int,
    key: str = Form(""),
    uca: str = Form(""),
    uca_type: str = Form("provided_unsafe"),  # an unknown type is refused (ValueError)
    flawed_feedback: str = Form(""),
    context: str = Form(""),
) -> Act:
    return lambda session: svc.analyse_controller(
        session,
        who,
        investigation_id,
        key,
        unsafe_control_actions=[(uca, uca_type)] if uca.strip() else [],
        flawed_feedback=[flawed_feedback] if flawed_feedback.strip() else [],
        context=[context] if context.strip() else [],
    )


@_investigation_form("actions", anchor="actions")
def page_action(
    request: Request,
    who: Who,
    investigation_id: int,
    controller_key: str = Form(""),
    text: str = Form(""),
    owner: str = Form(""),
    due_on: str = Form(""),
) -> Act:
    return lambda session: svc.add_recommendation(
        session,
        who,
        investigation_id,
        controller_key=controller_key,
        text=text,
        owner=owner,
        due_on=_date("due_on", due_on),
    )


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
        can_send = access.may(who, "bulletin")
        incidents = svc.list_incidents(session, who) if can_send else []
        return pages.render(
            request,
            f"{T}/bulletins.html",
            who,
            bulletins=items,
            can_ack=access.may(who, "bulletin_acknowledgement"),
            can_send=can_send,
            incidents=incidents,
            mine={
                r["enterprise_id"]
                for b in items
                for r in b["recipients"]
                if access.is_member(who, r["enterprise_id"])
            },
            error=error,
        )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _bulletins_form(path: str) -> Callable[[Callable[..., Act]], Callable[..., Response]]:
    """A form of the bulletins page: back to it, or it again with the reason."""
    return _posting(
        path,
        done=lambda p: "/bulletins",
        again=lambda p, error: page_bulletins(p["request"], p["who"], error=error),
    )


@_bulletins_form("/bulletins")
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
) -> Act:
    """A regulator sends a bulletin from the web: lessons and checks one per line."""
    return lambda session: svc.send_bulletin(
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


@_bulletins_form("/bulletins/{bulletin_id}/acknowledge")
def page_acknowledge(request: Request, who: Who, bulletin_id: int, checked: str = Form("")) -> Act:
    return lambda session: svc.acknowledge_bulletin(session, who, bulletin_id, checked=checked)


@router.get("/rates", response_class=HTMLResponse, include_in_schema=False)
def page_rates(request: Request, who: Who) -> HTMLResponse:
    with uow(request) as session:
        rows = svc.rates(session, who)
    return pages.render(
        request,
        f"{T}/rates.html",
        who,
        rows=rows,
        chart=base64.b64encode(rep.rates_chart(rows)).decode(),
    )
