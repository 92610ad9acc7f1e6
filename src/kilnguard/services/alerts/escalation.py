"""Escalating red and stop alerts nobody acknowledged: managers first, then regulators."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.clock import FixedClock
from kilnguard.domain import risk as rk
from kilnguard.domain.roles import Role
from kilnguard.services import access
from kilnguard.services.access import SYSTEM, Principal
from kilnguard.services.alerts.raising import EvaluateReport, evaluate, record_act
from kilnguard.services.alerts.rules import AlertConfig
from kilnguard.services.notifications import alert_notices
from kilnguard.store import models as m
from kilnguard.store.alert_models import AlertEscalationRow, AlertRow
from kilnguard.store.db import CLOCK_KEY

#: Who each escalation level notifies.
NOTIFIED = {1: Role.MANAGER, 2: Role.REGULATOR}


def _recipients(session: Session, a: AlertRow, level: int) -> list[str]:
    if level == 1:
        return access.members_with_role(session, a.enterprise_id, Role.MANAGER)
    ent = session.get(m.Enterprise, a.enterprise_id)
    return access.regulators_of(session, ent.region_id if ent is not None else None)


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
            role, names = NOTIFIED[level].value, _recipients(session, a, level)
            row = AlertEscalationRow(
                enterprise_id=a.enterprise_id,
                alert_id=a.id,
                level=level,
                at=due,
                notified_role=role,
                notified=", ".join(names),
            )
            # The escalation step is part of the alert's act: one audit entry, on the alert.
            session.add(row)
            a.escalation_level = level
            a.escalated_at = due
            record_act(
                session,
                SYSTEM,
                "escalate",
                a,
                due,
                escalation_level=level,
                notified_role=role,
                notified=names,
            )
            alert_notices.alert_escalated(session, a, level, names, due)  # issue 19
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
    """Run the live path over a past history `first`..`last`, day by day: the unit of work's
    clock is moved to the end of each day (noon UTC of the next day, after every zone's
    midnight), that day is judged (`evaluate` from the stored levels, as the scheduler's
    rollover does) and what fell due is escalated (`escalate`, as the scheduler's escalation
    job does). `on_raised` sees each new alert before escalation (the demo's acknowledgements).
    The demo builds its alerts this way, so what its timelines show is what the live system
    would have raised."""
    report = EvaluateReport()
    saved = session.info.get(CLOCK_KEY)
    day = first
    try:
        while day <= last:
            now = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)
            session.info[CLOCK_KEY] = FixedClock(now)
            part = evaluate(session, who, day, config, first=first, now=now, on_raised=on_raised)
            report.raised += part.raised
            report.closed += part.closed
            report.kilns = max(report.kilns, part.kilns)
            report.escalated += escalate(session, now, alert_config)
            day += dt.timedelta(days=1)
    finally:
        if saved is None:
            session.info.pop(CLOCK_KEY, None)
        else:
            session.info[CLOCK_KEY] = saved
    return report
