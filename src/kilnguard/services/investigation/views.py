"""Read views of the investigation feature for the front ends: one investigation in full, the
list of investigations, and the look-ups the CLI and pages need (a login by name, an enterprise
by name, the enterprises a user may file a report for) — so no front end queries the store."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain import investigation as dom
from kilnguard.services import access, writes
from kilnguard.services.access import Principal
from kilnguard.services.investigation._common import investigation_of
from kilnguard.services.investigation.actions import action_domain, action_escalation_level
from kilnguard.services.investigation.cases import investigation_for_incident
from kilnguard.services.investigation.cast import controllers_of, structure_of
from kilnguard.services.investigation.incidents import incident_summary
from kilnguard.store import models as m
from kilnguard.store.investigation_models import (
    CorrectiveActionRow,
    Evidence,
    FindingRow,
    InterviewNoteRow,
    Investigation,
    TimelineRow,
)


@dataclass(frozen=True)
class InvestigationSummary:
    """The latest investigation of an incident, as the incident page shows it."""

    id: int
    incident_id: int
    status: str
    opened_by: str


def investigation_summary(
    session: Session, who: Principal, incident_id: int
) -> InvestigationSummary | None:
    """The latest investigation of an incident `who` may read, or None."""
    inv = investigation_for_incident(session, who, incident_id)
    if inv is None:
        return None
    return InvestigationSummary(inv.id, inv.incident_id, inv.status, inv.opened_by)


def enterprise_choices(session: Session, who: Principal) -> list[tuple[int, str]]:
    """(id, name) of the enterprises `who` may read, by name (the anonymous-report form)."""
    return [(e.id, e.name) for e in access.readable_enterprises(session, who)]


def kiln_choices(session: Session, who: Principal) -> list[tuple[int, int, str]]:
    """(kiln id, enterprise id, "enterprise · kiln") of the kilns `who` may read, retired ones
    too (an incident report is never refused because its kiln has since been retired)."""
    names = dict(enterprise_choices(session, who))
    stmt = access.scoped(session, who, select(m.Kiln), m.Kiln).order_by(m.Kiln.name)
    kilns = [
        (k.id, k.enterprise_id, f"{names.get(k.enterprise_id, '')} · {k.name}")
        for k in session.scalars(stmt)
    ]
    return sorted(kilns, key=lambda k: k[2])


def investigation_view(
    session: Session, who: Principal, investigation_id: int, *, as_of: dt.date | None = None
) -> dict[str, Any]:
    """Everything about one investigation as plain data (pages, API, report)."""
    inv = investigation_of(session, who, investigation_id)
    incident = session.get(m.Incident, inv.incident_id)
    assert incident is not None
    today = as_of or writes.today(session)

    def rows(model: Any, order: Any) -> list[Any]:
        return list(
            session.scalars(
                select(model).where(model.investigation_id == inv.id).order_by(order, model.id)
            )
        )

    timeline = rows(TimelineRow, TimelineRow.seq)
    controllers = controllers_of(session, inv.id)
    actions = rows(CorrectiveActionRow, CorrectiveActionRow.due_on)
    structure = structure_of(session, inv.id)
    recs = [
        dom.Recommendation(str(a.id), a.recommendation, a.controller_key, a.owner, a.due_on)
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
                "level_name": dom.ControlLevel(c.level).name.lower().replace("_", " "),
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
        "cast_gaps": dom.cast_gaps(structure, recs),
        "actions": [
            {
                "id": a.id,
                "controller_key": a.controller_key,
                "recommendation": a.recommendation,
                "owner": a.owner,
                "due_on": a.due_on.isoformat(),
                "status": a.status,
                "overdue_days": action_domain(a).days_overdue(today),
                "escalation_level": max(a.escalation_level, action_escalation_level(a, today)),
                "source": a.source,
            }
            for a in actions
        ],
    }


def list_investigations(session: Session, who: Principal) -> list[dict[str, Any]]:
    stmt = access.scoped(session, who, select(Investigation), Investigation).order_by(
        Investigation.id
    )
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
