"""onboarding: retired units, worker and work-order numbers, the lining's state at onboarding,
explicit `protects` on maintenance plans and `relines_lining` on planned stops, deferrals
without a new due date (issue 12)

Data steps: numbers W-<id> / WO-<id> for older workers and work orders; `protects` and
`relines_lining` filled once from the keyword rule the risk loader used before (words in the
task or reason). Plans the rule could not decide (safety-critical with no telling word, or
words of two kinds) are set to `none` and listed on the migration's log, to be checked by hand.

Revision ID: 0006_onboarding
Revises: 0001_foundation
"""

from __future__ import annotations

import sys

import sqlalchemy as sa
from alembic import op

from kilnguard.store.migrations import columns as c

revision = "0006_onboarding"
down_revision = "0001_foundation"
branch_labels = ("onboarding",)

#: The keyword rule of services/risk.py before this revision, as (words, protects value), most
#: specific first. Frozen here: the rule is applied once, to the data this revision finds.
LAYER_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("relief",), "relief"),
    (("flame", "burner management"), "burner_management"),
    (("interlock",), "interlock"),
    (("trip", "shut-off", "shutoff"), "emergency_shutdown"),
    (("proof test",), "other_layer"),
)
RELINE_WORDS = ("relin",)


def decide(task: str) -> tuple[str, bool]:
    """(protects, decided) for a plan's task by the old keyword rule."""
    words = task.lower()
    layers = [value for found, value in LAYER_WORDS if any(w in words for w in found)]
    relines = any(w in words for w in RELINE_WORDS)
    if relines and layers:
        return "none", False
    if relines:
        return "lining", True
    if layers:
        return layers[0], True
    return "none", False


def upgrade() -> None:
    changes = c.load_changes(revision)
    for added in changes.added:
        added.add()
    for relaxed in changes.relaxed:
        relaxed.apply(nullable=True)
    conn = op.get_bind()
    conn.execute(
        sa.text("UPDATE workers SET number = 'W-' || CAST(id AS VARCHAR) WHERE number IS NULL")
    )
    conn.execute(
        sa.text("UPDATE work_orders SET number = 'WO-' || CAST(id AS VARCHAR) WHERE number IS NULL")
    )
    plans = conn.execute(sa.text("SELECT id, task, safety_critical FROM maintenance_plans"))
    undecided = []
    for plan_id, task, safety_critical in plans.all():
        protects, decided = decide(task)
        if protects != "none":
            conn.execute(
                sa.text("UPDATE maintenance_plans SET protects = :p WHERE id = :i"),
                {"p": protects, "i": plan_id},
            )
        if not decided and safety_critical:
            undecided.append((plan_id, task))
    for plan_id, task in undecided:
        print(
            f"maintenance plan {plan_id} {task!r}: protects set to 'none' (the old keyword rule "
            "cannot tell); set it on the plan if it proof-tests a protection layer or renews "
            "the lining",
            file=sys.stderr,
        )
    stops = conn.execute(sa.text("SELECT id, reason FROM planned_stops")).all()
    for stop_id, reason in stops:
        if any(w in (reason or "").lower() for w in RELINE_WORDS):
            conn.execute(
                sa.text("UPDATE planned_stops SET relines_lining = :t WHERE id = :i"),
                {"t": True, "i": stop_id},
            )


def downgrade() -> None:
    changes = c.load_changes(revision)
    conn = op.get_bind()
    conn.execute(sa.text("DELETE FROM work_order_deferrals WHERE new_due_on IS NULL"))
    for relaxed in reversed(changes.relaxed):
        relaxed.apply(nullable=False)
    for added in reversed(changes.added):
        added.drop()
