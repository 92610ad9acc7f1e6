"""What blocks a change from moving on, as typed blockers: the gates of the workflow.

A blocker names its kind (an open objection, a missing approval, the staged scale-up gate, the
pre-startup review, the hazard zone) and carries the plain-words sentence every front end
shows. :func:`blockers` answers "what blocks ``action`` now"; the workflow refuses with the same
list, so a page never has to re-derive the reasons from display text.

Sources (confidence tags from ../shared/design/SOURCES.md)
----------------------------------------------------------
- OSHA 29 CFR 1910.119(i) Pre-startup safety review before the hazard is introduced
  [V summary, SOURCES §4.1].
- Staged scale-up: each scale step needs its own hazard review, not inheritance from the lab
  result; CSB T2 Laboratories report 2008-3-I-FL [V, SOURCES §4.3].
- Objections that block until withdrawn or overruled: kilnguard design with ILO C155 (1981)
  Art. 13/19 as its basis [R, SOURCES §4.2].
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kilnguard.domain.change.model import (
    ChangeAction,
    ChangeRequest,
    Objection,
    OverruleKind,
    PssrItem,
    ScaleStage,
)
from kilnguard.domain.change.rules import DEFAULT_POLICY, ChangePolicy
from kilnguard.domain.change.words import PSSR_ITEM_TEXT, objection_words, role_words
from kilnguard.domain.roles import Role


def objection_closed_at(change: ChangeRequest, objection: Objection) -> datetime | None:
    ends = [o.at for o in change.overrules if o.objection_id == objection.id]
    if objection.withdrawn_at is not None:
        ends.append(objection.withdrawn_at)
    return min(ends) if ends else None


def open_objections(change: ChangeRequest, at: datetime | None = None) -> list[Objection]:
    """Objections open at ``at`` (default: now, i.e. taking every record into account)."""
    result = []
    for obj in change.objections:
        if at is not None and obj.raised_at > at:
            continue
        closed = objection_closed_at(change, obj)
        if closed is None or (at is not None and closed > at):
            result.append(obj)
    return result


def missing_approvals(change: ChangeRequest, policy: ChangePolicy = DEFAULT_POLICY) -> list[Role]:
    """Required reviewer roles that have not approved yet, in a stable order."""
    approved = {r.role for r in change.reviews}
    return sorted(policy.reviewers_for(change.kind) - approved)


def pssr_missing(change: ChangeRequest) -> list[PssrItem]:
    """Pre-startup review items not yet checked, in checklist order."""
    done = {c.item for c in change.pssr_checks}
    return [item for item in PssrItem if item not in done]


def _stage_completed(change: ChangeRequest, stage: ScaleStage, at: datetime | None) -> bool:
    return any(
        c.stage is stage and c.evidence and (at is None or c.completed_at <= at)
        for c in change.previous_stages
    )


def _stage_skip_overruled(change: ChangeRequest, stage: ScaleStage, at: datetime | None) -> bool:
    return any(
        o.kind is OverruleKind.STAGE_SKIP
        and o.skipped_stage is stage
        and (at is None or o.at <= at)
        for o in change.overrules
    )


def stage_gate_blocker(change: ChangeRequest, at: datetime | None = None) -> str | None:
    """Why the staged scale-up gate is shut, or None if it is open.

    The gate: a change at stage S > lab needs the previous stage complete *with evidence*, or a
    stage-skip overrule on record (SOURCES §4.3). Only the immediately previous stage is checked;
    that stage's own change request was gated on the one before it.
    """
    if change.stage is None or change.stage.previous is None:
        return None
    prev = change.stage.previous
    if _stage_completed(change, prev, at) or _stage_skip_overruled(change, prev, at):
        return None
    return (
        f"the {prev.value} stage is not complete with evidence; a {change.stage.value}-scale "
        f"firing needs the {prev.value} result first (or a recorded overrule of the skip)"
    )


class BlockerCode(StrEnum):
    """Kinds of reason a change cannot move on."""

    OPEN_OBJECTION = "open_objection"
    APPROVAL_MISSING = "approval_missing"
    STAGE_NOT_COMPLETE = "stage_not_complete"
    PRE_STARTUP_REVIEW_INCOMPLETE = "pre_startup_review_incomplete"
    NO_HAZARD_ZONE = "no_hazard_zone"


@dataclass(frozen=True)
class Blocker:
    """One reason a step is refused: its kind, the sentence shown, and what it refers to."""

    code: BlockerCode
    text: str
    objection_id: str | None = None
    roles: tuple[Role, ...] = ()
    items: tuple[PssrItem, ...] = ()


GATES: Mapping[ChangeAction, tuple[BlockerCode, ...]] = {
    ChangeAction.APPROVE_FOR_STAGE: (BlockerCode.OPEN_OBJECTION, BlockerCode.APPROVAL_MISSING),
    ChangeAction.AUTHORISE_FIRING: tuple(BlockerCode),
    ChangeAction.START_FIRING: (BlockerCode.OPEN_OBJECTION,),
}
"""Which blockers gate which action. Approval for the stage needs every reviewer and no open
objection; authorising a firing needs everything (1910.119(i)); an objection raised after
authorisation still stops the start of firing. Other actions have no gate."""


def _all_blockers(change: ChangeRequest, policy: ChangePolicy) -> list[Blocker]:
    found = [
        Blocker(BlockerCode.OPEN_OBJECTION, objection_words(o), objection_id=o.id)
        for o in open_objections(change)
    ]
    missing = missing_approvals(change, policy)
    if missing:
        text = "approval missing from " + ", ".join(role_words(r) for r in missing)
        found.append(Blocker(BlockerCode.APPROVAL_MISSING, text, roles=tuple(missing)))
    gate = stage_gate_blocker(change)
    if gate:
        found.append(Blocker(BlockerCode.STAGE_NOT_COMPLETE, gate))
    items = pssr_missing(change)
    if items:
        text = "pre-startup review not complete: " + "; ".join(PSSR_ITEM_TEXT[i] for i in items)
        found.append(Blocker(BlockerCode.PRE_STARTUP_REVIEW_INCOMPLETE, text, items=tuple(items)))
    if change.hazard_zone is None:
        found.append(Blocker(BlockerCode.NO_HAZARD_ZONE, "no hazard zone is defined"))
    return found


def blockers(
    change: ChangeRequest, action: ChangeAction, policy: ChangePolicy = DEFAULT_POLICY
) -> list[Blocker]:
    """Everything that blocks ``action`` on ``change`` now (:data:`GATES`); empty means the
    gates are open (the state table and the actor's role are checked by the workflow)."""
    gate = GATES.get(action, ())
    if not gate:
        return []
    return [b for b in _all_blockers(change, policy) if b.code in gate]


def authorisation_blockers(
    change: ChangeRequest, policy: ChangePolicy = DEFAULT_POLICY
) -> list[str]:
    """Every reason firing cannot be authorised now, in plain words. Empty means it can."""
    return [b.text for b in blockers(change, ChangeAction.AUTHORISE_FIRING, policy)]
