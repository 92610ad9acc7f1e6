"""Acknowledging an alert: a named member of the kiln's enterprise says what is being done.

Acknowledging a red or stop alert stops its escalation to managers and the regulator, so it
takes one of the roles `rules.ack_roles()` names (by default a manager or a safety officer,
issue 16 point 4); anyone else of the enterprise may comment instead (`comments`), which
leaves the escalation running. An amber alert does not escalate: any member acknowledges it.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from kilnguard.domain.errors import Conflict, PermissionDenied, ValidationError
from kilnguard.services import access, writes
from kilnguard.services.access import Principal
from kilnguard.services.alerts.raising import record_act
from kilnguard.services.alerts.rules import SEVERE, ack_roles
from kilnguard.store import models as m
from kilnguard.store.alert_models import AlertRow


def _role_words() -> str:
    names = [r.value.replace("_", " ") for r in ack_roles()]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def acknowledgers(
    session: Session, a: AlertRow, known: dict[int, set[str]] | None = None
) -> set[str]:
    """User names that may acknowledge alert `a` when it is red or stop: the enterprise's
    active members holding one of the configured roles (the access layer's own list).
    `known` keeps the answer per enterprise across the alerts of one page."""
    cache = known if known is not None else {}
    if a.enterprise_id not in cache:
        cache[a.enterprise_id] = {
            name
            for role in ack_roles()
            for name in access.members_with_role(session, a.enterprise_id, role)
        }
    return cache[a.enterprise_id]


def may_acknowledge(
    session: Session, who: Principal, a: AlertRow, known: dict[int, set[str]] | None = None
) -> bool:
    """Whether `who` may acknowledge alert `a` (for showing the button only to them)."""
    if not access.is_member(who, a.enterprise_id):
        return False
    if not access.may_write(session, who, "alert_acknowledgement", a.enterprise_id):
        return False
    return a.level not in SEVERE or who.username in acknowledgers(session, a, known)


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
    if a.acknowledged_at is not None:
        ent = session.get(m.Enterprise, a.enterprise_id)
        zone = ZoneInfo(ent.region.timezone if ent is not None else "UTC")
        raise Conflict(
            f"alert {a.id} was already acknowledged by {a.acknowledged_by} "
            f"at {a.acknowledged_at.astimezone(zone):%Y-%m-%d %H:%M %Z} (plant time)"
        )
    if a.level in SEVERE and who.username not in acknowledgers(session, a):
        raise PermissionDenied(
            f"acknowledging a {a.level} alert stops its escalation, so it takes a "
            f"{_role_words()} of the enterprise; add a comment instead (it does not stop "
            "the escalation)"
        )
    text = (comment or "").strip()
    if not text:
        raise ValidationError(
            "comment", comment, "say what is being done about it: a comment is required"
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
