"""Change-control use cases (issue 5) over the pure domain `kilnguard.domain.change`.

Every act follows the foundation's pattern: find the change through the tenancy choke point
(`access.get_readable`: a change of another enterprise is `NotFound`, exactly like a missing
one), rebuild the domain `ChangeRequest` from its rows (`load_change`), let the domain decide
(state table, role, guards, plain-words refusals), write the new records and append one audit
entry per record written. Nothing commits here: the unit of work does.

- Acts are taken by the logged-in person in their own role. The demo builder (an admin
  principal) may record acts *on behalf of* a named person and role when reconstructing
  history; the audit entry names both.
- An overrule stores its notification to the regulators of the enterprise's region in the same
  transaction ("sent at once"): the regulator's inbox is `notifications_for`.
- Zone admissions are logged whether admitted or refused; a refusal is a result
  (`ZoneDecision.admitted = False`), written and audited, not a rolled-back error.
- Overrules are permanent: there is no service that deletes or edits one.

Reviewer policy (`CHANGE_POLICY`): the domain default — the technical lead's, the safety
officer's and the plant manager's approvals for every change kind (issue 5); configurable per
change kind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain import change as dc
from kilnguard.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from kilnguard.domain.roles import Role
from kilnguard.services import audit
from kilnguard.services.access import (
    Principal,
    get_readable,
    readable_enterprise_ids,
    scoped,
    writable_enterprise_ids,
)
from kilnguard.store.change_models import (
    ChangeDeadlineExtensionRow,
    ChangeEvidenceRow,
    ChangeFiringRow,
    ChangeHazardRow,
    ChangeHazardZoneRow,
    ChangeNotificationRow,
    ChangeObjectionRow,
    ChangeOverruleRow,
    ChangePssrCheckRow,
    ChangeRequestRow,
    ChangeReviewRow,
    ChangeStageCompletionRow,
    ChangeTransitionRow,
    ChangeZoneLogRow,
)
from kilnguard.store.models import Enterprise, Kiln, Region

CHANGE_POLICY = dc.ChangePolicy()
"""The installation's change-control policy (see the module docstring for the reviewer set)."""

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
"""Largest evidence file accepted [bytes]."""

ENTITY = "change_request"


def ref(change_id: int) -> str:
    """The change's reference as people read it: ``CR-12``."""
    return f"CR-{change_id}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# ------------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class HazardIn:
    hazard: str
    cause: str
    consequence: str
    safeguards: tuple[str, ...] = ()
    method: str = "what_if"
    question: str = ""


@dataclass(frozen=True)
class ChangeIn:
    kind: str
    title: str
    purpose: str
    kiln_id: int | None = None
    enterprise_id: int | None = None
    new_equipment: str = ""
    stage: str | None = None
    deadline: dt.datetime | None = None
    deadline_set_by: str = ""
    deadline_external: bool = False
    hazards: tuple[HazardIn, ...] = ()
    previous_change_id: int | None = None
    source: str = "recorded"


@dataclass(frozen=True)
class OnBehalf:
    """A person and role an admin (the demo builder) records an act for, in reconstructions."""

    person: str
    role: str


class ZoneDecision(NamedTuple):
    admitted: bool
    person: str
    reason: str
    inside: list[str]
    log_id: int


class KilnDaySignal(NamedTuple):
    """The change-control barrier of one kiln on one day: severity 0..3 and why."""

    severity: int
    reasons: list[str]


# ------------------------------------------------------------------------------ helpers
def _enum(enum: type[Any], field_name: str, value: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        raise ValidationError(
            field_name, value, "must be one of: " + ", ".join(str(e.value) for e in enum)
        ) from None


def _aware(field_name: str, value: dt.datetime | None) -> None:
    if value is not None and value.tzinfo is None:
        raise ValidationError(field_name, value.isoformat(), "must carry a time zone")


def _actor(who: Principal, on_behalf: OnBehalf | None) -> dc.Actor:
    if on_behalf is None:
        return dc.Actor(person_id=who.username, role=dc.Role(who.role.value))
    if who.role is not Role.ADMIN:
        raise PermissionDenied(
            "only the installation's administrator (or the demo builder) may record an act "
            "on behalf of someone else"
        )
    return dc.Actor(person_id=on_behalf.person, role=_enum(dc.Role, "role", on_behalf.role))


def _require_writable(session: Session, who: Principal, enterprise_id: int) -> None:
    ids = writable_enterprise_ids(who)
    if ids is not None and enterprise_id not in ids:
        readable = readable_enterprise_ids(session, who)
        if readable is not None and enterprise_id not in readable:
            raise NotFound("enterprise", enterprise_id)
        raise PermissionDenied(f"role {who.role.value} may not change records of this enterprise")


def _audit(
    session: Session,
    who: Principal,
    action: str,
    entity: str,
    entity_id: int,
    enterprise_id: int,
    payload: dict[str, Any],
    actor: dc.Actor | None = None,
) -> None:
    session.flush()
    body = dict(payload)
    if actor is not None and actor.person_id != who.username:
        body["on_behalf_of"] = {"person": actor.person_id, "role": actor.role.value}
    audit.append(
        session,
        actor=who.username,
        action=action,
        entity=entity,
        entity_id=entity_id,
        enterprise_id=enterprise_id,
        payload=body,
    )


def get_change(session: Session, who: Principal, change_id: int) -> ChangeRequestRow:
    """One change `who` may read, or NotFound (also when it belongs to another enterprise)."""
    row = get_readable(session, who, ChangeRequestRow, change_id)
    return row


def list_changes(session: Session, who: Principal) -> list[ChangeRequestRow]:
    """Every change `who` may read, newest first."""
    stmt = scoped(session, who, select(ChangeRequestRow), ChangeRequestRow).order_by(
        ChangeRequestRow.created_at.desc(), ChangeRequestRow.id.desc()
    )
    return list(session.scalars(stmt))


def _rows(session: Session, model: type[Any], change_id: int, *order: Any) -> list[Any]:
    stmt = select(model).where(model.change_id == change_id).order_by(*order, model.id)
    return list(session.scalars(stmt))


# ------------------------------------------------------------------------------- mapper
def load_change(session: Session, row: ChangeRequestRow) -> dc.ChangeRequest:
    """Rebuild the domain `ChangeRequest` from its rows (ids become strings)."""
    cid = row.id
    evidence = _rows(session, ChangeEvidenceRow, cid)
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
        for c in _rows(session, ChangeStageCompletionRow, cid)
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
        for h in _rows(session, ChangeHazardRow, cid)
    ]
    reviews = [
        dc.Review(r.reviewer, dc.Role(r.role), r.at, r.reason)
        for r in _rows(session, ChangeReviewRow, cid, ChangeReviewRow.at)
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
        for o in _rows(session, ChangeObjectionRow, cid)
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
        for o in _rows(session, ChangeOverruleRow, cid)
    ]
    pssr = [
        dc.PssrCheck(dc.PssrItem(p.item), p.checked_by, dc.Role(p.role), p.at, p.note)
        for p in _rows(session, ChangePssrCheckRow, cid, ChangePssrCheckRow.at)
    ]
    zone_row = session.scalar(
        select(ChangeHazardZoneRow).where(ChangeHazardZoneRow.change_id == cid)
    )
    zone = _zone(zone_row) if zone_row is not None else None
    headcounts: list[dc.HeadcountObservation] = []
    inside: set[str] = set()
    for entry in _rows(session, ChangeZoneLogRow, cid, ChangeZoneLogRow.at):
        if entry.outcome == "admitted":
            inside.add(entry.person)
        elif entry.outcome == "left":
            inside.discard(entry.person)
        else:
            continue
        headcounts.append(dc.HeadcountObservation(entry.at, frozenset(inside)))
    firings = [
        dc.Firing(f.started_at, f.ended_at)
        for f in _rows(session, ChangeFiringRow, cid, ChangeFiringRow.started_at)
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
        for t in _rows(session, ChangeTransitionRow, cid, ChangeTransitionRow.at)
    ]
    extensions = [
        dc.DeadlineExtension(e.at, e.old_deadline, e.new_deadline, e.by, e.reason)
        for e in _rows(session, ChangeDeadlineExtensionRow, cid, ChangeDeadlineExtensionRow.at)
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
        firings=tuple(firings),
        history=tuple(history),
        source="reconstructed" if row.source == "reconstructed" else "recorded",
    )


def _zone(row: ChangeHazardZoneRow) -> dc.HazardZone:
    return dc.HazardZone(
        name=row.name,
        max_headcount=row.max_headcount,
        essential_people=frozenset(p for p in row.essential_people.splitlines() if p.strip()),
        radius_m=row.radius_m,
    )


def _for_write(session: Session, who: Principal, change_id: int) -> ChangeRequestRow:
    """The change, readable by `who` (else NotFound); the domain then checks the role."""
    return get_change(session, who, change_id)


# ------------------------------------------------------------------------------- create
def _hazard_entry(h: HazardIn) -> dc.HazardEntry:
    return dc.HazardEntry(
        hazard=h.hazard,
        cause=h.cause,
        consequence=h.consequence,
        safeguards=tuple(s.strip() for s in h.safeguards if s.strip()),
        method=_enum(dc.HazardMethod, "method", h.method),
        question=h.question,
    )


def _hazard_row(row: ChangeRequestRow, h: HazardIn, source: str) -> ChangeHazardRow:
    entry = _hazard_entry(h)
    return ChangeHazardRow(
        enterprise_id=row.enterprise_id,
        change_id=row.id,
        method=entry.method.value,
        question=entry.question,
        hazard=entry.hazard,
        cause=entry.cause,
        consequence=entry.consequence,
        safeguards="\n".join(entry.safeguards),
        source=source,
    )


def create_change(
    session: Session,
    who: Principal,
    data: ChangeIn,
    *,
    on_behalf: OnBehalf | None = None,
    at: dt.datetime | None = None,
) -> ChangeRequestRow:
    """Propose a change (state draft). Tied to a kiln, or to new equipment of an enterprise.

    With ``previous_change_id`` (a closed change of the previous scale-up stage, carrying its
    evidence), that stage is recorded complete here and its evidence copied with checksums.
    """
    at = at or _now()
    _aware("at", at)
    _aware("deadline", data.deadline)
    actor = _actor(who, on_behalf)
    kind = _enum(dc.ChangeKind, "kind", data.kind)
    stage = _enum(dc.ScaleStage, "stage", data.stage) if data.stage else None
    if data.source not in ("recorded", "reconstructed"):
        raise ValidationError("source", data.source, "must be recorded or reconstructed")
    if data.kiln_id is not None:
        kiln = get_readable(session, who, Kiln, data.kiln_id)
        if data.enterprise_id is not None and data.enterprise_id != kiln.enterprise_id:
            raise ValidationError("kiln_id", data.kiln_id, "no such kiln in this enterprise")
        enterprise_id = kiln.enterprise_id
    elif data.enterprise_id is not None:
        get_readable(session, who, Enterprise, data.enterprise_id)
        enterprise_id = data.enterprise_id
    else:
        raise ValidationError("kiln_id", None, "tie the change to a kiln, or name the enterprise")
    _require_writable(session, who, enterprise_id)
    if actor.role not in dc.PLANT_ROLES:
        raise PermissionDenied(
            f"a {actor.role.value.replace('_', ' ')} may not propose changes; plant roles only"
        )
    # the domain validates the whole request (texts, kiln or new equipment, aware times)
    dc.ChangeRequest(
        id="CR-new",
        kind=kind,
        title=data.title,
        purpose=data.purpose,
        enterprise_id=str(enterprise_id),
        kiln_id=str(data.kiln_id) if data.kiln_id is not None else None,
        proposed_by=actor.person_id,
        created_at=at,
        stage=stage,
        new_equipment=data.new_equipment,
        deadline=data.deadline,
        hazards=tuple(_hazard_entry(h) for h in data.hazards),
    )
    prior: ChangeRequestRow | None = None
    completion: dc.StageCompletion | None = None
    if data.previous_change_id is not None:
        prior = get_change(session, who, data.previous_change_id)
        if prior.enterprise_id != enterprise_id:
            raise ValidationError(
                "previous_change_id", data.previous_change_id, "must be a change of this enterprise"
            )
        completion = dc.stage_completion(load_change(session, prior))
        if stage is None or stage.previous is not completion.stage:
            raise ValidationError(
                "previous_change_id",
                data.previous_change_id,
                f"completed the {completion.stage.value} stage, which is not the stage before "
                f"{stage.value if stage else 'an unstaged change'}",
            )
    row = ChangeRequestRow(
        enterprise_id=enterprise_id,
        kiln_id=data.kiln_id,
        new_equipment=data.new_equipment,
        kind=kind.value,
        title=data.title,
        purpose=data.purpose,
        stage=stage.value if stage else None,
        proposed_by=actor.person_id,
        deadline=data.deadline,
        deadline_set_by=data.deadline_set_by,
        deadline_external=data.deadline_external,
        state=dc.ChangeState.DRAFT.value,
        created_at=at,
        source=data.source,
    )
    session.add(row)
    session.flush()
    hazards = [_hazard_row(row, h, data.source) for h in data.hazards]
    session.add_all(hazards)
    _audit(
        session,
        who,
        "create",
        ENTITY,
        row.id,
        enterprise_id,
        {
            "title": row.title,
            "kind": row.kind,
            "kiln_id": row.kiln_id,
            "new_equipment": row.new_equipment,
            "stage": row.stage,
            "deadline": row.deadline,
            "deadline_set_by": row.deadline_set_by,
            "deadline_external": row.deadline_external,
            "hazards": [h.hazard for h in hazards],
            "source": row.source,
            "at": at,
        },
        actor,
    )
    if prior is not None and completion is not None:
        for ev in _rows(session, ChangeEvidenceRow, prior.id):
            if ev.stage not in (None, completion.stage.value):
                continue
            copy = ChangeEvidenceRow(
                enterprise_id=enterprise_id,
                change_id=row.id,
                name=ev.name,
                sha256=ev.sha256,
                size_bytes=ev.size_bytes,
                content_type=ev.content_type,
                content=ev.content,
                stage=completion.stage.value,
                uploaded_by=ev.uploaded_by,
                uploaded_at=ev.uploaded_at,
                source=data.source,
            )
            session.add(copy)
            _audit(
                session,
                who,
                "attach_evidence",
                "change_evidence",
                _flushed_id(session, copy),
                enterprise_id,
                {"change_id": row.id, "name": copy.name, "sha256": copy.sha256, "from": prior.id},
                actor,
            )
        done = ChangeStageCompletionRow(
            enterprise_id=enterprise_id,
            change_id=row.id,
            stage=completion.stage.value,
            completed_at=completion.completed_at,
            prior_change_id=prior.id,
            recorded_by=actor.person_id,
            note=f"completed by {ref(prior.id)}",
            source=data.source,
        )
        session.add(done)
        _audit(
            session,
            who,
            "complete_stage",
            "change_stage_completion",
            _flushed_id(session, done),
            enterprise_id,
            {"change_id": row.id, "stage": done.stage, "prior_change_id": prior.id},
            actor,
        )
    return row


def _flushed_id(session: Session, obj: Any) -> int:
    session.flush()
    return int(obj.id)


def add_hazard(
    session: Session,
    who: Principal,
    change_id: int,
    data: HazardIn,
    *,
    on_behalf: OnBehalf | None = None,
) -> ChangeHazardRow:
    """Add a what-if or checklist entry while the change is not yet approved for its stage."""
    row = _for_write(session, who, change_id)
    _require_writable(session, who, row.enterprise_id)
    actor = _actor(who, on_behalf)
    if actor.role not in dc.PLANT_ROLES:
        raise PermissionDenied("plant roles only may add hazard entries")
    if row.state not in (dc.ChangeState.DRAFT.value, dc.ChangeState.IN_REVIEW.value):
        raise Conflict(
            f"Cannot add a hazard entry: {ref(row.id)} is '{row.state}'; hazard entries are "
            "added in draft or in review (a new hazard after approval needs a new review)."
        )
    h = _hazard_row(row, data, row.source)
    session.add(h)
    _audit(
        session,
        who,
        "add_hazard",
        "change_hazard",
        _flushed_id(session, h),
        row.enterprise_id,
        {"change_id": row.id, "hazard": h.hazard, "cause": h.cause, "consequence": h.consequence},
        actor,
    )
    return h


# ----------------------------------------------------------------------------- evidence
def attach_evidence(
    session: Session,
    who: Principal,
    change_id: int,
    *,
    name: str,
    content: bytes,
    stage: str | None = None,
    content_type: str = "application/octet-stream",
    expected_sha256: str | None = None,
    on_behalf: OnBehalf | None = None,
    at: dt.datetime | None = None,
) -> ChangeEvidenceRow:
    """Store a file as evidence with its SHA-256; refuse it if a given checksum disagrees."""
    at = at or _now()
    row = _for_write(session, who, change_id)
    _require_writable(session, who, row.enterprise_id)
    actor = _actor(who, on_behalf)
    if actor.role not in dc.PLANT_ROLES:
        raise PermissionDenied("plant roles only may attach evidence")
    if row.state in {s.value for s in dc.TERMINAL_STATES}:
        raise Conflict(f"Cannot attach evidence: {ref(row.id)} is already '{row.state}'.")
    st = _enum(dc.ScaleStage, "stage", stage) if stage else None
    if not content:
        raise ValidationError("file", name, "is empty")
    if len(content) > MAX_EVIDENCE_BYTES:
        raise ValidationError("file", name, f"is larger than {MAX_EVIDENCE_BYTES} bytes")
    evidence = dc.EvidenceRef.from_bytes(name, content, st)
    if expected_sha256 and expected_sha256.strip().lower() != evidence.sha256:
        raise ValidationError(
            "sha256",
            expected_sha256,
            f"does not match the uploaded content (its SHA-256 is {evidence.sha256})",
        )
    ev = ChangeEvidenceRow(
        enterprise_id=row.enterprise_id,
        change_id=row.id,
        name=evidence.name,
        sha256=evidence.sha256,
        size_bytes=len(content),
        content_type=content_type or "application/octet-stream",
        content=content,
        stage=st.value if st else None,
        uploaded_by=actor.person_id,
        uploaded_at=at,
        source=row.source,
    )
    session.add(ev)
    _audit(
        session,
        who,
        "attach_evidence",
        "change_evidence",
        _flushed_id(session, ev),
        row.enterprise_id,
        {
            "change_id": row.id,
            "name": ev.name,
            "sha256": ev.sha256,
            "size_bytes": ev.size_bytes,
            "stage": ev.stage,
        },
        actor,
    )
    return ev


def get_evidence(
    session: Session, who: Principal, change_id: int, evidence_id: int
) -> ChangeEvidenceRow:
    row = get_change(session, who, change_id)
    ev = session.get(ChangeEvidenceRow, evidence_id)
    if ev is None or ev.change_id != row.id:
        raise NotFound("evidence", evidence_id)
    return ev


def record_stage_complete(
    session: Session,
    who: Principal,
    change_id: int,
    *,
    stage: str,
    note: str = "",
    on_behalf: OnBehalf | None = None,
    at: dt.datetime | None = None,
) -> ChangeStageCompletionRow:
    """Record an earlier scale-up stage complete; needs that stage's evidence attached first."""
    at = at or _now()
    row = _for_write(session, who, change_id)
    _require_writable(session, who, row.enterprise_id)
    actor = _actor(who, on_behalf)
    st = _enum(dc.ScaleStage, "stage", stage)
    if actor.role not in dc.REVIEWER_ROLES:
        raise PermissionDenied(
            "only a reviewer (technical lead, safety officer, plant manager) may record a "
            "scale-up stage complete"
        )
    own = dc.ScaleStage(row.stage) if row.stage else None
    if own is None or st.order >= own.order:
        raise ValidationError(
            "stage",
            stage,
            f"must be a stage before the change's own stage ({own.value if own else 'none'})",
        )
    evidence = [e for e in _rows(session, ChangeEvidenceRow, row.id) if e.stage == st.value]
    if not evidence:
        raise Conflict(
            f"Cannot record the {st.value} stage complete on {ref(row.id)}: attach its evidence "
            "(results, with checksum) first; a stage counts as complete only with its evidence."
        )
    done = ChangeStageCompletionRow(
        enterprise_id=row.enterprise_id,
        change_id=row.id,
        stage=st.value,
        completed_at=at,
        recorded_by=actor.person_id,
        note=note,
        source=row.source,
    )
    session.add(done)
    _audit(
        session,
        who,
        "complete_stage",
        "change_stage_completion",
        _flushed_id(session, done),
        row.enterprise_id,
        {"change_id": row.id, "stage": st.value, "evidence": [e.sha256 for e in evidence]},
        actor,
    )
    return done


# ---------------------------------------------------------------------------- workflow
def transition(
    session: Session,
    who: Principal,
    change_id: int,
    action: str,
    *,
    note: str = "",
    on_behalf: OnBehalf | None = None,
    at: dt.datetime | None = None,
) -> ChangeRequestRow:
    """Move the change by ``action``; the domain checks the state, role and guards.

    Refusals are `Conflict` (state or guards, naming every blocker in plain words) or
    `PermissionDenied` (role).
    """
    at = at or _now()
    row = _for_write(session, who, change_id)
    act = _enum(dc.ChangeAction, "action", action)
    actor = _actor(who, on_behalf)
    before = load_change(session, row)
    after = dc.transition(before, act, actor, at, note=note, policy=CHANGE_POLICY)
    record = after.history[-1]
    t = ChangeTransitionRow(
        enterprise_id=row.enterprise_id,
        change_id=row.id,
        at=record.at,
        action=record.action.value,
        from_state=record.from_state.value,
        to_state=record.to_state.value,
        actor=record.actor_id,
        role=record.actor_role.value,
        note=note,
        source=row.source,
    )
    session.add(t)
    row.state = after.state.value
    if act is dc.ChangeAction.START_FIRING:
        session.add(
            ChangeFiringRow(
                enterprise_id=row.enterprise_id, change_id=row.id, started_at=at, source=row.source
            )
        )
    elif act in (dc.ChangeAction.ABORT_FIRING, dc.ChangeAction.CLOSE):
        for f in _rows(session, ChangeFiringRow, row.id):
            if f.ended_at is None:
                f.ended_at = at
    _audit(
        session,
        who,
        act.value,
        ENTITY,
        row.id,
        row.enterprise_id,
        {"from": t.from_state, "to": t.to_state, "note": note, "at": at},
        actor,
    )
    return row


def review(
    session: Session,
    who: Principal,
    change_id: int,
    *,
    decision: str,
    reason: str = "",
    on_behalf: OnBehalf | None = None,
    at: dt.datetime | None = None,
) -> ChangeReviewRow:
    """A reviewer's decision: ``approve`` (a required reviewer, while in review) or ``object``
    (anyone in the plant; recorded as an objection that blocks until withdrawn or overruled)."""
    at = at or _now()
    if decision not in ("approve", "object"):
        raise ValidationError("decision", decision, "must be approve or object")
    row = _for_write(session, who, change_id)
    actor = _actor(who, on_behalf)
    objection: ChangeObjectionRow | None = None
    if decision == "approve":
        dc.approve(load_change(session, row), actor, at, comment=reason, policy=CHANGE_POLICY)
    else:
        objection = raise_objection(
            session, who, change_id, reason=reason, on_behalf=on_behalf, at=at
        )
    rv = ChangeReviewRow(
        enterprise_id=row.enterprise_id,
        change_id=row.id,
        reviewer=actor.person_id,
        role=actor.role.value,
        decision=decision,
        reason=reason,
        at=at,
        objection_id=objection.id if objection is not None else None,
        source=row.source,
    )
    session.add(rv)
    _audit(
        session,
        who,
        "review",
        "change_review",
        _flushed_id(session, rv),
        row.enterprise_id,
        {"change_id": row.id, "decision": decision, "reason": reason, "at": at},
        actor,
    )
    return rv


def raise_objection(
    session: Session,
    who: Principal,
    change_id: int,
    *,
    reason: str,
    on_behalf: OnBehalf | None = None,
    at: dt.datetime | None = None,
) -> ChangeObjectionRow:
    """Anyone who may read the change may object, with a reason; it blocks authorisation."""
    at = at or _now()
    row = _for_write(session, who, change_id)
    actor = _actor(who, on_behalf)
    dc.raise_objection(load_change(session, row), actor, reason, at, objection_id="new")
    obj = ChangeObjectionRow(
        enterprise_id=row.enterprise_id,
        change_id=row.id,
        author=actor.person_id,
        role=actor.role.value,
        reason=reason,
        at=at,
        source=row.source,
    )
    session.add(obj)
    _audit(
        session,
        who,
        "object",
        "change_objection",
        _flushed_id(session, obj),
        row.enterprise_id,
        {"change_id": row.id, "reason": reason, "role": obj.role, "at": at},
        actor,
    )
    return obj


def _objection(session: Session, row: ChangeRequestRow, objection_id: int) -> ChangeObjectionRow:
    obj = session.get(ChangeObjectionRow, objection_id)
    if obj is None or obj.change_id != row.id:
        raise NotFound("objection", objection_id)
    return obj


def withdraw_objection(
    session: Session,
    who: Principal,
    change_id: int,
    objection_id: int,
    *,
    reason: str,
    on_behalf: OnBehalf | None = None,
    at: dt.datetime | None = None,
) -> ChangeObjectionRow:
    """The author withdraws their objection, saying why. Nobody else can."""
    at = at or _now()
    row = _for_write(session, who, change_id)
    obj = _objection(session, row, objection_id)
    actor = _actor(who, on_behalf)
    dc.withdraw_objection(load_change(session, row), str(obj.id), actor, reason, at)
    obj.withdrawn_at = at
    obj.withdrawal_reason = reason
    _audit(
        session,
        who,
        "withdraw",
        "change_objection",
        obj.id,
        row.enterprise_id,
        {"change_id": row.id, "reason": reason, "at": at},
        actor,
    )
    return obj


def overrule(
    session: Session,
    who: Principal,
    change_id: int,
    *,
    kind: str,
    reason: str,
    objection_id: int | None = None,
    on_behalf: OnBehalf | None = None,
    at: dt.datetime | None = None,
) -> tuple[ChangeOverruleRow, ChangeNotificationRow]:
    """Overrule an objection (a strictly higher role) or a missing scale-up stage (a manager).

    Permanent. The notification to the regulators of the enterprise's region is stored in the
    same transaction, so it exists the moment the overrule does.
    """
    at = at or _now()
    k = _enum(dc.OverruleKind, "kind", kind)
    row = _for_write(session, who, change_id)
    actor = _actor(who, on_behalf)
    ent = session.get(Enterprise, row.enterprise_id)
    assert ent is not None
    region_id = str(ent.region_id)
    change = load_change(session, row)
    if k is dc.OverruleKind.OBJECTION:
        if objection_id is None:
            raise ValidationError("objection_id", None, "name the objection to overrule")
        obj = _objection(session, row, objection_id)
        after, note = dc.overrule_objection(
            change, str(obj.id), actor, reason, at, region_id=region_id, overrule_id="new"
        )
    else:
        after, note = dc.overrule_stage_skip(
            change, actor, reason, at, region_id=region_id, overrule_id="new", policy=CHANGE_POLICY
        )
    ovr_dom = after.overrules[-1]
    ovr = ChangeOverruleRow(
        enterprise_id=row.enterprise_id,
        change_id=row.id,
        kind=ovr_dom.kind.value,
        by=ovr_dom.decided_by,
        role=ovr_dom.role.value,
        reason=reason,
        at=at,
        objection_id=objection_id if k is dc.OverruleKind.OBJECTION else None,
        skipped_stage=ovr_dom.skipped_stage.value if ovr_dom.skipped_stage else None,
        source=row.source,
    )
    session.add(ovr)
    _audit(
        session,
        who,
        "overrule",
        "change_overrule",
        _flushed_id(session, ovr),
        row.enterprise_id,
        {
            "change_id": row.id,
            "kind": ovr.kind,
            "objection_id": ovr.objection_id,
            "skipped_stage": ovr.skipped_stage,
            "reason": reason,
            "at": at,
        },
        actor,
    )
    msg = ChangeNotificationRow(
        enterprise_id=row.enterprise_id,
        region_id=ent.region_id,
        recipient_role=note.recipient_role.value,
        kind=note.kind,
        change_id=row.id,
        overrule_id=ovr.id,
        kiln_id=row.kiln_id,
        subject=note.subject,
        message=note.body,
        created_at=note.created_at,
        source=row.source,
    )
    session.add(msg)
    _audit(
        session,
        who,
        "notify_regulator",
        "change_notification",
        _flushed_id(session, msg),
        row.enterprise_id,
        {"change_id": row.id, "overrule_id": ovr.id, "region_id": ent.region_id},
        actor,
    )
    return ovr, msg


def extend_deadline(
    session: Session,
    who: Principal,
    change_id: int,
    *,
    new_deadline: dt.datetime,
    reason: str,
    by: str = "",
    on_behalf: OnBehalf | None = None,
    at: dt.datetime | None = None,
) -> ChangeDeadlineExtensionRow:
    """Move the deadline, keeping the old one (repeated moves raise a schedule-pressure flag)."""
    at = at or _now()
    _aware("new_deadline", new_deadline)
    row = _for_write(session, who, change_id)
    _require_writable(session, who, row.enterprise_id)
    actor = _actor(who, on_behalf)
    after = dc.extend_deadline(
        load_change(session, row), new_deadline, by or actor.person_id, reason, at
    )
    e = after.deadline_extensions[-1]
    ext = ChangeDeadlineExtensionRow(
        enterprise_id=row.enterprise_id,
        change_id=row.id,
        at=at,
        old_deadline=e.old_deadline,
        new_deadline=e.new_deadline,
        by=e.by,
        reason=reason,
        source=row.source,
    )
    session.add(ext)
    row.deadline = new_deadline
    _audit(
        session,
        who,
        "extend_deadline",
        "change_deadline_extension",
        _flushed_id(session, ext),
        row.enterprise_id,
        {"change_id": row.id, "old": e.old_deadline, "new": new_deadline, "reason": reason},
        actor,
    )
    return ext


# ------------------------------------------------------------------ PSSR and hazard zone
def check_pssr(
    session: Session,
    who: Principal,
    change_id: int,
    *,
    item: str,
    note: str = "",
    on_behalf: OnBehalf | None = None,
    at: dt.datetime | None = None,
) -> ChangePssrCheckRow:
    """Tick a pre-startup review item (during the pre-startup review; plant roles)."""
    at = at or _now()
    it = _enum(dc.PssrItem, "item", item)
    row = _for_write(session, who, change_id)
    _require_writable(session, who, row.enterprise_id)
    actor = _actor(who, on_behalf)
    change = load_change(session, row)
    if it in {c.item for c in change.pssr_checks}:
        raise Conflict(f"'{dc.PSSR_ITEM_TEXT[it]}' is already checked on {ref(row.id)}.")
    dc.check_pssr_item(change, it, actor, at, note=note)
    chk = ChangePssrCheckRow(
        enterprise_id=row.enterprise_id,
        change_id=row.id,
        item=it.value,
        checked_by=actor.person_id,
        role=actor.role.value,
        at=at,
        note=note,
        source=row.source,
    )
    session.add(chk)
    _audit(
        session,
        who,
        "check_pssr",
        "change_pssr_check",
        _flushed_id(session, chk),
        row.enterprise_id,
        {"change_id": row.id, "item": it.value, "note": note, "at": at},
        actor,
    )
    return chk


def set_hazard_zone(
    session: Session,
    who: Principal,
    change_id: int,
    *,
    name: str,
    max_headcount: int,
    essential_people: Sequence[str],
    radius_m: float | None = None,
    on_behalf: OnBehalf | None = None,
    at: dt.datetime | None = None,
) -> ChangeHazardZoneRow:
    """Define (or redefine, before firing) the hazard zone: maximum headcount, who is essential."""
    at = at or _now()
    row = _for_write(session, who, change_id)
    _require_writable(session, who, row.enterprise_id)
    actor = _actor(who, on_behalf)
    if actor.role not in dc.REVIEWER_ROLES:
        raise PermissionDenied(
            "only a reviewer (technical lead, safety officer, plant manager) may define the "
            "hazard zone"
        )
    people = tuple(dict.fromkeys(p.strip() for p in essential_people if p.strip()))
    zone = dc.HazardZone(name, max_headcount, frozenset(people), radius_m)
    dc.define_hazard_zone(load_change(session, row), zone)
    z = session.scalar(select(ChangeHazardZoneRow).where(ChangeHazardZoneRow.change_id == row.id))
    if z is None:
        z = ChangeHazardZoneRow(enterprise_id=row.enterprise_id, change_id=row.id)
        session.add(z)
    z.name = zone.name
    z.max_headcount = zone.max_headcount
    z.essential_people = "\n".join(people)
    z.radius_m = radius_m
    z.defined_by = actor.person_id
    z.defined_at = at
    z.source = row.source
    _audit(
        session,
        who,
        "set_hazard_zone",
        "change_hazard_zone",
        _flushed_id(session, z),
        row.enterprise_id,
        {
            "change_id": row.id,
            "name": zone.name,
            "max_headcount": zone.max_headcount,
            "essential_people": list(people),
            "radius_m": radius_m,
        },
        actor,
    )
    return z


def zone_inside(session: Session, change_id: int) -> list[str]:
    """Who is logged inside the change's hazard zone now, from the zone log."""
    inside: dict[str, None] = {}
    for e in _rows(session, ChangeZoneLogRow, change_id, ChangeZoneLogRow.at):
        if e.outcome == "admitted":
            inside[e.person] = None
        elif e.outcome == "left":
            inside.pop(e.person, None)
    return list(inside)


def admit_to_zone(
    session: Session,
    who: Principal,
    change_id: int,
    *,
    person: str,
    on_behalf: OnBehalf | None = None,
    at: dt.datetime | None = None,
) -> ZoneDecision:
    """Ask to let ``person`` into the hazard zone. Admitted or refused, it is logged and audited.

    Refused: not on the essential list, or the zone already at its maximum headcount.
    """
    at = at or _now()
    row = _for_write(session, who, change_id)
    _require_writable(session, who, row.enterprise_id)
    actor = _actor(who, on_behalf)
    if actor.role not in dc.PLANT_ROLES:
        raise PermissionDenied("plant roles only may keep the hazard-zone log")
    if not person.strip():
        raise ValidationError("person", person, "must not be empty")
    zrow = session.scalar(
        select(ChangeHazardZoneRow).where(ChangeHazardZoneRow.change_id == row.id)
    )
    if zrow is None:
        raise Conflict(f"{ref(row.id)} has no hazard zone defined; define it before anyone enters.")
    inside = zone_inside(session, row.id)
    try:
        now_inside = dc.admit_to_zone(_zone(zrow), inside, person.strip())
        outcome, reason = "admitted", f"admitted ({len(now_inside)} of {zrow.max_headcount})"
    except (Conflict, PermissionDenied) as exc:
        outcome, reason = "refused", exc.message
    entry = ChangeZoneLogRow(
        enterprise_id=row.enterprise_id,
        change_id=row.id,
        person=person.strip(),
        outcome=outcome,
        reason=reason,
        at=at,
        recorded_by=actor.person_id,
        source=row.source,
    )
    session.add(entry)
    _audit(
        session,
        who,
        "zone_admit" if outcome == "admitted" else "zone_refuse",
        "change_zone_log",
        _flushed_id(session, entry),
        row.enterprise_id,
        {"change_id": row.id, "person": entry.person, "outcome": outcome, "reason": reason},
        actor,
    )
    return ZoneDecision(
        outcome == "admitted", entry.person, reason, zone_inside(session, row.id), entry.id
    )


def leave_zone(
    session: Session,
    who: Principal,
    change_id: int,
    *,
    person: str,
    on_behalf: OnBehalf | None = None,
    at: dt.datetime | None = None,
) -> ChangeZoneLogRow:
    """Log ``person`` out of the hazard zone."""
    at = at or _now()
    row = _for_write(session, who, change_id)
    _require_writable(session, who, row.enterprise_id)
    actor = _actor(who, on_behalf)
    dc.leave_zone(zone_inside(session, row.id), person)
    entry = ChangeZoneLogRow(
        enterprise_id=row.enterprise_id,
        change_id=row.id,
        person=person,
        outcome="left",
        reason="left the zone",
        at=at,
        recorded_by=actor.person_id,
        source=row.source,
    )
    session.add(entry)
    _audit(
        session,
        who,
        "zone_leave",
        "change_zone_log",
        _flushed_id(session, entry),
        row.enterprise_id,
        {"change_id": row.id, "person": person},
        actor,
    )
    return entry


def record_firing(
    session: Session,
    who: Principal,
    change_id: int,
    *,
    started_at: dt.datetime,
    ended_at: dt.datetime | None = None,
    note: str = "",
    on_behalf: OnBehalf | None = None,
) -> ChangeFiringRow:
    """Record, as a fact, a firing that took place outside the workflow (or a reconstruction).

    Does not change the state; the barrier signal judges it (firing while not authorised).
    """
    row = _for_write(session, who, change_id)
    _require_writable(session, who, row.enterprise_id)
    actor = _actor(who, on_behalf)
    if actor.role not in dc.PLANT_ROLES | {dc.Role.INVESTIGATOR}:
        raise PermissionDenied("plant roles and investigators only may record a firing")
    dc.record_firing(load_change(session, row), started_at, ended_at)
    f = ChangeFiringRow(
        enterprise_id=row.enterprise_id,
        change_id=row.id,
        started_at=started_at,
        ended_at=ended_at,
        source=row.source,
    )
    session.add(f)
    _audit(
        session,
        who,
        "record_firing",
        "change_firing",
        _flushed_id(session, f),
        row.enterprise_id,
        {"change_id": row.id, "started_at": started_at, "ended_at": ended_at, "note": note},
        actor,
    )
    return f


# ------------------------------------------------------------------------ notifications
def notifications_for(session: Session, who: Principal) -> list[ChangeNotificationRow]:
    """The inbox: a regulator sees every notification of their region; plant users see those
    about their own enterprises; admins see all. Newest first."""
    stmt = select(ChangeNotificationRow).order_by(
        ChangeNotificationRow.created_at.desc(), ChangeNotificationRow.id.desc()
    )
    if who.role is Role.REGULATOR:
        stmt = stmt.where(ChangeNotificationRow.region_id == who.region_id)
    elif who.role is not Role.ADMIN:
        stmt = stmt.where(ChangeNotificationRow.enterprise_id.in_(who.enterprise_ids))
    return list(session.scalars(stmt))


def mark_notification_read(
    session: Session, who: Principal, notification_id: int
) -> ChangeNotificationRow:
    """A regulator of the region marks a notification read (it stays in the inbox)."""
    n = session.get(ChangeNotificationRow, notification_id)
    if n is None or n not in notifications_for(session, who):
        raise NotFound("notification", notification_id)
    if who.role is not Role.REGULATOR:
        raise PermissionDenied("only the region's regulators mark their notifications read")
    if n.read_at is None:
        n.read_at = _now()
        n.read_by = who.username
        _audit(
            session,
            who,
            "read",
            "change_notification",
            n.id,
            n.enterprise_id,
            {"read_at": n.read_at},
        )
    return n


# ----------------------------------------------------------------------------- views
def _objection_status(change: dc.ChangeRequest, obj: dc.Objection) -> str:
    if any(o.objection_id == obj.id for o in change.overrules):
        return "overruled"
    if obj.withdrawn_at is not None:
        return "withdrawn"
    return "open"


def describe(
    session: Session, who: Principal, row: ChangeRequestRow, *, as_of: dt.datetime | None = None
) -> dict[str, Any]:
    """Everything a front end shows about one change, as JSON-ready values."""
    as_of = as_of or _now()
    change = load_change(session, row)
    ent = session.get(Enterprise, row.enterprise_id)
    kiln = session.get(Kiln, row.kiln_id) if row.kiln_id is not None else None
    role = dc.Role(who.role.value)
    objections = []
    obj_rows = {o.id: o for o in _rows(session, ChangeObjectionRow, row.id)}
    for o in change.objections:
        status = _objection_status(change, o)
        ovr = next((v for v in change.overrules if v.objection_id == o.id), None)
        objections.append(
            {
                "id": int(o.id),
                "author": o.author_id,
                "role": o.author_role.value,
                "reason": o.reason,
                "raised_at": o.raised_at,
                "status": status,
                "withdrawn_at": o.withdrawn_at,
                "withdrawal_reason": o.withdrawal_reason,
                "overruled_by": ovr.decided_by if ovr else None,
                "overrule_id": int(ovr.id) if ovr else None,
                "source": obj_rows[int(o.id)].source,
                "may_withdraw": status == "open" and o.author_id == who.username,
                "may_overrule": status == "open" and dc.can_overrule(role, o.author_role),
            }
        )
    overrules = [
        {
            "id": int(v.id),
            "kind": v.kind.value,
            "by": v.decided_by,
            "role": v.role.value,
            "reason": v.reason,
            "at": v.at,
            "objection_id": int(v.objection_id) if v.objection_id else None,
            "skipped_stage": v.skipped_stage.value if v.skipped_stage else None,
            "permanent": True,
        }
        for v in change.overrules
    ]
    evidence = [
        {
            "id": e.id,
            "name": e.name,
            "sha256": e.sha256,
            "size_bytes": e.size_bytes,
            "stage": e.stage,
            "uploaded_by": e.uploaded_by,
            "uploaded_at": e.uploaded_at,
        }
        for e in _rows(session, ChangeEvidenceRow, row.id)
    ]
    zone_row = session.scalar(
        select(ChangeHazardZoneRow).where(ChangeHazardZoneRow.change_id == row.id)
    )
    zone_log = [
        {"id": z.id, "person": z.person, "outcome": z.outcome, "reason": z.reason, "at": z.at}
        for z in _rows(session, ChangeZoneLogRow, row.id, ChangeZoneLogRow.at)
    ]
    gate = dc.stage_gate_blocker(change)
    rank = dc.OVERRULE_RANK.get(role)
    may_skip = (
        gate is not None
        and change.state not in dc.TERMINAL_STATES
        and rank is not None
        and rank >= dc.OVERRULE_RANK[CHANGE_POLICY.stage_skip_min_role]
    )
    return {
        "id": row.id,
        "ref": ref(row.id),
        "title": row.title,
        "kind": row.kind,
        "purpose": row.purpose,
        "enterprise": {"id": row.enterprise_id, "name": ent.name if ent else ""},
        "kiln": {"id": kiln.id, "name": kiln.name} if kiln else None,
        "new_equipment": row.new_equipment,
        "stage": row.stage,
        "state": row.state,
        "proposed_by": row.proposed_by,
        "created_at": row.created_at,
        "deadline": row.deadline,
        "deadline_set_by": row.deadline_set_by,
        "deadline_external": row.deadline_external,
        "source": row.source,
        "hazards": [
            {
                "method": h.method.value,
                "question": h.question,
                "hazard": h.hazard,
                "cause": h.cause,
                "consequence": h.consequence,
                "safeguards": list(h.safeguards),
            }
            for h in change.hazards
        ],
        "evidence": evidence,
        "previous_stages": [
            {"stage": c.stage.value, "completed_at": c.completed_at, "prior_change": c.change_id}
            for c in change.previous_stages
        ],
        "stage_gate": gate,
        "reviews": [
            {
                "reviewer": r.reviewer,
                "role": r.role,
                "decision": r.decision,
                "reason": r.reason,
                "at": r.at,
            }
            for r in _rows(session, ChangeReviewRow, row.id, ChangeReviewRow.at)
        ],
        "missing_approvals": [r.value for r in dc.missing_approvals(change, CHANGE_POLICY)],
        "objections": objections,
        "open_objections": sum(1 for o in objections if o["status"] == "open"),
        "overrules": overrules,
        "barrier_degraded": dc.barrier_degraded(change),
        "history": [
            {
                "at": t.at,
                "action": t.action.value,
                "from": t.from_state.value,
                "to": t.to_state.value,
                "by": t.actor_id,
                "role": t.actor_role.value,
                "note": t.note,
            }
            for t in change.history
        ],
        "pssr": {
            "checked": [
                {
                    "item": c.item.value,
                    "text": dc.PSSR_ITEM_TEXT[c.item],
                    "by": c.checked_by,
                    "at": c.at,
                    "note": c.note,
                }
                for c in change.pssr_checks
            ],
            "missing": [
                {"item": i.value, "text": dc.PSSR_ITEM_TEXT[i]} for i in dc.pssr_missing(change)
            ],
        },
        "hazard_zone": (
            {
                "name": zone_row.name,
                "max_headcount": zone_row.max_headcount,
                "essential_people": sorted(_zone(zone_row).essential_people),
                "radius_m": zone_row.radius_m,
                "inside": zone_inside(session, row.id),
            }
            if zone_row is not None
            else None
        ),
        "zone_log": zone_log,
        "firings": [{"started_at": f.started_at, "ended_at": f.ended_at} for f in change.firings],
        "deadline_extensions": [
            {
                "at": e.at,
                "old": e.old_deadline,
                "new": e.new_deadline,
                "by": e.by,
                "reason": e.reason,
            }
            for e in change.deadline_extensions
        ],
        "rush_flags": [
            {"code": f.code.value, "message": f.message}
            for f in dc.rush_flags(change, as_of, CHANGE_POLICY)
        ],
        "authorisation_blockers": dc.authorisation_blockers(change, CHANGE_POLICY),
        "allowed_actions": [a.value for a in dc.allowed_actions(change, role)],
        "may_skip_stage": may_skip,
    }


def summary(session: Session, row: ChangeRequestRow) -> dict[str, Any]:
    """The short form used by lists: identity, state, objections and overrules."""
    change = load_change(session, row)
    ent = session.get(Enterprise, row.enterprise_id)
    kiln = session.get(Kiln, row.kiln_id) if row.kiln_id is not None else None
    return {
        "id": row.id,
        "ref": ref(row.id),
        "title": row.title,
        "kind": row.kind,
        "kiln": kiln.name if kiln else None,
        "kiln_id": row.kiln_id,
        "new_equipment": row.new_equipment,
        "enterprise": ent.name if ent else "",
        "enterprise_id": row.enterprise_id,
        "state": row.state,
        "stage": row.stage,
        "deadline": row.deadline,
        "deadline_set_by": row.deadline_set_by,
        "source": row.source,
        "objections": [
            {
                "id": int(o.id),
                "author": o.author_id,
                "role": o.author_role.value,
                "reason": o.reason,
                "status": _objection_status(change, o),
            }
            for o in change.objections
        ],
        "overrules": [
            {
                "id": int(v.id),
                "by": v.decided_by,
                "role": v.role.value,
                "reason": v.reason,
                "kind": v.kind.value,
                "at": v.at,
            }
            for v in change.overrules
        ],
        "barrier_degraded": dc.barrier_degraded(change),
    }


# ------------------------------------------------------------------- risk-engine inputs
def change_control_inputs(
    session: Session,
    kiln_ids: Iterable[int],
    first_day: dt.date,
    last_day: dt.date,
) -> dict[tuple[int, dt.date], KilnDaySignal]:
    """The change-control barrier per kiln-day, for the risk engine (no tenancy: the caller
    has already decided which kilns it evaluates).

    Days are the plant's local calendar days (the region's time zone). Every kiln-day in the
    range is present; severity 0..3 as `domain.change.BarrierSeverity`, reasons worst first.
    """
    if last_day < first_day:
        raise ValidationError("last_day", last_day.isoformat(), "must not be before first_day")
    ids = list(dict.fromkeys(kiln_ids))
    out: dict[tuple[int, dt.date], KilnDaySignal] = {}
    if not ids:
        return out
    rows = session.scalars(select(ChangeRequestRow).where(ChangeRequestRow.kiln_id.in_(ids))).all()
    by_kiln: dict[int, list[dc.ChangeRequest]] = {}
    for r in rows:
        assert r.kiln_id is not None
        by_kiln.setdefault(r.kiln_id, []).append(load_change(session, r))
    tz_of: dict[int, ZoneInfo] = {}
    for kiln_id, tzname in session.execute(
        select(Kiln.id, Region.timezone)
        .join(Enterprise, Enterprise.id == Kiln.enterprise_id)
        .join(Region, Region.id == Enterprise.region_id)
        .where(Kiln.id.in_(ids))
    ):
        tz_of[int(kiln_id)] = ZoneInfo(str(tzname or "UTC"))
    for kiln_id in ids:
        changes = by_kiln.get(kiln_id, [])
        tz = tz_of.get(kiln_id, ZoneInfo("UTC"))
        day = first_day
        while day <= last_day:
            if changes:
                sig = dc.change_control_signal(
                    changes, str(kiln_id), day, policy=CHANGE_POLICY, tz=tz
                )
                out[(kiln_id, day)] = KilnDaySignal(int(sig.severity), list(sig.reasons))
            else:
                out[(kiln_id, day)] = KilnDaySignal(0, [])
            day += dt.timedelta(days=1)
    return out


# ---------------------------------------------------------------------------- typed views
def changes_of_kilns(
    session: Session, *, kiln_ids: Sequence[int], until: dt.datetime | None = None
) -> list[dc.ChangeRequest]:
    """Every change request on `kiln_ids` created up to `until`, as domain objects (history,
    reviews, objections, overrules, stages, zone), oldest first. No tenancy: the caller has
    already checked who may read these kilns (the investigation timeline reads this)."""
    stmt = select(ChangeRequestRow).where(ChangeRequestRow.kiln_id.in_(list(kiln_ids)))
    if until is not None:
        stmt = stmt.where(ChangeRequestRow.created_at <= until)
    rows = session.scalars(stmt.order_by(ChangeRequestRow.created_at, ChangeRequestRow.id))
    return [load_change(session, r) for r in rows]
