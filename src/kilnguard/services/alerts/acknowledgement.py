"""Acknowledging an alert: a named member of the kiln's enterprise says what is being done."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from kilnguard.domain.errors import Conflict, PermissionDenied, ValidationError
from kilnguard.services import access, writes
from kilnguard.services.access import Principal
from kilnguard.services.alerts.raising import record_act
from kilnguard.store.alert_models import AlertRow


def acknowledge(
    session: Session, who: Principal, alert_id: int, comment: str, *, at: dt.datetime | None = None
) -> AlertRow:
    """Record that a named user of the alert's enterprise has seen it, with what they do.
    `at` defaults to the unit of work's clock (a replay passes the time it happened)."""
    a = access.get_readable(session, who, AlertRow, alert_id)
    if not access.is_member(who, a.enterprise_id):
        raise PermissionDenied(
            "only a named user of the kiln's enterprise may acknowledge its alerts"
        )
    access.require_write(session, who, "alert_acknowledgement", a.enterprise_id)
    text = (comment or "").strip()
    if not text:
        raise ValidationError(
            "comment", comment, "say what is being done about it: a comment is required"
        )
    if a.acknowledged_at is not None:
        raise Conflict(
            f"alert {a.id} was already acknowledged by {a.acknowledged_by} "
            f"at {a.acknowledged_at:%Y-%m-%d %H:%M} UTC"
        )
    when = at or writes.now(session)
    writes.change(
        session,
        a,
        expect={"acknowledged_at": None},
        values={"acknowledged_at": when, "acknowledged_by": who.username, "ack_comment": text},
        conflict=f"alert {a.id} was acknowledged meanwhile by another request",
    )
    record_act(session, who, "acknowledge", a, when, comment=text)
    return a
