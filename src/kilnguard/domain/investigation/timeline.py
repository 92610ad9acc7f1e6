"""Investigation timeline: the records before an incident as one read-only, time-ordered list.

Why this module exists
----------------------
After Komusan the investigators had to reassemble records of kiln repairs, work shifts and
accident-prevention measures by hand; after Chongjin two people near the bottom of the
hierarchy were blamed "for the entire accident" (SCENARIOS.md). :func:`assemble_timeline`
turns plain records over a window (default 60 days before the incident) into one time-ordered
list of read-only entries — production against rating, targets entered, maintenance
due/deferred/done, shifts with fatigue, change requests with objections and overrules, risk
levels, alerts and who acknowledged them when: what the system knew and who saw it. Every entry
keeps the provenance of its record (``recorded``/``reconstructed``). The CAST analysis that
builds on it is in :mod:`.cast`.

Pure: no clock reads, no I/O; the caller passes the records.

References
----------
- Leveson, N. G. (2019). *CAST Handbook*, MIT PSASS, step 1 (basic information: the events
  and the conditions before them) [V step list, SOURCES §6.1]; full citations in :mod:`.cast`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

from kilnguard.domain.change import ChangeRequest, Source
from kilnguard.domain.errors import ValidationError
from kilnguard.domain.investigation.incident import Incident
from kilnguard.domain.investigation.records import (
    DEFAULT_WINDOW_DAYS,
    AlertRecord,
    FactValue,
    MaintenanceRecord,
    MaintenanceStatus,
    ProductionDay,
    RiskLevelRecord,
    ShiftRecord,
    TargetEntered,
)

# --------------------------------------------------------------------------------------------
# Timeline
# --------------------------------------------------------------------------------------------


class TimelineKind(StrEnum):
    """Kinds of timeline entry, in the order they sort at the same instant."""

    TARGET = "target"
    PRODUCTION = "production"
    RISK_LEVEL = "risk_level"
    MAINTENANCE_DUE = "maintenance_due"
    MAINTENANCE_DEFERRED = "maintenance_deferred"
    MAINTENANCE_DONE = "maintenance_done"
    SHIFT = "shift"
    CHANGE = "change"
    OBJECTION = "objection"
    OBJECTION_WITHDRAWN = "objection_withdrawn"
    OVERRULE = "overrule"
    ALERT = "alert"
    ALERT_ACKNOWLEDGED = "alert_acknowledged"
    ZONE_HEADCOUNT = "zone_headcount"
    FIRING = "firing"
    INCIDENT = "incident"


_KIND_ORDER = {k: i for i, k in enumerate(TimelineKind)}


@dataclass(frozen=True)
class TimelineEntry:
    """One fact on the timeline. Read-only: ``facts`` is an immutable mapping and
    ``read_only`` is always True — investigators add findings, they do not edit facts."""

    at: datetime
    kind: TimelineKind
    kiln: str | None
    summary: str
    facts: Mapping[str, FactValue] = field(default_factory=dict)
    source: Source = "recorded"
    read_only: Literal[True] = True

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValidationError("at", self.at, "must be timezone-aware")
        if self.read_only is not True:
            raise ValidationError("read_only", self.read_only, "timeline facts are read-only")
        object.__setattr__(self, "facts", MappingProxyType(dict(self.facts)))


def _fmt(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def assemble_timeline(
    incident: Incident,
    *,
    production: Iterable[ProductionDay] = (),
    targets: Iterable[TargetEntered] = (),
    maintenance: Iterable[MaintenanceRecord] = (),
    shifts: Iterable[ShiftRecord] = (),
    changes: Iterable[ChangeRequest] = (),
    risk_levels: Iterable[RiskLevelRecord] = (),
    alerts: Iterable[AlertRecord] = (),
    window_days: int = DEFAULT_WINDOW_DAYS,
    kiln_ids: Collection[str] | None = None,
    tz: tzinfo = UTC,
) -> list[TimelineEntry]:
    """Assemble the timeline of ``incident`` from plain records, oldest first.

    Window: from ``window_days`` days before ``incident.occurred_at`` up to and including the
    incident instant — what the system knew *before*. A day record (production, risk level) is
    placed at 00:00 of its day in ``tz``. An alert acknowledged after the incident is shown as
    not acknowledged before it (the later acknowledgement is kept in its facts).

    ``kiln_ids`` limits kiln-bound records to those kilns; records without a kiln (plant-wide
    targets, for instance) are always kept. Ties sort by :class:`TimelineKind` order, then kiln,
    then summary, so the result is deterministic; the incident is last at its instant.
    """
    if window_days < 1:
        raise ValidationError("window_days", window_days, "must be at least 1 [d]")
    end = incident.occurred_at
    start = end - timedelta(days=window_days)

    def keep(at: datetime, kiln: str | None) -> bool:
        in_scope = kiln is None or kiln_ids is None or kiln in kiln_ids
        return in_scope and start <= at <= end

    out: list[TimelineEntry] = []

    def add(entry: TimelineEntry) -> None:
        if keep(entry.at, entry.kiln):
            out.append(entry)

    for p in production:
        ratio = p.load_ratio
        add(
            TimelineEntry(
                at=datetime.combine(p.day, time(0), tzinfo=tz),
                kind=TimelineKind.PRODUCTION,
                kiln=p.kiln_id,
                summary=(
                    f"{p.kiln_id} produced {p.output_t:.1f} t against a rating of "
                    f"{p.rated_capacity_t_per_day:.1f} t/day ({ratio:.2f}× rating)"
                ),
                facts={
                    "day": p.day.isoformat(),
                    "output_t": p.output_t,
                    "rated_capacity_t_per_day": p.rated_capacity_t_per_day,
                    "load_ratio": round(ratio, 4),
                    "above_rating": ratio > 1.0,
                },
                source=p.source,
            )
        )
    for t in targets:
        due = f", due {_fmt(t.deadline)}" if t.deadline else ""
        qty = f" ({t.quantity_t:.0f} t)" if t.quantity_t is not None else ""
        add(
            TimelineEntry(
                at=t.at,
                kind=TimelineKind.TARGET,
                kiln=t.kiln_id,
                summary=f"Target entered by {t.set_by}: {t.description}{qty}{due}",
                facts={
                    "set_by": t.set_by,
                    "quantity_t": t.quantity_t,
                    "deadline": t.deadline.isoformat() if t.deadline else None,
                    "set_from_outside_plant": t.external,
                },
                source=t.source,
            )
        )
    kinds = {
        MaintenanceStatus.DUE: TimelineKind.MAINTENANCE_DUE,
        MaintenanceStatus.DEFERRED: TimelineKind.MAINTENANCE_DEFERRED,
        MaintenanceStatus.DONE: TimelineKind.MAINTENANCE_DONE,
    }
    for m in maintenance:
        where = f" on {m.kiln_id}" if m.kiln_id else ""
        why = f": \u201c{m.reason}\u201d" if m.reason else ""
        by = f" by {m.by}" if m.by else ""
        add(
            TimelineEntry(
                at=m.at,
                kind=kinds[m.status],
                kiln=m.kiln_id,
                summary=f"{m.task}{where} {m.status.value}{by}{why}",
                facts={"task": m.task, "status": m.status.value, "reason": m.reason, "by": m.by},
                source=m.source,
            )
        )
    for s in shifts:
        hours = (s.end - s.start).total_seconds() / 3600.0
        fatigue = ""
        if s.fatigue_score is not None:
            label = f", {s.fatigue_label}" if s.fatigue_label else ""
            model = f" {s.fatigue_model}" if s.fatigue_model else ""
            fatigue = f"; fatigue{model} {s.fatigue_score:.2f}{label}"
        add(
            TimelineEntry(
                at=s.start,
                kind=TimelineKind.SHIFT,
                kiln=s.kiln_id,
                summary=f"Crew {s.crew}: {hours:.1f} h shift, {len(s.people)} people{fatigue}",
                facts={
                    "crew": s.crew,
                    "end": s.end.isoformat(),
                    "duration_h": round(hours, 3),
                    "headcount": len(s.people),
                    "people": ", ".join(s.people),
                    "fatigue_score": s.fatigue_score,
                    "fatigue_label": s.fatigue_label,
                    "fatigue_model": s.fatigue_model,
                },
                source=s.source,
            )
        )
    for ch in changes:
        for e in _change_entries(ch):
            add(e)
    for r in risk_levels:
        add(
            TimelineEntry(
                at=datetime.combine(r.day, time(0), tzinfo=tz),
                kind=TimelineKind.RISK_LEVEL,
                kiln=r.kiln_id,
                summary=f"Risk level {r.level} on {r.kiln_id}"
                + (f": {'; '.join(r.reasons)}" if r.reasons else ""),
                facts={"day": r.day.isoformat(), "level": r.level, "reasons": "; ".join(r.reasons)},
                source=r.source,
            )
        )
    for a in alerts:
        for e in _alert_entries(a, end):
            add(e)
    add(
        TimelineEntry(
            at=incident.occurred_at,
            kind=TimelineKind.INCIDENT,
            kiln=incident.kiln_id,
            summary=(
                f"{incident.event_type.value.replace('_', ' ').capitalize()}: "
                f"{incident.casualties.killed} killed, {incident.casualties.seriously_injured} "
                f"seriously injured, {incident.casualties.minor_injuries} with minor injuries, "
                f"{incident.casualties.missing} missing"
            ),
            facts={
                "incident_id": incident.id,
                "event_type": incident.event_type.value,
                "killed": incident.casualties.killed,
                "seriously_injured": incident.casualties.seriously_injured,
                "minor_injuries": incident.casualties.minor_injuries,
                "missing": incident.casualties.missing,
                "time_assumed": incident.occurred_at_assumed,
            },
            source=incident.source,
        )
    )
    out.sort(key=lambda e: (e.at, _KIND_ORDER[e.kind], e.kiln or "", e.summary))
    return out


def _alert_entries(a: AlertRecord, incident_at: datetime) -> list[TimelineEntry]:
    acked_before = a.acknowledged_at is not None and a.acknowledged_at <= incident_at
    if acked_before and a.acknowledged_at is not None:
        minutes = (a.acknowledged_at - a.raised_at).total_seconds() / 60.0
        ack = f"acknowledged by {a.acknowledged_by or 'unknown'} after {minutes:.0f} min"
    else:
        minutes = None
        ack = "not acknowledged before the incident"
    facts: dict[str, FactValue] = {
        "level": a.level,
        "acknowledged_by": a.acknowledged_by,
        "acknowledged_at": a.acknowledged_at.isoformat() if a.acknowledged_at else None,
        "acknowledged_before_incident": acked_before,
        "minutes_to_acknowledge": None if minutes is None else round(minutes, 1),
    }
    entries = [
        TimelineEntry(
            at=a.raised_at,
            kind=TimelineKind.ALERT,
            kiln=a.kiln_id,
            summary=f"Alert ({a.level}): {a.message} — {ack}",
            facts=facts,
            source=a.source,
        )
    ]
    if acked_before and a.acknowledged_at is not None:
        entries.append(
            TimelineEntry(
                at=a.acknowledged_at,
                kind=TimelineKind.ALERT_ACKNOWLEDGED,
                kiln=a.kiln_id,
                summary=f"Alert ({a.level}) acknowledged by {a.acknowledged_by or 'unknown'}: "
                f"{a.message}",
                facts={"acknowledged_by": a.acknowledged_by, "raised_at": a.raised_at.isoformat()},
                source=a.source,
            )
        )
    return entries


def _change_entries(ch: ChangeRequest) -> list[TimelineEntry]:
    kiln = ch.kiln_id
    src = ch.source
    head = f"Change {ch.id} \u201c{ch.title}\u201d"
    out: list[TimelineEntry] = []
    for r in ch.history:
        out.append(
            TimelineEntry(
                at=r.at,
                kind=TimelineKind.CHANGE,
                kiln=kiln,
                summary=f"{head}: {r.from_state.value} → {r.to_state.value} "
                f"by {r.actor_role.value.replace('_', ' ')} {r.actor_id}"
                + (f" ({r.note})" if r.note else ""),
                facts={
                    "change_id": ch.id,
                    "action": r.action.value,
                    "from_state": r.from_state.value,
                    "to_state": r.to_state.value,
                    "actor_id": r.actor_id,
                    "actor_role": r.actor_role.value,
                    "stage": ch.stage.value if ch.stage else None,
                },
                source=src,
            )
        )
    for o in ch.objections:
        role = o.author_role.value.replace("_", " ")
        out.append(
            TimelineEntry(
                at=o.raised_at,
                kind=TimelineKind.OBJECTION,
                kiln=kiln,
                summary=f"{head}: objection by {role} {o.author_id}: \u201c{o.reason}\u201d",
                facts={
                    "change_id": ch.id,
                    "objection_id": o.id,
                    "author_role": o.author_role.value,
                },
                source=src,
            )
        )
        if o.withdrawn_at is not None:
            out.append(
                TimelineEntry(
                    at=o.withdrawn_at,
                    kind=TimelineKind.OBJECTION_WITHDRAWN,
                    kiln=kiln,
                    summary=f"{head}: objection {o.id} withdrawn by its author: "
                    f"\u201c{o.withdrawal_reason}\u201d",
                    facts={"change_id": ch.id, "objection_id": o.id},
                    source=src,
                )
            )
    for v in ch.overrules:
        what = (
            f"{v.skipped_stage.value} stage skipped"
            if v.skipped_stage is not None
            else f"objection {v.objection_id} overruled"
        )
        out.append(
            TimelineEntry(
                at=v.at,
                kind=TimelineKind.OVERRULE,
                kiln=kiln,
                summary=f"{head}: {what} by {v.role.value.replace('_', ' ')} {v.decided_by}: "
                f"\u201c{v.reason}\u201d (regulator notified)",
                facts={
                    "change_id": ch.id,
                    "overrule_id": v.id,
                    "kind": v.kind.value,
                    "decided_by": v.decided_by,
                    "role": v.role.value,
                },
                source=src,
            )
        )
    zone = ch.hazard_zone
    for obs in ch.headcounts:
        n = len(obs.people_inside)
        limit = zone.max_headcount if zone else None
        over = limit is not None and n > limit
        out.append(
            TimelineEntry(
                at=obs.at,
                kind=TimelineKind.ZONE_HEADCOUNT,
                kiln=kiln,
                summary=f"{head}: {n} people in the hazard zone"
                + (f" (maximum {limit})" if limit is not None else " (no zone defined)"),
                facts={"change_id": ch.id, "headcount": n, "max_headcount": limit, "over": over},
                source=src,
            )
        )
    for req in ch.zone_log:
        if req.outcome != "refused":
            continue
        out.append(
            TimelineEntry(
                at=req.at,
                kind=TimelineKind.ZONE_HEADCOUNT,
                kiln=kiln,
                summary=f"{head}: {req.person} refused entry to the hazard zone"
                + (f" ({req.reason})" if req.reason else ""),
                facts={
                    "change_id": ch.id,
                    "person": req.person,
                    "outcome": req.outcome,
                    "reason": req.reason,
                },
                source=src,
            )
        )
    for f in ch.firings:
        out.append(
            TimelineEntry(
                at=f.started_at,
                kind=TimelineKind.FIRING,
                kiln=kiln,
                summary=f"{head}: firing started",
                facts={
                    "change_id": ch.id,
                    "ended_at": f.ended_at.isoformat() if f.ended_at else None,
                },
                source=src,
            )
        )
    return out


def days_above_rating(production: Iterable[ProductionDay], kiln_id: str) -> list[date]:
    """Days on which ``kiln_id`` produced more than its rating, in order."""
    return sorted(p.day for p in production if p.kiln_id == kiln_id and p.load_ratio > 1.0)
