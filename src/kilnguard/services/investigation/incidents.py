"""The incident register as investigations see it: severity, people involved, potential
outcome, and anonymous reports.

Anonymous reports store no reporter anywhere: the register row has no reporter column, the
audit actor is the literal "anonymous", and the audit timestamp is the day (00:00 UTC), not
the instant, because an instant could be matched against door or login logs
(domain.investigation.AnonymousReport).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain import investigation as dom
from kilnguard.domain.change import Source
from kilnguard.domain.errors import NotFound, ValidationError
from kilnguard.domain.plant import EventType
from kilnguard.domain.roles import Role
from kilnguard.domain.validation import require_choice
from kilnguard.services import access, writes
from kilnguard.services.access import Principal
from kilnguard.services.investigation._common import KIND
from kilnguard.store import models as m
from kilnguard.store.investigation_models import IncidentExtra

ANONYMOUS_ACTOR = "anonymous"
ANONYMOUS = Principal(0, ANONYMOUS_ACTOR, Role.OPERATOR, None, frozenset())
"""The audit actor of an anonymous report: no user, no enterprise, never rights-checked."""

SEVERITY_CLASS = {
    0: "no injury",
    1: "slight injury",
    2: "minor injury",
    3: "major injury",
    4: "single fatality",
    5: "multiple fatalities",
}


def source_of(value: str) -> Source:
    """A stored provenance string as the domain's `Source`."""
    return "reconstructed" if value == "reconstructed" else "recorded"


def plant_tz(session: Session, enterprise_id: int) -> ZoneInfo:
    """The plant's time zone (its region's)."""
    ent = session.get(m.Enterprise, enterprise_id)
    return ZoneInfo(ent.region.timezone if ent is not None else "UTC")


def extras_of(session: Session, incident_id: int) -> IncidentExtra | None:
    return session.scalar(select(IncidentExtra).where(IncidentExtra.incident_id == incident_id))


def to_domain(row: m.Incident, extra: IncidentExtra | None) -> dom.Incident:
    """The register row as the domain's Incident (for severity, rates, timelines)."""
    anonymous = bool(extra and extra.anonymous)
    potential = (
        dom.PeopleConsequence(extra.potential_severity)
        if extra is not None and extra.potential_severity is not None
        else None
    )
    return dom.Incident(
        id=str(row.id),
        occurred_at=row.occurred_at,
        enterprise_id=str(row.enterprise_id),
        # a value stored outside the service (SQL, an old import) reads as an unsafe condition
        # for severity and rates; pages show the stored text as it is
        event_type=EventType(row.event_type)
        if row.event_type in EventType._value2member_map_
        else EventType.UNSAFE_CONDITION,
        casualties=dom.Casualties(
            row.killed, row.seriously_injured, row.minor_injuries, row.missing
        ),
        kiln_id=str(row.kiln_id) if row.kiln_id is not None else None,
        description=row.description,
        people_involved=tuple(extra.people_involved) if extra else (),
        potential=potential,
        reported_by=None if anonymous else "register",
        anonymous=anonymous,
        occurred_at_assumed=bool(extra and extra.occurred_at_assumed),
        source=source_of(row.source),
        days_lost=row.days_lost,
    )


def _severity(sev: dom.SeverityAssessment) -> dict[str, Any]:
    label = SEVERITY_CLASS[int(sev.actual)]
    if sev.potential > sev.actual:
        label += f" (potential: {SEVERITY_CLASS[int(sev.potential)]})"
    return {
        "class": int(sev.investigation_class),
        "label": label,
        "actual": int(sev.actual),
        "potential": int(sev.potential),
        "osha_case": sev.osha_case.value,
        "pse_tier": int(sev.pse_tier) if sev.pse_tier is not None else None,
        "reasons": list(sev.reasons),
    }


def incident_summary(session: Session, row: m.Incident) -> dict[str, Any]:
    """One register entry as plain data (CLI --json, API, pages)."""
    extra = extras_of(session, row.id)
    sev = dom.assess_severity(to_domain(row, extra))
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
        "severity": _severity(sev),
        "description": row.description,
        "immediate_actions": row.immediate_actions,
        "source": row.source,
    }


def list_incidents(session: Session, who: Principal) -> list[dict[str, Any]]:
    current = select(m.Incident).where(m.Incident.voided_at.is_(None))
    stmt = access.scoped(session, who, current, m.Incident).order_by(
        m.Incident.occurred_at.desc(), m.Incident.id
    )
    return [incident_summary(session, r) for r in session.scalars(stmt)]


def get_incident(session: Session, who: Principal, incident_id: int) -> dict[str, Any]:
    return incident_summary(session, access.get_readable(session, who, m.Incident, incident_id))


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
    row = access.get_readable(session, who, m.Incident, incident_id)
    access.require_write(session, who, "investigation", row.enterprise_id)
    if potential_severity is not None and not 0 <= potential_severity <= 5:
        raise ValidationError("potential_severity", potential_severity, "must be 0..5 (ISO 17776)")
    extra = extras_of(session, incident_id) or IncidentExtra(
        incident_id=incident_id, enterprise_id=row.enterprise_id
    )
    extra.people_involved = [p.strip() for p in people_involved if p.strip()]
    extra.potential_severity = potential_severity
    extra.occurred_at_assumed = occurred_at_assumed
    extra.source = source
    return writes.write_own(
        session, who=who, row=extra, action="set", kind=KIND, entity="incident_extra"
    )


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
        access.require_readable_enterprise(session, who, enterprise_id)
    if session.get(m.Enterprise, enterprise_id) is None:
        raise NotFound("enterprise", enterprise_id)
    require_choice("event_type", event_type, (e.value for e in EventType))
    report = dom.AnonymousReport(
        enterprise_id=str(enterprise_id),
        event_type=EventType(event_type),
        description=description,
        occurred_on=occurred_on,
        received_on=received_on,
        casualties=dom.Casualties(killed, seriously_injured, minor_injuries),
    )
    if kiln_id is not None:
        kiln = session.get(m.Kiln, kiln_id)
        if kiln is None or kiln.enterprise_id != enterprise_id:
            raise ValidationError("kiln_id", kiln_id, "no such kiln in this enterprise")
    d = dom.incident_from_anonymous_report(report, "new")
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
        writes.write_own(
            session,
            who=ANONYMOUS,
            row=obj,
            action="report_anonymously",
            entity=entity,
            kind="incident",
            at=day,
            checked=False,
        )
    return row
