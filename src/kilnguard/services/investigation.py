"""Use cases of issue 6: incident register extras, anonymous reports, investigations with a
read-only timeline assembled from the records, CAST analysis, corrective actions, regional
bulletins with acknowledgements, and incident rates per 200 000 hours.

Same pattern as `services/records.py`: validate → tenancy/role check through
`services/access.py` → write → one `audit.append` per write; nothing commits here.

Tenancy: investigators, safety officers and managers see and work on their own enterprises;
regulators read every enterprise of their region (and write only bulletins); records of any
other enterprise answer `NotFound`, exactly like absent ones.

Anonymous reports store no reporter anywhere: the register row has no reporter column, the
audit actor is the literal "anonymous", and the audit timestamp is the day (00:00 UTC), not
the instant, because an instant could be matched against door or login logs
(domain.incident.AnonymousReport).

Risk levels come from replaying the records through the risk engine; alerts from the `alerts`
table. Change requests with their objections, overrules and zone log are still read by
reflection (`change_facts`), a leftover of building the two features in parallel: moving it to
the change-control models keeps the per-person zone entries only if the domain's change record
gains them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import MetaData, Table, event, inspect, select
from sqlalchemy.orm import Session

from kilnguard.domain import incident as inc_dom
from kilnguard.domain import investigation as inv_dom
from kilnguard.domain import plant as rules
from kilnguard.domain.change import Source
from kilnguard.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from kilnguard.domain.roles import Role
from kilnguard.services import audit
from kilnguard.services.access import Principal, get_readable, readable_enterprise_ids, scoped
from kilnguard.services.records import record_payload
from kilnguard.store import models as m
from kilnguard.store.investigation_models import (
    Bulletin,
    BulletinRecipient,
    CastController,
    CorrectiveActionRow,
    Evidence,
    FindingRow,
    IncidentExtra,
    InterviewNoteRow,
    Investigation,
    TimelineRow,
)

ANONYMOUS_ACTOR = "anonymous"
INVESTIGATING_ROLES = frozenset({Role.INVESTIGATOR, Role.SAFETY_OFFICER, Role.MANAGER, Role.ADMIN})
ACKNOWLEDGING_ROLES = frozenset({Role.MANAGER, Role.SAFETY_OFFICER, Role.ADMIN})
BULLETIN_ROLES = frozenset({Role.REGULATOR, Role.ADMIN})

BULLETIN_ESCALATION: tuple[tuple[int, str], ...] = (
    (1, "reminder to the enterprise"),
    (7, "reminder to the enterprise manager and safety officer"),
    (14, "named to the regulator as not acknowledged"),
)
"""Days past the acknowledgement deadline → escalation level (1-based index) [T, plant
practice, editable]: a lesson not passed on within two weeks is the regulator's business."""


# ------------------------------------------------------------------------- timeline guard
@event.listens_for(TimelineRow, "before_update")
def _timeline_is_read_only(_mapper: Any, _conn: Any, target: TimelineRow) -> None:
    """Timeline facts are read-only once assembled: investigators add findings instead."""
    raise Conflict(f"timeline entry {target.id} is read-only: add a finding instead")


@event.listens_for(TimelineRow, "before_delete")
def _timeline_not_deleted(_mapper: Any, _conn: Any, target: TimelineRow) -> None:
    raise Conflict(f"timeline entry {target.id} is read-only: it cannot be deleted")


# --------------------------------------------------------------------------------- helpers
def _audit(session: Session, actor: str, action: str, entity: str, row: m.Base) -> None:
    session.flush()
    audit.append(
        session,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=row.id,  # type: ignore[attr-defined]
        enterprise_id=getattr(row, "enterprise_id", None),
        payload=record_payload(row),
    )


def _require_investigator(session: Session, who: Principal, enterprise_id: int) -> None:
    readable = readable_enterprise_ids(session, who)
    if readable is not None and enterprise_id not in readable:
        raise NotFound("investigation", enterprise_id)
    if who.role not in INVESTIGATING_ROLES:
        raise PermissionDenied(f"role {who.role.value} may read investigations but not change them")
    if who.role is not Role.ADMIN and enterprise_id not in who.enterprise_ids:
        raise PermissionDenied("you may change investigations of your own enterprises only")


def _now(at: dt.datetime | None) -> dt.datetime:
    return at if at is not None else dt.datetime.now(dt.UTC)


def plant_tz(session: Session, enterprise_id: int) -> ZoneInfo:
    """The plant's time zone (its region's)."""
    ent = session.get(m.Enterprise, enterprise_id)
    return ZoneInfo(ent.region.timezone if ent is not None else "UTC")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if isinstance(value, str) and value.startswith("["):
        try:
            return "; ".join(str(v) for v in json.loads(value))
        except ValueError:
            return value
    return str(value)


def _aware(value: object) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(0), tzinfo=dt.UTC)
    if isinstance(value, str) and value:
        try:
            return _aware(dt.datetime.fromisoformat(value))
        except ValueError:
            return None
    return None


# -------------------------------------------------------------------------------- incidents
def extras_of(session: Session, incident_id: int) -> IncidentExtra | None:
    return session.scalar(select(IncidentExtra).where(IncidentExtra.incident_id == incident_id))


def to_domain(row: m.Incident, extra: IncidentExtra | None) -> inc_dom.Incident:
    """The register row as the domain's Incident (for severity, rates, timelines)."""
    anonymous = bool(extra and extra.anonymous)
    potential = (
        inc_dom.PeopleConsequence(extra.potential_severity)
        if extra is not None and extra.potential_severity is not None
        else None
    )
    return inc_dom.Incident(
        id=str(row.id),
        occurred_at=row.occurred_at,
        enterprise_id=str(row.enterprise_id),
        event_type=inc_dom.EventType(row.event_type),
        casualties=inc_dom.Casualties(
            row.killed, row.seriously_injured, row.minor_injuries, row.missing
        ),
        kiln_id=str(row.kiln_id) if row.kiln_id is not None else None,
        description=row.description,
        people_involved=tuple(extra.people_involved) if extra else (),
        potential=potential,
        reported_by=None if anonymous else "register",
        anonymous=anonymous,
        occurred_at_assumed=bool(extra and extra.occurred_at_assumed),
        source="reconstructed" if row.source == "reconstructed" else "recorded",
    )


SEVERITY_CLASS = {
    0: "no injury",
    1: "slight injury",
    2: "minor injury",
    3: "major injury",
    4: "single fatality",
    5: "multiple fatalities",
}


def incident_summary(session: Session, row: m.Incident) -> dict[str, Any]:
    """One register entry as plain data (CLI --json, API, pages)."""
    extra = extras_of(session, row.id)
    sev = inc_dom.assess_severity(to_domain(row, extra))
    ent = session.get(m.Enterprise, row.enterprise_id)
    kiln = session.get(m.Kiln, row.kiln_id) if row.kiln_id is not None else None
    section = session.get(m.Section, row.section_id) if row.section_id is not None else None
    return {
        "id": row.id,
        "enterprise_id": row.enterprise_id,
        "enterprise": ent.name if ent else "",
        "kiln_id": row.kiln_id,
        "kiln": kiln.name if kiln else None,
        "section": section.name if section else None,
        "occurred_at": row.occurred_at.isoformat(),
        "event_type": row.event_type,
        "casualties": {
            "killed": row.killed,
            "seriously_injured": row.seriously_injured,
            "minor_injuries": row.minor_injuries,
            "missing": row.missing,
        },
        "people_involved": list(extra.people_involved) if extra else [],
        "anonymous": bool(extra and extra.anonymous),
        "severity": {
            "class": int(sev.investigation_class),
            "label": SEVERITY_CLASS[int(sev.actual)]
            + (
                f" (potential: {SEVERITY_CLASS[int(sev.potential)]})"
                if sev.potential > sev.actual
                else ""
            ),
            "actual": int(sev.actual),
            "potential": int(sev.potential),
            "osha_case": sev.osha_case.value,
            "pse_tier": int(sev.pse_tier) if sev.pse_tier is not None else None,
            "reasons": list(sev.reasons),
        },
        "description": row.description,
        "immediate_actions": row.immediate_actions,
        "source": row.source,
    }


def list_incidents(session: Session, who: Principal) -> list[dict[str, Any]]:
    stmt = scoped(session, who, select(m.Incident), m.Incident).order_by(
        m.Incident.occurred_at.desc(), m.Incident.id
    )
    return [incident_summary(session, r) for r in session.scalars(stmt)]


def get_incident(session: Session, who: Principal, incident_id: int) -> dict[str, Any]:
    return incident_summary(session, get_readable(session, who, m.Incident, incident_id))


def set_incident_extras(
    session: Session,
    who: Principal,
    incident_id: int,
    *,
    people_involved: Sequence[str] = (),
    potential_severity: int | None = None,
    occurred_at_assumed: bool = False,
    source: str = "recorded",
) -> IncidentExtra:
    """Record people involved and the potential severity (ISO 17776 scale 0–5)."""
    row = get_readable(session, who, m.Incident, incident_id)
    _require_investigator(session, who, row.enterprise_id)
    if potential_severity is not None and not 0 <= potential_severity <= 5:
        raise ValidationError("potential_severity", potential_severity, "must be 0..5 (ISO 17776)")
    extra = extras_of(session, incident_id)
    if extra is None:
        extra = IncidentExtra(incident_id=incident_id, enterprise_id=row.enterprise_id)
        session.add(extra)
    extra.people_involved = [p.strip() for p in people_involved if p.strip()]
    extra.potential_severity = potential_severity
    extra.occurred_at_assumed = occurred_at_assumed
    extra.source = source
    _audit(session, who.username, "set", "incident_extra", extra)
    return extra


def file_anonymous_report(
    session: Session,
    who: Principal | None,
    *,
    enterprise_id: int,
    event_type: str,
    description: str,
    occurred_on: dt.date,
    received_on: dt.date,
    kiln_id: int | None = None,
    killed: int = 0,
    seriously_injured: int = 0,
    minor_injuries: int = 0,
) -> m.Incident:
    """Register an anonymous report (near miss, unsafe condition, or any event).

    `who` is only used to check the enterprise may be reported on (a logged-in worker reports
    on their own enterprise); it is never stored. Audit actor: "anonymous"; audit time: 00:00
    UTC of `received_on`.
    """
    if who is not None:
        readable = readable_enterprise_ids(session, who)
        if readable is not None and enterprise_id not in readable:
            raise NotFound("enterprise", enterprise_id)
    if session.get(m.Enterprise, enterprise_id) is None:
        raise NotFound("enterprise", enterprise_id)
    report = inc_dom.AnonymousReport(
        enterprise_id=str(enterprise_id),
        event_type=_event(event_type),
        description=description,
        occurred_on=occurred_on,
        received_on=received_on,
        casualties=inc_dom.Casualties(killed, seriously_injured, minor_injuries),
    )
    if kiln_id is not None:
        kiln = session.get(m.Kiln, kiln_id)
        if kiln is None or kiln.enterprise_id != enterprise_id:
            raise ValidationError("kiln_id", kiln_id, "no such kiln in this enterprise")
    d = inc_dom.incident_from_anonymous_report(report, "new")
    row = m.Incident(
        enterprise_id=enterprise_id,
        kiln_id=kiln_id,
        occurred_at=d.occurred_at,
        event_type=d.event_type.value,
        killed=killed,
        seriously_injured=seriously_injured,
        minor_injuries=minor_injuries,
        missing=0,
        description=description,
        immediate_actions="",
        source="recorded",
    )
    session.add(row)
    session.flush()
    extra = IncidentExtra(
        incident_id=row.id,
        enterprise_id=enterprise_id,
        people_involved=[],
        anonymous=True,
        occurred_at_assumed=True,
        source="recorded",
    )
    session.add(extra)
    session.flush()
    day = dt.datetime.combine(received_on, dt.time(0), tzinfo=dt.UTC)
    for entity, obj in (("incident", row), ("incident_extra", extra)):
        audit.append(
            session,
            actor=ANONYMOUS_ACTOR,
            action="report_anonymously",
            entity=entity,
            entity_id=obj.id,
            enterprise_id=enterprise_id,
            payload=record_payload(obj),
            at=day,
        )
    return row


def _event(value: str) -> inc_dom.EventType:
    try:
        return inc_dom.EventType(value)
    except ValueError:
        raise ValidationError(
            "event_type", value, f"must be one of {', '.join(e.value for e in inc_dom.EventType)}"
        ) from None


# ------------------------------------------------------------------- records → timeline
@dataclass
class Gathered:
    """The plain records of one incident's window, ready for `assemble_timeline`."""

    production: list[inv_dom.ProductionDay] = field(default_factory=list)
    targets: list[inv_dom.TargetEntered] = field(default_factory=list)
    maintenance: list[inv_dom.MaintenanceRecord] = field(default_factory=list)
    shifts: list[inv_dom.ShiftRecord] = field(default_factory=list)
    risk_levels: list[inv_dom.RiskLevelRecord] = field(default_factory=list)
    alerts: list[inv_dom.AlertRecord] = field(default_factory=list)
    extra_entries: list[inv_dom.TimelineEntry] = field(default_factory=list)
    kiln_names: list[str] = field(default_factory=list)


def _src(value: str) -> Source:
    return "reconstructed" if value == "reconstructed" else "recorded"


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
        )
    ):
        old, src = totals.get((p.kiln_id, p.day), (0.0, p.source))
        totals[(p.kiln_id, p.day)] = (old + p.output_t, src)
    for (kid, day), (out, src) in sorted(totals.items()):
        g.production.append(
            inv_dom.ProductionDay(
                by_id[kid].name, day, round(out, 3), by_id[kid].rated_capacity_t_per_day, _src(src)
            )
        )
    # targets of the enterprise (plant-wide or for these kilns)
    for t in session.scalars(
        select(m.Target).where(
            m.Target.enterprise_id == row.enterprise_id,
            m.Target.entered_on >= first_day,
            m.Target.entered_on <= last_day,
        )
    ):
        if t.kiln_id is not None and t.kiln_id not in by_id:
            continue
        desc = t.description or "production target"
        if t.additional:
            desc = f"ADDITIONAL target — {desc}"
        g.targets.append(
            inv_dom.TargetEntered(
                at=local(t.entered_on),
                description=desc,
                set_by=t.imposed_by,
                quantity_t=t.quantity_t,
                deadline=local(t.deadline),
                external=t.additional,
                kiln_id=by_id[t.kiln_id].name if t.kiln_id in by_id else None,
                source=_src(t.source),
            )
        )
    # maintenance due, deferred (reason, who) and done
    for wo in session.scalars(select(m.WorkOrder).where(m.WorkOrder.kiln_id.in_(by_id))):
        kname = by_id[wo.kiln_id].name
        src = _src(wo.source)
        tag = " [safety-critical]" if wo.safety_critical else ""
        if wo.deferrals:
            first_due = wo.deferrals[0].deferred_on
            g.maintenance.append(
                inv_dom.MaintenanceRecord(
                    local(first_due),
                    kname,
                    f"{wo.task}{tag}",
                    inv_dom.MaintenanceStatus.DUE,
                    source=src,
                )
            )
            for d in wo.deferrals:
                g.maintenance.append(
                    inv_dom.MaintenanceRecord(
                        local(d.deferred_on, 1),
                        kname,
                        f"{wo.task}{tag} (new due date {d.new_due_on.isoformat()})",
                        inv_dom.MaintenanceStatus.DEFERRED,
                        reason=d.reason,
                        by=d.deferred_by,
                        source=_src(d.source),
                    )
                )
        elif wo.done_on is None or wo.done_on > wo.due_on:
            g.maintenance.append(
                inv_dom.MaintenanceRecord(
                    local(wo.due_on),
                    kname,
                    f"{wo.task}{tag}",
                    inv_dom.MaintenanceStatus.DUE,
                    source=src,
                )
            )
        if wo.done_on is not None:
            g.maintenance.append(
                inv_dom.MaintenanceRecord(
                    local(wo.done_on, 12),
                    kname,
                    f"{wo.task}{tag}" + (f" — {wo.findings}" if wo.findings else ""),
                    inv_dom.MaintenanceStatus.DONE,
                    source=src,
                )
            )
    g.shifts = shift_records(session, row, by_id, start, end, tz)
    facts = risk_and_alert_facts(session, list(by_id), first_day, last_day)
    g.risk_levels = [f for f in facts if isinstance(f, inv_dom.RiskLevelRecord)]
    g.alerts = [f for f in facts if isinstance(f, inv_dom.AlertRecord)]
    g.extra_entries = change_facts(session, list(by_id), first_day, last_day)
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
) -> list[inv_dom.ShiftRecord]:
    """The shifts worked on the incident's kilns in the window, one record per kiln and start
    time (the crews present), with fatigue from `domain.fatigue` over each person's roster:
    peak KSS (three-process model), longest run of shifts without a 24-h break, shortest rest
    before the shift."""
    from kilnguard.domain import fatigue

    rows = list(
        session.scalars(
            select(m.Shift).where(
                m.Shift.kiln_id.in_(kilns), m.Shift.start_at >= start, m.Shift.start_at <= end
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
    out: list[inv_dom.ShiftRecord] = []
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
            inv_dom.ShiftRecord(
                kiln_id=kilns[kid].name if kid in kilns else None,
                crew=" + ".join(crew_names),
                start=at,
                end=max(s.end_at for s in members),
                people=tuple(sorted(workers[s.worker_id].name for s in members)),
                fatigue_score=kss,
                fatigue_label=label,
                fatigue_model=FATIGUE_MODEL,
                source=_src(members[0].source),
            )
        )
    return out


# ----------------------------------------------------- colleagues' tables, by reflection
def _tables(session: Session) -> list[str]:
    return list(inspect(session.connection()).get_table_names())


def _reflect(session: Session, name: str) -> Table:
    return Table(name, MetaData(), autoload_with=session.connection())


def _pick(columns: Iterable[str], *candidates: str) -> str | None:
    cols = list(columns)
    for c in candidates:
        if c in cols:
            return c
    return None


def _kiln_names(session: Session, kiln_ids: Sequence[int]) -> dict[int, str]:
    return {k.id: k.name for k in session.scalars(select(m.Kiln).where(m.Kiln.id.in_(kiln_ids)))}


def risk_level_changes(
    session: Session,
    kiln_ids: Sequence[int],
    kilns: dict[int, str],
    first_day: dt.date,
    last_day: dt.date,
) -> list[inv_dom.RiskLevelRecord]:
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
    out: list[inv_dom.RiskLevelRecord] = []
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
                inv_dom.RiskLevelRecord(
                    kilns[kiln.id], history.day_of(d), e.level, (e.text,), _src(kiln.source)
                )
            )
    return out


def risk_and_alert_facts(
    session: Session, kiln_ids: Sequence[int], first_day: dt.date, last_day: dt.date
) -> list[inv_dom.RiskLevelRecord | inv_dom.AlertRecord]:
    """Risk levels of `kiln_ids` between the days (replayed by the risk engine) and the alerts
    raised on them, with who acknowledged each and when."""
    from kilnguard.store.alert_models import AlertRow

    kilns = _kiln_names(session, kiln_ids)
    out: list[inv_dom.RiskLevelRecord | inv_dom.AlertRecord] = []
    out.extend(risk_level_changes(session, kiln_ids, kilns, first_day, last_day))
    lo = dt.datetime.combine(first_day, dt.time(0), tzinfo=dt.UTC) - dt.timedelta(days=1)
    hi = dt.datetime.combine(last_day, dt.time(0), tzinfo=dt.UTC) + dt.timedelta(days=2)
    alerts = session.scalars(
        select(AlertRow)
        .where(
            AlertRow.kiln_id.in_(list(kilns)), AlertRow.raised_at >= lo, AlertRow.raised_at <= hi
        )
        .order_by(AlertRow.raised_at, AlertRow.id)
    )
    for a in alerts:
        out.append(
            inv_dom.AlertRecord(
                kilns[a.kiln_id],
                a.raised_at,
                a.level,
                _text(a.summary),
                a.acknowledged_by,
                a.acknowledged_at,
                _src(a.source),
            )
        )
    return out


def change_facts(
    session: Session, kiln_ids: Sequence[int], first_day: dt.date, last_day: dt.date
) -> list[inv_dom.TimelineEntry]:
    """Change requests on `kiln_ids` with their objections, overrules, skipped stages and
    hazard-zone headcounts, read by reflection from change control's tables when a
    `change_requests` table exists; [] otherwise."""
    names = _tables(session)
    if "change_requests" not in names:
        return []
    kilns = _kiln_names(session, kiln_ids)
    cr = _reflect(session, "change_requests")
    ccols = cr.c.keys()
    if "kiln_id" not in ccols:
        return []
    title_col = _pick(ccols, "title", "purpose", "summary")
    at_col = _pick(ccols, "created_at", "proposed_at", "at")
    lo = dt.datetime.combine(first_day, dt.time(0), tzinfo=dt.UTC) - dt.timedelta(days=1)
    hi = dt.datetime.combine(last_day, dt.time(0), tzinfo=dt.UTC) + dt.timedelta(days=2)
    changes: dict[object, tuple[str, str, Source]] = {}
    out: list[inv_dom.TimelineEntry] = []
    for r in session.execute(select(cr).where(cr.c.kiln_id.in_(list(kilns)))).mappings():
        title = str(r[title_col]) if title_col else f"change {r['id']}"
        src = _src(str(r.get("source", "recorded")))
        changes[r["id"]] = (kilns[r["kiln_id"]], title, src)
        at = _aware(r[at_col]) if at_col else None
        if at is not None and lo <= at <= hi:
            stage = r.get("stage")
            out.append(
                inv_dom.TimelineEntry(
                    at=at,
                    kind=inv_dom.TimelineKind.CHANGE,
                    kiln=kilns[r["kiln_id"]],
                    summary=f"Change request {r['id']} \u201c{title}\u201d proposed"
                    + (f" (stage {stage})" if stage else "")
                    + (f"; state now {r['state']}" if r.get("state") else ""),
                    facts={"change_id": str(r["id"]), "stage": str(stage) if stage else None},
                    source=src,
                )
            )
    kinds = (
        ("objection", inv_dom.TimelineKind.OBJECTION, "objection"),
        ("overrule", inv_dom.TimelineKind.OVERRULE, "overrule"),
        ("headcount", inv_dom.TimelineKind.ZONE_HEADCOUNT, "hazard-zone headcount"),
        ("zone_log", inv_dom.TimelineKind.ZONE_HEADCOUNT, "hazard-zone entry"),
        ("transition", inv_dom.TimelineKind.CHANGE, "transition"),
        ("firing", inv_dom.TimelineKind.FIRING, "firing"),
    )
    zone_people: dict[tuple[object, str, str, Source], set[str]] = defaultdict(set)
    zone_last: dict[tuple[object, str, str, Source], dt.datetime] = {}
    for name in names:
        if not name.startswith("change") or name == "change_requests":
            continue
        match = next(((k, w) for part, k, w in kinds if part in name), None)
        if match is None:
            continue
        kind, word = match
        t = _reflect(session, name)
        cols = t.c.keys()
        fk = _pick(cols, "change_request_id", "change_id", "request_id")
        at_c = _pick(
            cols, "at", "raised_at", "decided_at", "observed_at", "started_at", "created_at"
        )
        if not (fk and at_c):
            continue
        text_cols = [
            c
            for c in (
                "from_state",
                "to_state",
                "action",
                "kind",
                "skipped_stage",
                "reason",
                "note",
                "people_inside",
                "person",
                "outcome",
                "headcount",
                "count",
            )
            if c in cols
        ]
        who_c = _pick(cols, "author_id", "decided_by", "actor_id", "by", "author", "user")
        role_c = _pick(cols, "author_role", "role", "actor_role")
        for r in session.execute(select(t)).mappings():
            if r[fk] not in changes:
                continue
            at = _aware(r[at_c])
            if at is None or not lo <= at <= hi:
                continue
            kiln, title, src = changes[r[fk]]
            if kind is inv_dom.TimelineKind.ZONE_HEADCOUNT and "person" in cols:
                zone_people[(r[fk], kiln, title, src)].add(_text(r["person"]))
                zone_last[(r[fk], kiln, title, src)] = max(
                    zone_last.get((r[fk], kiln, title, src), at), at
                )
            bits = [
                f"{c.replace('_', ' ')}: {_text(r[c])}" for c in text_cols if r[c] not in (None, "")
            ]
            who = " ".join(
                x
                for x in (_text(r[role_c]) if role_c else "", _text(r[who_c]) if who_c else "")
                if x
            )
            out.append(
                inv_dom.TimelineEntry(
                    at=at,
                    kind=kind,
                    kiln=kiln,
                    summary=f"Change \u201c{title}\u201d: {word}"
                    + (f" by {who}" if who else "")
                    + (f" — {'; '.join(bits)}" if bits else ""),
                    facts={"change_id": str(r[fk]), "table": name},
                    source=src,
                )
            )
    for (cid, kiln, title, src), people in zone_people.items():
        out.append(
            inv_dom.TimelineEntry(
                at=zone_last[(cid, kiln, title, src)],
                kind=inv_dom.TimelineKind.ZONE_HEADCOUNT,
                kiln=kiln,
                summary=f"Change \u201c{title}\u201d: {len(people)} people logged at the "
                "hazard zone (headcount in the zone)",
                facts={"change_id": str(cid), "headcount": len(people)},
                source=src,
            )
        )
    return out


# ---------------------------------------------------------------------------- investigations
def _investigation(session: Session, who: Principal, investigation_id: int) -> Investigation:
    return get_readable(session, who, Investigation, investigation_id)


def investigation_for_incident(
    session: Session, who: Principal, incident_id: int
) -> Investigation | None:
    get_readable(session, who, m.Incident, incident_id)
    return session.scalar(
        select(Investigation)
        .where(Investigation.incident_id == incident_id)
        .order_by(Investigation.id.desc())
        .limit(1)
    )


def assemble(session: Session, row: m.Incident, window_days: int) -> list[inv_dom.TimelineEntry]:
    """The incident's timeline over `window_days` from the records in the database."""
    g = gather_records(session, row, window_days)
    entries = inv_dom.assemble_timeline(
        to_domain(row, extras_of(session, row.id)),
        production=g.production,
        targets=g.targets,
        maintenance=g.maintenance,
        shifts=g.shifts,
        risk_levels=g.risk_levels,
        alerts=g.alerts,
        window_days=window_days,
        tz=plant_tz(session, row.enterprise_id),
    )
    start = row.occurred_at - dt.timedelta(days=window_days)
    extra = [e for e in g.extra_entries if start <= e.at <= row.occurred_at]
    order = {k: i for i, k in enumerate(inv_dom.TimelineKind)}
    return sorted([*entries, *extra], key=lambda e: (e.at, order[e.kind], e.kiln or "", e.summary))


def open_investigation(
    session: Session,
    who: Principal,
    incident_id: int,
    *,
    window_days: int = inv_dom.DEFAULT_WINDOW_DAYS,
    at: dt.datetime | None = None,
    source: str = "recorded",
) -> Investigation:
    """Open an investigation and snapshot its timeline (read-only from then on)."""
    row = get_readable(session, who, m.Incident, incident_id)
    _require_investigator(session, who, row.enterprise_id)
    if window_days < 1 or window_days > 730:
        raise ValidationError("window_days", window_days, "must be 1..730 [d]")
    existing = session.scalar(
        select(Investigation).where(
            Investigation.incident_id == incident_id, Investigation.status == "open"
        )
    )
    if existing is not None:
        raise Conflict(f"incident {incident_id} already has open investigation {existing.id}")
    inv = Investigation(
        enterprise_id=row.enterprise_id,
        incident_id=incident_id,
        opened_at=_now(at),
        opened_by=who.username,
        window_days=window_days,
        status="open",
        source=source,
    )
    session.add(inv)
    _audit(session, who.username, "open", "investigation", inv)
    entries = assemble(session, row, window_days)
    rows = [
        TimelineRow(
            enterprise_id=row.enterprise_id,
            investigation_id=inv.id,
            seq=i,
            at=e.at,
            kind=e.kind.value,
            kiln=e.kiln,
            summary=e.summary,
            facts=dict(e.facts),
            source=e.source,
        )
        for i, e in enumerate(entries, start=1)
    ]
    session.add_all(rows)
    session.flush()
    audit.append(
        session,
        actor=who.username,
        action="assemble_timeline",
        entity="investigation",
        entity_id=inv.id,
        enterprise_id=row.enterprise_id,
        payload={"entries": len(rows), "window_days": window_days, "first_row": rows[0].id},
    )
    ent = session.get(m.Enterprise, row.enterprise_id)
    kiln = session.get(m.Kiln, row.kiln_id) if row.kiln_id is not None else None
    section = session.get(m.Section, row.section_id) if row.section_id is not None else None
    structure = inv_dom.default_control_structure(
        ent.region.name if ent else "regional",
        ent.name if ent else "enterprise",
        section.name.removesuffix(" section") if section else "kiln",
        kiln.name if kiln else "kiln",
    )
    for c in structure.controllers:
        cc = CastController(
            enterprise_id=row.enterprise_id,
            investigation_id=inv.id,
            key=c.id,
            level=int(c.level),
            name=c.name,
            responsibilities=list(c.responsibilities),
            control_actions=list(c.control_actions),
            feedback_channels=list(c.feedback_channels),
            unsafe_control_actions=[],
            flawed_feedback=[],
            process_model_flaws=[],
            context=[],
            source=source,
        )
        session.add(cc)
        _audit(session, who.username, "create", "cast_controller", cc)
    return inv


def open_or_get(session: Session, who: Principal, incident_id: int) -> Investigation:
    """The open investigation of an incident, opening one when there is none."""
    existing = investigation_for_incident(session, who, incident_id)
    if existing is not None and existing.status == "open":
        return existing
    return open_investigation(session, who, incident_id)


def close_investigation(session: Session, who: Principal, investigation_id: int) -> Investigation:
    inv = _investigation(session, who, investigation_id)
    _require_investigator(session, who, inv.enterprise_id)
    inv.status = "closed"
    _audit(session, who.username, "close", "investigation", inv)
    return inv


def add_finding(
    session: Session,
    who: Principal,
    investigation_id: int,
    text: str,
    *,
    about: Sequence[str] = (),
    at: dt.datetime | None = None,
    author: str | None = None,
    source: str = "recorded",
) -> FindingRow:
    """An attributed finding (author = the user; `author` only for imported records)."""
    inv = _investigation(session, who, investigation_id)
    _require_investigator(session, who, inv.enterprise_id)
    f = inv_dom.Finding(
        text=text, author_id=author or who.username, at=_now(at), about=tuple(about)
    )
    row = FindingRow(
        enterprise_id=inv.enterprise_id,
        investigation_id=inv.id,
        text=f.text,
        author=f.author_id,
        at=f.at,
        about=list(f.about),
        hindsight_warnings=f.hindsight_warnings,
        source=source,
    )
    session.add(row)
    _audit(session, who.username, "create", "finding", row)
    return row


def add_evidence(
    session: Session,
    who: Principal,
    investigation_id: int,
    title: str,
    description: str = "",
    *,
    at: dt.datetime | None = None,
    source: str = "recorded",
) -> Evidence:
    inv = _investigation(session, who, investigation_id)
    _require_investigator(session, who, inv.enterprise_id)
    rules.require_text("title", title)
    row = Evidence(
        enterprise_id=inv.enterprise_id,
        investigation_id=inv.id,
        title=title,
        description=description,
        added_by=who.username,
        added_at=_now(at),
        source=source,
    )
    session.add(row)
    _audit(session, who.username, "create", "evidence", row)
    return row


def add_interview(
    session: Session,
    who: Principal,
    investigation_id: int,
    interviewee: str,
    text: str,
    *,
    at: dt.datetime | None = None,
    source: str = "recorded",
) -> InterviewNoteRow:
    inv = _investigation(session, who, investigation_id)
    _require_investigator(session, who, inv.enterprise_id)
    note = inv_dom.InterviewNote(interviewee, text, who.username, _now(at))
    row = InterviewNoteRow(
        enterprise_id=inv.enterprise_id,
        investigation_id=inv.id,
        interviewee=note.interviewee,
        text=note.text,
        author=note.author_id,
        at=note.at,
        source=source,
    )
    session.add(row)
    _audit(session, who.username, "create", "interview_note", row)
    return row


def analyse_controller(
    session: Session,
    who: Principal,
    investigation_id: int,
    key: str,
    *,
    unsafe_control_actions: Sequence[tuple[str, str]] = (),
    flawed_feedback: Sequence[str] = (),
    process_model_flaws: Sequence[str] = (),
    context: Sequence[str] = (),
) -> CastController:
    """Append CAST analysis to one controller (nothing earlier is removed)."""
    inv = _investigation(session, who, investigation_id)
    _require_investigator(session, who, inv.enterprise_id)
    c = session.scalar(
        select(CastController).where(
            CastController.investigation_id == inv.id, CastController.key == key
        )
    )
    if c is None:
        raise NotFound("controller", key)
    ucas = [inv_dom.UnsafeControlAction(d, inv_dom.UcaType(t)) for d, t in unsafe_control_actions]
    c.unsafe_control_actions = [
        *c.unsafe_control_actions,
        *({"description": u.description, "type": u.type.value} for u in ucas),
    ]
    c.flawed_feedback = [*c.flawed_feedback, *flawed_feedback]
    c.process_model_flaws = [*c.process_model_flaws, *process_model_flaws]
    c.context = [*c.context, *context]
    _audit(session, who.username, "analyse", "cast_controller", c)
    return c


def structure_of(session: Session, investigation_id: int) -> inv_dom.ControlStructure:
    rows = session.scalars(
        select(CastController)
        .where(CastController.investigation_id == investigation_id)
        .order_by(CastController.level, CastController.id)
    ).all()
    controllers = tuple(
        inv_dom.Controller(
            id=c.key,
            name=c.name,
            level=inv_dom.ControlLevel(c.level),
            responsibilities=tuple(c.responsibilities),
            control_actions=tuple(c.control_actions),
            feedback_channels=tuple(c.feedback_channels),
            unsafe_control_actions=tuple(
                inv_dom.UnsafeControlAction(u["description"], inv_dom.UcaType(u["type"]))
                for u in c.unsafe_control_actions
            ),
            flawed_feedback=tuple(c.flawed_feedback),
            process_model_flaws=tuple(c.process_model_flaws),
            context=tuple(c.context),
        )
        for c in rows
    )
    return inv_dom.ControlStructure(controllers=controllers)


def add_recommendation(
    session: Session,
    who: Principal,
    investigation_id: int,
    *,
    controller_key: str,
    text: str,
    owner: str,
    due_on: dt.date,
    source: str = "recorded",
) -> CorrectiveActionRow:
    """A CAST recommendation on one controller, tracked as a corrective action."""
    inv = _investigation(session, who, investigation_id)
    _require_investigator(session, who, inv.enterprise_id)
    structure = structure_of(session, inv.id)
    structure.controller(controller_key)
    rec = inv_dom.Recommendation("new", text, controller_key, owner, due_on)
    action = inv_dom.recommendation_to_action(rec)
    row = CorrectiveActionRow(
        enterprise_id=inv.enterprise_id,
        investigation_id=inv.id,
        controller_key=controller_key,
        recommendation=action.description,
        owner=action.owner_id,
        due_on=action.due_on,
        status=action.status.value,
        note="",
        escalation_level=0,
        source=source,
    )
    session.add(row)
    _audit(session, who.username, "create", "corrective_action", row)
    return row


def _action_domain(row: CorrectiveActionRow) -> inc_dom.CorrectiveAction:
    return inc_dom.CorrectiveAction(
        id=str(row.id),
        description=row.recommendation,
        owner_id=row.owner,
        due_on=row.due_on,
        status=inc_dom.ActionStatus(row.status),
        completed_on=row.completed_on,
        verified_by=row.verified_by,
        note=row.note,
    )


def set_action_status(
    session: Session,
    who: Principal,
    action_id: int,
    status: str,
    *,
    on: dt.date,
    note: str = "",
) -> CorrectiveActionRow:
    row = get_readable(session, who, CorrectiveActionRow, action_id)
    _require_investigator(session, who, row.enterprise_id)
    try:
        new_status = inc_dom.ActionStatus(status)
    except ValueError:
        raise ValidationError(
            "status", status, f"one of {', '.join(s.value for s in inc_dom.ActionStatus)}"
        ) from None
    new = inc_dom.set_action_status(_action_domain(row), new_status, on, by=who.username, note=note)
    row.status = new.status.value
    row.completed_on = new.completed_on
    row.verified_by = new.verified_by
    row.note = new.note
    _audit(session, who.username, "set_status", "corrective_action", row)
    return row


def action_escalation_level(row: CorrectiveActionRow, as_of: dt.date) -> int:
    """Index (1-based) of the DEFAULT_ESCALATION step reached at `as_of`; 0 when not late."""
    step = inc_dom.escalation_step(_action_domain(row), as_of)
    return 0 if step is None else inc_dom.DEFAULT_ESCALATION.index(step) + 1


def escalate_actions(
    session: Session, who: Principal, as_of: dt.date, *, investigation_id: int | None = None
) -> list[CorrectiveActionRow]:
    """Raise the escalation level of overdue actions you may read; returns those changed."""
    stmt = scoped(session, who, select(CorrectiveActionRow), CorrectiveActionRow)
    if investigation_id is not None:
        stmt = stmt.where(CorrectiveActionRow.investigation_id == investigation_id)
    changed = []
    for row in session.scalars(stmt.order_by(CorrectiveActionRow.id)):
        level = action_escalation_level(row, as_of)
        if level > row.escalation_level:
            row.escalation_level = level
            _audit(session, who.username, "escalate", "corrective_action", row)
            changed.append(row)
    return changed


def investigation_view(
    session: Session, who: Principal, investigation_id: int, *, as_of: dt.date | None = None
) -> dict[str, Any]:
    """Everything about one investigation as plain data (pages, API, report)."""
    inv = _investigation(session, who, investigation_id)
    incident = session.get(m.Incident, inv.incident_id)
    assert incident is not None
    today = as_of or dt.datetime.now(dt.UTC).date()

    def rows(model: Any, order: Any) -> list[Any]:
        return list(
            session.scalars(
                select(model).where(model.investigation_id == inv.id).order_by(order, model.id)
            )
        )

    timeline = rows(TimelineRow, TimelineRow.seq)
    controllers = rows(CastController, CastController.level)
    actions = rows(CorrectiveActionRow, CorrectiveActionRow.due_on)
    structure = structure_of(session, inv.id)
    recs = [
        inv_dom.Recommendation(str(a.id), a.recommendation, a.controller_key, a.owner, a.due_on)
        for a in actions
    ]
    return {
        "investigation": {
            "id": inv.id,
            "incident_id": inv.incident_id,
            "enterprise_id": inv.enterprise_id,
            "opened_at": inv.opened_at.isoformat(),
            "opened_by": inv.opened_by,
            "window_days": inv.window_days,
            "status": inv.status,
            "source": inv.source,
        },
        "incident": incident_summary(session, incident),
        "timeline": [
            {
                "id": t.id,
                "seq": t.seq,
                "at": t.at.isoformat(),
                "kind": t.kind,
                "kiln": t.kiln,
                "summary": t.summary,
                "facts": t.facts,
                "source": t.source,
                "read_only": True,
            }
            for t in timeline
        ],
        "findings": [
            {
                "id": f.id,
                "text": f.text,
                "author": f.author,
                "at": f.at.isoformat(),
                "about": f.about,
                "hindsight_warnings": f.hindsight_warnings,
                "source": f.source,
            }
            for f in rows(FindingRow, FindingRow.at)
        ],
        "evidence": [
            {
                "id": e.id,
                "title": e.title,
                "description": e.description,
                "added_by": e.added_by,
                "added_at": e.added_at.isoformat(),
                "source": e.source,
            }
            for e in rows(Evidence, Evidence.added_at)
        ],
        "interviews": [
            {
                "id": n.id,
                "interviewee": n.interviewee,
                "text": n.text,
                "author": n.author,
                "at": n.at.isoformat(),
                "source": n.source,
            }
            for n in rows(InterviewNoteRow, InterviewNoteRow.at)
        ],
        "controllers": [
            {
                "key": c.key,
                "level": c.level,
                "level_name": inv_dom.ControlLevel(c.level).name.lower().replace("_", " "),
                "name": c.name,
                "responsibilities": c.responsibilities,
                "control_actions": c.control_actions,
                "feedback_channels": c.feedback_channels,
                "unsafe_control_actions": c.unsafe_control_actions,
                "flawed_feedback": c.flawed_feedback,
                "process_model_flaws": c.process_model_flaws,
                "context": c.context,
                "source": c.source,
            }
            for c in controllers
        ],
        "cast_gaps": inv_dom.cast_gaps(structure, recs),
        "actions": [
            {
                "id": a.id,
                "controller_key": a.controller_key,
                "recommendation": a.recommendation,
                "owner": a.owner,
                "due_on": a.due_on.isoformat(),
                "status": a.status,
                "overdue_days": _action_domain(a).days_overdue(today),
                "escalation_level": max(a.escalation_level, action_escalation_level(a, today)),
                "source": a.source,
            }
            for a in actions
        ],
    }


def list_investigations(session: Session, who: Principal) -> list[dict[str, Any]]:
    stmt = scoped(session, who, select(Investigation), Investigation).order_by(Investigation.id)
    out = []
    for inv in session.scalars(stmt):
        incident = session.get(m.Incident, inv.incident_id)
        assert incident is not None
        out.append(
            {
                "id": inv.id,
                "incident_id": inv.incident_id,
                "status": inv.status,
                "opened_at": inv.opened_at.isoformat(),
                "opened_by": inv.opened_by,
                "incident": incident_summary(session, incident),
            }
        )
    return out


# ----------------------------------------------------------------------------------- rates
@dataclass(frozen=True)
class RateRow:
    """Counts, hours and rates for one scope and period ('all' or 'YYYY-MM')."""

    scope: str  # "enterprise" | "region"
    name: str
    period: str
    hours_worked_h: float
    recordable_cases: int
    lost_time_injuries: int
    fatalities: int
    near_misses: int
    unsafe_conditions: int
    trir_per_200k_h: float | None
    ltifr_per_200k_h: float | None
    fatality_rate_per_200k_h: float | None
    noisy: bool


def _month_bounds(month: str, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    y, mo = (int(x) for x in month.split("-"))
    lo = dt.datetime(y, mo, 1, tzinfo=tz)
    hi = dt.datetime(y + (mo == 12), mo % 12 + 1, 1, tzinfo=tz)
    return lo, hi


def _rate_row(
    scope: str,
    name: str,
    period: str,
    incidents: list[inc_dom.Incident],
    hours: float,
) -> RateRow:
    n = inc_dom.injury_counts(incidents)
    if hours > 0:
        r = inc_dom.incident_rates(incidents, hours)
        trir: float | None = round(r.trir_per_200k_h, 4)
        ltifr: float | None = round(r.ltifr_per_200k_h, 4)
        fat: float | None = round(r.fatality_rate_per_200k_h, 4)
        noisy = r.noisy
    else:
        trir = ltifr = fat = None
        noisy = True
    return RateRow(
        scope,
        name,
        period,
        round(hours, 3),
        n.recordable_cases,
        n.lost_time_injuries,
        n.fatalities,
        n.near_misses,
        n.unsafe_conditions,
        trir,
        ltifr,
        fat,
        noisy,
    )


def rates(session: Session, who: Principal, *, enterprise_id: int | None = None) -> list[RateRow]:
    """TRIR, LTIFR and fatality rate per 200 000 h by enterprise and month (and in total), and
    by region for regulators and admins; hours worked come from the shift records, merged per
    person (domain.incident.hours_worked)."""
    stmt = scoped(session, who, select(m.Enterprise), m.Enterprise).order_by(m.Enterprise.name)
    if enterprise_id is not None:
        stmt = stmt.where(m.Enterprise.id == enterprise_id)
    enterprises = list(session.scalars(stmt))
    if enterprise_id is not None and not enterprises:
        raise NotFound("enterprise", enterprise_id)
    out: list[RateRow] = []
    region_data: dict[str, tuple[list[inc_dom.Incident], dict[str, float], float]] = {}
    for ent in enterprises:
        tz = ZoneInfo(ent.region.timezone)
        shifts = [
            inc_dom.ShiftInterval(str(w), s, e)
            for w, s, e in session.execute(
                select(m.Shift.worker_id, m.Shift.start_at, m.Shift.end_at).where(
                    m.Shift.enterprise_id == ent.id
                )
            )
        ]
        incidents = [
            to_domain(r, extras_of(session, r.id))
            for r in session.scalars(select(m.Incident).where(m.Incident.enterprise_id == ent.id))
        ]
        months = sorted(
            {s.start.astimezone(tz).strftime("%Y-%m") for s in shifts}
            | {i.occurred_at.astimezone(tz).strftime("%Y-%m") for i in incidents}
        )
        total_h = inc_dom.hours_worked(shifts)
        out.append(_rate_row("enterprise", ent.name, "all", incidents, total_h))
        by_month: dict[str, float] = {}
        for month in months:
            lo, hi = _month_bounds(month, tz)
            in_month = [s for s in shifts if s.start < hi and s.end > lo]
            hours = inc_dom.hours_worked(in_month, lo, hi)
            by_month[month] = hours
            month_inc = [i for i in incidents if lo <= i.occurred_at < hi]
            out.append(_rate_row("enterprise", ent.name, month, month_inc, hours))
        reg = region_data.setdefault(ent.region.name, ([], defaultdict(float), 0.0))
        reg[0].extend(incidents)
        for k, v in by_month.items():
            reg[1][k] += v
        region_data[ent.region.name] = (reg[0], reg[1], reg[2] + total_h)
    if who.role in (Role.REGULATOR, Role.ADMIN) and enterprise_id is None:
        for name, (incidents, by_month, total_h) in sorted(region_data.items()):
            out.append(_rate_row("region", name, "all", incidents, total_h))
            for month in sorted(by_month):
                tz = ZoneInfo(
                    session.scalars(select(m.Region.timezone).where(m.Region.name == name)).one()
                )
                lo, hi = _month_bounds(month, tz)
                month_inc = [i for i in incidents if lo <= i.occurred_at < hi]
                out.append(_rate_row("region", name, month, month_inc, by_month[month]))
    return out


# --------------------------------------------------------------------------------- bulletins
def send_bulletin(
    session: Session,
    who: Principal,
    *,
    incident_id: int,
    title: str,
    summary: str,
    lessons: Sequence[str] = (),
    required_checks: Sequence[str] = (),
    tiers: Sequence[int] = (),
    sectors: Sequence[str] = (),
    acknowledge_within_days: int = 7,
    at: dt.datetime | None = None,
    source: str = "recorded",
) -> Bulletin:
    """A regulator sends a lessons bulletin on an incident to the region's other enterprises
    of the chosen tiers or sectors (neither given: all of them)."""
    incident = get_readable(session, who, m.Incident, incident_id)
    if who.role not in BULLETIN_ROLES:
        raise PermissionDenied("only regulators send regional bulletins")
    rules.require_text("title", title)
    rules.require_text("summary", summary)
    if acknowledge_within_days < 1:
        raise ValidationError("acknowledge_within_days", acknowledge_within_days, "must be ≥ 1")
    ent = session.get(m.Enterprise, incident.enterprise_id)
    assert ent is not None
    region_id = ent.region_id
    if who.role is Role.REGULATOR and who.region_id != region_id:
        raise NotFound("incident", incident_id)
    b = Bulletin(
        enterprise_id=incident.enterprise_id,
        region_id=region_id,
        incident_id=incident_id,
        title=title,
        summary=summary,
        lessons=[x for x in lessons if x.strip()],
        required_checks=[x for x in required_checks if x.strip()],
        target_tiers=list(tiers),
        target_sectors=list(sectors),
        issued_by=who.username,
        issued_at=_now(at),
        acknowledge_within_days=acknowledge_within_days,
        source=source,
    )
    session.add(b)
    _audit(session, who.username, "send", "bulletin", b)
    targets = session.scalars(
        select(m.Enterprise)
        .where(m.Enterprise.region_id == region_id, m.Enterprise.id != incident.enterprise_id)
        .order_by(m.Enterprise.name)
    ).all()
    chosen = [
        e for e in targets if (not tiers and not sectors) or e.tier in tiers or e.sector in sectors
    ]
    if not chosen:
        raise ValidationError("tiers", list(tiers), "no enterprise of the region matches")
    for e in chosen:
        r = BulletinRecipient(
            bulletin_id=b.id,
            enterprise_id=e.id,
            reminders_sent=0,
            escalation_level=0,
            checked="",
            source=source,
        )
        session.add(r)
        _audit(session, who.username, "address", "bulletin_recipient", r)
    return b


def _bulletin(session: Session, who: Principal, bulletin_id: int) -> Bulletin:
    b = session.get(Bulletin, bulletin_id)
    if b is None:
        raise NotFound("bulletin", bulletin_id)
    readable = readable_enterprise_ids(session, who)
    if readable is None:
        return b
    recipients = set(
        session.scalars(
            select(BulletinRecipient.enterprise_id).where(BulletinRecipient.bulletin_id == b.id)
        )
    )
    if who.role is Role.REGULATOR and who.region_id == b.region_id:
        return b
    if b.enterprise_id in readable or recipients & readable:
        return b
    raise NotFound("bulletin", bulletin_id)


def acknowledge_bulletin(
    session: Session,
    who: Principal,
    bulletin_id: int,
    *,
    checked: str,
    enterprise_id: int | None = None,
    at: dt.datetime | None = None,
    by: str | None = None,
) -> BulletinRecipient:
    """An enterprise's manager or safety officer acknowledges, saying what they checked
    (`by` names the person when an admin or import records it for them)."""
    b = _bulletin(session, who, bulletin_id)
    rules.require_text("checked", checked)
    if who.role not in ACKNOWLEDGING_ROLES:
        raise PermissionDenied("a manager or safety officer acknowledges a bulletin")
    q = select(BulletinRecipient).where(BulletinRecipient.bulletin_id == b.id)
    if who.role is not Role.ADMIN:
        q = q.where(BulletinRecipient.enterprise_id.in_(who.enterprise_ids))
    if enterprise_id is not None:
        q = q.where(BulletinRecipient.enterprise_id == enterprise_id)
    mine = session.scalars(q.order_by(BulletinRecipient.enterprise_id)).all()
    if not mine:
        raise NotFound("bulletin", bulletin_id)
    r = mine[0]
    if r.acknowledged_at is not None:
        raise Conflict(
            f"already acknowledged by {r.acknowledged_by} on {r.acknowledged_at:%Y-%m-%d}"
        )
    r.acknowledged_at = _now(at)
    r.acknowledged_by = by or who.username
    r.checked = checked
    _audit(session, who.username, "acknowledge", "bulletin_recipient", r)
    return r


def bulletin_escalation_level(b: Bulletin, r: BulletinRecipient, as_of: dt.date) -> int:
    if r.acknowledged_at is not None:
        return 0
    due = b.issued_at.date() + dt.timedelta(days=b.acknowledge_within_days)
    late = (as_of - due).days
    return sum(1 for days, _ in BULLETIN_ESCALATION if late >= days)


def escalate_bulletins(session: Session, who: Principal, as_of: dt.date) -> list[BulletinRecipient]:
    """Send reminders for overdue acknowledgements: one per day per recipient at most, with the
    escalation level reached (see BULLETIN_ESCALATION)."""
    if who.role not in BULLETIN_ROLES:
        raise PermissionDenied("only regulators escalate bulletins")
    q = select(Bulletin)
    if who.role is Role.REGULATOR:
        q = q.where(Bulletin.region_id == who.region_id)
    changed = []
    for b in session.scalars(q.order_by(Bulletin.id)):
        for r in session.scalars(
            select(BulletinRecipient).where(BulletinRecipient.bulletin_id == b.id)
        ):
            level = bulletin_escalation_level(b, r, as_of)
            if level == 0 or r.last_reminder_on == as_of:
                continue
            r.reminders_sent += 1
            r.escalation_level = max(r.escalation_level, level)
            r.last_reminder_on = as_of
            _audit(session, who.username, "remind", "bulletin_recipient", r)
            changed.append(r)
    return changed


def bulletin_view(
    session: Session, who: Principal, bulletin_id: int, *, as_of: dt.date | None = None
) -> dict[str, Any]:
    b = _bulletin(session, who, bulletin_id)
    today = as_of or dt.datetime.now(dt.UTC).date()
    readable = readable_enterprise_ids(session, who)
    regulator_view = who.role is Role.ADMIN or (
        who.role is Role.REGULATOR and who.region_id == b.region_id
    )
    recipients = []
    for r in session.scalars(
        select(BulletinRecipient)
        .where(BulletinRecipient.bulletin_id == b.id)
        .order_by(BulletinRecipient.enterprise_id)
    ):
        if not regulator_view and readable is not None and r.enterprise_id not in readable:
            continue
        e = session.get(m.Enterprise, r.enterprise_id)
        level = max(r.escalation_level, bulletin_escalation_level(b, r, today))
        recipients.append(
            {
                "id": r.id,
                "enterprise_id": r.enterprise_id,
                "enterprise": e.name if e else "",
                "tier": e.tier if e else None,
                "sector": e.sector if e else "",
                "acknowledged": r.acknowledged_at is not None,
                "acknowledged_at": r.acknowledged_at.isoformat() if r.acknowledged_at else None,
                "acknowledged_by": r.acknowledged_by,
                "checked": r.checked,
                "reminders_sent": r.reminders_sent,
                "escalation_level": level,
                "escalation": BULLETIN_ESCALATION[level - 1][1] if level else "",
                "source": r.source,
            }
        )
    incident = session.get(m.Incident, b.incident_id)
    assert incident is not None
    return {
        "id": b.id,
        "title": b.title,
        "summary": b.summary,
        "lessons": b.lessons,
        "required_checks": b.required_checks,
        "target_tiers": b.target_tiers,
        "target_sectors": b.target_sectors,
        "issued_by": b.issued_by,
        "issued_at": b.issued_at.isoformat(),
        "acknowledge_by": (
            b.issued_at.date() + dt.timedelta(days=b.acknowledge_within_days)
        ).isoformat(),
        "incident_id": b.incident_id,
        "incident": incident_summary(session, incident)
        if readable is None or incident.enterprise_id in readable
        else {"id": b.incident_id},
        "recipients": recipients,
        "not_acknowledged": [r["enterprise"] for r in recipients if not r["acknowledged"]],
        "source": b.source,
    }


def list_bulletins(
    session: Session, who: Principal, *, as_of: dt.date | None = None
) -> list[dict[str, Any]]:
    out = []
    for b in session.scalars(select(Bulletin).order_by(Bulletin.issued_at.desc(), Bulletin.id)):
        try:
            out.append(bulletin_view(session, who, b.id, as_of=as_of))
        except NotFound:
            continue
    return out
