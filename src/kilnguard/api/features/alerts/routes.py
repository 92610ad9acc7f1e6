"""REST routes for alerts under /api/v1/alerts: list, one, acknowledge, comment.

Thin: reads and writes go through `services.alerts` (tenancy, acknowledgement rules, audit);
errors are domain errors rendered by the app's handler (another enterprise's alert is 404).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from kilnguard.api.deps import Who, uow
from kilnguard.api.features.alerts.schemas import AckBody, AlertOut, CommentBody
from kilnguard.api.shell import Routes
from kilnguard.services import alerts as al

router = APIRouter(prefix="/api/v1")
api = Routes(router, "alerts")


@api.get("/alerts", list[AlertOut], "Alerts you may see (open: worst first)")
def api_list(request: Request, who: Who, state: str = "open", kiln_id: int | None = None) -> Any:
    with uow(request) as session:
        rows = al.list_alerts(session, who, state=state, kiln_id=kiln_id)
        return al.describe(session, rows, who)


@api.get("/alerts/{alert_id}", AlertOut, "One alert with its escalations")
def api_get(request: Request, who: Who, alert_id: int) -> Any:
    with uow(request) as session:
        return al.describe(session, [al.get_alert(session, who, alert_id)], who)[0]


@api.post(
    "/alerts/{alert_id}/acknowledge",
    AlertOut,
    "Acknowledge an alert with a comment (a named user of its enterprise; a red or stop "
    "alert takes a manager or safety officer, KILNGUARD_ALERT_ACK_ROLES)",
)
def api_ack(request: Request, who: Who, alert_id: int, body: AckBody) -> Any:
    with uow(request) as session:
        a = al.acknowledge(session, who, alert_id, body.comment)
        return al.describe(session, [a], who)[0]


COMMENT = "Comment on an alert, not acknowledging it: its escalation goes on (a member)"


@api.post("/alerts/{alert_id}/comments", AlertOut, COMMENT)
def api_comment(request: Request, who: Who, alert_id: int, body: CommentBody) -> Any:
    with uow(request) as session:
        al.comment(session, who, alert_id, body.comment)
        return al.describe(session, [al.get_alert(session, who, alert_id)], who)[0]
