"""REST routes for alerts under /api/v1/alerts: list, one, acknowledge.

Thin: reads and writes go through `services.alerts` (tenancy, acknowledgement rules, audit);
errors are domain errors rendered by the app's handler (another enterprise's alert is 404).
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from fastapi import APIRouter, Request

from kilnguard.api.deps import Who, uow
from kilnguard.api.features.alerts.schemas import AckBody, AlertOut
from kilnguard.services import alerts as al

router = APIRouter(prefix="/api/v1")
TAG: list[str | Enum] = ["alerts"]


@router.get(
    "/alerts",
    tags=TAG,
    response_model=list[AlertOut],
    summary="Alerts you may see (open: worst first)",
)
def api_list(request: Request, who: Who, state: str = "open", kiln_id: int | None = None) -> Any:
    with uow(request) as session:
        return al.describe(session, al.list_alerts(session, who, state=state, kiln_id=kiln_id))


@router.get(
    "/alerts/{alert_id}",
    tags=TAG,
    response_model=AlertOut,
    summary="One alert with its escalations",
)
def api_get(request: Request, who: Who, alert_id: int) -> Any:
    with uow(request) as session:
        return al.describe(session, [al.get_alert(session, who, alert_id)])[0]


@router.post(
    "/alerts/{alert_id}/acknowledge",
    tags=TAG,
    response_model=AlertOut,
    summary="Acknowledge an alert with a comment (a named user of its enterprise)",
)
def api_ack(request: Request, who: Who, alert_id: int, body: AckBody) -> Any:
    with uow(request) as session:
        a = al.acknowledge(session, who, alert_id, body.comment)
        return al.describe(session, [a])[0]
