"""Dissent on the record: objections that block, their withdrawal by their author, and overrules
by a higher role (or of a missing scale-up stage) that notify the region's regulators at once.

Nothing here deletes an objection or an overrule: an objection ends only by a new record.

Sources (confidence tags from ../shared/design/SOURCES.md)
----------------------------------------------------------
- Objections that block, overrule by higher authority with notice to the regulator: a kilnguard
  design addition derived from the seeds, with ILO C155 (1981) Art. 13/19 (workers' right to
  remove themselves from serious danger and to be consulted) as its basis [R, SOURCES §4.2].
- Staged scale-up (lab → pilot → plant); CSB T2 Laboratories report 2008-3-I-FL [V, SOURCES §4.3].
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from kilnguard.domain.change.gates import open_objections, stage_gate_blocker
from kilnguard.domain.change.model import (
    ChangeRequest,
    Notification,
    Objection,
    Overrule,
    OverruleKind,
)
from kilnguard.domain.change.rules import (
    DEFAULT_POLICY,
    OVERRULE_RANK,
    Actor,
    ChangePolicy,
    can_overrule,
    may_skip_stage,
)
from kilnguard.domain.change.words import fmt, role_words
from kilnguard.domain.change.workflow import require_live
from kilnguard.domain.errors import Conflict, PermissionDenied, ValidationError
from kilnguard.domain.roles import Role
from kilnguard.domain.validation import require_aware, require_text


def raise_objection(
    change: ChangeRequest,
    actor: Actor,
    reason: str,
    at: datetime,
    *,
    objection_id: str | None = None,
) -> ChangeRequest:
    """Record an objection. Anyone may object, in any live state, and must say why.

    Dissent is not limited to the required reviewers: at Chongjin the objection came from the
    technicians on site. An open objection blocks approval, authorisation and the start of firing.
    """
    require_aware("at", at)
    require_text("reason", reason)
    require_live(change, "raise an objection")
    oid = objection_id or f"{change.id}-OBJ{len(change.objections) + 1}"
    if any(o.id == oid for o in change.objections):
        raise ValidationError("objection_id", oid, "already used on this change")
    obj = Objection(
        id=oid, author_id=actor.person_id, author_role=actor.role, reason=reason, raised_at=at
    )
    return replace(change, objections=(*change.objections, obj))


def _find_open_objection(change: ChangeRequest, objection_id: str, what: str) -> Objection:
    obj = next((o for o in change.objections if o.id == objection_id), None)
    if obj is None:
        raise ValidationError("objection_id", objection_id, f"no such objection on {change.id}")
    if obj not in open_objections(change):
        raise Conflict(f"Cannot {what}: objection {objection_id} is no longer open.")
    return obj


def withdraw_objection(
    change: ChangeRequest, objection_id: str, actor: Actor, reason: str, at: datetime
) -> ChangeRequest:
    """The author withdraws their own objection, saying why. Nobody else can."""
    require_aware("at", at)
    require_text("reason", reason)
    obj = _find_open_objection(change, objection_id, "withdraw the objection")
    if obj.author_id != actor.person_id:
        raise PermissionDenied(
            f"Only the author of objection {objection_id} may withdraw it; a higher role can "
            "instead overrule it on the record, which notifies the regulator."
        )
    if at < obj.raised_at:
        raise ValidationError("at", at, "a withdrawal cannot precede the objection")
    withdrawn = replace(obj, withdrawn_at=at, withdrawal_reason=reason)
    objections = tuple(withdrawn if o.id == objection_id else o for o in change.objections)
    return replace(change, objections=objections)


def overrule_objection(
    change: ChangeRequest,
    objection_id: str,
    actor: Actor,
    reason: str,
    at: datetime,
    *,
    region_id: str,
    overrule_id: str | None = None,
) -> tuple[ChangeRequest, Notification]:
    """Overrule an open objection on the record, and compose the regulators' notification.

    Requires a role strictly above the objector's (:data:`OVERRULE_RANK`) and a reason. The
    overrule is permanent, ends the objection, degrades the change-control barrier, and the
    returned :class:`Notification` must be delivered to the regulators of ``region_id`` at once.
    """
    _require_overrule(change, reason, at, region_id, "overrule an objection")
    obj = _find_open_objection(change, objection_id, "overrule the objection")
    if OVERRULE_RANK.get(obj.author_role) is None:
        raise Conflict(
            f"Objection {objection_id} was raised by a {role_words(obj.author_role)}; no plant "
            "role ranks above it, so only its author can withdraw it."
        )
    if not can_overrule(actor.role, obj.author_role):
        raise PermissionDenied(
            f"A {role_words(actor.role)} may not overrule an objection by a "
            f"{role_words(obj.author_role)}; an overrule must come from a higher role."
        )
    if at < obj.raised_at:
        raise ValidationError("at", at, "an overrule cannot precede the objection")
    subject = f"Safety objection overruled on change {change.id} ({change.title})"
    body = (
        f"On {fmt(at)} {actor.label} overruled the objection raised on {fmt(obj.raised_at)} "
        f"by a {role_words(obj.author_role)}: \u201c{obj.reason}\u201d. "
        f"Reason given for the overrule: \u201c{reason}\u201d. "
    )
    ovr = _overrule(change, OverruleKind.OBJECTION, actor, reason, at, overrule_id)
    return _with_notice(change, replace(ovr, objection_id=objection_id), region_id, subject, body)


def overrule_stage_skip(
    change: ChangeRequest,
    actor: Actor,
    reason: str,
    at: datetime,
    *,
    region_id: str,
    overrule_id: str | None = None,
    policy: ChangePolicy = DEFAULT_POLICY,
) -> tuple[ChangeRequest, Notification]:
    """Record a decision to skip the missing previous scale-up stage, and notify the regulators.

    Needs at least ``policy.stage_skip_min_role`` (default manager). Refused when the gate is
    already open (there is nothing to overrule).
    """
    _require_overrule(change, reason, at, region_id, "overrule the staged scale-up rule")
    if stage_gate_blocker(change) is None or change.stage is None or change.stage.previous is None:
        raise Conflict(f"Change {change.id} does not skip a stage; there is nothing to overrule.")
    if not may_skip_stage(actor.role, policy):
        raise PermissionDenied(
            f"A {role_words(actor.role)} may not skip a scale-up stage; this needs a "
            f"{role_words(policy.stage_skip_min_role)} or above."
        )
    skipped = change.stage.previous
    subject = f"Scale-up stage skipped on change {change.id} ({change.title})"
    body = (
        f"On {fmt(at)} {actor.label} authorised going to {change.stage.value} scale without a "
        f"completed {skipped.value} stage. Reason given: \u201c{reason}\u201d. "
    )
    ovr = _overrule(change, OverruleKind.STAGE_SKIP, actor, reason, at, overrule_id)
    return _with_notice(change, replace(ovr, skipped_stage=skipped), region_id, subject, body)


def _require_overrule(
    change: ChangeRequest, reason: str, at: datetime, region_id: str, what: str
) -> None:
    """What every overrule needs: a time, a reason, the region to notify, a live change."""
    require_aware("at", at)
    require_text("reason", reason)
    require_text("region_id", region_id)
    require_live(change, what)


def _overrule(
    change: ChangeRequest,
    kind: OverruleKind,
    actor: Actor,
    reason: str,
    at: datetime,
    overrule_id: str | None,
) -> Overrule:
    return Overrule(
        id=overrule_id or f"{change.id}-OVR{len(change.overrules) + 1}",
        kind=kind,
        decided_by=actor.person_id,
        role=actor.role,
        reason=reason,
        at=at,
    )


def _with_notice(
    change: ChangeRequest, ovr: Overrule, region_id: str, subject: str, body: str
) -> tuple[ChangeRequest, Notification]:
    """The change with the overrule on record, and the regulators' notification of it."""
    new = replace(change, overrules=(*change.overrules, ovr))
    where = change.kiln_id or change.new_equipment
    body += f"Kiln: {where}. The change-control barrier is degraded."
    note = Notification(
        kind="overrule",
        recipient_role=Role.REGULATOR,
        region_id=region_id,
        enterprise_id=new.enterprise_id,
        kiln_id=new.kiln_id,
        change_id=new.id,
        overrule_id=ovr.id,
        subject=subject,
        body=body,
        created_at=ovr.at,
    )
    return new, note
