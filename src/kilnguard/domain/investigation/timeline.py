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
from itertools import chain
from types import MappingProxyType
from typing import Literal, Protocol

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
from kilnguard.domain.roles import Role

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


class _Recorded(Protocol):
    """A record the timeline shows: bound to a kiln (or plant-wide) and of known provenance."""

    @property
    def kiln_id(self) -> str | None: ...

    @property
    def source(self) -> Source: ...


def _entry(
    of: _Recorded, at: datetime, kind: TimelineKind, summary: str, /, **facts: FactValue
) -> TimelineEntry:
    """The entry for record `of`: its kiln and provenance travel with every fact it yields."""
    return TimelineEntry(at, kind, of.kiln_id, summary, facts, of.source)


def _copied(record: object, *names: str) -> dict[str, FactValue]:
    """Fields a record shows on the timeline as they are, under their own names."""
    facts: dict[str, FactValue] = {n: getattr(record, n) for n in names}
    return facts


def _production_entry(p: ProductionDay, tz: tzinfo) -> TimelineEntry:
    ratio = p.load_ratio
    summary = (
        f"{p.kiln_id} produced {p.output_t:.1f} t against a rating of "
        f"{p.rated_capacity_t_per_day:.1f} t/day ({ratio:.2f}× rating)"
    )
    at = datetime.combine(p.day, time(0), tzinfo=tz)
    return _entry(
        p,
        at,
        TimelineKind.PRODUCTION,
        summary,
        day=p.day.isoformat(),
        **_copied(p, "output_t", "rated_capacity_t_per_day"),
        load_ratio=round(ratio, 4),
        above_rating=ratio > 1.0,
    )


def _target_entry(t: TargetEntered) -> TimelineEntry:
    due = f", due {_fmt(t.deadline)}" if t.deadline else ""
    qty = f" ({t.quantity_t:.0f} t)" if t.quantity_t is not None else ""
    summary = f"Target entered by {t.set_by}: {t.description}{qty}{due}"
    deadline = t.deadline.isoformat() if t.deadline else None
    return _entry(
        t,
        t.at,
        TimelineKind.TARGET,
        summary,
        **_copied(t, "set_by", "quantity_t"),
        deadline=deadline,
        set_from_outside_plant=t.external,
    )


_MAINTENANCE_KINDS = {
    MaintenanceStatus.DUE: TimelineKind.MAINTENANCE_DUE,
    MaintenanceStatus.DEFERRED: TimelineKind.MAINTENANCE_DEFERRED,
    MaintenanceStatus.DONE: TimelineKind.MAINTENANCE_DONE,
}


def _maintenance_entry(m: MaintenanceRecord) -> TimelineEntry:
    where = f" on {m.kiln_id}" if m.kiln_id else ""
    why = f": \u201c{m.reason}\u201d" if m.reason else ""
    by = f" by {m.by}" if m.by else ""
    summary = f"{m.task}{where} {m.status.value}{by}{why}"
    return _entry(
        m,
        m.at,
        _MAINTENANCE_KINDS[m.status],
        summary,
        task=m.task,
        status=m.status.value,
        reason=m.reason,
        by=m.by,
    )


def _shift_entry(s: ShiftRecord) -> TimelineEntry:
    hours = (s.end - s.start).total_seconds() / 3600.0
    fatigue = ""
    if s.fatigue_score is not None:
        label = f", {s.fatigue_label}" if s.fatigue_label else ""
        model = f" {s.fatigue_model}" if s.fatigue_model else ""
        fatigue = f"; fatigue{model} {s.fatigue_score:.2f}{label}"
    summary = f"Crew {s.crew}: {hours:.1f} h shift, {len(s.people)} people{fatigue}"
    return _entry(
        s,
        s.start,
        TimelineKind.SHIFT,
        summary,
        crew=s.crew,
        end=s.end.isoformat(),
        duration_h=round(hours, 3),
        headcount=len(s.people),
        people=", ".join(s.people),
        **_copied(s, "fatigue_score", "fatigue_label", "fatigue_model"),
    )


def _risk_entry(r: RiskLevelRecord, tz: tzinfo) -> TimelineEntry:
    at = datetime.combine(r.day, time(0), tzinfo=tz)
    summary = f"Risk level {r.level} on {r.kiln_id}" + (
        f": {'; '.join(r.reasons)}" if r.reasons else ""
    )
    return _entry(
        r,
        at,
        TimelineKind.RISK_LEVEL,
        summary,
        day=r.day.isoformat(),
        level=r.level,
        reasons="; ".join(r.reasons),
    )


def _incident_entry(incident: Incident) -> TimelineEntry:
    c = incident.casualties
    summary = (
        f"{incident.event_type.value.replace('_', ' ').capitalize()}: "
        f"{c.killed} killed, {c.seriously_injured} seriously injured, "
        f"{c.minor_injuries} with minor injuries, {c.missing} missing"
    )
    return _entry(
        incident,
        incident.occurred_at,
        TimelineKind.INCIDENT,
        summary,
        incident_id=incident.id,
        event_type=incident.event_type.value,
        **_copied(c, "killed", "seriously_injured", "minor_injuries", "missing"),
        time_assumed=incident.occurred_at_assumed,
    )


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
    entries = chain(
        (_production_entry(p, tz) for p in production),
        map(_target_entry, targets),
        map(_maintenance_entry, maintenance),
        map(_shift_entry, shifts),
        chain.from_iterable(map(_change_entries, changes)),
        (_risk_entry(r, tz) for r in risk_levels),
        chain.from_iterable(_alert_entries(a, end) for a in alerts),
        [_incident_entry(incident)],
    )
    out = [
        e
        for e in entries
        if (e.kiln is None or kiln_ids is None or e.kiln in kiln_ids) and start <= e.at <= end
    ]
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
    entries = [
        _entry(
            a,
            a.raised_at,
            TimelineKind.ALERT,
            f"Alert ({a.level}): {a.message} — {ack}",
            level=a.level,
            acknowledged_by=a.acknowledged_by,
            acknowledged_at=a.acknowledged_at.isoformat() if a.acknowledged_at else None,
            acknowledged_before_incident=acked_before,
            minutes_to_acknowledge=None if minutes is None else round(minutes, 1),
        )
    ]
    if acked_before and a.acknowledged_at is not None:
        by = a.acknowledged_by or "unknown"
        entries.append(
            _entry(
                a,
                a.acknowledged_at,
                TimelineKind.ALERT_ACKNOWLEDGED,
                f"Alert ({a.level}) acknowledged by {by}: {a.message}",
                acknowledged_by=a.acknowledged_by,
                raised_at=a.raised_at.isoformat(),
            )
        )
    return entries


def _change_entries(ch: ChangeRequest) -> list[TimelineEntry]:
    head = f"Change {ch.id} \u201c{ch.title}\u201d"

    def entry(at: datetime, kind: TimelineKind, what: str, /, **facts: FactValue) -> TimelineEntry:
        return _entry(ch, at, kind, f"{head}: {what}", change_id=ch.id, **facts)

    def role(r: Role) -> str:
        return r.value.replace("_", " ")

    out: list[TimelineEntry] = []
    for r in ch.history:
        out.append(
            entry(
                r.at,
                TimelineKind.CHANGE,
                f"{r.from_state.value} → {r.to_state.value} by {role(r.actor_role)} {r.actor_id}"
                + (f" ({r.note})" if r.note else ""),
                action=r.action.value,
                from_state=r.from_state.value,
                to_state=r.to_state.value,
                actor_id=r.actor_id,
                actor_role=r.actor_role.value,
                stage=ch.stage.value if ch.stage else None,
            )
        )
    for o in ch.objections:
        out.append(
            entry(
                o.raised_at,
                TimelineKind.OBJECTION,
                f"objection by {role(o.author_role)} {o.author_id}: \u201c{o.reason}\u201d",
                objection_id=o.id,
                author_role=o.author_role.value,
            )
        )
        if o.withdrawn_at is not None:
            out.append(
                entry(
                    o.withdrawn_at,
                    TimelineKind.OBJECTION_WITHDRAWN,
                    f"objection {o.id} withdrawn by its author: \u201c{o.withdrawal_reason}\u201d",
                    objection_id=o.id,
                )
            )
    for v in ch.overrules:
        what = (
            f"{v.skipped_stage.value} stage skipped"
            if v.skipped_stage is not None
            else f"objection {v.objection_id} overruled"
        )
        out.append(
            entry(
                v.at,
                TimelineKind.OVERRULE,
                f"{what} by {role(v.role)} {v.decided_by}: \u201c{v.reason}\u201d "
                "(regulator notified)",
                overrule_id=v.id,
                kind=v.kind.value,
                decided_by=v.decided_by,
                role=v.role.value,
            )
        )
    limit = ch.hazard_zone.max_headcount if ch.hazard_zone else None
    for obs in ch.headcounts:
        n = len(obs.people_inside)
        out.append(
            entry(
                obs.at,
                TimelineKind.ZONE_HEADCOUNT,
                f"{n} people in the hazard zone"
                + (f" (maximum {limit})" if limit is not None else " (no zone defined)"),
                headcount=n,
                max_headcount=limit,
                over=limit is not None and n > limit,
            )
        )
    for req in ch.zone_log:
        if req.outcome == "refused":
            out.append(
                entry(
                    req.at,
                    TimelineKind.ZONE_HEADCOUNT,
                    f"{req.person} refused entry to the hazard zone"
                    + (f" ({req.reason})" if req.reason else ""),
                    person=req.person,
                    outcome=req.outcome,
                    reason=req.reason,
                )
            )
    for f in ch.firings:
        ended = f.ended_at.isoformat() if f.ended_at else None
        out.append(entry(f.started_at, TimelineKind.FIRING, "firing started", ended_at=ended))
    return out


def days_above_rating(production: Iterable[ProductionDay], kiln_id: str) -> list[date]:
    """Days on which ``kiln_id`` produced more than its rating, in order."""
    return sorted(p.day for p in production if p.kiln_id == kiln_id and p.load_ratio > 1.0)
