"""Alerts over HTTP: REST routes under /api/v1/alerts, the web inbox /alerts, the kiln-page
risk panel (current level, explanation, alert history, indicator plot /kilns/{id}/risk.png).

Thin: reads and writes go through `services.alerts` (tenancy, acknowledgement rules, audit);
errors are domain errors rendered by the app's handler (another enterprise's alert is 404).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from enum import Enum
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.api.deps import Who, uow
from kilnguard.domain import risk as rk
from kilnguard.domain.errors import KilnguardError, ValidationError
from kilnguard.services import alerts as al
from kilnguard.services import backtest as bt
from kilnguard.services import risk as rs
from kilnguard.services.access import Principal, get_readable
from kilnguard.store import models as m
from kilnguard.web import pages

router = APIRouter()
API = "/api/v1"
TAG: list[str | Enum] = ["alerts"]


class AckBody(BaseModel):
    comment: str = Field(description="What is being done about it (required).")


def _check_kiln(session: Session, who: Principal, kiln_id: int | None) -> None:
    if kiln_id is not None:
        get_readable(session, who, m.Kiln, kiln_id)


# ------------------------------------------------------------------------------- REST
@router.get(f"{API}/alerts", tags=TAG, summary="Alerts you may see (open: worst first)")
def api_list(
    request: Request, who: Who, state: str = "open", kiln_id: int | None = None
) -> list[dict[str, Any]]:
    with uow(request) as session:
        _check_kiln(session, who, kiln_id)
        return al.describe(session, al.list_alerts(session, who, state=state, kiln_id=kiln_id))


@router.get(f"{API}/alerts/{{alert_id}}", tags=TAG, summary="One alert with its escalations")
def api_get(request: Request, who: Who, alert_id: int) -> dict[str, Any]:
    with uow(request) as session:
        return al.describe(session, [al.get_alert(session, who, alert_id)])[0]


@router.post(
    f"{API}/alerts/{{alert_id}}/acknowledge",
    tags=TAG,
    summary="Acknowledge an alert with a comment (a named user of its enterprise)",
)
def api_ack(request: Request, who: Who, alert_id: int, body: AckBody) -> dict[str, Any]:
    with uow(request) as session:
        a = al.acknowledge(session, who, alert_id, body.comment)
        session.flush()
        return al.describe(session, [a])[0]


# ------------------------------------------------------------------------------- web
def _inbox(
    request: Request, who: Principal, errors: dict[int, str] | None = None, status: int = 200
) -> HTMLResponse:
    with uow(request) as session:
        open_rows = al.list_alerts(session, who, state="open")
        closed = al.list_alerts(session, who, state="closed")[:200]
        ents = {e.id: e for e in session.scalars(select(m.Enterprise))}
        resp = pages.render(
            request,
            "alerts/inbox.html",
            who,
            open_alerts=al.describe(session, open_rows),
            closed_alerts=al.describe(session, closed),
            tz={i: e for i, e in ents.items()},
            errors=errors or {},
            when=_when,
        )
    resp.status_code = status
    return resp


def _when(iso: str | None, enterprise: m.Enterprise | None) -> str:
    if not iso:
        return "—"
    return pages.plant_time(dt.datetime.fromisoformat(iso), enterprise)


@router.get("/alerts", response_class=HTMLResponse, include_in_schema=False)
def inbox(request: Request, who: Who) -> HTMLResponse:
    return _inbox(request, who)


@router.post("/alerts/{alert_id}/acknowledge", include_in_schema=False, response_model=None)
def inbox_ack(request: Request, who: Who, alert_id: int, comment: str = Form("")) -> Response:
    try:
        with uow(request) as session:
            al.acknowledge(session, who, alert_id, comment)
    except ValidationError as exc:
        return _inbox(request, who, {alert_id: exc.message}, 422)
    except KilnguardError as exc:
        if type(exc).__name__ == "NotFound":
            raise
        return _inbox(request, who, {alert_id: exc.message}, 409)
    return RedirectResponse(f"/alerts#alert-{alert_id}", status_code=303)


def _replay_one(session: Session, kiln: m.Kiln) -> tuple[rs.LoadedHistory, rk.RiskResult] | None:
    has = session.scalar(
        select(m.ProductionRecord.id).where(m.ProductionRecord.kiln_id == kiln.id).limit(1)
    )
    if has is None:
        return None
    history = rs.load_history(session, [kiln])
    return history, rs.replay(history)


def kiln_risk_panel(session: Session, who: Principal, kiln: m.Kiln) -> dict[str, Any]:
    """Kiln page: current level and explanation, the alert history, the indicator plot."""
    ctx: dict[str, Any] = {"kiln_id": kiln.id, "explanation": None, "day": None}
    replayed = _replay_one(session, kiln)
    if replayed is not None:
        history, result = replayed
        lo, hi = bt.kiln_span(history, 0)
        day = history.start + dt.timedelta(days=max(hi, lo))
        ctx["day"] = day
        ctx["explanation"] = rk.explain(result, 0, (day - history.start).days)
    rows = al.list_alerts(session, who, state="all", kiln_id=kiln.id)
    ctx["alerts"] = al.describe(session, rows)
    ctx["enterprise"] = session.get(m.Enterprise, kiln.enterprise_id)
    ctx["when"] = _when
    return ctx


@router.get("/kilns/{kiln_id}/risk.png", include_in_schema=False)
def kiln_plot(request: Request, who: Who, kiln_id: int) -> Response:
    with uow(request) as session:
        kiln = get_readable(session, who, m.Kiln, kiln_id)
        replayed = _replay_one(session, kiln)
    if replayed is None:
        raise ValidationError("kiln", kiln_id, "has no production records to plot yet")
    history, result = replayed
    with tempfile.TemporaryDirectory() as tmp:
        path = bt.plot_kiln(history, result, 0, Path(tmp) / "risk.png")
        data = path.read_bytes()
    return Response(data, media_type="image/png", headers={"Cache-Control": "no-store"})


if ("Alerts", "/alerts") not in pages.NAV:
    pages.NAV.append(("Alerts", "/alerts"))
if not any(t == "alerts/kiln_panel.html" for _, t, _ in pages.KILN_PANELS):
    pages.KILN_PANELS.append(("Risk level and alerts", "alerts/kiln_panel.html", kiln_risk_panel))
