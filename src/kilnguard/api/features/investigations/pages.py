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
from kilnguard.api.features.setup import fragments
from kilnguard.api.features.setup.forms import Form as SetupForm
from kilnguard.domain.errors import KilnguardError, PermissionDenied, ValidationError
from kilnguard.domain.investigation import ActionStatus, UcaType
from kilnguard.domain.plant import EventType
from kilnguard.domain.validation import parse_day, parse_id, parse_time, parse_whole
from kilnguard.services import access, records, writes
from kilnguard.services import investigation as svc
from kilnguard.services.access import Principal
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


def _incidents_ctx(session: Session, who: Principal) -> dict[str, Any]:
    return {
        "incidents": svc.list_incidents(session, who),
        "enterprises": svc.enterprise_choices(session, who),
        "kilns": svc.kiln_choices(session, who),
        "event_types": [e.value for e in EventType],
    }


@router.get("/incidents", response_class=HTMLResponse, include_in_schema=False)
def page_incidents(request: Request, who: Who, error: str = "") -> HTMLResponse:
    with uow(request) as session:
        ctx = _incidents_ctx(session, who)
    return pages.render(
        request, f"{T}/incidents.html", who, error=error, errors={}, values={}, **ctx
    )


INCIDENT_COUNTS = ("killed", "seriously_injured", "minor_injuries", "missing", "days_lost")
"""The incident form's counts (blank: none)."""


def _named_incident(session: Session, who: Principal, typed: dict[str, str]) -> object:
    """The incident form's record, its time typed in the plant's zone, by the logged-in user
    (the audit entry names them: a named report)."""
    access.require_right(who, "incident")  # a role that never may: 403 before the fields
    enterprise_id = parse_id("enterprise_id", typed["enterprise_id"])
    kiln_id = parse_id("kiln_id", typed["kiln_id"]) if typed["kiln_id"].strip() else None
    occurred_at = parse_time("occurred_at", typed["occurred_at"])
    if occurred_at.tzinfo is None:
        occurred_at = occurred_at.replace(tzinfo=svc.plant_tz(session, enterprise_id))
    count = {k: parse_whole(k, typed[k]) if typed[k].strip() else 0 for k in INCIDENT_COUNTS}
    return records.create_incident(
        session,
        who,
        records.IncidentIn(
            enterprise_id=enterprise_id,
            kiln_id=kiln_id,
            occurred_at=occurred_at,
            event_type=typed["event_type"],
            description=typed["description"],
            immediate_actions=typed["immediate_actions"],
            killed=count["killed"],
            seriously_injured=count["seriously_injured"],
            minor_injuries=count["minor_injuries"],
            missing=count["missing"],
            days_lost=count["days_lost"],
        ),
    )


INCIDENT_FIELDS = (
    "enterprise_id",
    "kiln_id",
    "occurred_at",
    "event_type",
    *INCIDENT_COUNTS,
    "description",
    "immediate_actions",
)


@_form("/incidents")
def page_new_incident(request: Request, who: Who, form: SetupForm) -> Response:
    """Record an incident under one's own name (the register's named entry)."""
    typed = fragments.typed_of(form, INCIDENT_FIELDS)
    return fragments.answer(
        request,
        who,
        lambda s: _named_incident(s, who, typed),
        lambda s: _incidents_ctx(s, who),
        page=f"{T}/incidents.html",
        fragment=f"{T}/_register.html",
        values=typed,
        error="",
        form="incident",
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


def _investigation_ctx(
    session: Session, who: Principal, investigation_id: int, *, charts: bool = True
) -> dict[str, Any]:
    """The investigation page's context (`charts`: the PNGs too, for the whole page only)."""
    data = rep.report_data(session, who, investigation_id)
    tz = data["tz"]
    ctx: dict[str, Any] = {
        "v": data,
        "when": lambda iso: rep.local_time(iso, tz),
        "uca_types": [u.value for u in UcaType],
        "action_statuses": [a.value for a in ActionStatus],
        "may_work": access.may_write(
            session, who, "investigation", data["investigation"]["enterprise_id"]
        ),
    }
    if charts:
        ctx["load_png"] = base64.b64encode(rep.load_chart(data)).decode()
        ctx["cast_png"] = base64.b64encode(rep.cast_chart(data)).decode()
    return ctx


@router.get(
    "/investigations/{investigation_id}", response_class=HTMLResponse, include_in_schema=False
)
def page_investigation(
    request: Request, who: Who, investigation_id: int, error: str = ""
) -> HTMLResponse:
    with uow(request) as session:
        ctx = _investigation_ctx(session, who, investigation_id)
    return pages.render(
        request, f"{T}/investigation.html", who, error=error, errors={}, values={}, **ctx
    )


def _section_reply(
    request: Request,
    who: Principal,
    investigation_id: int,
    section: str,
    act: Act,
    typed: dict[str, str],
    form: str = "",
) -> Response:
    """The answer to an htmx form of the investigation page: its section `_<section>.html`
    (the whole page without htmx), the refusal next to the field of `form` (default: the
    section's form) and what was typed kept."""
    charts = not fragments.is_htmx(request)  # a fragment shows no chart
    return fragments.answer(
        request,
        who,
        act,
        lambda s: _investigation_ctx(s, who, investigation_id, charts=charts),
        page=f"{T}/investigation.html",
        fragment=f"{T}/_{section}.html",
        values=typed,
        error="",
        form=form or section,
    )


NOTES: dict[str, tuple[tuple[str, str], Callable[..., object], str]] = {
    "evidence": (("title", "description"), svc.add_evidence, "evidence"),
    "interviews": (("interviewee", "text"), svc.add_interview, "interview"),
}
"""The investigation's records of two texts, by section: (the fields, in the service's order;
the service; the form's name). Evidence says what it is and where it is kept; an interview
note, whom and what was said. Both are attributed to the user."""


def _note_route(section: str) -> None:
    fields, add, name = NOTES[section]

    def post(request: Request, who: Who, investigation_id: int, form: SetupForm) -> Response:
        typed = fragments.typed_of(form, fields)
        first, second = (typed[f] for f in fields)
        act: Act = lambda s: add(s, who, investigation_id, first, second)  # noqa: E731
        return _section_reply(request, who, investigation_id, section, act, typed, form=name)

    post.__name__ = f"page_{section}"
    _form(f"/investigations/{{investigation_id}}/{section}")(post)


for _section in NOTES:
    _note_route(_section)


@_form("/investigations/{investigation_id}/actions/{action_id}/status")
def page_action_status(
    request: Request, who: Who, investigation_id: int, action_id: int, form: SetupForm
) -> Response:
    """Move a corrective action on (in progress, done, verified by another, cancelled)."""
    typed = fragments.typed_of(form, ("status", "on", "note"))

    def act(s: Session) -> object:
        svc.action_of_investigation(s, who, investigation_id, action_id)
        on = typed["on"].strip()
        day = parse_day("on", on) if on else writes.today(s)
        return svc.set_action_status(s, who, action_id, typed["status"], on=day, note=typed["note"])

    return _section_reply(
        request, who, investigation_id, "actions", act, typed, form=f"action-{action_id}"
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


def _bulletins_ctx(session: Session, who: Principal) -> dict[str, Any]:
    items = svc.list_bulletins(session, who)
    can_send = access.may(who, "bulletin")
    return {
        "bulletins": items,
        "can_ack": access.may(who, "bulletin_acknowledgement"),
        "can_send": can_send,
        "incidents": svc.list_incidents(session, who) if can_send else [],
        "mine": {
            r["enterprise_id"]
            for b in items
            for r in b["recipients"]
            if access.is_member(who, r["enterprise_id"])
        },
    }


@router.get("/bulletins", response_class=HTMLResponse, include_in_schema=False)
def page_bulletins(request: Request, who: Who, error: str = "") -> HTMLResponse:
    with uow(request) as session:
        ctx = _bulletins_ctx(session, who)
    return pages.render(
        request, f"{T}/bulletins.html", who, error=error, errors={}, values={}, **ctx
    )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _bulletins_reply(
    request: Request, who: Principal, act: Act, typed: dict[str, Any], form: str
) -> Response:
    """The bulletins page's htmx answer: the page's list (`_bulletins.html`), with the refusal
    next to the field of `form` ("send", or "ack-<id>"/"edit-<id>" of one bulletin)."""
    return fragments.answer(
        request,
        who,
        act,
        lambda s: _bulletins_ctx(s, who),
        page=f"{T}/bulletins.html",
        fragment=f"{T}/_bulletins.html",
        values=typed,
        error="",
        form=form,
    )


@_form("/bulletins")
def page_send_bulletin(
    request: Request,
    who: Who,
    incident_id: str = Form(""),
    title: str = Form(""),
    summary: str = Form(""),
    lessons: str = Form(""),
    required_checks: str = Form(""),
    tiers: list[str] = Form([]),
    sectors: str = Form(""),
    acknowledge_within_days: str = Form("7"),
) -> Response:
    """A regulator sends a bulletin from the web: lessons and checks one per line."""
    typed: dict[str, Any] = {k: v for k, v in locals().items() if k not in ("request", "who")}

    def act(session: Session) -> object:
        return svc.send_bulletin(
            session,
            who,
            incident_id=parse_id("incident_id", incident_id),
            title=title,
            summary=summary,
            lessons=_lines(lessons),
            required_checks=_lines(required_checks),
            tiers=[parse_whole("tiers", t) for t in tiers],
            sectors=[x.strip() for x in sectors.split(",") if x.strip()],
            acknowledge_within_days=parse_whole("acknowledge_within_days", acknowledge_within_days),
        )

    return _bulletins_reply(request, who, act, typed, "send")


@_form("/bulletins/{bulletin_id}/acknowledge")
def page_acknowledge(
    request: Request, who: Who, bulletin_id: int, checked: str = Form("")
) -> Response:
    """An enterprise acknowledges, saying what it checked (again, after a change)."""
    return _bulletins_reply(
        request,
        who,
        lambda s: svc.acknowledge_bulletin(s, who, bulletin_id, checked=checked),
        {"checked": checked},
        f"ack-{bulletin_id}",
    )


BULLETIN_TEXT = ("title", "summary", "lessons", "required_checks", "note")
"""The change form's fields: the bulletin's text (lessons and checks one per line), and why."""


@_form("/bulletins/{bulletin_id}/revise")
def page_revise_bulletin(request: Request, who: Who, bulletin_id: int, form: SetupForm) -> Response:
    """The regulator changes a sent bulletin: every enterprise is asked to acknowledge again
    and shown what changed."""
    typed = fragments.typed_of(form, BULLETIN_TEXT)
    return _bulletins_reply(
        request,
        who,
        lambda s: svc.revise_bulletin(
            s,
            who,
            bulletin_id,
            title=typed["title"],
            summary=typed["summary"],
            lessons=_lines(typed["lessons"]),
            required_checks=_lines(typed["required_checks"]),
            note=typed["note"],
        ),
        typed,
        f"edit-{bulletin_id}",
    )


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
