"""Corrective actions: CAST recommendations tracked to closure, their status, and the
escalation of overdue ones up the ladder of `domain.investigation.DEFAULT_ESCALATION`."""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain import investigation as dom
from kilnguard.domain.errors import NotFound, ValidationError
from kilnguard.services import access, writes
from kilnguard.services.access import Principal
from kilnguard.services.investigation._common import KIND, add_to, investigation_of
from kilnguard.services.investigation.cast import structure_of
from kilnguard.store.investigation_models import CorrectiveActionRow


class _Audit(TypedDict):
    kind: str
    entity: str


_AUDITED_AS = _Audit(kind=KIND, entity="corrective_action")
"""Every write of a corrective action: under the investigation right, audited by its name."""


def add_recommendation(
    session: Session,
    who: Principal,
    investigation_id: int,
    *,
    controller_key: str,
    text: str,
    owner: str,
    due_on: dt.date,
    source: str = "recorded",
) -> CorrectiveActionRow:
    """A CAST recommendation on one controller, tracked as a corrective action."""
    inv = investigation_of(session, who, investigation_id, writing=True)
    structure_of(session, inv.id).controller(controller_key)
    rec = dom.Recommendation("new", text, controller_key, owner, due_on)
    action = dom.recommendation_to_action(rec)
    row = CorrectiveActionRow(
        controller_key=controller_key,
        recommendation=action.description,
        owner=action.owner_id,
        due_on=action.due_on,
        status=action.status.value,
        note="",
        escalation_level=0,
    )
    return add_to(session, who, inv, row, entity="corrective_action", source=source)


def action_domain(row: CorrectiveActionRow) -> dom.CorrectiveAction:
    """The stored action as the domain's CorrectiveAction."""
    return dom.CorrectiveAction(
        id=str(row.id),
        description=row.recommendation,
        owner_id=row.owner,
        due_on=row.due_on,
        status=dom.ActionStatus(row.status),
        completed_on=row.completed_on,
        verified_by=row.verified_by,
        note=row.note,
    )


def action_of_investigation(
    session: Session, who: Principal, investigation_id: int, action_id: int
) -> CorrectiveActionRow:
    """The action if it is one of that investigation's (NotFound otherwise, like an absent
    one): a form posted on one investigation's page never moves another's action."""
    row = access.get_readable(session, who, CorrectiveActionRow, action_id)
    if row.investigation_id != investigation_id:
        raise NotFound("corrective action", action_id)
    return row


def set_action_status(
    session: Session,
    who: Principal,
    action_id: int,
    status: str,
    *,
    on: dt.date,
    note: str = "",
) -> CorrectiveActionRow:
    row = access.get_readable(session, who, CorrectiveActionRow, action_id)
    access.require_write(session, who, KIND, row.enterprise_id)
    try:
        new_status = dom.ActionStatus(status)
    except ValueError:
        allowed = ", ".join(s.value for s in dom.ActionStatus)
        raise ValidationError("status", status, f"one of {allowed}") from None
    new = dom.set_action_status(action_domain(row), new_status, on, by=who.username, note=note)
    row.status = new.status.value
    row.completed_on = new.completed_on
    row.verified_by = new.verified_by
    row.note = new.note
    return writes.write_own(session, who=who, row=row, action="set_status", **_AUDITED_AS)


def action_escalation_level(row: CorrectiveActionRow, as_of: dt.date) -> int:
    """Index (1-based) of the DEFAULT_ESCALATION step reached at `as_of`; 0 when not late."""
    step = dom.escalation_step(action_domain(row), as_of)
    return 0 if step is None else dom.DEFAULT_ESCALATION.index(step) + 1


def escalate_actions(
    session: Session, who: Principal, as_of: dt.date, *, investigation_id: int | None = None
) -> list[CorrectiveActionRow]:
    """Raise the escalation level of the overdue actions `who` may work on as an investigator
    (the "investigation" right, per enterprise); returns those changed.

    An escalation is permanent, so it is judged as of today at the latest: a future `as_of`
    would escalate what is not yet late."""
    access.require_right(who, "investigation")
    if as_of > writes.today(session):
        raise ValidationError(
            "as_of", as_of.isoformat(), f"may not be after today ({writes.today(session)})"
        )
    stmt = access.scoped(session, who, select(CorrectiveActionRow), CorrectiveActionRow)
    if investigation_id is not None:
        stmt = stmt.where(CorrectiveActionRow.investigation_id == investigation_id)
    changed = []
    for row in session.scalars(stmt.order_by(CorrectiveActionRow.id)):
        level = action_escalation_level(row, as_of)
        if level > row.escalation_level and access.may_write(
            session, who, "investigation", row.enterprise_id
        ):
            row.escalation_level = level
            writes.write_own(
                session, who=who, row=row, action="escalate", checked=False, **_AUDITED_AS
            )
            changed.append(row)
    return changed
