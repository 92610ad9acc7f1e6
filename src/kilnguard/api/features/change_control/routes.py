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

from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from kilnguard.api.deps import Who, uow
from kilnguard.api.features.change_control.acts import Upload, doing, upload
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
from kilnguard.api.shell import attachment
from kilnguard.domain.errors import Conflict, KilnguardError, PermissionDenied
from kilnguard.services import change as cc
from kilnguard.services.access import Principal

router = APIRouter()
API = "/api/v1"
TAG: list[str | Enum] = ["changes"]
NOTES_TAG: list[str | Enum] = ["notifications"]
CHANGE = f"{API}/changes/{{change_id}}"
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def _api(
    method: str, path: str, model: Any, summary: str | None = None, **extra: Any
) -> Callable[[Endpoint], Endpoint]:
    """Declare one REST operation of the feature: its answer's model (for the OpenAPI
    document) and summary; its tag is ``changes`` unless `extra` names others."""
    extra.setdefault("tags", TAG)
    return router.api_route(path, methods=[method], summary=summary, response_model=model, **extra)


def _view(request: Request, who: Principal, change_id: int, act: Any = None) -> ChangeOut:
    """Do ``act(session)`` (if any), then answer with the change as `who` now sees it."""
    with uow(request) as session:
        if act is not None:
            act(session)
        return cc.change_detail(session, who, change_id=change_id)


def _act_route(
    name: str,
    method: str,
    path: str,
    body_type: type[BaseModel],
    act: Callable[..., object],
    status: int,
) -> None:
    """Register one act on a change: POST/PUT a `body_type` to ``CHANGE + path``, do `act` with
    the body's fields, answer the change as `who` now sees it (`name`: the OpenAPI operation)."""

    def endpoint(request: Request, who: Who, change_id: int, body: BaseModel) -> ChangeOut:
        return _view(request, who, change_id, doing(act, who=who, change_id=change_id, fields=body))

    endpoint.__name__ = name
    endpoint.__annotations__ = {**endpoint.__annotations__, "body": body_type}
    _api(method, CHANGE + path, ChangeOut, status_code=status)(endpoint)


ACT_ROUTES: tuple[tuple[str, str, str, type[BaseModel], Callable[..., object], int], ...] = (
    ("api_review", "POST", "/reviews", ReviewBody, cc.review, 201),
    ("api_object", "POST", "/objections", ReasonBody, cc.raise_objection, 201),
    ("api_stage", "POST", "/stages", StageBody, cc.record_stage_complete, 201),
    ("api_pssr", "POST", "/pssr", PssrBody, cc.check_pssr, 201),
    ("api_zone", "PUT", "/zone", ZoneBody, cc.set_hazard_zone, 200),
    ("api_deadline", "POST", "/deadline", DeadlineBody, cc.extend_deadline, 200),
    ("api_firing", "POST", "/firings", FiringBody, cc.record_firing, 201),
)
"""The acts whose answer is the change itself: (operation, method, path, body, act, status)."""

for _act in ACT_ROUTES:
    _act_route(*_act)


def _hazard(body: HazardBody) -> cc.HazardIn:
    return cc.HazardIn(**{**body.model_dump(), "safeguards": tuple(body.safeguards)})


def step_refused(
    request: Request, who: Principal, change_id: int, action: str, exc: KilnguardError
) -> tuple[int, list[str]]:
    """The status of a refused step (403 for a role, else 409) and what blocks it now."""
    with uow(request) as session:
        found = cc.step_blockers(session, who, change_id=change_id, action=action)
    return (403 if isinstance(exc, PermissionDenied) else 409), [b.text for b in found]


@_api("GET", f"{API}/changes", list[ChangeSummaryOut], "Change requests you may see")
def api_list(request: Request, who: Who) -> list[ChangeSummaryOut]:
    with uow(request) as session:
        return cc.change_summaries(session, who)


@_api("POST", f"{API}/changes", ChangeOut, "Propose a change (draft)", status_code=201)
def api_create(request: Request, who: Who, body: ChangeCreate) -> ChangeOut:
    data = body.model_dump(exclude={"hazards"})
    hazards = tuple(_hazard(h) for h in body.hazards)
    with uow(request) as session:
        row = cc.create_change(session, who, cc.ChangeIn(**data, hazards=hazards))
        return cc.change_detail(session, who, change_id=row.id)


@_api("GET", CHANGE, ChangeOut, "One change in full")
def api_get(request: Request, who: Who, change_id: int) -> ChangeOut:
    return _view(request, who, change_id)


@_api("POST", f"{CHANGE}/hazards", ChangeOut, status_code=201)
def api_hazard(request: Request, who: Who, change_id: int, body: HazardBody) -> ChangeOut:
    return _view(request, who, change_id, lambda s: cc.add_hazard(s, who, change_id, _hazard(body)))


@_api(
    "POST",
    f"{CHANGE}/transitions",
    ChangeOut,
    "Move the change (409 with the blockers in plain words when refused)",
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


@_api("POST", f"{CHANGE}/objections/{{objection_id}}/withdraw", ChangeOut)
def api_withdraw(
    request: Request, who: Who, change_id: int, objection_id: int, body: ReasonBody
) -> ChangeOut:
    return _view(
        request,
        who,
        change_id,
        doing(cc.withdraw_objection, objection_id, who=who, change_id=change_id, fields=body),
    )


@_api(
    "POST",
    f"{CHANGE}/overrules",
    OverruledOut,
    "Overrule an objection or a missing stage (permanent; notifies the regulators)",
    status_code=201,
)
def api_overrule(request: Request, who: Who, change_id: int, body: OverruleBody) -> OverruledOut:
    with uow(request) as session:
        _, note = cc.overrule(session, who, change_id, **body.model_dump())
        view = cc.change_detail(session, who, change_id=change_id)
        return OverruledOut(**dict(view), notification_id=note.id)


@_api(
    "POST",
    f"{CHANGE}/evidence",
    AttachedEvidenceOut,
    "Upload an evidence file (multipart); optional sha256 is checked against the content",
    status_code=201,
)
def api_evidence(
    request: Request, who: Who, change_id: int, file: Annotated[Upload, Depends(upload)]
) -> AttachedEvidenceOut:
    with uow(request) as session:
        return file.attach(session, who, change_id)


@router.get(
    f"{CHANGE}/evidence/{{evidence_id}}",
    tags=TAG,
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The file"}},
)
def api_evidence_file(request: Request, who: Who, change_id: int, evidence_id: int) -> Response:
    with uow(request) as session:
        ev = cc.evidence_file(session, who, change_id=change_id, evidence_id=evidence_id)
    return attachment(ev.content, ev.name, ev.content_type, {"X-Checksum-SHA256": ev.sha256})


@_api(
    "POST",
    f"{CHANGE}/zone/admit",
    ZoneDecisionOut,
    "Ask to let a person into the hazard zone (refusals are logged; answer 409)",
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


@_api("POST", f"{CHANGE}/zone/leave", InsideOut)
def api_leave(request: Request, who: Who, change_id: int, body: PersonBody) -> InsideOut:
    with uow(request) as session:
        cc.leave_zone(session, who, change_id, person=body.person)
        return InsideOut(inside=cc.zone_inside(session, change_id))


@_api(
    "GET",
    f"{API}/notifications",
    list[NotificationOut],
    "Inbox: overrule notifications (a regulator sees their whole region)",
    tags=NOTES_TAG,
)
def api_notifications(request: Request, who: Who) -> list[NotificationOut]:
    with uow(request) as session:
        return cc.inbox(session, who)


@_api("POST", f"{API}/notifications/{{notification_id}}/read", NotificationOut, tags=NOTES_TAG)
def api_notification_read(request: Request, who: Who, notification_id: int) -> NotificationOut:
    with uow(request) as session:
        return cc.mark_read(session, who, notification_id=notification_id)
