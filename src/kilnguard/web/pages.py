"""Server-rendered pages (Jinja2 + htmx). Thin: every read and write goes through services.

Forms post with htmx and get back the same form fragment, with the field's error shown inline
on failure, or cleared and the record list refreshed on success.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.api.deps import SESSION_COOKIE, Who, credential_secret, uow
from kilnguard.config import web_settings
from kilnguard.domain.errors import KilnguardError, ValidationError
from kilnguard.services import records as svc
from kilnguard.services.access import Principal, get_readable, scoped
from kilnguard.services.auth import AuthenticationFailed, authenticate, issue_credential, revoke
from kilnguard.store import models as m

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def plant_time(value: dt.datetime, enterprise: m.Enterprise | None) -> str:
    """A UTC timestamp shown in the plant's own time zone."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(enterprise.region.timezone if enterprise is not None else "UTC")
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


TEMPLATES.env.filters["plant_time"] = plant_time
router = APIRouter(include_in_schema=False)

#: Extra sections feature modules add to the kiln page: (title, template, context builder).
KILN_PANELS: list[tuple[str, str, Any]] = []
#: Extra navigation entries: (label, path).
NAV: list[tuple[str, str]] = [("Kilns", "/kilns")]


def render(request: Request, name: str, who: Principal | None, **ctx: Any) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, name, {"who": who, "nav": NAV, **ctx})


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return render(request, "login.html", None, error="")


@router.post("/login", response_model=None)
def login(request: Request, username: str = Form(""), password: str = Form("")) -> Response:
    try:
        with uow(request) as session:
            user = authenticate(session, username, password)
            secret = issue_credential(
                session,
                user,
                kind="session",
                now=dt.datetime.now(dt.UTC),
                lifetime=dt.timedelta(hours=web_settings().session_hours),
            )
    except AuthenticationFailed as exc:
        return render(request, "login.html", None, error=exc.message, username=username)
    resp = RedirectResponse("/kilns", status_code=303)
    resp.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="strict")
    return resp


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    secret = credential_secret(request)
    if secret:
        with uow(request) as session:
            revoke(session, secret)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE)
    return resp


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/kilns", status_code=303)


@router.get("/kilns", response_class=HTMLResponse)
def kiln_list(request: Request, who: Who) -> HTMLResponse:
    with uow(request) as session:
        kilns = session.scalars(
            scoped(session, who, select(m.Kiln), m.Kiln).order_by(m.Kiln.enterprise_id, m.Kiln.name)
        ).all()
        ents = {
            e.id: e
            for e in session.scalars(scoped(session, who, select(m.Enterprise), m.Enterprise))
        }
        groups: dict[str, list[m.Kiln]] = {}
        for k in kilns:
            groups.setdefault(ents[k.enterprise_id].name, []).append(k)
        return render(
            request, "kilns.html", who, groups=groups, levels=latest_levels(session, kilns)
        )


def latest_levels(session: Session, kilns: Sequence[m.Kiln]) -> dict[int, str]:
    """Each kiln's risk level on its latest record day (one columnar replay for all)."""
    from kilnguard.domain.risk import LEVEL_NAMES
    from kilnguard.services import risk as rs
    from kilnguard.services.backtest import kiln_span

    if not kilns:
        return {}
    history = rs.load_history(session, kilns)
    if not history.records.production:
        return {}
    result = rs.replay(history)
    levels = {}
    for i, kiln in enumerate(history.kiln_rows):
        _, last = kiln_span(history, i)
        if last >= 0:
            levels[kiln.id] = LEVEL_NAMES[int(result.levels[i, last])]
    return levels


def kiln_context(session: Session, who: Principal, kiln_id: int) -> dict[str, Any]:
    kiln = get_readable(session, who, m.Kiln, kiln_id)
    ent = session.get(m.Enterprise, kiln.enterprise_id)
    production = session.scalars(
        select(m.ProductionRecord)
        .where(m.ProductionRecord.kiln_id == kiln_id)
        .order_by(
            m.ProductionRecord.day.desc(),
            m.ProductionRecord.shift_no.desc(),
            m.ProductionRecord.id.desc(),
        )
        .limit(30)
    ).all()
    work_orders = session.scalars(
        select(m.WorkOrder)
        .where(m.WorkOrder.kiln_id == kiln_id)
        .order_by(m.WorkOrder.due_on.desc())
        .limit(30)
    ).all()
    shifts = session.scalars(
        select(m.Shift)
        .where(m.Shift.kiln_id == kiln_id)
        .order_by(m.Shift.start_at.desc())
        .limit(30)
    ).all()
    workers = session.scalars(
        select(m.Worker).where(m.Worker.enterprise_id == kiln.enterprise_id).order_by(m.Worker.name)
    ).all()
    worker_names = {w.id: w.name for w in workers}
    ctx: dict[str, Any] = {
        "kiln": kiln,
        "enterprise": ent,
        "production": production,
        "work_orders": work_orders,
        "shifts": shifts,
        "workers": workers,
        "worker_names": worker_names,
        "panels": [],
    }
    for title, template, build in KILN_PANELS:
        ctx["panels"].append((title, template, build(session, who, kiln)))
    return ctx


@router.get("/kilns/{kiln_id}", response_class=HTMLResponse)
def kiln_page(request: Request, who: Who, kiln_id: int) -> HTMLResponse:
    with uow(request) as session:
        return render(
            request, "kiln.html", who, **kiln_context(session, who, kiln_id), errors={}, values={}
        )


def _form_error(exc: KilnguardError) -> dict[str, str]:
    if isinstance(exc, ValidationError):
        return {exc.field: exc.message}
    return {"_": exc.message}


def _parse_float(field: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError as exc:
        raise ValidationError(field, raw, "must be a number") from exc


def _parse_date(field: str, raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError(field, raw, "must be a date like 2021-11-24") from exc


def _parse_local(field: str, raw: str, tz: str) -> dt.datetime:
    from zoneinfo import ZoneInfo

    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError(field, raw, "must be a date and time like 2021-11-24T06:00") from exc
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(tz))


def _write_and_render(
    request: Request, who: Principal, kiln_id: int, section: str, values: dict[str, str], write: Any
) -> HTMLResponse:
    errors: dict[str, str] = {}
    try:
        with uow(request) as session:
            write(session)
    except KilnguardError as exc:
        errors = _form_error(exc)
    with uow(request) as session:
        ctx = kiln_context(session, who, kiln_id)
    status = 422 if errors else 200
    resp = render(
        request,
        f"partials/{section}.html",
        who,
        **ctx,
        errors=errors,
        values=values if errors else {},
        saved=not errors,
    )
    resp.status_code = status if request.headers.get("hx-request") is None else 200
    return resp


@router.post("/kilns/{kiln_id}/production", response_class=HTMLResponse)
def add_production(
    request: Request,
    who: Who,
    kiln_id: int,
    day: str = Form(""),
    shift_no: str = Form("1"),
    output_t: str = Form(""),
    hours_fired: str = Form(""),
    note: str = Form(""),
) -> HTMLResponse:
    values = {
        "day": day,
        "shift_no": shift_no,
        "output_t": output_t,
        "hours_fired": hours_fired,
        "note": note,
    }

    def write(session: Session) -> None:
        svc.record_production_one(
            session,
            who,
            svc.ProductionIn(
                kiln_id=kiln_id,
                day=_parse_date("day", day),
                shift_no=int(_parse_float("shift_no", shift_no)),
                output_t=_parse_float("output_t", output_t),
                hours_fired=_parse_float("hours_fired", hours_fired),
                note=note,
            ),
        )

    return _write_and_render(request, who, kiln_id, "production", values, write)


@router.post("/kilns/{kiln_id}/work-orders", response_class=HTMLResponse)
def add_work_order(
    request: Request,
    who: Who,
    kiln_id: int,
    task: str = Form(""),
    due_on: str = Form(""),
    safety_critical: str = Form(""),
) -> HTMLResponse:
    values = {"task": task, "due_on": due_on, "safety_critical": safety_critical}

    def write(session: Session) -> None:
        svc.create_work_order_one(
            session,
            who,
            svc.WorkOrderIn(
                kiln_id=kiln_id,
                task=task,
                due_on=_parse_date("due_on", due_on),
                safety_critical=bool(safety_critical),
            ),
        )

    return _write_and_render(request, who, kiln_id, "work_orders", values, write)


@router.post("/kilns/{kiln_id}/shifts", response_class=HTMLResponse)
def add_shift(
    request: Request,
    who: Who,
    kiln_id: int,
    worker_id: str = Form(""),
    start_at: str = Form(""),
    end_at: str = Form(""),
    role: str = Form("operator"),
) -> HTMLResponse:
    values = {"worker_id": worker_id, "start_at": start_at, "end_at": end_at, "role": role}

    def write(session: Session) -> None:
        kiln = get_readable(session, who, m.Kiln, kiln_id)
        ent = session.get(m.Enterprise, kiln.enterprise_id)
        tz = ent.region.timezone if ent is not None else "UTC"
        svc.record_shift_one(
            session,
            who,
            svc.ShiftIn(
                worker_id=int(_parse_float("worker_id", worker_id)),
                kiln_id=kiln_id,
                start_at=_parse_local("start_at", start_at, tz),
                end_at=_parse_local("end_at", end_at, tz),
                role=role or "operator",
            ),
        )

    return _write_and_render(request, who, kiln_id, "shifts", values, write)
