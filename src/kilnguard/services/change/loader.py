"""Rebuilding the domain `ChangeRequest` from its rows: every act lets the domain decide on the
change as a whole, and every view shows what the domain derives from it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kilnguard.domain import change as dc
from kilnguard.services.change.common import ref, rows, zone_row
from kilnguard.store.change_models import (
    ChangeDeadlineExtensionRow,
    ChangeEvidenceRow,
    ChangeFiringRow,
    ChangeHazardRow,
    ChangeHazardZoneRow,
    ChangeObjectionRow,
    ChangeOverruleRow,
    ChangePssrCheckRow,
    ChangeRequestRow,
    ChangeReviewRow,
    ChangeStageCompletionRow,
    ChangeTransitionRow,
    ChangeZoneLogRow,
)


def load_change(session: Session, row: ChangeRequestRow) -> dc.ChangeRequest:
    """Rebuild the domain `ChangeRequest` from its rows (ids become strings)."""
    cid = row.id
    evidence = rows(session, ChangeEvidenceRow, cid)
    refs = [
        dc.EvidenceRef(e.name, e.sha256, dc.ScaleStage(e.stage) if e.stage else None)
        for e in evidence
    ]
    completions = [
        dc.StageCompletion(
            stage=dc.ScaleStage(c.stage),
            completed_at=c.completed_at,
            evidence=tuple(r for r in refs if r.stage is dc.ScaleStage(c.stage)),
            change_id=ref(c.prior_change_id) if c.prior_change_id else None,
        )
        for c in rows(session, ChangeStageCompletionRow, cid)
    ]
    hazards = [
        dc.HazardEntry(
            hazard=h.hazard,
            cause=h.cause,
            consequence=h.consequence,
            safeguards=tuple(s for s in h.safeguards.splitlines() if s.strip()),
            method=dc.HazardMethod(h.method),
            question=h.question,
        )
        for h in rows(session, ChangeHazardRow, cid)
    ]
    reviews = [
        dc.Review(r.reviewer, dc.Role(r.role), r.at, r.reason)
        for r in rows(session, ChangeReviewRow, cid, ChangeReviewRow.at)
        if r.decision == "approve"
    ]
    objections = [
        dc.Objection(
            id=str(o.id),
            author_id=o.author,
            author_role=dc.Role(o.role),
            reason=o.reason,
            raised_at=o.at,
            withdrawn_at=o.withdrawn_at,
            withdrawal_reason=o.withdrawal_reason,
        )
        for o in rows(session, ChangeObjectionRow, cid)
    ]
    overrules = [
        dc.Overrule(
            id=str(o.id),
            kind=dc.OverruleKind(o.kind),
            decided_by=o.by,
            role=dc.Role(o.role),
            reason=o.reason,
            at=o.at,
            objection_id=str(o.objection_id) if o.objection_id else None,
            skipped_stage=dc.ScaleStage(o.skipped_stage) if o.skipped_stage else None,
        )
        for o in rows(session, ChangeOverruleRow, cid)
    ]
    pssr = [
        dc.PssrCheck(dc.PssrItem(p.item), p.checked_by, dc.Role(p.role), p.at, p.note)
        for p in rows(session, ChangePssrCheckRow, cid, ChangePssrCheckRow.at)
    ]
    stored_zone = zone_row(session, cid)
    zone = zone_of(stored_zone) if stored_zone is not None else None
    headcounts: list[dc.HeadcountObservation] = []
    inside: set[str] = set()
    zone_log = rows(session, ChangeZoneLogRow, cid, ChangeZoneLogRow.at)
    for entry in zone_log:
        if entry.outcome == "admitted":
            inside.add(entry.person)
        elif entry.outcome == "left":
            inside.discard(entry.person)
        else:
            continue
        headcounts.append(dc.HeadcountObservation(entry.at, frozenset(inside)))
    firings = [
        dc.Firing(f.started_at, f.ended_at)
        for f in rows(session, ChangeFiringRow, cid, ChangeFiringRow.started_at)
    ]
    history = [
        dc.TransitionRecord(
            at=t.at,
            action=dc.ChangeAction(t.action),
            from_state=dc.ChangeState(t.from_state),
            to_state=dc.ChangeState(t.to_state),
            actor_id=t.actor,
            actor_role=dc.Role(t.role),
            note=t.note,
        )
        for t in rows(session, ChangeTransitionRow, cid, ChangeTransitionRow.at)
    ]
    extensions = [
        dc.DeadlineExtension(e.at, e.old_deadline, e.new_deadline, e.by, e.reason)
        for e in rows(session, ChangeDeadlineExtensionRow, cid, ChangeDeadlineExtensionRow.at)
    ]
    return dc.ChangeRequest(
        id=ref(cid),
        kind=dc.ChangeKind(row.kind),
        title=row.title,
        purpose=row.purpose,
        enterprise_id=str(row.enterprise_id),
        kiln_id=str(row.kiln_id) if row.kiln_id is not None else None,
        proposed_by=row.proposed_by,
        created_at=row.created_at,
        stage=dc.ScaleStage(row.stage) if row.stage else None,
        new_equipment=row.new_equipment,
        state=dc.ChangeState(row.state),
        deadline=row.deadline,
        deadline_set_by=row.deadline_set_by,
        deadline_external=row.deadline_external,
        deadline_extensions=tuple(extensions),
        hazards=tuple(hazards),
        evidence=tuple(refs),
        previous_stages=tuple(completions),
        reviews=tuple(reviews),
        objections=tuple(objections),
        overrules=tuple(overrules),
        pssr_checks=tuple(pssr),
        hazard_zone=zone,
        headcounts=tuple(headcounts),
        zone_log=tuple(dc.ZoneLogEntry(e.at, e.person, e.outcome, e.reason) for e in zone_log),
        firings=tuple(firings),
        history=tuple(history),
        source="reconstructed" if row.source == "reconstructed" else "recorded",
    )


def zone_of(row: ChangeHazardZoneRow) -> dc.HazardZone:
    """The domain's hazard zone from its stored row."""
    return dc.HazardZone(
        name=row.name,
        max_headcount=row.max_headcount,
        essential_people=frozenset(p for p in row.essential_people.splitlines() if p.strip()),
        radius_m=row.radius_m,
    )


def zone_inside(session: Session, change_id: int) -> list[str]:
    """Who is logged inside the change's hazard zone now, from the zone log."""
    inside: dict[str, None] = {}
    for e in rows(session, ChangeZoneLogRow, change_id, ChangeZoneLogRow.at):
        if e.outcome == "admitted":
            inside[e.person] = None
        elif e.outcome == "left":
            inside.pop(e.person, None)
    return list(inside)
