"""Risk alerts: raised when a kiln's level rises, acknowledged by a named person, escalated when
nobody does, closed when the level falls back to green (issue 8 point 4).

Rules (per kiln, day by day over the replayed levels, `services.risk`):

* **raise** on a day whose level is amber or worse and higher than the previous day's, unless an
  open alert of the kiln already stands at that level or higher (deduplicated while the level
  stays, and while it wavers below the open alert's level);
* a further rise above the open alert's level (amber → red → stop) raises a new alert and
  closes the previous one as ``superseded``;
* **close** the open alert on the first day the level is green again ("level fell to green");
  rows are never deleted, so the history is kept.

`evaluate` is incremental and idempotent: for each kiln it resumes on the day after the last
event stored (a raise or a close) and walks the levels of ONE replay up to `as_of`, so calling
it once over a whole history or day by day gives the same rows. Days after the kiln's
enterprise's last production record are not evaluated (no records, no verdict).

Escalation (`escalate`) is time-aware: a red or stop alert escalates to the enterprise's
managers (level 1) once it has been unacknowledged and open for
``KILNGUARD_ALERT_ESCALATE_MANAGERS_H`` hours (default 4) and to the region's regulators
(level 2) after ``KILNGUARD_ALERT_ESCALATE_REGULATORS_H`` hours (default 24), counted from
`raised_at`. The escalation is recorded at the moment it fell due (so a job running late, or a
single replay over a past history, records the same times), with the users notified.
`raised_at` of a replayed day is the end of that plant-local day (when its records are
complete), or now if that is earlier. Every write goes through `audit.append`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain import risk as rk
from kilnguard.domain.errors import Conflict, PermissionDenied, ValidationError
from kilnguard.domain.roles import Role
from kilnguard.services import audit
from kilnguard.services import risk as rs
from kilnguard.services.access import SYSTEM, Principal, get_readable, scoped
from kilnguard.store import models as m
from kilnguard.store.alert_models import AlertEscalationRow, AlertRow

LEVELS = rk.LEVEL_NAMES  # green, amber, red, stop
RANK = {name: i for i, name in enumerate(LEVELS)}
ESCALATION_WORDS = (
    "not escalated",
    "escalated to the enterprise's managers",
    "escalated to the region's regulators",
)
SUPERSEDED = "superseded"
FELL_TO_GREEN = "level fell to green"


@dataclass(frozen=True)
class AlertConfig:
    """Escalation delays [h] after an unacknowledged red or stop alert is raised."""

    escalate_managers_h: float = 4.0
    escalate_regulators_h: float = 24.0

    @classmethod
    def from_env(cls) -> AlertConfig:
        def hours(name: str, default: float) -> float:
            raw = os.environ.get(name, "").strip()
            if not raw:
                return default
            try:
                value = float(raw)
            except ValueError as exc:
                raise ValidationError(name, raw, "must be a number of hours") from exc
            if value < 0:
                raise ValidationError(name, raw, "must not be negative")
            return value

        managers = hours("KILNGUARD_ALERT_ESCALATE_MANAGERS_H", cls.escalate_managers_h)
        regulators = hours("KILNGUARD_ALERT_ESCALATE_REGULATORS_H", cls.escalate_regulators_h)
        if regulators < managers:
            raise ValidationError(
                "KILNGUARD_ALERT_ESCALATE_REGULATORS_H",
                regulators,
                f"must not be earlier than the managers' escalation ({managers:g} h)",
            )
        return cls(managers, regulators)


@dataclass
class EvaluateReport:
    raised: list[AlertRow] = field(default_factory=list)
    closed: list[AlertRow] = field(default_factory=list)
    escalated: list[AlertEscalationRow] = field(default_factory=list)
    kilns: int = 0


# --------------------------------------------------------------------------- helpers
def _tz(enterprise: m.Enterprise | None) -> ZoneInfo:
    return ZoneInfo(enterprise.region.timezone if enterprise is not None else "UTC")


def end_of_day(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """The end of plant-local `day` (midnight starting the next day) in UTC."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz).astimezone(dt.UTC)


def summary_of(e: rk.Explanation) -> str:
    """One line: the explanation's first sentence and the worst barrier's first fact."""
    first = e.text.split(". ", 1)[0].rstrip(".") + "."
    if e.findings and e.findings[0].facts:
        f = e.findings[0]
        first += f" Worst: {f.barrier} ×{f.factor:.2f} ({f.level}): {f.facts[0]}."
    return first[:500]


def _enterprise_horizons(history: rs.LoadedHistory, as_of: dt.date) -> dict[int, dt.date]:
    """Last production day (≤ as_of) of each enterprise in the history."""
    by_kiln = {str(k.id): k.enterprise_id for k in history.kiln_rows}
    out: dict[int, dt.date] = {}
    for p in history.records.production:
        ent = by_kiln[p.kiln_id]
        if p.day <= as_of and (ent not in out or p.day > out[ent]):
            out[ent] = p.day
    return out


def _audit(
    session: Session, actor: str, action: str, a: AlertRow, at: dt.datetime, **payload: Any
) -> None:
    audit.append(
        session,
        actor=actor,
        action=action,
        entity="alert",
        entity_id=a.id,
        enterprise_id=a.enterprise_id,
        payload={"kiln_id": a.kiln_id, "level": a.level, **payload},
        at=at,
    )


# ------------------------------------------------------------------------------ evaluate
def evaluate(
    session: Session,
    who: Principal,
    as_of: dt.date,
    config: rk.RiskConfig | None = None,
    *,
    first: dt.date | None = None,
    now: dt.datetime | None = None,
    on_raised: Callable[[AlertRow], None] | None = None,
) -> EvaluateReport:
    """Raise and close alerts for every kiln `who` may read, from one replay up to `as_of`."""
    report = EvaluateReport()
    kilns = rs.readable_kilns(session, who)
    if not kilns:
        return report
    history = rs.load_history(session, kilns, start=first, end=as_of)
    if history.start > as_of or not history.records.production:
        return report
    result = rs.replay(history, config)
    horizons = _enterprise_horizons(history, as_of)
    now = now or dt.datetime.now(dt.UTC)
    ents = {e.id: e for e in session.scalars(select(m.Enterprise))}
    rows_by_kiln: dict[int, list[AlertRow]] = defaultdict(list)
    for row in session.scalars(
        select(AlertRow).where(AlertRow.kiln_id.in_([k.id for k in kilns])).order_by(AlertRow.id)
    ):
        rows_by_kiln[row.kiln_id].append(row)
    actor = who.username
    for k_index, kiln in enumerate(history.kiln_rows):
        horizon = horizons.get(kiln.enterprise_id)
        if horizon is None:
            continue
        report.kilns += 1
        tz = _tz(ents.get(kiln.enterprise_id))
        rows = rows_by_kiln[kiln.id]
        open_alert = next((r for r in reversed(rows) if r.closed_at is None), None)
        events = [r.raised_on for r in rows] + [r.closed_on for r in rows if r.closed_on]
        d0 = 0
        if events:
            d0 = max(0, (max(events) - history.start).days + 1)
        hi = (horizon - history.start).days
        if d0 > hi:
            continue
        levels = result.levels[k_index].tolist()
        prev = levels[d0 - 1] if d0 > 0 else rk.GREEN
        for d in range(d0, hi + 1):
            level = int(levels[d])
            day = history.start + dt.timedelta(days=d)
            at = min(end_of_day(day, tz), now)
            if level == rk.GREEN and open_alert is not None:
                _close(session, actor, open_alert, day, at, FELL_TO_GREEN)
                report.closed.append(open_alert)
                open_alert = None
            elif (
                level > prev
                and level >= rk.AMBER
                and (open_alert is None or level > RANK[open_alert.level])
            ):
                e = rk.explain(result, k_index, d)
                new = AlertRow(
                    enterprise_id=kiln.enterprise_id,
                    kiln_id=kiln.id,
                    level=LEVELS[level],
                    raised_on=day,
                    raised_at=at,
                    summary=summary_of(e),
                    explanation=e.text,
                    ack_comment="",
                    escalation_level=0,
                    closed_reason="",
                    source=kiln.source,
                )
                session.add(new)
                session.flush()
                _audit(session, actor, "raise", new, at, raised_on=day, summary=new.summary)
                if open_alert is not None:
                    _close(
                        session,
                        actor,
                        open_alert,
                        day,
                        at,
                        f"{SUPERSEDED} by alert {new.id} ({new.level})",
                    )
                    report.closed.append(open_alert)
                open_alert = new
                report.raised.append(new)
                if on_raised is not None:
                    on_raised(new)
            prev = level
    return report


def _close(
    session: Session, actor: str, a: AlertRow, day: dt.date, at: dt.datetime, reason: str
) -> None:
    a.closed_on = day
    a.closed_at = at
    a.closed_reason = reason
    _audit(session, actor, "close", a, at, closed_on=day, reason=reason)


# --------------------------------------------------------------------------- acknowledge
def acknowledge(
    session: Session, who: Principal, alert_id: int, comment: str, *, at: dt.datetime | None = None
) -> AlertRow:
    """Record that a named user of the alert's enterprise has seen it, with what they do."""
    a = get_readable(session, who, AlertRow, alert_id)
    user = session.get(m.User, who.user_id) if who.user_id else None
    if user is None or who.role is Role.REGULATOR or a.enterprise_id not in who.enterprise_ids:
        raise PermissionDenied(
            "only a named user of the kiln's enterprise may acknowledge its alerts"
        )
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
    when = at or dt.datetime.now(dt.UTC)
    a.acknowledged_at = when
    a.acknowledged_by = who.username
    a.ack_comment = text
    _audit(session, who.username, "acknowledge", a, when, comment=text)
    return a


# ------------------------------------------------------------------------------ escalate
def _recipients(session: Session, a: AlertRow, level: int) -> tuple[str, list[str]]:
    if level == 1:
        users = session.scalars(
            select(m.User)
            .join(m.UserEnterprise, m.UserEnterprise.user_id == m.User.id)
            .where(
                m.UserEnterprise.enterprise_id == a.enterprise_id,
                m.User.role == Role.MANAGER.value,
                m.User.active,
            )
            .order_by(m.User.username)
        )
        return Role.MANAGER.value, [u.username for u in users]
    ent = session.get(m.Enterprise, a.enterprise_id)
    region_id = ent.region_id if ent is not None else None
    users = session.scalars(
        select(m.User)
        .where(m.User.role == Role.REGULATOR.value, m.User.region_id == region_id, m.User.active)
        .order_by(m.User.username)
    )
    return Role.REGULATOR.value, [u.username for u in users]


def escalate(
    session: Session, as_of_ts: dt.datetime, config: AlertConfig | None = None
) -> list[AlertEscalationRow]:
    """Escalate red and stop alerts left unacknowledged (and open) past their delays."""
    cfg = config or AlertConfig.from_env()
    delays = {
        1: dt.timedelta(hours=cfg.escalate_managers_h),
        2: dt.timedelta(hours=cfg.escalate_regulators_h),
    }
    out: list[AlertEscalationRow] = []
    candidates = session.scalars(
        select(AlertRow)
        .where(
            AlertRow.level.in_(["red", "stop"]),
            AlertRow.escalation_level < 2,
            AlertRow.raised_at <= as_of_ts - delays[1],
        )
        .order_by(AlertRow.raised_at, AlertRow.id)
    ).all()
    for a in candidates:
        for level in (1, 2):
            due = a.raised_at + delays[level]
            if a.escalation_level >= level or due > as_of_ts:
                continue
            if a.acknowledged_at is not None and a.acknowledged_at <= due:
                break
            if a.closed_at is not None and a.closed_at <= due:
                break
            role, names = _recipients(session, a, level)
            row = AlertEscalationRow(
                enterprise_id=a.enterprise_id,
                alert_id=a.id,
                level=level,
                at=due,
                notified_role=role,
                notified=", ".join(names),
            )
            session.add(row)
            a.escalation_level = level
            a.escalated_at = due
            session.flush()
            _audit(
                session,
                "system",
                "escalate",
                a,
                due,
                escalation_level=level,
                notified_role=role,
                notified=names,
            )
            out.append(row)
    return out


def replay_alerts(
    session: Session,
    first: dt.date,
    last: dt.date,
    config: rk.RiskConfig | None = None,
    *,
    who: Principal = SYSTEM,
    alert_config: AlertConfig | None = None,
    on_raised: Callable[[AlertRow], None] | None = None,
) -> EvaluateReport:
    """Evaluate and escalate over a past history `first`..`last`: the same rows as running
    `evaluate` and `escalate` at the end of every day, from one replay (both are incremental
    and time-aware). `on_raised` sees each new alert before escalation (demo acknowledgements).
    """
    report = evaluate(session, who, last, config, first=first, on_raised=on_raised)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)
    report.escalated = escalate(session, end, alert_config)
    return report


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
    stmt = scoped(session, who, select(AlertRow), AlertRow)
    if state == "open":
        stmt = stmt.where(AlertRow.closed_at.is_(None))
    elif state == "closed":
        stmt = stmt.where(AlertRow.closed_at.is_not(None))
    if kiln_id is not None:
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
    return get_readable(session, who, AlertRow, alert_id)


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
