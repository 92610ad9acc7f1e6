"""The change-control workflow: the state table, its transitions, approvals and the records
added along the way (stage completions, pre-startup review ticks, firings, deadline moves).

Every function takes the time of the act (``at``) and returns a new :class:`ChangeRequest`;
refusals are :class:`Conflict` (state or guards, naming every blocker in plain words) or
:class:`PermissionDenied` (role).

Sources (confidence tags from ../shared/design/SOURCES.md)
----------------------------------------------------------
- OSHA 29 CFR 1910.119(l) Management of change: technical basis, impact on safety and health,
  time period, authorisation requirements; train before start-up [V summary, SOURCES §4.1].
- OSHA 29 CFR 1910.119(i) Pre-startup safety review [V summary, SOURCES §4.1].
- CCPS (2008), *Guidelines for the Management of Change for Process Safety*, ISBN
  978-0-470-04309-7: draft → review → approval → implementation → PSSR → start-up authorised →
  closed, side exits rejected/withdrawn [R, SOURCES §4.2].
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from kilnguard.domain.change.gates import blockers, open_objections
from kilnguard.domain.change.model import (
    TERMINAL_STATES,
    ChangeAction,
    ChangeRequest,
    ChangeState,
    DeadlineExtension,
    Firing,
    PssrCheck,
    PssrItem,
    Review,
    StageCompletion,
    TransitionRecord,
)
from kilnguard.domain.change.rules import (
    ACTION_ROLES,
    DEFAULT_POLICY,
    PLANT_ROLES,
    Actor,
    ChangePolicy,
)
from kilnguard.domain.change.words import PSSR_ITEM_TEXT, action_words, fmt, role_words
from kilnguard.domain.errors import Conflict, PermissionDenied, ValidationError
from kilnguard.domain.roles import Role
from kilnguard.domain.validation import require_aware, require_text

_S = ChangeState
_A = ChangeAction
_LIVE_BEFORE_FIRING = (
    _S.IN_REVIEW,
    _S.APPROVED_FOR_STAGE,
    _S.PRE_STARTUP_REVIEW,
    _S.AUTHORISED_TO_FIRE,
)

TRANSITIONS: Mapping[tuple[ChangeState, ChangeAction], ChangeState] = {
    (_S.DRAFT, _A.SUBMIT): _S.IN_REVIEW,
    (_S.IN_REVIEW, _A.APPROVE_FOR_STAGE): _S.APPROVED_FOR_STAGE,
    (_S.APPROVED_FOR_STAGE, _A.START_PRE_STARTUP_REVIEW): _S.PRE_STARTUP_REVIEW,
    (_S.PRE_STARTUP_REVIEW, _A.AUTHORISE_FIRING): _S.AUTHORISED_TO_FIRE,
    (_S.AUTHORISED_TO_FIRE, _A.START_FIRING): _S.IN_PROGRESS,
    (_S.AUTHORISED_TO_FIRE, _A.ABORT_FIRING): _S.PRE_STARTUP_REVIEW,
    (_S.IN_PROGRESS, _A.ABORT_FIRING): _S.PRE_STARTUP_REVIEW,
    (_S.IN_PROGRESS, _A.CLOSE): _S.CLOSED,
    **{(s, _A.REJECT): _S.REJECTED for s in _LIVE_BEFORE_FIRING},
    **{(s, _A.WITHDRAW): _S.WITHDRAWN for s in (_S.DRAFT, *_LIVE_BEFORE_FIRING)},
}
"""(state, action) → next state. Anything not in this table is a :class:`Conflict`."""


def state_at(change: ChangeRequest, at: datetime) -> ChangeState:
    """The state the change was in at ``at``, from its history (for replay and investigation).

    A transition recorded exactly at ``at`` counts as done.
    """
    state = ChangeState.DRAFT
    for rec in change.history:
        if rec.at <= at:
            state = rec.to_state
    return state


def submitted_at(change: ChangeRequest) -> datetime | None:
    """When the change was first submitted for review, or None."""
    return next((r.at for r in change.history if r.action is ChangeAction.SUBMIT), None)


def allowed_actions(change: ChangeRequest, role: Role) -> list[ChangeAction]:
    """Actions the table allows ``role`` in the current state (guards not evaluated)."""
    return [
        action
        for (state, action) in TRANSITIONS
        if state is change.state and role in ACTION_ROLES[action]
    ]


def check_transition(state: ChangeState, action: ChangeAction, role: Role) -> ChangeState:
    """The next state for ``action`` from ``state`` taken by ``role``, by the table alone.

    Raises
    ------
    Conflict
        The action is not possible from this state.
    PermissionDenied
        The role may not take this action.
    """
    nxt = TRANSITIONS.get((state, action))
    if nxt is None:
        possible = sorted(s.value for (s, a) in TRANSITIONS if a is action)
        raise Conflict(
            f"Cannot {action_words(action)}: the change is '{state.value}'; this is only "
            f"possible from: {', '.join(possible)}."
        )
    allowed = ACTION_ROLES[action]
    if role not in allowed:
        raise PermissionDenied(
            f"A {role_words(role)} may not {action_words(action)}; this needs: "
            + ", ".join(sorted(role_words(r) for r in allowed))
            + "."
        )
    return nxt


def transition(
    change: ChangeRequest,
    action: ChangeAction,
    actor: Actor,
    at: datetime,
    *,
    note: str = "",
    policy: ChangePolicy = DEFAULT_POLICY,
) -> ChangeRequest:
    """Apply ``action`` by ``actor`` at ``at`` and return the changed request with history.

    Guards, beyond the table (:func:`check_transition`):

    - submit: at least one hazard entry (1910.119(l)(2)(ii): impact on safety and health).
    - approve_for_stage: every required reviewer role approved; no open objection.
    - authorise_firing: :func:`~kilnguard.domain.change.gates.blockers` is empty (no open objection, approvals,
      stage gate, pre-startup review complete per 1910.119(i), hazard zone defined).
    - start_firing: no open objection (one may be raised after authorisation).
    - withdraw: only the proposer or a manager.
    - ``at`` may not be earlier than the last history entry (history is append-only in time).

    start_firing appends a :class:`Firing`; abort_firing and close end the open firing.
    """
    require_aware("at", at)
    nxt = check_transition(change.state, action, actor.role)
    if change.history and at < change.history[-1].at:
        raise ValidationError(
            "at", at, f"must not be before the last recorded step ({fmt(change.history[-1].at)})"
        )
    what = action_words(action)
    if action is ChangeAction.SUBMIT and not change.hazards:
        raise Conflict(f"Cannot {what}: record at least one hazard (what-if or checklist) first.")
    if action is ChangeAction.WITHDRAW and not (
        actor.person_id == change.proposed_by or actor.role is Role.MANAGER
    ):
        raise PermissionDenied(
            f"Only the person who proposed change {change.id} or a plant manager may withdraw it."
        )
    found = blockers(change, action, policy)
    if found:
        reasons = "; ".join(b.text for b in found)
        raise Conflict(f"Cannot {what} for change {change.id}: {reasons}.")

    firings = change.firings
    if action is ChangeAction.START_FIRING:
        firings = (*firings, Firing(started_at=at))
    elif action in (ChangeAction.ABORT_FIRING, ChangeAction.CLOSE):
        firings = tuple(replace(f, ended_at=at) if f.ended_at is None else f for f in firings)
    record = TransitionRecord(
        at=at,
        action=action,
        from_state=change.state,
        to_state=nxt,
        actor_id=actor.person_id,
        actor_role=actor.role,
        note=note,
    )
    return replace(change, state=nxt, firings=firings, history=(*change.history, record))


def require_live(change: ChangeRequest, what: str) -> None:
    """Refuse an act on a change that is already closed, rejected or withdrawn."""
    if change.state in TERMINAL_STATES:
        raise Conflict(f"Cannot {what}: change {change.id} is already '{change.state.value}'.")


def approve(
    change: ChangeRequest,
    actor: Actor,
    at: datetime,
    *,
    comment: str = "",
    policy: ChangePolicy = DEFAULT_POLICY,
) -> ChangeRequest:
    """Record a required reviewer's approval (only while the change is in review).

    An approval counts for the reviewer's role. A reviewer with an open objection must withdraw
    it first: one person cannot hold both a 'yes' and a 'no' on the same change.
    """
    require_aware("at", at)
    if change.state is not ChangeState.IN_REVIEW:
        raise Conflict(
            f"Cannot approve: change {change.id} is '{change.state.value}'; approvals are "
            "recorded while it is in review."
        )
    if actor.role not in policy.reviewers_for(change.kind):
        raise PermissionDenied(
            f"A {role_words(actor.role)} is not a required reviewer of a "
            f"{change.kind.value.replace('_', ' ')}; to disagree, raise an objection."
        )
    if any(o.author_id == actor.person_id for o in open_objections(change)):
        raise Conflict(
            f"{actor.label} has an open objection on change {change.id}; withdraw it first."
        )
    review = Review(reviewer_id=actor.person_id, role=actor.role, at=at, comment=comment)
    return replace(change, reviews=(*change.reviews, review))


def stage_completion(change: ChangeRequest) -> StageCompletion:
    """The completion record a closed change contributes to the next stage's gate.

    Refused unless the change is closed, has a stage, and carries evidence for that stage
    (evidence with ``stage`` None counts as evidence for the change's own stage).
    """
    if change.state is not ChangeState.CLOSED or change.stage is None:
        raise Conflict(f"Change {change.id} is not a closed scale-up stage.")
    ev = tuple(e for e in change.evidence if e.stage in (None, change.stage))
    if not ev:
        raise Conflict(
            f"Change {change.id} has no evidence attached for the {change.stage.value} stage; "
            "a stage counts as complete only with its evidence."
        )
    closed_at = change.history[-1].at
    return StageCompletion(
        stage=change.stage, completed_at=closed_at, evidence=ev, change_id=change.id
    )


def check_pssr_item(
    change: ChangeRequest, item: PssrItem, actor: Actor, at: datetime, *, note: str = ""
) -> ChangeRequest:
    """Tick a pre-startup review item (only during the pre-startup review).

    ``hazard_zone_defined`` can only be ticked once a zone is set (:func:`define_hazard_zone`).
    """
    require_aware("at", at)
    if change.state is not ChangeState.PRE_STARTUP_REVIEW:
        raise Conflict(
            f"Cannot tick '{PSSR_ITEM_TEXT[item]}': change {change.id} is "
            f"'{change.state.value}', not in pre-startup review."
        )
    if actor.role not in PLANT_ROLES:
        raise PermissionDenied(
            f"A {role_words(actor.role)} may not tick the pre-startup review; plant roles only."
        )
    if item is PssrItem.HAZARD_ZONE_DEFINED and change.hazard_zone is None:
        raise Conflict("Define the hazard zone (maximum headcount, essential people) first.")
    check = PssrCheck(item=item, checked_by=actor.person_id, role=actor.role, at=at, note=note)
    return replace(change, pssr_checks=(*change.pssr_checks, check))


def record_firing(
    change: ChangeRequest, started_at: datetime, ended_at: datetime | None = None
) -> ChangeRequest:
    """Record a firing as a fact (e.g. one that happened outside the workflow, or a
    reconstruction). Does not change the state; :func:`change_control_signal` judges it."""
    require_aware("started_at", started_at)
    if ended_at is not None:
        require_aware("ended_at", ended_at)
        if ended_at <= started_at:
            raise ValidationError("ended_at", ended_at, "must be after started_at")
    return replace(change, firings=(*change.firings, Firing(started_at, ended_at)))


def extend_deadline(
    change: ChangeRequest, new_deadline: datetime, by: str, reason: str, at: datetime
) -> ChangeRequest:
    """Move the deadline, keeping the old one on record (repeated moves are a pressure flag)."""
    require_aware("new_deadline", new_deadline)
    require_aware("at", at)
    require_text("by", by)
    require_text("reason", reason)
    if change.deadline is None:
        raise Conflict(f"Change {change.id} has no deadline to extend; set one instead.")
    ext = DeadlineExtension(
        at=at, old_deadline=change.deadline, new_deadline=new_deadline, by=by, reason=reason
    )
    return replace(
        change, deadline=new_deadline, deadline_extensions=(*change.deadline_extensions, ext)
    )
