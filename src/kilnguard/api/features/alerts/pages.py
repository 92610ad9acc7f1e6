"""Alert pages: the web inbox /alerts (acknowledge or comment inline: the acknowledge button
only for who may press it), the kiln page's risk panel (current level, explanation, alert
history) and its static indicator plot /kilns/{id}/risk.png (for reports; the page's chart is
the interactive one of `dashboards.charts`). Times are plant times with the zone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
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
        open_alerts = al.describe(session, al.list_alerts(session, who, state="open"), who)
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


def _act(
    request: Request, who: Principal, alert_id: int, act: Callable[[Session], object]
) -> Response:
    """Run an act on an alert from the inbox: back to the alert, or the inbox with the error
    under it (422 bad input, 409 a conflict); NotFound and PermissionDenied go to the app."""
    try:
        with uow(request) as session:
            act(session)
    except ValidationError as exc:
        return _inbox(request, who, {alert_id: exc.message}, 422)
    except (NotFound, PermissionDenied):
        raise
    except KilnguardError as exc:
        return _inbox(request, who, {alert_id: exc.message}, 409)
    return RedirectResponse(f"/alerts#alert-{alert_id}", status_code=303)


@router.post("/alerts/{alert_id}/acknowledge", response_model=None)
def inbox_ack(request: Request, who: Who, alert_id: int, comment: str = Form("")) -> Response:
    return _act(request, who, alert_id, lambda s: al.acknowledge(s, who, alert_id, comment))


@router.post("/alerts/{alert_id}/comments", response_model=None)
def inbox_comment(request: Request, who: Who, alert_id: int, comment: str = Form("")) -> Response:
    """A comment that does not acknowledge the alert (its escalation goes on)."""
    return _act(request, who, alert_id, lambda s: al.comment(s, who, alert_id, comment))


def kiln_risk_panel(session: Session, who: Principal, kiln: views.KilnRef) -> dict[str, Any]:
    """Kiln page: current level and explanation, the alert history (the chart is its own
    panel, `dashboards.charts`)."""
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
