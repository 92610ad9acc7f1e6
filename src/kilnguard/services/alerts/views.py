"""Alerts as the front ends and other features read them: lists, one alert with its
escalation steps as plain values, the kiln page's risk panel, and `AlertFact`s for the
investigation timeline."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain import risk as rk
from kilnguard.domain.errors import ValidationError
from kilnguard.services import access
from kilnguard.services.access import Principal
from kilnguard.services.alerts.rules import ESCALATION_WORDS, RANK
from kilnguard.services.risk import levels as stored
from kilnguard.store import models as m
from kilnguard.store.alert_models import AlertEscalationRow, AlertRow


# --------------------------------------------------------------------------------- reads
def list_alerts(
    session: Session,
    who: Principal,
    *,
    state: str = "open",
    kiln_id: int | None = None,
    enterprise: str | None = None,
) -> list[AlertRow]:
    """Alerts `who` may read: open ones worst first (then oldest first), then closed ones
    newest first."""
    if state not in ("open", "all", "closed"):
        raise ValidationError("state", state, "must be open, closed or all")
    stmt = access.scoped(session, who, select(AlertRow), AlertRow)
    if state == "open":
        stmt = stmt.where(AlertRow.closed_at.is_(None))
    elif state == "closed":
        stmt = stmt.where(AlertRow.closed_at.is_not(None))
    if kiln_id is not None:
        access.get_readable(session, who, m.Kiln, kiln_id)  # NotFound: not a kiln of theirs
        stmt = stmt.where(AlertRow.kiln_id == kiln_id)
    rows = list(session.scalars(stmt))
    if enterprise:
        names = {e.id: e.name for e in session.scalars(select(m.Enterprise))}
        rows = [r for r in rows if enterprise.lower() in names[r.enterprise_id].lower()]
    open_rows = sorted(
        (r for r in rows if r.closed_at is None),
        key=lambda r: (-RANK[r.level], r.raised_at, r.id),
    )
    closed = sorted(
        (r for r in rows if r.closed_at is not None),
        key=lambda r: (r.raised_at, r.id),
        reverse=True,
    )
    return open_rows + closed


def get_alert(session: Session, who: Principal, alert_id: int) -> AlertRow:
    return access.get_readable(session, who, AlertRow, alert_id)


def escalations_of(
    session: Session, alert_ids: Sequence[int]
) -> dict[int, list[AlertEscalationRow]]:
    out: dict[int, list[AlertEscalationRow]] = defaultdict(list)
    if alert_ids:
        for e in session.scalars(
            select(AlertEscalationRow)
            .where(AlertEscalationRow.alert_id.in_(list(alert_ids)))
            .order_by(AlertEscalationRow.at, AlertEscalationRow.id)
        ):
            out[e.alert_id].append(e)
    return out


def describe(session: Session, rows: Sequence[AlertRow]) -> list[dict[str, Any]]:
    """Plain dicts for the API, CLI and pages (kiln and enterprise names, escalation steps)."""
    kilns = {
        k.id: k
        for k in session.scalars(select(m.Kiln).where(m.Kiln.id.in_({r.kiln_id for r in rows})))
    }
    ents = {e.id: e for e in session.scalars(select(m.Enterprise))}
    steps = escalations_of(session, [r.id for r in rows])
    out = []
    for r in rows:
        ent = ents.get(r.enterprise_id)
        out.append(
            {
                "id": r.id,
                "enterprise_id": r.enterprise_id,
                "enterprise": ent.name if ent else "",
                "kiln_id": r.kiln_id,
                "kiln": kilns[r.kiln_id].name if r.kiln_id in kilns else "",
                "level": r.level,
                "state": "open" if r.closed_at is None else "closed",
                "raised_on": r.raised_on.isoformat(),
                "raised_at": r.raised_at.isoformat(),
                "summary": r.summary,
                "explanation": r.explanation,
                "acknowledged_at": r.acknowledged_at.isoformat() if r.acknowledged_at else None,
                "acknowledged_by": r.acknowledged_by,
                "ack_comment": r.ack_comment,
                "escalation_level": r.escalation_level,
                "escalation": ESCALATION_WORDS[r.escalation_level],
                "escalated_at": r.escalated_at.isoformat() if r.escalated_at else None,
                "closed_on": r.closed_on.isoformat() if r.closed_on else None,
                "closed_at": r.closed_at.isoformat() if r.closed_at else None,
                "closed_reason": r.closed_reason,
                "source": r.source,
                "escalations": [
                    {
                        "level": e.level,
                        "at": e.at.isoformat(),
                        "notified_role": e.notified_role,
                        "notified": [n for n in e.notified.split(", ") if n],
                    }
                    for e in steps.get(r.id, [])
                ],
            }
        )
    return out


# ---------------------------------------------------------------------------- typed views
@dataclass(frozen=True)
class AlertFact:
    """One alert as other features read it (the investigation timeline): no ORM row."""

    alert_id: int
    kiln_id: int
    raised_at: dt.datetime
    level: str
    summary: str
    acknowledged_by: str | None
    acknowledged_at: dt.datetime | None
    source: str


def alerts_raised(
    session: Session, *, kiln_ids: Sequence[int], since: dt.datetime, until: dt.datetime
) -> list[AlertFact]:
    """Alerts raised on `kiln_ids` between `since` and `until` (inclusive), oldest first. No
    tenancy: the caller has already checked who may read these kilns."""
    rows = session.scalars(
        select(AlertRow)
        .where(
            AlertRow.kiln_id.in_(list(kiln_ids)),
            AlertRow.raised_at >= since,
            AlertRow.raised_at <= until,
        )
        .order_by(AlertRow.raised_at, AlertRow.id)
    )
    return [
        AlertFact(
            alert_id=a.id,
            kiln_id=a.kiln_id,
            raised_at=a.raised_at,
            level=a.level,
            summary=a.summary or "",
            acknowledged_by=a.acknowledged_by,
            acknowledged_at=a.acknowledged_at,
            source=a.source,
        )
        for a in rows
    ]


# ------------------------------------------------------------------------ kiln risk panel
@dataclass(frozen=True)
class KilnRisk:
    """The kiln page's risk panel: the level on the kiln's last record day with its
    explanation (None before any production record), and every alert of the kiln."""

    kiln_id: int
    day: dt.date | None
    explanation: rk.Explanation | None
    alerts: list[dict[str, Any]]


def kiln_risk(session: Session, who: Principal, *, kiln_id: int) -> KilnRisk:
    """The risk panel of a kiln `who` may read (NotFound otherwise), from the stored levels:
    the level on its enterprise's latest production day, as the dashboards judge it."""
    kiln = access.get_readable(session, who, m.Kiln, kiln_id)
    day, explanation = None, None
    now = stored.latest(session, [kiln]).get(kiln.id)
    if now is not None:
        day = now.day
        explanation = stored.explanation(session, kiln, now.day)
    rows = list_alerts(session, who, state="all", kiln_id=kiln_id)
    return KilnRisk(kiln_id, day, explanation, describe(session, rows))
