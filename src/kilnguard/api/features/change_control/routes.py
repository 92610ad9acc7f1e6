"""Change control over REST: /api/v1/changes and /api/v1/notifications.

Thin: every read and write goes through `services.change` (tenancy, role and workflow checks,
audit), and every answer is a typed model of `schemas`. Errors are domain errors rendered by
the app's handler; two routes answer a refusal themselves because what was refused must still
be *stored* or *shown*:

- zone admission: a refusal is logged and audited, so the transaction commits and the route
  answers 409 with the reason;
- a refused workflow step answers 409 (403 for a role) with `blockers`, the domain's typed
  blockers of that step in plain words.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from kilnguard.api.deps import Who, uow
from kilnguard.api.features.change_control.schemas import (
    AttachedEvidenceOut,
    ChangeCreate,
    ChangeOut,
    ChangeSummaryOut,
    DeadlineBody,
    FiringBody,
    HazardBody,
    InsideOut,
    NotificationOut,
    OverruleBody,
    OverruledOut,
    PersonBody,
    PssrBody,
    ReasonBody,
    RefusalOut,
    ReviewBody,
    StageBody,
    TransitionBody,
    ZoneBody,
    ZoneDecisionOut,
    ZoneRefusedOut,
)
from kilnguard.domain.errors import Conflict, KilnguardError, PermissionDenied
from kilnguard.services import change as cc
from kilnguard.services.access import Principal

router = APIRouter()
API = "/api/v1"
TAG: list[str | Enum] = ["changes"]
NOTES_TAG: list[str | Enum] = ["notifications"]
CHANGE = f"{API}/changes/{{change_id}}"


def _view(request: Request, who: Principal, change_id: int, act: Any = None) -> ChangeOut:
    """Do ``act(session)`` (if any), then answer with the change as `who` now sees it."""
    with uow(request) as session:
        if act is not None:
            act(session)
        return cc.change_detail(session, who, change_id=change_id)


def _hazard(body: HazardBody) -> cc.HazardIn:
    return cc.HazardIn(**{**body.model_dump(), "safeguards": tuple(body.safeguards)})


def step_refused(
    request: Request, who: Principal, change_id: int, action: str, exc: KilnguardError
) -> tuple[int, list[str]]:
    """The status of a refused step (403 for a role, else 409) and what blocks it now."""
    with uow(request) as session:
        found = cc.step_blockers(session, who, change_id=change_id, action=action)
    return (403 if isinstance(exc, PermissionDenied) else 409), [b.text for b in found]


@router.get(
    f"{API}/changes",
    tags=TAG,
    summary="Change requests you may see",
    response_model=list[ChangeSummaryOut],
)
def api_list(request: Request, who: Who) -> list[ChangeSummaryOut]:
    with uow(request) as session:
        return cc.change_summaries(session, who)


@router.post(
    f"{API}/changes",
    tags=TAG,
    status_code=201,
    summary="Propose a change (draft)",
    response_model=ChangeOut,
)
def api_create(request: Request, who: Who, body: ChangeCreate) -> ChangeOut:
    data = body.model_dump(exclude={"hazards"})
    hazards = tuple(_hazard(h) for h in body.hazards)
    with uow(request) as session:
        row = cc.create_change(session, who, cc.ChangeIn(**data, hazards=hazards))
        return cc.change_detail(session, who, change_id=row.id)


@router.get(CHANGE, tags=TAG, summary="One change in full", response_model=ChangeOut)
def api_get(request: Request, who: Who, change_id: int) -> ChangeOut:
    return _view(request, who, change_id)


@router.post(f"{CHANGE}/hazards", tags=TAG, status_code=201, response_model=ChangeOut)
def api_hazard(request: Request, who: Who, change_id: int, body: HazardBody) -> ChangeOut:
    return _view(request, who, change_id, lambda s: cc.add_hazard(s, who, change_id, _hazard(body)))


@router.post(
    f"{CHANGE}/transitions",
    tags=TAG,
    summary="Move the change (409 with the blockers in plain words when refused)",
    response_model=ChangeOut,
    responses={403: {"model": RefusalOut}, 409: {"model": RefusalOut}},
)
def api_transition(
    request: Request, who: Who, change_id: int, body: TransitionBody
) -> ChangeOut | JSONResponse:
    try:
        return _view(
            request,
            who,
            change_id,
            lambda s: cc.transition(s, who, change_id, body.action, note=body.note),
        )
    except (Conflict, PermissionDenied) as exc:
        status, blockers = step_refused(request, who, change_id, body.action, exc)
        refusal = RefusalOut(error=type(exc).__name__, detail=exc.message, blockers=blockers)
        return JSONResponse(refusal.model_dump(), status_code=status)


@router.post(f"{CHANGE}/reviews", tags=TAG, status_code=201, response_model=ChangeOut)
def api_review(request: Request, who: Who, change_id: int, body: ReviewBody) -> ChangeOut:
    return _view(
        request,
        who,
        change_id,
        lambda s: cc.review(s, who, change_id, decision=body.decision, reason=body.reason),
    )


@router.post(f"{CHANGE}/objections", tags=TAG, status_code=201, response_model=ChangeOut)
def api_object(request: Request, who: Who, change_id: int, body: ReasonBody) -> ChangeOut:
    return _view(
        request, who, change_id, lambda s: cc.raise_objection(s, who, change_id, reason=body.reason)
    )


@router.post(f"{CHANGE}/objections/{{objection_id}}/withdraw", tags=TAG, response_model=ChangeOut)
def api_withdraw(
    request: Request, who: Who, change_id: int, objection_id: int, body: ReasonBody
) -> ChangeOut:
    return _view(
        request,
        who,
        change_id,
        lambda s: cc.withdraw_objection(s, who, change_id, objection_id, reason=body.reason),
    )


@router.post(
    f"{CHANGE}/overrules",
    tags=TAG,
    status_code=201,
    summary="Overrule an objection or a missing stage (permanent; notifies the regulators)",
    response_model=OverruledOut,
)
def api_overrule(request: Request, who: Who, change_id: int, body: OverruleBody) -> OverruledOut:
    with uow(request) as session:
        _, note = cc.overrule(
            session,
            who,
            change_id,
            kind=body.kind,
            reason=body.reason,
            objection_id=body.objection_id,
        )
        view = cc.change_detail(session, who, change_id=change_id)
        return OverruledOut(**dict(view), notification_id=note.id)


@router.post(
    f"{CHANGE}/evidence",
    tags=TAG,
    status_code=201,
    summary="Upload an evidence file (multipart); optional sha256 is checked against the content",
    response_model=AttachedEvidenceOut,
)
async def api_evidence(
    request: Request,
    who: Who,
    change_id: int,
    file: Annotated[UploadFile, File()],
    stage: Annotated[str, Form()] = "",
    sha256: Annotated[str, Form()] = "",
) -> AttachedEvidenceOut:
    content = await file.read()
    with uow(request) as session:
        return cc.attach_evidence(
            session,
            who,
            change_id,
            name=file.filename or "evidence",
            content=content,
            stage=stage or None,
            content_type=file.content_type or "application/octet-stream",
            expected_sha256=sha256 or None,
        )


@router.get(f"{CHANGE}/evidence/{{evidence_id}}", tags=TAG, response_class=Response)
def api_evidence_file(request: Request, who: Who, change_id: int, evidence_id: int) -> Response:
    with uow(request) as session:
        ev = cc.evidence_file(session, who, change_id=change_id, evidence_id=evidence_id)
    return Response(
        ev.content,
        media_type=ev.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{ev.name}"',
            "X-Checksum-SHA256": ev.sha256,
        },
    )


@router.post(f"{CHANGE}/stages", tags=TAG, status_code=201, response_model=ChangeOut)
def api_stage(request: Request, who: Who, change_id: int, body: StageBody) -> ChangeOut:
    return _view(
        request,
        who,
        change_id,
        lambda s: cc.record_stage_complete(s, who, change_id, stage=body.stage, note=body.note),
    )


@router.post(f"{CHANGE}/pssr", tags=TAG, status_code=201, response_model=ChangeOut)
def api_pssr(request: Request, who: Who, change_id: int, body: PssrBody) -> ChangeOut:
    return _view(
        request,
        who,
        change_id,
        lambda s: cc.check_pssr(s, who, change_id, item=body.item, note=body.note),
    )


@router.put(f"{CHANGE}/zone", tags=TAG, response_model=ChangeOut)
def api_zone(request: Request, who: Who, change_id: int, body: ZoneBody) -> ChangeOut:
    return _view(
        request,
        who,
        change_id,
        lambda s: cc.set_hazard_zone(
            s,
            who,
            change_id,
            name=body.name,
            max_headcount=body.max_headcount,
            essential_people=body.essential_people,
            radius_m=body.radius_m,
        ),
    )


@router.post(
    f"{CHANGE}/zone/admit",
    tags=TAG,
    summary="Ask to let a person into the hazard zone (refusals are logged; answer 409)",
    response_model=ZoneDecisionOut,
    responses={409: {"model": ZoneRefusedOut}},
)
def api_admit(
    request: Request, who: Who, change_id: int, body: PersonBody
) -> ZoneDecisionOut | JSONResponse:
    with uow(request) as session:
        d = cc.admit_to_zone(session, who, change_id, person=body.person)
    out = ZoneDecisionOut(
        admitted=d.admitted, person=d.person, reason=d.reason, inside=d.inside, log_id=d.log_id
    )
    if d.admitted:
        return out
    refused = {"error": "Conflict", "detail": d.reason, **out.model_dump()}
    return JSONResponse(refused, status_code=409)


@router.post(f"{CHANGE}/zone/leave", tags=TAG, response_model=InsideOut)
def api_leave(request: Request, who: Who, change_id: int, body: PersonBody) -> InsideOut:
    with uow(request) as session:
        cc.leave_zone(session, who, change_id, person=body.person)
        return InsideOut(inside=cc.zone_inside(session, change_id))


@router.post(f"{CHANGE}/deadline", tags=TAG, response_model=ChangeOut)
def api_deadline(request: Request, who: Who, change_id: int, body: DeadlineBody) -> ChangeOut:
    return _view(
        request,
        who,
        change_id,
        lambda s: cc.extend_deadline(
            s, who, change_id, new_deadline=body.new_deadline, reason=body.reason, by=body.by
        ),
    )


@router.post(f"{CHANGE}/firings", tags=TAG, status_code=201, response_model=ChangeOut)
def api_firing(request: Request, who: Who, change_id: int, body: FiringBody) -> ChangeOut:
    return _view(
        request,
        who,
        change_id,
        lambda s: cc.record_firing(
            s, who, change_id, started_at=body.started_at, ended_at=body.ended_at, note=body.note
        ),
    )


@router.get(
    f"{API}/notifications",
    tags=NOTES_TAG,
    response_model=list[NotificationOut],
    summary="Inbox: overrule notifications (a regulator sees their whole region)",
)
def api_notifications(request: Request, who: Who) -> list[NotificationOut]:
    with uow(request) as session:
        return cc.inbox(session, who)


@router.post(
    f"{API}/notifications/{{notification_id}}/read",
    tags=NOTES_TAG,
    response_model=NotificationOut,
)
def api_notification_read(request: Request, who: Who, notification_id: int) -> NotificationOut:
    with uow(request) as session:
        return cc.mark_read(session, who, notification_id=notification_id)
