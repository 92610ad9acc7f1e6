"""Proposing a change (draft) and adding hazard-review entries to it.

A change is tied to a kiln, or to new equipment of an enterprise. With ``previous_change_id``
(a closed change of the previous scale-up stage, carrying its evidence), that stage is recorded
complete on the new change and its evidence copied with checksums.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from kilnguard.domain import change as dc
from kilnguard.domain.errors import Conflict, ValidationError
from kilnguard.domain.validation import parse_choice
from kilnguard.services import access
from kilnguard.services.access import Principal
from kilnguard.services.change.common import (
    ENTITY,
    Acting,
    Who,
    acting,
    actor_of,
    aware,
    get_change,
    principal_of,
    ref,
    rows,
    when_of,
)
from kilnguard.services.change.loader import load_change
from kilnguard.store.change_models import (
    ChangeEvidenceRow,
    ChangeHazardRow,
    ChangeRequestRow,
    ChangeStageCompletionRow,
)
from kilnguard.store.models import Enterprise, Kiln


@dataclass(frozen=True)
class HazardIn:
    """One what-if or checklist entry as given by a person."""

    hazard: str
    cause: str
    consequence: str
    safeguards: tuple[str, ...] = ()
    method: str = "what_if"
    question: str = ""


@dataclass(frozen=True)
class ChangeIn:
    """A proposed change as given by a person (kiln, or enterprise and new equipment)."""

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


def _hazard_entry(h: HazardIn) -> dc.HazardEntry:
    return dc.HazardEntry(
        hazard=h.hazard,
        cause=h.cause,
        consequence=h.consequence,
        safeguards=tuple(s.strip() for s in h.safeguards if s.strip()),
        method=parse_choice(dc.HazardMethod, "method", h.method),
        question=h.question,
    )


HAZARD_TEXTS = ("question", "hazard", "cause", "consequence")
"""The hazard entry's texts, stored as given (its method and safeguards are encoded)."""

EVIDENCE_COPIED = ("name", "sha256", "size_bytes", "content_type", "content", "uploaded_by")
"""The columns of an evidence file that its copy onto the next stage's change keeps."""


def _hazard_row(row: ChangeRequestRow, h: HazardIn, source: str) -> ChangeHazardRow:
    entry = _hazard_entry(h)
    return ChangeHazardRow(
        enterprise_id=row.enterprise_id,
        change_id=row.id,
        method=entry.method.value,
        safeguards="\n".join(entry.safeguards),
        source=source,
        **{text: getattr(entry, text) for text in HAZARD_TEXTS},
    )


def _enterprise_of(session: Session, who: Principal, data: ChangeIn) -> int:
    """The enterprise the change belongs to: its kiln's, or the one named (readable by `who`)."""
    if data.kiln_id is not None:
        kiln = access.get_readable(session, who, Kiln, data.kiln_id)
        if data.enterprise_id is not None and data.enterprise_id != kiln.enterprise_id:
            raise ValidationError("kiln_id", data.kiln_id, "no such kiln in this enterprise")
        return kiln.enterprise_id
    if data.enterprise_id is not None:
        access.get_readable(session, who, Enterprise, data.enterprise_id)
        return data.enterprise_id
    raise ValidationError("kiln_id", None, "tie the change to a kiln, or name the enterprise")


def _previous_stage(
    session: Session,
    who: Principal,
    data: ChangeIn,
    enterprise_id: int,
    stage: dc.ScaleStage | None,
) -> tuple[ChangeRequestRow, dc.StageCompletion] | None:
    """The closed change of the previous stage and the completion it contributes, if named."""
    if data.previous_change_id is None:
        return None
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
    return prior, completion


def create_change(session: Session, who: Who, data: ChangeIn) -> ChangeRequestRow:
    """Propose a change (state draft); see the module docstring for the previous stage."""
    at = when_of(session, who)
    aware("at", at)
    aware("deadline", data.deadline)
    user = principal_of(who)
    actor = actor_of(who)
    kind = parse_choice(dc.ChangeKind, "kind", data.kind)
    stage = parse_choice(dc.ScaleStage, "stage", data.stage) if data.stage else None
    if data.source not in ("recorded", "reconstructed"):
        raise ValidationError("source", data.source, "must be recorded or reconstructed")
    enterprise_id = _enterprise_of(session, user, data)
    access.require_write(session, user, ENTITY, enterprise_id)
    dc.require_may_record(dc.RecordAct.PROPOSE, actor.role)
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
    previous = _previous_stage(session, user, data, enterprise_id, stage)
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
    act = Acting(session, user, row, actor, at)
    session.add(row)
    session.flush()
    session.add_all([_hazard_row(row, h, data.source) for h in data.hazards])
    act.record(
        row,
        action="create",
        entity=ENTITY,
        payload={
            "title": row.title,
            "kind": row.kind,
            "kiln_id": row.kiln_id,
            "new_equipment": row.new_equipment,
            "stage": row.stage,
            "deadline": row.deadline,
            "deadline_set_by": row.deadline_set_by,
            "deadline_external": row.deadline_external,
            "hazards": [h.hazard for h in data.hazards],
            "source": row.source,
            "at": at,
        },
    )
    if previous is not None:
        _carry_previous_stage(act, *previous)
    return row


def _carry_previous_stage(
    act: Acting, prior: ChangeRequestRow, completion: dc.StageCompletion
) -> None:
    """Copy the previous stage's evidence (with checksums) and record that stage complete."""
    stage, change_id = completion.stage.value, act.change.id
    for ev in rows(act.session, ChangeEvidenceRow, prior.id):
        if ev.stage not in (None, stage):
            continue
        act.add(
            ChangeEvidenceRow,
            action="attach_evidence",
            entity="change_evidence",
            payload={
                "change_id": change_id,
                "name": ev.name,
                "sha256": ev.sha256,
                "from": prior.id,
            },
            checked=False,
            stage=stage,
            uploaded_at=ev.uploaded_at,
            **{column: getattr(ev, column) for column in EVIDENCE_COPIED},
        )
    act.add(
        ChangeStageCompletionRow,
        action="complete_stage",
        entity="change_stage_completion",
        payload={"change_id": change_id, "stage": stage, "prior_change_id": prior.id},
        checked=False,
        stage=stage,
        completed_at=completion.completed_at,
        prior_change_id=prior.id,
        recorded_by=act.actor.person_id,
        note=f"completed by {ref(prior.id)}",
    )


def add_hazard(session: Session, who: Who, change_id: int, data: HazardIn) -> ChangeHazardRow:
    """Add a what-if or checklist entry while the change is not yet approved for its stage."""
    act = acting(session, who, change_id)
    row = act.change
    dc.require_may_record(dc.RecordAct.ADD_HAZARD, act.actor.role)
    if row.state not in (dc.ChangeState.DRAFT.value, dc.ChangeState.IN_REVIEW.value):
        raise Conflict(
            f"Cannot add a hazard entry: {ref(row.id)} is '{row.state}'; hazard entries are "
            "added in draft or in review (a new hazard after approval needs a new review)."
        )
    h = _hazard_row(row, data, row.source)
    return act.record(
        h,
        action="add_hazard",
        entity="change_hazard",
        payload={"change_id": row.id, **{k: getattr(h, k) for k in HAZARD_TEXTS[1:]}},
    )
