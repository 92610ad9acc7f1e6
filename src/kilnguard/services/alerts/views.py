"""Alerts as the front ends and other features read them: lists, one alert with its
escalation steps as plain values, the kiln page's risk panel, and `AlertFact`s for the
investigation timeline."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain import risk as rk
from kilnguard.domain.errors import ValidationError
from kilnguard.services import access, dashboard
from kilnguard.services.access import Principal
from kilnguard.services.alerts import acknowledgement, comments
from kilnguard.services.alerts.rules import ESCALATION_WORDS, RANK
from kilnguard.services.risk import levels as stored
from kilnguard.store import models as m
from kilnguard.store.alert_comment_models import AlertCommentRow
from kilnguard.store.alert_models import AlertEscalationRow, AlertRow

#: A row kept per alert with its time: an escalation step or a comment.
Step = TypeVar("Step", AlertEscalationRow, AlertCommentRow)


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


def _by_alert(
    session: Session, model: type[Step], alert_ids: Sequence[int]
) -> dict[int, list[Step]]:
    """Rows of `model` (an alert's escalation steps or comments) per alert, oldest first."""
    out: dict[int, list[Step]] = defaultdict(list)
    if alert_ids:
        stmt = select(model).where(model.alert_id.in_(list(alert_ids)))
        for row in session.scalars(stmt.order_by(model.at, model.id)):
            out[row.alert_id].append(row)
    return out


def escalations_of(
    session: Session, alert_ids: Sequence[int]
) -> dict[int, list[AlertEscalationRow]]:
    return _by_alert(session, AlertEscalationRow, alert_ids)


def comments_of(session: Session, alert_ids: Sequence[int]) -> dict[int, list[AlertCommentRow]]:
    """Each alert's comments, oldest first."""
    return _by_alert(session, AlertCommentRow, alert_ids)


def figures(session: Session, rows: Sequence[AlertRow]) -> dict[int, dict[str, Any]]:
    """Each alert's figure when it was raised (the stored level of its day) and the kiln's
    figure now (its latest stored level), so a page shows "raised at 5.8×, now 21.5×"."""
    kilns = list(session.scalars(select(m.Kiln).where(m.Kiln.id.in_({r.kiln_id for r in rows}))))
    latest = stored.latest(session, kilns)
    pairs = [(r.kiln_id, r.raised_on) for r in rows]
    pairs += [(k, v.day) for k, v in latest.items()]
    found = dashboard.day_figures(session, pairs)
    out: dict[int, dict[str, Any]] = {}
    for r in rows:
        then = found.get((r.kiln_id, r.raised_on))
        cur = latest.get(r.kiln_id)
        now = found.get((r.kiln_id, cur.day)) if cur is not None else None
        out[r.id] = {
            "raised": then.as_json() if then is not None else None,
            "current": now.as_json() if now is not None else None,
        }
    return out


def describe(
    session: Session,
    rows: Sequence[AlertRow],
    who: Principal | None = None,
    *,
    with_figures: bool = True,
) -> list[dict[str, Any]]:
    """Plain dicts for the API, CLI and pages (kiln and enterprise names, escalation steps,
    comments, the figure that raised it and the kiln's figure now); with `who`, whether they
    may acknowledge or comment (the pages show only the actions the role may take);
    `with_figures=False` leaves the figures out (a table that does not show them)."""
    kilns = {
        k.id: k
        for k in session.scalars(select(m.Kiln).where(m.Kiln.id.in_({r.kiln_id for r in rows})))
    }
    ents = {e.id: e for e in session.scalars(select(m.Enterprise))}
    steps = escalations_of(session, [r.id for r in rows])
    notes = comments_of(session, [r.id for r in rows])
    none: dict[str, Any] = {"raised": None, "current": None}
    figs = figures(session, rows) if with_figures else {r.id: none for r in rows}
    known: dict[int, set[str]] = {}
    out = []
    for r in rows:
        ent = ents.get(r.enterprise_id)
        open_ = r.closed_at is None
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
                "comments": [
                    {"author": c.author, "role": c.role, "at": c.at.isoformat(), "text": c.text}
                    for c in notes.get(r.id, [])
                ],
                "raised_figure": figs[r.id]["raised"],
                "current_figure": figs[r.id]["current"],
                "may_acknowledge": who is not None
                and open_
                and r.acknowledged_at is None
                and acknowledgement.may_acknowledge(session, who, r, known),
                "may_comment": who is not None and comments.may_comment(session, who, r),
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
    return KilnRisk(kiln_id, day, explanation, describe(session, rows, with_figures=False))
