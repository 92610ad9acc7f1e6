"""Typed read views of change control for the API, the web pages, the CLI and other features.

Front ends never see store rows: they get the frozen dataclasses of `view_types`, built here
(`change_detail`, `change_summaries`, `inbox`, …). `describe` and `summary` give the same views as
JSON-ready dicts (the CLI's ``--json``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain import change as dc
from kilnguard.domain.validation import parse_choice
from kilnguard.services import access, writes
from kilnguard.services.access import Principal
from kilnguard.services.change.common import CHANGE_POLICY, get_change, ref, rows, zone_row
from kilnguard.services.change.evidence import get_evidence
from kilnguard.services.change.loader import load_change, zone_inside, zone_of
from kilnguard.services.change.notifications import mark_notification_read, notifications_for
from kilnguard.services.change.view_types import (
    ChangeDetail,
    ChangePage,
    ChangeSummary,
    EvidenceFile,
    EvidenceView,
    ExtensionView,
    FiringView,
    HasId,
    HazardView,
    HistoryView,
    NamedRef,
    NotificationView,
    ObjectionBrief,
    ObjectionView,
    OverruleBrief,
    OverruleView,
    PssrCheckedView,
    PssrMissingView,
    PssrView,
    ReviewView,
    RushFlagView,
    StageView,
    ZoneLogView,
    ZoneView,
    to_json,
)
from kilnguard.store.change_models import (
    ChangeEvidenceRow,
    ChangeObjectionRow,
    ChangeRequestRow,
    ChangeReviewRow,
    ChangeZoneLogRow,
)
from kilnguard.store.models import Enterprise, Kiln


# ------------------------------------------------------------------------------ building
def _objection_status(change: dc.ChangeRequest, obj: dc.Objection) -> str:
    if any(o.objection_id == obj.id for o in change.overrules):
        return "overruled"
    if obj.withdrawn_at is not None:
        return "withdrawn"
    return "open"


def _objection_fields(change: dc.ChangeRequest, o: dc.Objection) -> dict[str, Any]:
    """What the brief and the full view of an objection both show."""
    return {
        "id": int(o.id),
        "author": o.author_id,
        "role": o.author_role.value,
        "reason": o.reason,
        "status": _objection_status(change, o),
    }


def _overrule_fields(v: dc.Overrule) -> dict[str, Any]:
    """What the brief and the full view of an overrule both show."""
    return {
        "id": int(v.id),
        "kind": v.kind.value,
        "by": v.decided_by,
        "role": v.role.value,
        "reason": v.reason,
        "at": v.at,
    }


def _objections(
    session: Session, who: Principal, row: ChangeRequestRow, change: dc.ChangeRequest
) -> tuple[ObjectionView, ...]:
    source = {o.id: o.source for o in rows(session, ChangeObjectionRow, row.id)}
    out = []
    for o in change.objections:
        status = _objection_status(change, o)
        ovr = next((v for v in change.overrules if v.objection_id == o.id), None)
        is_open = status == "open"
        out.append(
            ObjectionView(
                **_objection_fields(change, o),
                raised_at=o.raised_at,
                withdrawn_at=o.withdrawn_at,
                withdrawal_reason=o.withdrawal_reason,
                overruled_by=ovr.decided_by if ovr else None,
                overrule_id=int(ovr.id) if ovr else None,
                source=source[int(o.id)],
                may_withdraw=is_open and o.author_id == who.username,
                may_overrule=is_open and dc.can_overrule(who.role, o.author_role),
            )
        )
    return tuple(out)


def _zone(session: Session, change_id: int) -> ZoneView | None:
    stored = zone_row(session, change_id)
    if stored is None:
        return None
    return ZoneView(
        name=stored.name,
        max_headcount=stored.max_headcount,
        essential_people=tuple(sorted(zone_of(stored).essential_people)),
        radius_m=stored.radius_m,
        inside=tuple(zone_inside(session, change_id)),
    )


def _pssr(change: dc.ChangeRequest) -> PssrView:
    text = dc.PSSR_ITEM_TEXT
    return PssrView(
        checked=tuple(
            PssrCheckedView(
                item=c.item.value, text=text[c.item], by=c.checked_by, at=c.at, note=c.note
            )
            for c in change.pssr_checks
        ),
        missing=tuple(PssrMissingView(item=i.value, text=text[i]) for i in dc.pssr_missing(change)),
    )


SHARED_COLUMNS = (
    "id",
    "title",
    "kind",
    "new_equipment",
    "stage",
    "state",
    "deadline",
    "deadline_set_by",
    "source",
)
"""The change's own columns that both its summary and its full view show as stored."""


def _columns(row: ChangeRequestRow, *names: str) -> dict[str, Any]:
    """The named columns of the change as stored, and its reference (``CR-12``)."""
    return {"ref": ref(row.id), **{name: getattr(row, name) for name in names}}


def _detail(
    session: Session, who: Principal, row: ChangeRequestRow, as_of: dt.datetime | None
) -> ChangeDetail:
    as_of = as_of or writes.now(session)
    change = load_change(session, row)
    ent = session.get(Enterprise, row.enterprise_id)
    kiln = session.get(Kiln, row.kiln_id) if row.kiln_id is not None else None
    objections = _objections(session, who, row, change)
    gate = dc.stage_gate_blocker(change)
    return ChangeDetail(
        **_columns(
            row, *SHARED_COLUMNS, "purpose", "proposed_by", "created_at", "deadline_external"
        ),
        enterprise=NamedRef(id=row.enterprise_id, name=ent.name if ent else ""),
        kiln=NamedRef.model_validate(kiln) if kiln else None,
        hazards=tuple(
            HazardView(
                method=h.method.value,
                question=h.question,
                hazard=h.hazard,
                cause=h.cause,
                consequence=h.consequence,
                safeguards=h.safeguards,
            )
            for h in change.hazards
        ),
        evidence=tuple(
            EvidenceView.model_validate(e) for e in rows(session, ChangeEvidenceRow, row.id)
        ),
        previous_stages=tuple(
            StageView(stage=c.stage.value, completed_at=c.completed_at, prior_change=c.change_id)
            for c in change.previous_stages
        ),
        stage_gate=gate,
        reviews=tuple(
            ReviewView.model_validate(r)
            for r in rows(session, ChangeReviewRow, row.id, ChangeReviewRow.at)
        ),
        missing_approvals=tuple(r.value for r in dc.missing_approvals(change, CHANGE_POLICY)),
        objections=objections,
        open_objections=sum(1 for o in objections if o.status == "open"),
        overrules=tuple(
            OverruleView(
                **_overrule_fields(v),
                objection_id=int(v.objection_id) if v.objection_id else None,
                skipped_stage=v.skipped_stage.value if v.skipped_stage else None,
            )
            for v in change.overrules
        ),
        barrier_degraded=dc.barrier_degraded(change),
        history=tuple(
            HistoryView(
                at=t.at,
                action=t.action.value,
                from_=t.from_state.value,
                to=t.to_state.value,
                by=t.actor_id,
                role=t.actor_role.value,
                note=t.note,
            )
            for t in change.history
        ),
        pssr=_pssr(change),
        hazard_zone=_zone(session, row.id),
        zone_log=tuple(
            ZoneLogView.model_validate(z)
            for z in rows(session, ChangeZoneLogRow, row.id, ChangeZoneLogRow.at)
        ),
        firings=tuple(FiringView.model_validate(f) for f in change.firings),
        deadline_extensions=tuple(
            ExtensionView(at=e.at, old=e.old_deadline, new=e.new_deadline, by=e.by, reason=e.reason)
            for e in change.deadline_extensions
        ),
        rush_flags=tuple(
            RushFlagView(code=f.code.value, message=f.message)
            for f in dc.rush_flags(change, as_of, CHANGE_POLICY)
        ),
        authorisation_blockers=tuple(dc.authorisation_blockers(change, CHANGE_POLICY)),
        allowed_actions=tuple(a.value for a in dc.allowed_actions(change, who.role)),
        may_skip_stage=gate is not None
        and change.state not in dc.TERMINAL_STATES
        and dc.may_skip_stage(who.role, CHANGE_POLICY),
    )


def _summary(session: Session, row: ChangeRequestRow) -> ChangeSummary:
    change = load_change(session, row)
    ent = session.get(Enterprise, row.enterprise_id)
    kiln = session.get(Kiln, row.kiln_id) if row.kiln_id is not None else None
    return ChangeSummary(
        **_columns(row, *SHARED_COLUMNS, "kiln_id", "enterprise_id"),
        kiln=kiln.name if kiln else None,
        enterprise=ent.name if ent else "",
        objections=tuple(ObjectionBrief(**_objection_fields(change, o)) for o in change.objections),
        overrules=tuple(OverruleBrief(**_overrule_fields(v)) for v in change.overrules),
        barrier_degraded=dc.barrier_degraded(change),
    )


# ------------------------------------------------------------------------------ reading
def list_changes(session: Session, who: Principal) -> list[ChangeRequestRow]:
    """Every change `who` may read, newest first."""
    stmt = access.scoped(session, who, select(ChangeRequestRow), ChangeRequestRow).order_by(
        ChangeRequestRow.created_at.desc(), ChangeRequestRow.id.desc()
    )
    return list(session.scalars(stmt))


def change_summaries(
    session: Session, who: Principal, *, kiln_id: int | None = None
) -> list[ChangeSummary]:
    """Every change `who` may read (on one kiln, when given), newest first."""
    return [
        _summary(session, r)
        for r in list_changes(session, who)
        if kiln_id is None or r.kiln_id == kiln_id
    ]


def change_detail(
    session: Session, who: Principal, *, change_id: int, as_of: dt.datetime | None = None
) -> ChangeDetail:
    """One change in full, as `who` sees it (what they may do is part of the view)."""
    session.flush()
    return _detail(session, who, get_change(session, who, change_id), as_of)


def change_page(session: Session, who: Principal, *, change_id: int) -> ChangePage:
    """One change in full with its plant's time zone, for the web page."""
    detail = change_detail(session, who, change_id=change_id)
    ent = session.get(Enterprise, detail.enterprise.id)
    return ChangePage(detail, ent.region.timezone if ent is not None else "UTC")


def step_blockers(
    session: Session, who: Principal, *, change_id: int, action: str
) -> list[dc.Blocker]:
    """What blocks ``action`` on the change now (empty for an act that is not a workflow step
    or has no gate): the reasons a refused step shows."""
    change = load_change(session, get_change(session, who, change_id))
    if action not in {a.value for a in dc.ChangeAction}:
        return []
    return dc.blockers(change, parse_choice(dc.ChangeAction, "action", action), CHANGE_POLICY)


def describe(
    session: Session, who: Principal, change: HasId, *, as_of: dt.datetime | None = None
) -> dict[str, Any]:
    """`change_detail` as JSON-ready values (the CLI's ``show --json``)."""
    row = change if isinstance(change, ChangeRequestRow) else get_change(session, who, change.id)
    result: dict[str, Any] = to_json(_detail(session, who, row, as_of))
    return result


def summary(session: Session, row: ChangeRequestRow) -> dict[str, Any]:
    """The list form of one change as JSON-ready values."""
    result: dict[str, Any] = to_json(_summary(session, row))
    return result


def inbox(session: Session, who: Principal) -> list[NotificationView]:
    """`notifications_for` as views."""
    return [NotificationView.model_validate(n) for n in notifications_for(session, who)]


def mark_read(session: Session, who: Principal, *, notification_id: int) -> NotificationView:
    """`mark_notification_read`, answered as a view."""
    return NotificationView.model_validate(mark_notification_read(session, who, notification_id))


def evidence_file(
    session: Session, who: Principal, *, change_id: int, evidence_id: int
) -> EvidenceFile:
    """One evidence file of a change `who` may read, for download."""
    ev = get_evidence(session, who, change_id, evidence_id)
    return EvidenceFile(ev.name, ev.content_type, ev.sha256, ev.content)
