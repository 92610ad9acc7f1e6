"""Corrective actions tracked to closure, and the escalation ladder for overdue ones.

An action recommended after a fatal accident must not quietly go overdue: DONE is the owner's
claim, VERIFIED the check that it worked (CAST step 5, Leveson 2019), and an overdue action is
escalated up a ladder that ends with the regulator. Pure: everything that depends on "now"
takes ``as_of``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from kilnguard.domain.errors import Conflict, ValidationError
from kilnguard.domain.roles import Role
from kilnguard.domain.validation import require_text

# --------------------------------------------------------------------------------------------
# Corrective actions
# --------------------------------------------------------------------------------------------


class ActionStatus(StrEnum):
    """Corrective-action status. DONE is the owner's claim; VERIFIED is the check that it
    worked (CAST step 5: feedback on effectiveness)."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    VERIFIED = "verified"
    CANCELLED = "cancelled"


FINISHED_STATUSES: frozenset[ActionStatus] = frozenset(
    {ActionStatus.DONE, ActionStatus.VERIFIED, ActionStatus.CANCELLED}
)


@dataclass(frozen=True)
class CorrectiveAction:
    """An action with an owner and a due date, tracked to closure."""

    id: str
    description: str
    owner_id: str
    due_on: date
    status: ActionStatus = ActionStatus.OPEN
    source_ref: str = ""
    completed_on: date | None = None
    verified_by: str | None = None
    note: str = ""

    def __post_init__(self) -> None:
        require_text("id", self.id)
        require_text("description", self.description)
        require_text("owner_id", self.owner_id)

    def is_overdue(self, as_of: date) -> bool:
        """True when not finished and ``as_of`` is past the due date."""
        return self.status not in FINISHED_STATUSES and as_of > self.due_on

    def days_overdue(self, as_of: date) -> int:
        """Days past due [d], 0 when not overdue."""
        return (as_of - self.due_on).days if self.is_overdue(as_of) else 0


def set_action_status(
    action: CorrectiveAction,
    status: ActionStatus,
    on: date,
    *,
    by: str | None = None,
    note: str = "",
) -> CorrectiveAction:
    """Move an action to ``status``. Verification needs a verifier other than the owner and a
    DONE action; cancelling needs a reason; a finished action cannot be reopened silently."""
    if action.status in (ActionStatus.VERIFIED, ActionStatus.CANCELLED):
        raise Conflict(f"Action {action.id} is already {action.status.value}.")
    if status is ActionStatus.VERIFIED:
        if action.status is not ActionStatus.DONE:
            raise Conflict(f"Action {action.id} must be done before it can be verified.")
        if not by or by == action.owner_id:
            raise ValidationError("by", by, "verification needs someone other than the owner")
        return replace(action, status=status, verified_by=by, note=note or action.note)
    if status is ActionStatus.CANCELLED and not note.strip():
        raise ValidationError("note", note, "say why the action is cancelled")
    completed = on if status is ActionStatus.DONE else None
    return replace(action, status=status, completed_on=completed, note=note or action.note)


@dataclass(frozen=True)
class EscalationStep:
    """Who is told once an action is ``days_overdue`` [d] or more past due."""

    days_overdue: int
    notify_owner: bool
    notify_roles: frozenset[Role]


DEFAULT_ESCALATION: tuple[EscalationStep, ...] = (
    EscalationStep(1, True, frozenset()),
    EscalationStep(7, True, frozenset({Role.MANAGER})),
    EscalationStep(14, True, frozenset({Role.MANAGER, Role.SAFETY_OFFICER})),
    EscalationStep(30, True, frozenset({Role.MANAGER, Role.SAFETY_OFFICER, Role.REGULATOR})),
)
"""Default escalation ladder [T] (plant practice, editable): the owner from day 1, the plant
manager from a week, the safety officer from two weeks, the regulator after a month — an action
recommended after a fatal accident that is a month late is the regulator's business."""


def escalation_step(
    action: CorrectiveAction,
    as_of: date,
    ladder: Sequence[EscalationStep] = DEFAULT_ESCALATION,
) -> EscalationStep | None:
    """The highest step of ``ladder`` the action has reached at ``as_of``, or None."""
    late = action.days_overdue(as_of)
    if late == 0:
        return None
    reached = [s for s in ladder if late >= s.days_overdue]
    return max(reached, key=lambda s: s.days_overdue) if reached else None
