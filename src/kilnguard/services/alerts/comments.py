"""Comments on an alert (issue 16 point 4): anyone of the kiln's enterprise who may act on
alerts says what they see or do, without acknowledging it — the escalation to managers and the
regulator goes on. Each comment is kept (author, role, time), audited, and shown with the
alert."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kilnguard.domain.errors import PermissionDenied, ValidationError
from kilnguard.services import access, writes
from kilnguard.services.access import Principal
from kilnguard.store.alert_comment_models import AlertCommentRow
from kilnguard.store.alert_models import AlertRow

MAX_CHARS = 4000


def may_comment(session: Session, who: Principal, a: AlertRow) -> bool:
    """Whether `who` may comment on alert `a`: a named member who may act on its alerts."""
    return access.is_member(who, a.enterprise_id) and access.may_write(
        session, who, "alert_acknowledgement", a.enterprise_id
    )


def comment(session: Session, who: Principal, alert_id: int, text: str) -> AlertCommentRow:
    """Add `who`'s comment to an alert they may read (NotFound otherwise); the alert's
    acknowledgement and escalation are left as they are."""
    a = access.get_readable(session, who, AlertRow, alert_id)
    if not access.is_member(who, a.enterprise_id):
        raise PermissionDenied(
            "only a named user of the kiln's enterprise may comment on its alerts"
        )
    body = (text or "").strip()
    if not body:
        raise ValidationError("comment", text, "write what you see or do: the comment is empty")
    if len(body) > MAX_CHARS:
        raise ValidationError(
            "comment", f"{len(body)} characters", f"must be at most {MAX_CHARS} characters"
        )
    row = AlertCommentRow(
        enterprise_id=a.enterprise_id,
        alert_id=a.id,
        author=who.username,
        role=who.role.value,
        at=writes.now(session),
        text=body,
    )
    return writes.write(
        session,
        who=who,
        row=row,
        action="comment",
        kind="alert_acknowledgement",
        entity="alert_comment",
        enterprise_id=a.enterprise_id,
        payload={"alert_id": a.id, "kiln_id": a.kiln_id, "level": a.level, "text": body},
    )
