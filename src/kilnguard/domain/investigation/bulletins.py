"""Regional lessons bulletins: how late an enterprise's acknowledgement is, and who is told.

A lesson not passed on is how the next kiln fails the same way; a bulletin therefore carries a
deadline for acknowledgement and an escalation ladder past it. Pure: "today" is a parameter.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

BULLETIN_ESCALATION: tuple[tuple[int, str], ...] = (
    (1, "reminder to the enterprise"),
    (7, "reminder to the enterprise manager and safety officer"),
    (14, "named to the regulator as not acknowledged"),
)
"""Days past the acknowledgement deadline → escalation level (1-based index) [T, plant
practice, editable]: a lesson not passed on within two weeks is the regulator's business."""


def acknowledge_by(issued_at: datetime, within_days: int) -> date:
    """The day by which a recipient must acknowledge a bulletin issued at `issued_at`."""
    return issued_at.date() + timedelta(days=within_days)


def bulletin_escalation_level(
    issued_at: datetime, within_days: int, acknowledged: bool, as_of: date
) -> int:
    """Escalation level (1-based index of :data:`BULLETIN_ESCALATION`) reached at `as_of`;
    0 when acknowledged or not yet late."""
    if acknowledged:
        return 0
    late = (as_of - acknowledge_by(issued_at, within_days)).days
    return sum(1 for days, _ in BULLETIN_ESCALATION if late >= days)
