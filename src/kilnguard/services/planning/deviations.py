"""Deviations from the adopted plan raise the same alerts as other risk rises (issue 14 point 5).

Two deviations, judged per kiln of every enterprise with an adopted plan:

* **production**: in the kiln's latest week (Monday start, up to the last recorded day, as
  :func:`~.baseline.planned_vs_actual` compares), recorded tonnes differ from the plan's by more
  than ``KILNGUARD_PLAN_DEVIATION_TOLERANCE`` (default 0.10 = 10 %) of the planned tonnes and
  by more than ``KILNGUARD_PLAN_DEVIATION_MIN_T`` (default 1 t) — above the plan (pushed) or
  below it (a shortfall the plan's later weeks must carry). An amber alert.
* **forecast**: the risk forecast of the adopted plan from where the records now stand
  (:mod:`.forecast`) reaches a higher level than the forecast it was adopted with. An alert
  at the forecast's level ("this plan now takes RF-2 to red on 12 Dec").

The alert is an ordinary alert row (``services.alerts``: acknowledged, escalated when red or
stop, notified, closed when the kiln's level falls to green), raised by the same rule as a
level rise: not while an open alert of the kiln stands at that level or higher; an open alert
below it is closed as superseded. Each deviation is raised once (its summary starts with a key
naming the adoption, the kind and the week or level). The enterprise's alerts are first brought
up to the day before its last recorded day (``alerts.evaluate``, as the scheduler's live path
does), and a plan alert is dated that day, so the incremental evaluation never skips a day.

Runs in the scheduler as ``plan-deviations`` (:func:`plan_deviations_job`, every
``KILNGUARD_SCHEDULER_PLAN_DEVIATIONS_S`` = 300 s by default; registered in
``services/scheduler/jobs.py``), and on demand (:func:`raise_plan_alerts`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kilnguard.config import env_number
from kilnguard.services import access, alerts, writes
from kilnguard.services.access import SYSTEM, Principal
from kilnguard.services.alerts.raising import record_act
from kilnguard.services.notifications import alert_notices
from kilnguard.services.planning.baseline import KilnWeek, latest_adoption, planned_vs_actual
from kilnguard.services.planning.forecast import KilnForecast, plan_forecast
from kilnguard.store import models as m
from kilnguard.store.alert_models import AlertRow
from kilnguard.store.planning_models import PlanAdoption

__all__ = [
    "JOB_NAME",
    "PlanAlertReport",
    "Tolerance",
    "plan_deviations_job",
    "raise_plan_alerts",
    "week_deviates",
]

#: The scheduler job's name.
JOB_NAME = "plan-deviations"


@dataclass(frozen=True)
class Tolerance:
    """How far a kiln-week may be from the adopted plan: ``share`` of the planned tonnes [-]
    and at least ``min_t`` [t] (so a few tonnes on an idle planned week do not alert)."""

    share: float = 0.10
    min_t: float = 1.0

    @classmethod
    def from_env(cls) -> Tolerance:
        return cls(
            env_number("KILNGUARD_PLAN_DEVIATION_TOLERANCE", cls.share, unit="(share of plan)"),
            env_number("KILNGUARD_PLAN_DEVIATION_MIN_T", cls.min_t, unit="t"),
        )


def week_deviates(week: KilnWeek, tolerance: Tolerance) -> bool:
    """True if recorded tonnes differ from planned by more than the tolerance."""
    return abs(week.deviation_t) > max(tolerance.share * week.planned_t, tolerance.min_t)


@dataclass
class PlanAlertReport:
    """Alerts raised (and superseded) by one pass, and the enterprises judged."""

    raised: list[AlertRow] = field(default_factory=list)
    superseded: list[AlertRow] = field(default_factory=list)
    enterprises: int = 0


def _key(adoption: PlanAdoption, what: str) -> str:
    return f"Adopted plan {adoption.id}, {what}:"


def _week_alert(
    adoption: PlanAdoption, week: KilnWeek, tolerance: Tolerance
) -> tuple[str, str, str]:
    """(level, summary, explanation) of a kiln-week off the plan."""
    side = "above" if week.deviation_t > 0 else "below"
    share = abs(week.deviation_t) / week.planned_t if week.planned_t else float("inf")
    pct = f"{share:.0%}" if week.planned_t else "no output planned"
    summary = (
        f"{_key(adoption, f'week of {week.week_start}')} {week.kiln} made {week.actual_t:,.1f} t, "
        f"{abs(week.deviation_t):,.1f} t {side} the plan's {week.planned_t:,.1f} t ({pct})"
    )
    explanation = (
        f"{summary}. Tolerance: {tolerance.share:.0%} of the planned tonnes and at least "
        f"{tolerance.min_t:g} t (KILNGUARD_PLAN_DEVIATION_TOLERANCE, _MIN_T). Tonnes above the "
        "plan wear the lining faster and run the kiln longer than the plan that was checked "
        "safe; tonnes below it leave the plan's later weeks more to make."
    )
    return "amber", summary, explanation


def _forecast_alert(adoption: PlanAdoption, kiln: KilnForecast) -> tuple[str, str, str]:
    summary = (
        f"{_key(adoption, f'forecast {kiln.worst_level}')} {kiln.sentence} "
        f"(adopted with {kiln.adopted_worst})"
    )
    return kiln.worst_level, summary, f"{summary}\n{kiln.why}".strip()


def _raise(
    session: Session,
    who: Principal,
    kiln: m.Kiln,
    alert: tuple[str, str, str],
    day: dt.date,
    now: dt.datetime,
    report: PlanAlertReport,
) -> None:
    """Raise ``alert`` on ``kiln`` by the rule of a level rise (see the module docstring)."""
    level, summary, explanation = alert
    key = summary.split(":", 1)[0] + ":"
    if session.scalar(
        select(func.count())
        .select_from(AlertRow)
        .where(AlertRow.kiln_id == kiln.id, AlertRow.summary.startswith(key, autoescape=True))
    ):
        return  # raised once
    open_alert = session.scalars(
        select(AlertRow)
        .where(AlertRow.kiln_id == kiln.id, AlertRow.closed_at.is_(None))
        .order_by(AlertRow.id.desc())
    ).first()
    if open_alert is not None and alerts.RANK[open_alert.level] >= alerts.RANK[level]:
        return  # the kiln's open alert already stands at that level: judged again next pass
    new = AlertRow(
        enterprise_id=kiln.enterprise_id,
        kiln_id=kiln.id,
        level=level,
        raised_on=day,
        raised_at=now,
        summary=summary[:500],
        explanation=explanation,
        ack_comment="",
        escalation_level=0,
        closed_reason="",
        source=kiln.source,
    )
    record_act(session, who, "raise", new, now, raised_on=day, summary=new.summary)
    alert_notices.alert_raised(session, new, now)
    report.raised.append(new)
    if open_alert is not None:
        open_alert.closed_on = day
        open_alert.closed_at = now
        open_alert.closed_reason = f"{alerts.SUPERSEDED} by alert {new.id} ({new.level})"
        record_act(
            session, who, "close", open_alert, now, closed_on=day, reason=open_alert.closed_reason
        )
        report.superseded.append(open_alert)


def raise_plan_alerts(
    session: Session,
    who: Principal,
    *,
    enterprise_ids: Collection[int] | None = None,
    tolerance: Tolerance | None = None,
    now: dt.datetime | None = None,
) -> PlanAlertReport:
    """Judge every enterprise ``who`` may read (or those of ``enterprise_ids``) that has an
    adopted plan, and raise the alerts its deviations call for (module docstring)."""
    tolerance = tolerance or Tolerance.from_env()
    now = now or writes.now(session)
    report = PlanAlertReport()
    readable = [e.id for e in access.readable_enterprises(session, who)]
    for enterprise_id in sorted(readable):
        if enterprise_ids is not None and enterprise_id not in enterprise_ids:
            continue
        adoption = latest_adoption(session, who, enterprise_id)
        last = session.scalar(
            select(func.max(m.ProductionRecord.day)).where(
                m.ProductionRecord.enterprise_id == enterprise_id,
                m.ProductionRecord.voided_at.is_(None),
            )
        )
        if adoption is None or last is None:
            continue
        report.enterprises += 1
        judged = last - dt.timedelta(days=1)
        alerts.evaluate(session, who, judged, enterprise_ids=[enterprise_id], now=now, at_now=True)
        kilns = {
            k.id: k
            for k in session.scalars(select(m.Kiln).where(m.Kiln.enterprise_id == enterprise_id))
        }
        forecast = plan_forecast(session, who, enterprise_id, adoption)
        for kf in forecast.kilns if forecast is not None else []:
            if kf.risen and kf.kiln_id in kilns:
                alert = _forecast_alert(adoption, kf)
                _raise(session, who, kilns[kf.kiln_id], alert, judged, now, report)
        latest: dict[int, KilnWeek] = {}
        for week in planned_vs_actual(session, who, enterprise_id, until=last):
            latest[week.kiln_id] = week  # sorted by kiln and week: the last one stays
        for kiln_id, week in sorted(latest.items()):
            if kiln_id in kilns and week_deviates(week, tolerance):
                day = min(judged, week.week_start + dt.timedelta(days=6))
                alert = _week_alert(adoption, week, tolerance)
                _raise(session, who, kilns[kiln_id], alert, day, now, report)
    return report


def plan_deviations_job(session: Session, slot: object) -> str:
    """The scheduler's ``plan-deviations`` job: every enterprise, as the system."""
    report = raise_plan_alerts(session, SYSTEM)
    return (
        f"{report.enterprises} adopted plan(s) judged: {len(report.raised)} alert(s) raised, "
        f"{len(report.superseded)} superseded"
    )
