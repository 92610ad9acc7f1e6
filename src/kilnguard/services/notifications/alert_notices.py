"""What an alert tells people: when it is raised (the enterprise's managers and safety
officers) and when it escalates (the users the escalation step records). Called by
`services.alerts.raising.evaluate` and `services.alerts.escalation.escalate`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from kilnguard.domain.roles import Role
from kilnguard.services import access
from kilnguard.services.notifications.inbox import notify
from kilnguard.store import models as m
from kilnguard.store.alert_models import AlertRow

RAISED, ESCALATED = "alert.raised", "alert.escalated"
#: Who hears of a new alert: the people of the kiln's enterprise who answer for it.
RAISE_ROLES = (Role.MANAGER, Role.SAFETY_OFFICER)
TO_WHOM = {1: "the enterprise's managers", 2: "the region's regulators"}


def _names(session: Session, a: AlertRow) -> tuple[str, str]:
    kiln = session.get(m.Kiln, a.kiln_id)
    ent = session.get(m.Enterprise, a.enterprise_id)
    return (kiln.name if kiln else f"kiln {a.kiln_id}", ent.name if ent else "")


def _data(a: AlertRow, kiln: str, enterprise: str) -> dict[str, Any]:
    return {
        "alert_id": a.id,
        "kiln_id": a.kiln_id,
        "kiln": kiln,
        "enterprise": enterprise,
        "level": a.level,
        "raised_on": a.raised_on.isoformat(),
        "raised_at": a.raised_at.isoformat(),
        "summary": a.summary,
    }


def alert_raised(session: Session, a: AlertRow, at: dt.datetime) -> None:
    """Tell the enterprise's managers and safety officers of alert `a` (just raised)."""
    users = sorted(
        {
            n
            for role in RAISE_ROLES
            for n in access.members_with_role(session, a.enterprise_id, role)
        }
    )
    kiln, enterprise = _names(session, a)
    notify(
        session,
        enterprise_id=a.enterprise_id,
        subject=f"{a.level.upper()} risk alert: {kiln}, {enterprise}",
        body=f"{a.summary}\n\n{a.explanation}".strip(),
        users=users,
        kind=RAISED,
        ref=f"alert:{a.id}",
        link=f"/alerts#alert-{a.id}",
        data=_data(a, kiln, enterprise),
        at=at,
    )


def alert_escalated(
    session: Session, a: AlertRow, level: int, users: Sequence[str], at: dt.datetime
) -> None:
    """Tell the users escalation step `level` of alert `a` notified."""
    kiln, enterprise = _names(session, a)
    notify(
        session,
        enterprise_id=a.enterprise_id,
        subject=f"Unacknowledged {a.level.upper()} alert escalated: {kiln}, {enterprise}",
        body=(
            f"Raised {a.raised_at:%Y-%m-%d %H:%M} UTC and not acknowledged: escalated to "
            f"{TO_WHOM.get(level, f'level {level}')}.\n\n{a.summary}"
        ),
        users=list(users),
        kind=ESCALATED,
        ref=f"alert:{a.id}:level:{level}",
        link=f"/alerts#alert-{a.id}",
        data={**_data(a, kiln, enterprise), "escalation_level": level},
        at=at,
    )
