"""The investigation timeline: the records of the window before an incident, read through each
feature's typed views and handed to `domain.investigation.assemble_timeline`.

Production, targets, maintenance and shifts are this plant's own records; risk levels come from
replaying the records through the risk engine (`services.risk`), alerts from
`services.alerts.alerts_raised`, change requests with their history, objections, overrules,
hazard-zone headcounts and firings from `services.change.changes_of_kilns` (domain
`ChangeRequest` objects, turned into entries by the domain). No reflection, no guessed columns.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain import investigation as dom
from kilnguard.domain.change import ChangeRequest
from kilnguard.services import alerts as alerts_svc
from kilnguard.services import change as change_svc
from kilnguard.services.investigation.incidents import extras_of, plant_tz, source_of, to_domain
from kilnguard.store import models as m


@dataclass
class Gathered:
    """The plain records of one incident's window, ready for `assemble_timeline`."""

    production: list[dom.ProductionDay] = field(default_factory=list)
    targets: list[dom.TargetEntered] = field(default_factory=list)
    maintenance: list[dom.MaintenanceRecord] = field(default_factory=list)
    shifts: list[dom.ShiftRecord] = field(default_factory=list)
    risk_levels: list[dom.RiskLevelRecord] = field(default_factory=list)
    alerts: list[dom.AlertRecord] = field(default_factory=list)
    changes: list[ChangeRequest] = field(default_factory=list)
    kiln_names: list[str] = field(default_factory=list)

    def records(self) -> dict[str, Any]:
        """The record lists by the names `assemble_timeline` takes them under."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "kiln_names"}


def _scope_kilns(session: Session, row: m.Incident) -> list[m.Kiln]:
    if row.kiln_id is not None:
        kiln = session.get(m.Kiln, row.kiln_id)
        return [kiln] if kiln is not None else []
    stmt = select(m.Kiln).where(m.Kiln.enterprise_id == row.enterprise_id)
    if row.section_id is not None:
        stmt = stmt.where(m.Kiln.section_id == row.section_id)
    return list(session.scalars(stmt.order_by(m.Kiln.name)))


def gather_records(session: Session, row: m.Incident, window_days: int) -> Gathered:
    """Read the records of the window before `row` (production, targets, maintenance, shifts
    with fatigue, risk levels and alerts, change requests) as plain domain records."""
    tz = plant_tz(session, row.enterprise_id)
    end = row.occurred_at
    start = end - dt.timedelta(days=window_days)
    first_day = start.astimezone(tz).date()
    last_day = end.astimezone(tz).date()
    kilns = _scope_kilns(session, row)
    by_id = {k.id: k for k in kilns}
    g = Gathered(kiln_names=[k.name for k in kilns])

    def local(day: dt.date, hour: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour), tzinfo=tz)

    # production against rating
    totals: dict[tuple[int, dt.date], tuple[float, str]] = {}
    for p in session.scalars(
        select(m.ProductionRecord).where(
            m.ProductionRecord.kiln_id.in_(by_id),
            m.ProductionRecord.day >= first_day,
            m.ProductionRecord.day <= last_day,
            m.ProductionRecord.voided_at.is_(None),
        )
    ):
        old, src = totals.get((p.kiln_id, p.day), (0.0, p.source))
        totals[(p.kiln_id, p.day)] = (old + p.output_t, src)
    for (kid, day), (out, src) in sorted(totals.items()):
        g.production.append(
            dom.ProductionDay(
                by_id[kid].name,
                day,
                round(out, 3),
                by_id[kid].rated_capacity_t_per_day,
                source_of(src),
            )
        )
    # targets of the enterprise (plant-wide or for these kilns)
    for t in session.scalars(
        select(m.Target).where(
            m.Target.enterprise_id == row.enterprise_id,
            m.Target.entered_on >= first_day,
            m.Target.entered_on <= last_day,
            m.Target.voided_at.is_(None),
        )
    ):
        if t.kiln_id is not None and t.kiln_id not in by_id:
            continue
        desc = t.description or "production target"
        if t.additional:
            desc = f"ADDITIONAL target — {desc}"
        g.targets.append(
            dom.TargetEntered(
                at=local(t.entered_on),
                description=desc,
                set_by=t.imposed_by,
                quantity_t=t.quantity_t,
                deadline=local(t.deadline),
                external=t.additional,
                kiln_id=by_id[t.kiln_id].name if t.kiln_id in by_id else None,
                source=source_of(t.source),
            )
        )
    # maintenance due, deferred (reason, who) and done
    for wo in session.scalars(
        select(m.WorkOrder).where(m.WorkOrder.kiln_id.in_(by_id), m.WorkOrder.voided_at.is_(None))
    ):
        kname = by_id[wo.kiln_id].name
        src = source_of(wo.source)
        tag = " [safety-critical]" if wo.safety_critical else ""
        if wo.deferrals:
            first_due = wo.deferrals[0].deferred_on
            g.maintenance.append(
                dom.MaintenanceRecord(
                    local(first_due),
                    kname,
                    f"{wo.task}{tag}",
                    dom.MaintenanceStatus.DUE,
                    source=src,
                )
            )
            for d in wo.deferrals:
                due = "no new due date" if d.new_due_on is None else f"new due date {d.new_due_on}"
                g.maintenance.append(
                    dom.MaintenanceRecord(
                        local(d.deferred_on, 1),
                        kname,
                        f"{wo.task}{tag} ({due})",
                        dom.MaintenanceStatus.DEFERRED,
                        reason=d.reason,
                        by=d.deferred_by,
                        source=source_of(d.source),
                    )
                )
        elif wo.done_on is None or wo.done_on > wo.due_on:
            g.maintenance.append(
                dom.MaintenanceRecord(
                    local(wo.due_on),
                    kname,
                    f"{wo.task}{tag}",
                    dom.MaintenanceStatus.DUE,
                    source=src,
                )
            )
        if wo.done_on is not None:
            g.maintenance.append(
                dom.MaintenanceRecord(
                    local(wo.done_on, 12),
                    kname,
                    f"{wo.task}{tag}" + (f" — {wo.findings}" if wo.findings else ""),
                    dom.MaintenanceStatus.DONE,
                    source=src,
                )
            )
    g.shifts = shift_records(session, row, by_id, start, end, tz)
    facts = risk_and_alert_facts(session, list(by_id), first_day, last_day)
    g.risk_levels = [f for f in facts if isinstance(f, dom.RiskLevelRecord)]
    g.alerts = [f for f in facts if isinstance(f, dom.AlertRecord)]
    g.changes = changes_on(session, by_id, until=end)
    return g


FATIGUE_MODEL = "TPM peak KSS"


def _kss_label(kss: float) -> str:
    """KSS bands (Åkerstedt & Gillberg 1990: 7 = sleepy but no effort to stay awake) [R]."""
    if kss >= 7.0:
        return "high"
    if kss >= 5.0:
        return "moderate"
    return "low"


def shift_records(
    session: Session,
    row: m.Incident,
    kilns: dict[int, m.Kiln],
    start: dt.datetime,
    end: dt.datetime,
    tz: ZoneInfo,
) -> list[dom.ShiftRecord]:
    """The shifts worked on the incident's kilns in the window, one record per kiln and start
    time (the crews present), with fatigue from `domain.fatigue` over each person's roster:
    peak KSS (three-process model), longest run of shifts without a 24-h break, shortest rest
    before the shift."""
    from kilnguard.domain import fatigue

    rows = list(
        session.scalars(
            select(m.Shift).where(
                m.Shift.kiln_id.in_(kilns),
                m.Shift.start_at >= start,
                m.Shift.start_at <= end,
                m.Shift.voided_at.is_(None),
            )
        )
    )
    if not rows:
        return []
    worker_ids = sorted({s.worker_id for s in rows})
    warm = start - dt.timedelta(days=7)
    everything = list(
        session.scalars(
            select(m.Shift)
            .where(
                m.Shift.worker_id.in_(worker_ids),
                m.Shift.start_at >= warm,
                m.Shift.start_at <= end,
                m.Shift.voided_at.is_(None),
            )
            .order_by(m.Shift.worker_id, m.Shift.start_at)
        )
    )
    origin = dt.datetime.combine(start.astimezone(tz).date(), dt.time(0), tzinfo=tz)

    def hours(at: dt.datetime) -> float:
        return (at - origin).total_seconds() / 3600.0

    table = fatigue.ShiftTable(
        worker=np.array([s.worker_id for s in everything], dtype=np.int64),
        start_h=np.array([hours(s.start_at) for s in everything], dtype=np.float64),
        end_h=np.array([hours(s.end_at) for s in everything], dtype=np.float64),
        horizon_start_h=hours(warm) - 24.0,
    )
    result = fatigue.shift_fatigue(table)
    index = {s.id: i for i, s in enumerate(everything)}
    workers = {
        w.id: w for w in session.scalars(select(m.Worker).where(m.Worker.id.in_(worker_ids)))
    }
    crews = {
        c.id: c.name
        for c in session.scalars(select(m.Crew).where(m.Crew.enterprise_id == row.enterprise_id))
    }
    groups: dict[tuple[int | None, dt.datetime], list[m.Shift]] = defaultdict(list)
    for s in rows:
        groups[(s.kiln_id, s.start_at)].append(s)
    out: list[dom.ShiftRecord] = []
    for (kid, at), members in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0] or 0)):
        idx = [index[s.id] for s in members if s.id in index]
        kss = float(np.max(result.kss_peak[idx])) if idx else None
        run = int(np.max(result.consecutive_shifts[idx])) if idx else 0
        rest = float(np.min(result.rest_before_h[idx])) if idx else float("inf")
        crew_names = sorted(
            {crews.get(workers[s.worker_id].crew_id or -1, "no crew") for s in members}
        )
        rest_txt = f"shortest rest before {rest:.1f} h" if np.isfinite(rest) else "first shift"
        label = ""
        if kss is not None:
            label = f"{_kss_label(kss)}; {run} consecutive shifts without a 24-h break; {rest_txt}"
        out.append(
            dom.ShiftRecord(
                kiln_id=kilns[kid].name if kid in kilns else None,
                crew=" + ".join(crew_names),
                start=at,
                end=max(s.end_at for s in members),
                people=tuple(sorted(workers[s.worker_id].name for s in members)),
                fatigue_score=kss,
                fatigue_label=label,
                fatigue_model=FATIGUE_MODEL,
                source=source_of(members[0].source),
            )
        )
    return out


def _kiln_names(session: Session, kiln_ids: Sequence[int]) -> dict[int, str]:
    return {k.id: k.name for k in session.scalars(select(m.Kiln).where(m.Kiln.id.in_(kiln_ids)))}


def risk_level_changes(
    session: Session,
    kiln_ids: Sequence[int],
    kilns: dict[int, str],
    first_day: dt.date,
    last_day: dt.date,
) -> list[dom.RiskLevelRecord]:
    """What the risk engine said of each kiln over the window, replayed from the records as
    they stood (each day sees only records up to that day): the level on the first day and
    every change after, with the engine's explanation."""
    from kilnguard.domain import risk as rk
    from kilnguard.services import risk as rs

    rows = list(session.scalars(select(m.Kiln).where(m.Kiln.id.in_(list(kiln_ids)))))
    if not rows:
        return []
    history = rs.load_history(session, rows, end=last_day)
    if not history.records.production or history.end < first_day:
        return []
    result = rs.replay(history)
    out: list[dom.RiskLevelRecord] = []
    lo = max((first_day - history.start).days, 0)
    hi = (last_day - history.start).days
    for i, kiln in enumerate(history.kiln_rows):
        previous = -1
        for d in range(lo, hi + 1):
            level = int(result.levels[i, d])
            if level == previous:
                continue
            previous = level
            e = rk.explain(result, i, d)
            out.append(
                dom.RiskLevelRecord(
                    kilns[kiln.id], history.day_of(d), e.level, (e.text,), source_of(kiln.source)
                )
            )
    return out


def _alert_text(summary: str) -> str:
    """An alert's summary in words (older alerts stored their reasons as a JSON list)."""
    if summary.startswith("["):
        try:
            return "; ".join(str(v) for v in json.loads(summary))
        except ValueError:
            return summary
    return summary


def risk_and_alert_facts(
    session: Session, kiln_ids: Sequence[int], first_day: dt.date, last_day: dt.date
) -> list[dom.RiskLevelRecord | dom.AlertRecord]:
    """Risk levels of `kiln_ids` between the days (replayed by the risk engine) and the alerts
    raised on them, with who acknowledged each and when."""
    kilns = _kiln_names(session, kiln_ids)
    out: list[dom.RiskLevelRecord | dom.AlertRecord] = []
    out.extend(risk_level_changes(session, kiln_ids, kilns, first_day, last_day))
    lo = dt.datetime.combine(first_day, dt.time(0), tzinfo=dt.UTC) - dt.timedelta(days=1)
    hi = dt.datetime.combine(last_day, dt.time(0), tzinfo=dt.UTC) + dt.timedelta(days=2)
    for a in alerts_svc.alerts_raised(session, kiln_ids=list(kilns), since=lo, until=hi):
        out.append(
            dom.AlertRecord(
                kilns[a.kiln_id],
                a.raised_at,
                a.level,
                _alert_text(a.summary),
                a.acknowledged_by,
                a.acknowledged_at,
                source_of(a.source),
            )
        )
    return out


def changes_on(
    session: Session, kilns: dict[int, m.Kiln], *, until: dt.datetime
) -> list[ChangeRequest]:
    """Change requests on `kilns` created up to `until`, from change control's typed view,
    with the kiln named as the timeline names it."""
    return [
        replace(ch, kiln_id=kilns[int(ch.kiln_id)].name) if ch.kiln_id is not None else ch
        for ch in change_svc.changes_of_kilns(session, kiln_ids=list(kilns), until=until)
    ]


def assemble(session: Session, row: m.Incident, window_days: int) -> list[dom.TimelineEntry]:
    """The incident's timeline over `window_days` from the records in the database."""
    g = gather_records(session, row, window_days)
    return dom.assemble_timeline(
        to_domain(row, extras_of(session, row.id)),
        **g.records(),
        window_days=window_days,
        tz=plant_tz(session, row.enterprise_id),
    )
