"""Investigations: open one (snapshotting its read-only timeline and CAST structure), close
it, and add attributed findings, evidence and interview notes.

Investigators, safety officers and managers work on their own enterprises; regulators read
every investigation of their region and change none; other enterprises' investigations answer
`NotFound`, exactly like absent ones (`services.access`, right "investigation").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from kilnguard.domain import investigation as dom
from kilnguard.domain.errors import Conflict, ValidationError
from kilnguard.domain.validation import require_text
from kilnguard.services import access, writes
from kilnguard.services.access import Principal
from kilnguard.services.investigation._common import (
    KIND,
    add_to,
    at_or_now,
    investigation_of,
)
from kilnguard.services.investigation.cast import create_controllers
from kilnguard.services.investigation.timeline import assemble
from kilnguard.store import models as m
from kilnguard.store.investigation_models import (
    Evidence,
    FindingRow,
    InterviewNoteRow,
    Investigation,
    TimelineRow,
)


# ------------------------------------------------------------------------- timeline guard
@event.listens_for(TimelineRow, "before_update")
def _timeline_is_read_only(_mapper: Any, _conn: Any, target: TimelineRow) -> None:
    """Timeline facts are read-only once assembled: investigators add findings instead."""
    raise Conflict(f"timeline entry {target.id} is read-only: add a finding instead")


@event.listens_for(TimelineRow, "before_delete")
def _timeline_not_deleted(_mapper: Any, _conn: Any, target: TimelineRow) -> None:
    raise Conflict(f"timeline entry {target.id} is read-only: it cannot be deleted")


# ---------------------------------------------------------------------------- investigations
def investigation_for_incident(
    session: Session, who: Principal, incident_id: int
) -> Investigation | None:
    access.get_readable(session, who, m.Incident, incident_id)
    return session.scalar(
        select(Investigation)
        .where(Investigation.incident_id == incident_id)
        .order_by(Investigation.id.desc())
        .limit(1)
    )


def open_investigation(
    session: Session,
    who: Principal,
    incident_id: int,
    *,
    window_days: int = dom.DEFAULT_WINDOW_DAYS,
    at: dt.datetime | None = None,
    source: str = "recorded",
) -> Investigation:
    """Open an investigation and snapshot its timeline (read-only from then on)."""
    row = access.get_readable(session, who, m.Incident, incident_id)
    access.require_write(session, who, KIND, row.enterprise_id)
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
        opened_at=at_or_now(session, at),
        opened_by=who.username,
        window_days=window_days,
        status="open",
        source=source,
    )
    writes.write_own(session, who=who, row=inv, action="open", kind=KIND, entity="investigation")
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
        for i, e in enumerate(assemble(session, row, window_days), start=1)
    ]
    session.add_all(rows)
    session.flush()
    writes.write_own(
        session,
        who=who,
        row=inv,
        action="assemble_timeline",
        kind=KIND,
        entity=KIND,
        payload={"entries": len(rows), "window_days": window_days, "first_row": rows[0].id},
        checked=False,
    )
    create_controllers(session, who, row, inv, source=source)
    return inv


def open_or_get(session: Session, who: Principal, incident_id: int) -> Investigation:
    """The open investigation of an incident, opening one when there is none."""
    existing = investigation_for_incident(session, who, incident_id)
    if existing is not None and existing.status == "open":
        return existing
    return open_investigation(session, who, incident_id)


def close_investigation(session: Session, who: Principal, investigation_id: int) -> Investigation:
    inv = investigation_of(session, who, investigation_id, writing=True)
    inv.status = "closed"
    return writes.write_own(
        session, who=who, row=inv, action="close", kind=KIND, entity="investigation"
    )


# ------------------------------------------------------------ findings, evidence, interviews
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
    inv = investigation_of(session, who, investigation_id, writing=True)
    f = dom.Finding(
        text=text, author_id=author or who.username, at=at_or_now(session, at), about=tuple(about)
    )
    row = FindingRow(
        text=f.text,
        author=f.author_id,
        at=f.at,
        about=list(f.about),
        hindsight_warnings=f.hindsight_warnings,
    )
    return add_to(session, who, inv, row, entity="finding", source=source)


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
    inv = investigation_of(session, who, investigation_id, writing=True)
    require_text("title", title)
    added_at = at_or_now(session, at)
    row = Evidence(title=title, description=description, added_by=who.username, added_at=added_at)
    return add_to(session, who, inv, row, entity="evidence", source=source)


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
    inv = investigation_of(session, who, investigation_id, writing=True)
    note = dom.InterviewNote(interviewee, text, who.username, at_or_now(session, at))
    row = InterviewNoteRow(
        interviewee=note.interviewee, text=note.text, author=note.author_id, at=note.at
    )
    return add_to(session, who, inv, row, entity="interview_note", source=source)
