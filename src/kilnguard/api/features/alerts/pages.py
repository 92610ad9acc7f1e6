"""Alert pages: the web inbox /alerts (acknowledge inline), the kiln page's risk panel
(current level, explanation, alert history) and its indicator plot /kilns/{id}/risk.png."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from kilnguard.api.deps import Who, uow
from kilnguard.api.shell import render_at
from kilnguard.domain.errors import KilnguardError, NotFound, PermissionDenied, ValidationError
from kilnguard.services import alerts as al
from kilnguard.services import backtest as bt
from kilnguard.services import risk as rs
from kilnguard.services.access import Principal
from kilnguard.services.records import views
from kilnguard.web import pages

router = APIRouter(include_in_schema=False)


def _when(iso: str | None, enterprise: pages.Plant | None) -> str:
    if not iso:
        return "—"
    return pages.plant_time(dt.datetime.fromisoformat(iso), enterprise)


def _inbox(
    request: Request, who: Principal, errors: dict[int, str] | None = None, status: int = 200
) -> HTMLResponse:
    with uow(request) as session:
        open_alerts = al.describe(session, al.list_alerts(session, who, state="open"))
        closed = al.describe(session, al.list_alerts(session, who, state="closed")[:200])
        plants = views.readable_enterprises(session, who)
    return render_at(
        request,
        "alerts/inbox.html",
        who,
        status,
        open_alerts=open_alerts,
        closed_alerts=closed,
        tz=plants,
        errors=errors or {},
        when=_when,
    )


@router.get("/alerts", response_class=HTMLResponse)
def inbox(request: Request, who: Who) -> HTMLResponse:
    return _inbox(request, who)


@router.post("/alerts/{alert_id}/acknowledge", response_model=None)
def inbox_ack(request: Request, who: Who, alert_id: int, comment: str = Form("")) -> Response:
    try:
        with uow(request) as session:
            al.acknowledge(session, who, alert_id, comment)
    except ValidationError as exc:
        return _inbox(request, who, {alert_id: exc.message}, 422)
    except (NotFound, PermissionDenied):
        raise
    except KilnguardError as exc:
        return _inbox(request, who, {alert_id: exc.message}, 409)
    return RedirectResponse(f"/alerts#alert-{alert_id}", status_code=303)


def kiln_risk_panel(session: Session, who: Principal, kiln: views.KilnRef) -> dict[str, Any]:
    """Kiln page: current level and explanation, the alert history, the indicator plot."""
    risk = al.kiln_risk(session, who, kiln_id=kiln.id)
    return {
        "kiln_id": risk.kiln_id,
        "explanation": risk.explanation,
        "day": risk.day,
        "alerts": risk.alerts,
        "enterprise": views.enterprise_of_kiln(session, who, kiln.id),
        "when": _when,
    }


@router.get("/kilns/{kiln_id}/risk.png", response_class=Response)
def kiln_plot(request: Request, who: Who, kiln_id: int) -> Response:
    with uow(request) as session:
        replayed = rs.replay_kiln(session, who, kiln_id=kiln_id)
    if replayed is None:
        raise ValidationError("kiln", kiln_id, "has no production records to plot yet")
    history, result = replayed
    data = bt.plot_kiln_png(history, result, 0)
    return Response(data, media_type="image/png", headers={"Cache-Control": "no-store"})


if ("Alerts", "/alerts") not in pages.NAV:
    pages.NAV.append(("Alerts", "/alerts"))
if not any(t == "alerts/kiln_panel.html" for _, t, _ in pages.KILN_PANELS):
    pages.KILN_PANELS.append(("Risk level and alerts", "alerts/kiln_panel.html", kiln_risk_panel))
