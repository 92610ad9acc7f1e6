"""Moving a change through its workflow, reviews, dissent on the record, deadline moves and the
pre-startup review.

Refusals come from the domain: `Conflict` (state or guards, naming every blocker in plain words)
or `PermissionDenied` (role). An overrule stores its notification to the regulators of the
enterprise's region in the same transaction ("sent at once"); overrules are permanent: no
service deletes or edits one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from kilnguard.domain import change as dc
from kilnguard.domain.errors import Conflict, ValidationError
from kilnguard.domain.validation import parse_choice
from kilnguard.services.change.common import (
    CHANGE_POLICY,
    ENTITY,
    OBJECTION,
    Acting,
    Who,
    acting,
    aware,
    child,
    get_change,
    principal_of,
    ref,
    rows,
)
from kilnguard.services.change.loader import load_change
from kilnguard.store.change_models import (
    ChangeDeadlineExtensionRow,
    ChangeFiringRow,
    ChangeNotificationRow,
    ChangeObjectionRow,
    ChangeOverruleRow,
    ChangePssrCheckRow,
    ChangeRequestRow,
    ChangeReviewRow,
    ChangeTransitionRow,
)
from kilnguard.store.models import Enterprise

ABORT_RIGHT = "change_firing_abort"
"""Stopping a firing is its own right: regulators may do it anywhere in their region."""


def transition(
    session: Session, who: Who, change_id: int, action: str, *, note: str = ""
) -> ChangeRequestRow:
    """Move the change by ``action``; the domain checks the state, role and guards."""
    row = get_change(session, principal_of(who), change_id)
    step = parse_choice(dc.ChangeAction, "action", action)
    kind = ABORT_RIGHT if step is dc.ChangeAction.ABORT_FIRING else ENTITY
    act = acting(session, who, row, kind=kind)
    after = dc.transition(
        load_change(session, row), step, act.actor, act.at, note=note, policy=CHANGE_POLICY
    )
    record = after.history[-1]
    states = {"from_state": record.from_state.value, "to_state": record.to_state.value}
    session.add(
        act.build(
            ChangeTransitionRow, action=step.value, note=note, **states, **act.signed("actor")
        )
    )
    row.state = after.state.value
    if step is dc.ChangeAction.START_FIRING:
        session.add(act.build(ChangeFiringRow, started_at=act.at))
    elif step in (dc.ChangeAction.ABORT_FIRING, dc.ChangeAction.CLOSE):
        for f in rows(session, ChangeFiringRow, row.id):
            if f.ended_at is None:
                f.ended_at = act.at
    payload = {
        "from": record.from_state.value,
        "to": record.to_state.value,
        "note": note,
        "at": act.at,
    }
    return act.record(row, action=step.value, entity=ENTITY, payload=payload)


def review(
    session: Session, who: Who, change_id: int, *, decision: str, reason: str = ""
) -> ChangeReviewRow:
    """A reviewer's decision: ``approve`` (a required reviewer, while in review) or ``object``
    (anyone in the plant; recorded as an objection that blocks until withdrawn or overruled)."""
    if decision not in ("approve", "object"):
        raise ValidationError("decision", decision, "must be approve or object")
    act = acting(session, who, change_id, kind=OBJECTION if decision == "object" else ENTITY)
    objection: ChangeObjectionRow | None = None
    if decision == "approve":
        dc.approve(
            load_change(session, act.change),
            act.actor,
            act.at,
            comment=reason,
            policy=CHANGE_POLICY,
        )
    else:
        objection = _object(act, reason)
    return act.add(
        ChangeReviewRow,
        action="review",
        entity="change_review",
        payload={"change_id": act.change.id, "decision": decision, "reason": reason, "at": act.at},
        **act.signed("reviewer"),
        decision=decision,
        reason=reason,
        objection_id=objection.id if objection is not None else None,
    )


def raise_objection(
    session: Session, who: Who, change_id: int, *, reason: str
) -> ChangeObjectionRow:
    """Anyone who may act on the change may object, with a reason; it blocks authorisation."""
    return _object(acting(session, who, change_id, kind=OBJECTION), reason)


def _object(act: Acting, reason: str) -> ChangeObjectionRow:
    """Record an objection (on its own, or as a reviewer's ``object`` decision)."""
    dc.raise_objection(
        load_change(act.session, act.change), act.actor, reason, act.at, objection_id="new"
    )
    signed = act.signed("author")
    return act.add(
        ChangeObjectionRow,
        action="object",
        entity="change_objection",
        payload={
            "change_id": act.change.id,
            "reason": reason,
            "role": signed["role"],
            "at": act.at,
        },
        reason=reason,
        **signed,
    )


def withdraw_objection(
    session: Session, who: Who, change_id: int, objection_id: int, *, reason: str
) -> ChangeObjectionRow:
    """The author withdraws their objection, saying why. Nobody else can."""
    row = get_change(session, principal_of(who), change_id)
    obj = child(session, ChangeObjectionRow, row, objection_id, "objection")
    act = acting(session, who, row, kind=OBJECTION)
    dc.withdraw_objection(load_change(session, row), str(obj.id), act.actor, reason, act.at)
    obj.withdrawn_at = act.at
    obj.withdrawal_reason = reason
    payload = {"change_id": row.id, "reason": reason, "at": act.at}
    return act.record(obj, action="withdraw", entity="change_objection", payload=payload)


def overrule(
    session: Session,
    who: Who,
    change_id: int,
    *,
    kind: str,
    reason: str,
    objection_id: int | None = None,
) -> tuple[ChangeOverruleRow, ChangeNotificationRow]:
    """Overrule an objection (a strictly higher role) or a missing scale-up stage (a manager).

    Permanent. The notification to the regulators of the enterprise's region is stored in the
    same transaction, so it exists the moment the overrule does.
    """
    what = parse_choice(dc.OverruleKind, "kind", kind)
    act = acting(session, who, change_id)
    row = act.change
    ent = session.get(Enterprise, row.enterprise_id)
    assert ent is not None
    region_id = str(ent.region_id)
    change = load_change(session, row)
    if what is dc.OverruleKind.OBJECTION:
        if objection_id is None:
            raise ValidationError("objection_id", None, "name the objection to overrule")
        obj = child(session, ChangeObjectionRow, row, objection_id, "objection")
        after, note = dc.overrule_objection(
            change, str(obj.id), act.actor, reason, act.at, region_id=region_id, overrule_id="new"
        )
    else:
        after, note = dc.overrule_stage_skip(
            change,
            act.actor,
            reason,
            act.at,
            region_id=region_id,
            overrule_id="new",
            policy=CHANGE_POLICY,
        )
    decided = after.overrules[-1]
    fields: dict[str, Any] = {
        "kind": decided.kind.value,
        "objection_id": objection_id if what is dc.OverruleKind.OBJECTION else None,
        "skipped_stage": decided.skipped_stage.value if decided.skipped_stage else None,
    }
    ovr = act.add(
        ChangeOverruleRow,
        action="overrule",
        entity="change_overrule",
        payload={"change_id": row.id, **fields, "reason": reason, "at": act.at},
        by=decided.decided_by,
        role=decided.role.value,
        reason=reason,
        at=act.at,
        **fields,
    )
    return ovr, _notify_regulators(act, ovr, note, ent.region_id)


def _notify_regulators(
    act: Acting, ovr: ChangeOverruleRow, note: dc.Notification, region_id: int
) -> ChangeNotificationRow:
    """Store the overrule's notification for the region's regulators (part of the overrule)."""
    return act.add(
        ChangeNotificationRow,
        action="notify_regulator",
        entity="change_notification",
        payload={"change_id": act.change.id, "overrule_id": ovr.id, "region_id": region_id},
        checked=False,
        region_id=region_id,
        recipient_role=note.recipient_role.value,
        kind=note.kind,
        overrule_id=ovr.id,
        kiln_id=act.change.kiln_id,
        subject=note.subject,
        message=note.body,
        created_at=note.created_at,
    )


def extend_deadline(
    session: Session,
    who: Who,
    change_id: int,
    *,
    new_deadline: dt.datetime,
    reason: str,
    by: str = "",
) -> ChangeDeadlineExtensionRow:
    """Move the deadline, keeping the old one (repeated moves raise a schedule-pressure flag)."""
    aware("new_deadline", new_deadline)
    act = acting(session, who, change_id)
    row = act.change
    after = dc.extend_deadline(
        load_change(session, row), new_deadline, by or act.actor.person_id, reason, act.at
    )
    e = after.deadline_extensions[-1]
    row.deadline = new_deadline
    return act.add(
        ChangeDeadlineExtensionRow,
        action="extend_deadline",
        entity="change_deadline_extension",
        payload={"change_id": row.id, "old": e.old_deadline, "new": new_deadline, "reason": reason},
        at=act.at,
        old_deadline=e.old_deadline,
        new_deadline=e.new_deadline,
        by=e.by,
        reason=reason,
    )


def check_pssr(
    session: Session, who: Who, change_id: int, *, item: str, note: str = ""
) -> ChangePssrCheckRow:
    """Tick a pre-startup review item (during the pre-startup review; plant roles)."""
    it = parse_choice(dc.PssrItem, "item", item)
    act = acting(session, who, change_id)
    change = load_change(session, act.change)
    if it in {c.item for c in change.pssr_checks}:
        raise Conflict(f"'{dc.PSSR_ITEM_TEXT[it]}' is already checked on {ref(act.change.id)}.")
    dc.check_pssr_item(change, it, act.actor, act.at, note=note)
    return act.add(
        ChangePssrCheckRow,
        action="check_pssr",
        entity="change_pssr_check",
        payload={"change_id": act.change.id, "item": it.value, "note": note, "at": act.at},
        item=it.value,
        note=note,
        **act.signed("checked_by"),
    )
