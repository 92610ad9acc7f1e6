"""Investigation: a timeline from the records, attributed findings, and a CAST causal analysis.

Why this module exists
----------------------
After Komusan the investigators had to reassemble records of kiln repairs, work shifts and
accident-prevention measures by hand; after Chongjin two people near the bottom of the
hierarchy were blamed "for the entire accident" (SCENARIOS.md). This module answers both:

- :func:`assemble_timeline` turns plain records over a window (default 60 days before the
  incident) into one time-ordered list of read-only entries — production against rating, targets
  entered, maintenance due/deferred/done, shifts with fatigue, change requests with objections
  and overrules, risk levels, alerts and who acknowledged them when: what the system knew and
  who saw it. Every entry keeps the provenance of its record (``recorded``/``reconstructed``).
- CAST structures (:func:`default_control_structure`, :class:`Controller`,
  :func:`unanalysed_levels`) make the analysis reach every level of control, from the regional
  authority down to the kiln, instead of stopping at the last person who touched it.

Pure: no clock reads, no I/O; the caller passes the records.

References
----------
- Leveson, N. G. (2019). *CAST Handbook: How to Learn More from Incidents and Accidents*.
  MIT Partnership for Systems Approaches to Safety and Security.
  https://psas.scripts.mit.edu/home/books-and-handbooks/ — steps 1–5 (basic information;
  control structure; analysis of each component: responsibilities, unsafe control actions,
  process-model flaws, feedback, context; systemic factors; recommendations) [V step list,
  SOURCES §6.1].
- Leveson, N. G. (2011). *Engineering a Safer World: Systems Thinking Applied to Safety*. MIT
  Press. ISBN 978-0-262-01662-9 (STAMP, the model CAST applies) [R].
- Leveson, N. G., Thomas, J. P. (2018). *STPA Handbook*. MIT PSASS: the four types of unsafe
  control action [R].
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import IntEnum, StrEnum
from itertools import pairwise
from types import MappingProxyType
from typing import Literal

from kilnguard.domain.change import ChangeRequest, Source
from kilnguard.domain.errors import ValidationError
from kilnguard.domain.incident import CorrectiveAction, Incident

DEFAULT_WINDOW_DAYS = 60
"""Days of records before the incident that the timeline covers by default (issue 6)."""

FactValue = str | int | float | bool | None
"""Type of a value in :attr:`TimelineEntry.facts`."""

# --------------------------------------------------------------------------------------------
# Plain input records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductionDay:
    """Output of one kiln on one day against its rating."""

    kiln_id: str
    day: date
    output_t: float
    rated_capacity_t_per_day: float
    source: Source = "recorded"

    def __post_init__(self) -> None:
        if self.rated_capacity_t_per_day <= 0:
            raise ValidationError(
                "rated_capacity_t_per_day", self.rated_capacity_t_per_day, "must be > 0 [t/day]"
            )
        if self.output_t < 0:
            raise ValidationError("output_t", self.output_t, "must be ≥ 0 [t]")

    @property
    def load_ratio(self) -> float:
        """output / rated capacity [-]."""
        return self.output_t / self.rated_capacity_t_per_day


@dataclass(frozen=True)
class TargetEntered:
    """A production target (or any imposed goal) entered, with who set it and its deadline."""

    at: datetime
    description: str
    set_by: str
    quantity_t: float | None = None
    deadline: datetime | None = None
    external: bool = False
    kiln_id: str | None = None
    source: Source = "recorded"


class MaintenanceStatus(StrEnum):
    """What the maintenance record says happened."""

    DUE = "due"
    DEFERRED = "deferred"
    DONE = "done"


@dataclass(frozen=True)
class MaintenanceRecord:
    """A maintenance task falling due, deferred (with its reason) or done."""

    at: datetime
    kiln_id: str | None
    task: str
    status: MaintenanceStatus
    reason: str = ""
    by: str = ""
    source: Source = "recorded"

    def __post_init__(self) -> None:
        if self.status is MaintenanceStatus.DEFERRED and not self.reason.strip():
            raise ValidationError("reason", self.reason, "a deferral must record its reason")


@dataclass(frozen=True)
class ShiftRecord:
    """A crew's shift on a kiln with the fatigue the model gave it.

    ``fatigue_score`` is in the units of ``fatigue_model`` (e.g. HSE FRI-like risk index, or
    KSS); ``fatigue_label`` is its plain-words band ("high").
    """

    kiln_id: str | None
    crew: str
    start: datetime
    end: datetime
    people: tuple[str, ...] = ()
    fatigue_score: float | None = None
    fatigue_label: str = ""
    fatigue_model: str = ""
    source: Source = "recorded"

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValidationError("end", self.end, "must be after start")


@dataclass(frozen=True)
class RiskLevelRecord:
    """The risk level the engine gave a kiln on a day, with its reasons."""

    kiln_id: str
    day: date
    level: str
    reasons: tuple[str, ...] = ()
    source: Source = "recorded"


@dataclass(frozen=True)
class AlertRecord:
    """An alert raised, and who acknowledged it when (None: nobody)."""

    kiln_id: str | None
    raised_at: datetime
    level: str
    message: str
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    source: Source = "recorded"


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


# --------------------------------------------------------------------------------------------
# Findings and notes (attributed)
# --------------------------------------------------------------------------------------------

HINDSIGHT_PHRASES: tuple[str, ...] = (
    "should have",
    "could have",
    "would have",
    "if only",
    "failed to",
    "human error",
    "careless",
)
"""Phrases the CAST Handbook (Leveson 2019, ch. 3, hindsight bias) warns turn an analysis into
blame; flagged on findings so the investigator can rewrite them as 'why did it make sense' [R]."""


def hindsight_phrases(text: str) -> list[str]:
    """The hindsight/blame phrases found in ``text`` (case-insensitive)."""
    low = text.lower()
    return [p for p in HINDSIGHT_PHRASES if p in low]


@dataclass(frozen=True)
class Finding:
    """An investigator's finding, always attributed (who, when). ``about`` refers to timeline
    entries or controllers by whatever key the caller uses."""

    text: str
    author_id: str
    at: datetime
    about: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _require_text("text", self.text)
        _require_text("author_id", self.author_id)
        if self.at.tzinfo is None:
            raise ValidationError("at", self.at, "must be timezone-aware")

    @property
    def hindsight_warnings(self) -> list[str]:
        """Hindsight/blame phrases in the text (see :data:`HINDSIGHT_PHRASES`)."""
        return hindsight_phrases(self.text)


@dataclass(frozen=True)
class InterviewNote:
    """Notes of an interview, attributed to the investigator who took them."""

    interviewee: str
    text: str
    author_id: str
    at: datetime

    def __post_init__(self) -> None:
        _require_text("interviewee", self.interviewee)
        _require_text("text", self.text)
        _require_text("author_id", self.author_id)


# --------------------------------------------------------------------------------------------
# CAST
# --------------------------------------------------------------------------------------------


class ControlLevel(IntEnum):
    """Levels of the safety control structure for a kiln incident, top down."""

    REGIONAL_AUTHORITY = 1
    ENTERPRISE_MANAGEMENT = 2
    SECTION = 3
    CREW = 4
    KILN = 5


class UcaType(StrEnum):
    """The four ways a control action can be unsafe (Leveson & Thomas 2018, STPA Handbook) [R]."""

    NOT_PROVIDED = "not_provided"
    PROVIDED_UNSAFE = "provided_unsafe"
    WRONG_TIMING_OR_ORDER = "wrong_timing_or_order"
    WRONG_DURATION = "wrong_duration"


@dataclass(frozen=True)
class UnsafeControlAction:
    """A control action that contributed to the loss, and how it was unsafe."""

    description: str
    type: UcaType


@dataclass(frozen=True)
class Controller:
    """One controller in the structure (CAST step 3).

    ``responsibilities``, ``control_actions`` and ``feedback_channels`` describe the design;
    ``unsafe_control_actions``, ``flawed_feedback``, ``process_model_flaws`` (what it believed
    that was wrong) and ``context`` (why its actions made sense at the time) are the analysis.
    """

    id: str
    name: str
    level: ControlLevel
    responsibilities: tuple[str, ...]
    control_actions: tuple[str, ...] = ()
    feedback_channels: tuple[str, ...] = ()
    unsafe_control_actions: tuple[UnsafeControlAction, ...] = ()
    flawed_feedback: tuple[str, ...] = ()
    process_model_flaws: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()

    @property
    def analysed(self) -> bool:
        """True once any contribution (UCA, flawed feedback, process-model flaw, context) is on
        record."""
        return bool(
            self.unsafe_control_actions
            or self.flawed_feedback
            or self.process_model_flaws
            or self.context
        )


@dataclass(frozen=True)
class ControlLink:
    """A control relationship: controller acts on controlled; feedback flows back."""

    controller_id: str
    controlled_id: str
    control_actions: tuple[str, ...] = ()
    feedback: tuple[str, ...] = ()


@dataclass(frozen=True)
class ControlStructure:
    """The safety control structure (CAST step 2)."""

    controllers: tuple[Controller, ...]
    links: tuple[ControlLink, ...] = ()

    def __post_init__(self) -> None:
        ids = [c.id for c in self.controllers]
        if len(set(ids)) != len(ids):
            raise ValidationError("controllers", ids, "controller ids must be unique")
        known = set(ids)
        for link in self.links:
            for end in (link.controller_id, link.controlled_id):
                if end not in known:
                    raise ValidationError("links", end, "link to an unknown controller")

    def controller(self, controller_id: str) -> Controller:
        """The controller with ``controller_id``."""
        for c in self.controllers:
            if c.id == controller_id:
                return c
        raise ValidationError("controller_id", controller_id, "no such controller")


def analyse_controller(
    structure: ControlStructure,
    controller_id: str,
    *,
    unsafe_control_actions: Sequence[UnsafeControlAction] = (),
    flawed_feedback: Sequence[str] = (),
    process_model_flaws: Sequence[str] = (),
    context: Sequence[str] = (),
    questions: Sequence[str] = (),
) -> ControlStructure:
    """Add analysis to one controller (appends; nothing earlier is removed)."""
    c = structure.controller(controller_id)
    new = replace(
        c,
        unsafe_control_actions=(*c.unsafe_control_actions, *unsafe_control_actions),
        flawed_feedback=(*c.flawed_feedback, *flawed_feedback),
        process_model_flaws=(*c.process_model_flaws, *process_model_flaws),
        context=(*c.context, *context),
        questions=(*c.questions, *questions),
    )
    return replace(
        structure,
        controllers=tuple(new if x.id == controller_id else x for x in structure.controllers),
    )


def unanalysed_levels(structure: ControlStructure) -> list[ControlLevel]:
    """Levels of control where no controller has any analysis yet.

    An analysis that stops at the crew or the kiln is the blame-the-last-person pattern (the
    Chongjin lab head and researcher) that CAST exists to avoid; a report should show this list
    until it is empty.
    """
    levels = {c.level for c in structure.controllers}
    done = {c.level for c in structure.controllers if c.analysed}
    return sorted(levels - done)


class SystemicFactor(StrEnum):
    """CAST step 4 systemic factors (Leveson 2019) [V step list, SOURCES §6.1]."""

    COMMUNICATION_AND_COORDINATION = "communication_and_coordination"
    SAFETY_INFORMATION_SYSTEM = "safety_information_system"
    SAFETY_MANAGEMENT_DESIGN = "safety_management_design"
    SAFETY_CULTURE = "safety_culture"
    CHANGES_OVER_TIME = "changes_over_time"
    ECONOMICS = "economics"
    ENVIRONMENT = "environment"


@dataclass(frozen=True)
class Recommendation:
    """A CAST recommendation (step 5): which controller it changes, who owns it, by when."""

    id: str
    text: str
    controller_id: str
    owner_id: str
    due_on: date
    priority: int = 2
    systemic_factor: SystemicFactor | None = None

    def __post_init__(self) -> None:
        _require_text("id", self.id)
        _require_text("text", self.text)
        _require_text("owner_id", self.owner_id)
        if self.priority not in (1, 2, 3):
            raise ValidationError("priority", self.priority, "must be 1 (high), 2 or 3 (low)")


def recommendation_to_action(rec: Recommendation, action_id: str | None = None) -> CorrectiveAction:
    """The corrective action that tracks ``rec`` to closure (owner, due date, status)."""
    return CorrectiveAction(
        id=action_id or f"CA-{rec.id}",
        description=rec.text,
        owner_id=rec.owner_id,
        due_on=rec.due_on,
        source_ref=rec.id,
    )


def cast_gaps(structure: ControlStructure, recommendations: Sequence[Recommendation]) -> list[str]:
    """What the analysis still lacks, in words: unanalysed levels, and analysed controllers
    that no recommendation addresses (a finding with no fix is not yet a lesson)."""
    gaps = [
        f"no analysis yet at level {lvl.name.lower().replace('_', ' ')}"
        for lvl in unanalysed_levels(structure)
    ]
    addressed = {r.controller_id for r in recommendations}
    for c in structure.controllers:
        if c.analysed and c.id not in addressed:
            gaps.append(f"no recommendation addresses {c.name}")
    unknown = sorted(addressed - {c.id for c in structure.controllers})
    gaps.extend(f"recommendation targets unknown controller {u}" for u in unknown)
    return gaps


def default_control_structure(
    region: str, enterprise: str, section: str, kiln: str
) -> ControlStructure:
    """The five-level safety control structure for a kiln incident, with default
    responsibilities, control actions and feedback channels (to be edited per case).

    Levels: regional authority → enterprise management → section → crew → kiln (the controlled
    process with its physical controls). The regional authority is a controller because it sets
    targets and deadlines (SOURCES §6.1: "the party/province targets are controllers in the
    control structure"); the feedback channels are the records the Komusan investigators asked
    for — kiln repairs, work shifts, accident-prevention measures.
    """
    for name, value in (
        ("region", region),
        ("enterprise", enterprise),
        ("section", section),
        ("kiln", kiln),
    ):
        _require_text(name, value)
    controllers = (
        Controller(
            id="regional_authority",
            name=f"{region} regional authority",
            level=ControlLevel.REGIONAL_AUTHORITY,
            responsibilities=(
                "set production targets that enterprises can meet within the rating of their kilns",
                "enforce safety regulations; inspect enterprises; order stops",
                "act on overrule notifications and incident reports",
                "pass the lessons of every accident to the region's enterprises",
            ),
            control_actions=("targets and deadlines", "inspections and stop orders", "bulletins"),
            feedback_channels=(
                "plan-fulfilment reports",
                "incident reports",
                "overrule notifications",
                "bulletin acknowledgements",
            ),
        ),
        Controller(
            id="enterprise_management",
            name=f"{enterprise} management",
            level=ControlLevel.ENTERPRISE_MANAGEMENT,
            responsibilities=(
                "accept only targets the kilns can meet within rating, or refuse them in writing",
                "fund and schedule maintenance and repairs",
                "staff crews so that rest rules hold",
                "run change control: hear objections, approve or stop changes",
            ),
            control_actions=(
                "production plan",
                "maintenance budget and schedule",
                "rosters",
                "change approvals and overrules",
            ),
            feedback_channels=(
                "production against rating",
                "maintenance due, deferred and done",
                "shift and fatigue records",
                "objections, risk levels and alerts",
            ),
        ),
        Controller(
            id="section",
            name=f"{section} section",
            level=ControlLevel.SECTION,
            responsibilities=(
                "operate kilns within their rating and campaign limits",
                "inspect and reline when due; record every deferral with its reason",
                "run pre-startup reviews; keep the hazard zone to essential people",
            ),
            control_actions=("kiln loading and firing schedule", "work orders", "zone admission"),
            feedback_channels=("kiln logs", "inspection results", "alarms", "crew reports"),
        ),
        Controller(
            id="crew",
            name=f"crew on {kiln}",
            level=ControlLevel.CREW,
            responsibilities=(
                "operate the kiln by procedure",
                "stop firing and report when limits are exceeded",
                "object to unsafe changes",
            ),
            control_actions=("fuel, draught and feed settings", "emergency stop", "objections"),
            feedback_channels=("instrument readings and alarms", "visual inspection"),
        ),
        Controller(
            id="kiln",
            name=kiln,
            level=ControlLevel.KILN,
            responsibilities=(
                "interlocks cut fuel on flame failure, high CO or high pressure",
                "relief vents overpressure",
                "the refractory lining keeps the shell within temperature limits",
            ),
            control_actions=("automatic trips", "pressure relief"),
            feedback_channels=("temperature, pressure and CO", "shell scanner"),
        ),
    )
    links = tuple(
        ControlLink(
            controller_id=upper.id,
            controlled_id=lower.id,
            control_actions=upper.control_actions,
            feedback=lower.feedback_channels,
        )
        for upper, lower in pairwise(controllers)
    )
    return ControlStructure(controllers=controllers, links=links)


def _require_text(name: str, value: str) -> None:
    if not value or not value.strip():
        raise ValidationError(name, value, "must not be empty")
