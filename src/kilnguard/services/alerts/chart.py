"""A kiln's interactive risk chart data (issue 16 point 7): what the kiln page's chart plots.

* **combined risk** R and the level of each day come from the stored levels
  (`services.risk.levels.rows_from`, kept current by every write): no replay for them; the
  level bands are the engine's own thresholds (`domain.risk.RiskConfig`: amber at 1.6×, red at
  √10 ≈ 3.16×, stop at 10× the risk of a kiln within its design basis, ``RISK-MODEL.md``);
* **indicators** (load ratio, target pressure, lining wear, overdue maintenance, continuous
  operation, crew sleepiness) are not stored per day, so they come from one replay of this
  kiln alone (`services.risk.replay_kiln`, tens of milliseconds), each with the threshold the
  engine uses (`services.backtest.plot_panels`, the same panels as the report PNG);
* **events**: targets entered (for the kiln, its section or its whole enterprise), work-order
  deferrals, change-control overrules, incidents and alerts raised, each on its plant-local
  day with a sentence for the hover text.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kilnguard.domain import risk as rk
from kilnguard.services import access
from kilnguard.services import risk as rs
from kilnguard.services.access import Principal
from kilnguard.services.backtest import plot_panels
from kilnguard.services.risk import levels as stored
from kilnguard.store import models as m
from kilnguard.store.alert_models import AlertRow
from kilnguard.store.change_models import ChangeOverruleRow, ChangeRequestRow

#: Keys of the indicator panels, in `plot_panels` order.
INDICATOR_KEYS = (
    "load_ratio_7d",
    "target_pressure",
    "wear_damage",
    "maint_overdue_days",
    "continuous_days",
    "kss_worst",
)


def _number(v: Any) -> float | None:
    x = float(v)
    return None if math.isnan(x) or math.isinf(x) else round(x, 4)


def _local(at: dt.datetime, tz: ZoneInfo) -> tuple[dt.date, str]:
    local = at.astimezone(tz)
    return local.date(), local.strftime("%Y-%m-%d %H:%M %Z")


def events(session: Session, kiln: m.Kiln, tz: ZoneInfo) -> list[dict[str, str]]:
    """The kiln's events in day order: targets entered, deferrals, overrules, incidents and
    alerts raised (no tenancy: the caller has read the kiln)."""
    out: list[tuple[dt.date, str, str]] = []
    t = m.Target
    for target in session.scalars(
        select(t).where(
            t.enterprise_id == kiln.enterprise_id,
            t.voided_at.is_(None),
            or_(
                t.kiln_id == kiln.id,
                (t.kiln_id.is_(None) & (t.section_id == kiln.section_id)),
                (t.kiln_id.is_(None) & t.section_id.is_(None)),
            ),
        )
    ):
        kind = "additional target" if target.additional else "target"
        what = f" '{target.description}'" if target.description else ""
        out.append(
            (
                target.entered_on,
                "target",
                f"{kind.capitalize()}{what} entered: {target.quantity_t:,.0f} t by "
                f"{target.deadline}, imposed by {target.imposed_by}",
            )
        )
    wo, d = m.WorkOrder, m.WorkOrderDeferral
    for task, defer in session.execute(
        select(wo.task, d).join(wo, wo.id == d.work_order_id).where(wo.kiln_id == kiln.id)
    ):
        to = f"to {defer.new_due_on}" if defer.new_due_on else "with no new date"
        out.append(
            (
                defer.deferred_on,
                "deferral",
                f"'{task}' deferred from {defer.previous_due_on} {to} by {defer.deferred_by}: "
                f"{defer.reason}",
            )
        )
    for title, o in session.execute(
        select(ChangeRequestRow.title, ChangeOverruleRow)
        .join(ChangeRequestRow, ChangeRequestRow.id == ChangeOverruleRow.change_id)
        .where(ChangeRequestRow.kiln_id == kiln.id)
    ):
        day, when = _local(o.at, tz)
        what = "an objection" if o.kind == "objection" else f"the {o.skipped_stage} stage"
        out.append(
            (
                day,
                "overrule",
                f"{when}: {o.by} ({o.role.replace('_', ' ')}) overruled {what} on change "
                f"'{title}': {o.reason}",
            )
        )
    i = m.Incident
    for inc in session.scalars(select(i).where(i.kiln_id == kiln.id, i.voided_at.is_(None))):
        day, when = _local(inc.occurred_at, tz)
        harm = ", ".join(
            f"{n} {word}"
            for n, word in (
                (inc.killed, "killed"),
                (inc.seriously_injured, "seriously injured"),
                (inc.minor_injuries, "minor injuries"),
                (inc.missing, "missing"),
            )
            if n
        )
        text = f"{when}: incident ({inc.event_type.replace('_', ' ')})"
        text += f", {harm}" if harm else ""
        text += f": {inc.description[:200]}" if inc.description else ""
        out.append((day, "incident", text))
    for a in session.scalars(select(AlertRow).where(AlertRow.kiln_id == kiln.id)):
        out.append((a.raised_on, "alert", f"{a.level.upper()} alert {a.id} raised: {a.summary}"))
    out.sort(key=lambda e: (e[0], e[1]))
    return [{"day": day.isoformat(), "kind": kind, "text": text} for day, kind, text in out]


def _indicators(
    session: Session, who: Principal, kiln: m.Kiln, days: list[dt.date]
) -> tuple[list[dict[str, Any]], rk.RiskConfig]:
    replayed = rs.replay_kiln(session, who, kiln_id=kiln.id)
    if replayed is None:
        return [], rk.RiskConfig()
    history, result = replayed
    panels = plot_panels(history, result, 0, slice(None))
    out = []
    for key, (label, values, threshold, note) in zip(INDICATOR_KEYS, panels, strict=True):
        series: list[float | None] = []
        for day in days:
            d = (day - history.start).days
            series.append(_number(values[d]) if 0 <= d < len(values) else None)
        out.append(
            {
                "key": key,
                "label": label,
                "threshold": None if threshold is None else float(threshold),
                "note": note,
                "values": series,
            }
        )
    return out, result.config


def kiln_chart(session: Session, who: Principal, *, kiln_id: int) -> dict[str, Any]:
    """The chart of a kiln `who` may read (NotFound otherwise): one entry per stored day."""
    kiln = access.get_readable(session, who, m.Kiln, kiln_id)
    ent = session.get(m.Enterprise, kiln.enterprise_id)
    zone = ent.region.timezone if ent is not None and ent.region is not None else "UTC"
    now = stored.latest(session, [kiln]).get(kiln.id)
    rows = stored.rows_from(session, {kiln.id: dt.date.min}, now.day)[kiln.id] if now else []
    days = [r.day for r in rows]
    indicators, cfg = _indicators(session, who, kiln, days) if rows else ([], rk.RiskConfig())
    return {
        "kiln_id": kiln.id,
        "kiln": kiln.name,
        "enterprise": ent.name if ent is not None else "",
        "timezone": zone,
        "days": [d.isoformat() for d in days],
        "risk_ratio": [round(r.risk_ratio, 4) for r in rows],
        "levels": [r.name for r in rows],
        "bands": {"amber": cfg.amber_at, "red": cfg.red_at, "stop": cfg.stop_at},
        "indicators": indicators,
        "events": events(session, kiln, ZoneInfo(zone)),
    }
