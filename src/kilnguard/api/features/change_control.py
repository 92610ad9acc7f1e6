"""Change control over HTTP: REST routes under /api/v1/changes and /api/v1/notifications, and
the web pages /changes and /changes/{id}.

Thin: every read and write goes through `services.change` (tenancy, role and workflow checks,
audit). Errors are domain errors rendered by the app's handler; two routes answer a refusal
themselves because what was refused must still be *stored* or *shown*:

- zone admission: a refusal is logged and audited, so the transaction commits and the route
  answers 409 with the reason;
- a refused workflow step answers 409 with `blockers`, the reasons in plain words.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from kilnguard.api.deps import Who, uow
from kilnguard.domain import change as dc
from kilnguard.domain.errors import Conflict, KilnguardError, PermissionDenied, ValidationError
from kilnguard.services import change as cc
from kilnguard.services.access import Principal
from kilnguard.store import models as m
from kilnguard.web import pages

router = APIRouter()
API = "/api/v1"

TEMPLATES = Jinja2Templates(
    directory=str(Path(__file__).resolve().parents[2] / "web" / "templates")
)


@pass_context
def _plant_time(ctx: Context, value: dt.datetime | None) -> str:
    """A timestamp in the plant's own zone when the page names it (`tz`), else in UTC."""
    if not value:
        return "—"
    zone = ctx.get("tz")
    if zone:
        return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


TEMPLATES.env.filters["plant_time"] = _plant_time
TEMPLATES.env.filters["words"] = lambda s: str(s or "").replace("_", " ")


# ----------------------------------------------------------------------------- schemas
class HazardBody(BaseModel):
    hazard: str
    cause: str
    consequence: str
    safeguards: list[str] = []
    method: str = Field("what_if", description="what_if or checklist")
    question: str = ""


class ChangeCreate(BaseModel):
    kind: str = Field(description="experiment, process_change, equipment_modification, ...")
    title: str
    purpose: str
    kiln_id: int | None = None
    enterprise_id: int | None = Field(None, description="Needed when there is no kiln yet")
    new_equipment: str = ""
    stage: str | None = Field(None, description="lab, pilot or plant")
    deadline: dt.datetime | None = None
    deadline_set_by: str = ""
    deadline_external: bool = False
    hazards: list[HazardBody] = []
    previous_change_id: int | None = None


class TransitionBody(BaseModel):
    action: str = Field(description="submit, approve_for_stage, authorise_firing, ...")
    note: str = ""


class ReviewBody(BaseModel):
    decision: str = Field(description="approve or object")
    reason: str = ""


class ReasonBody(BaseModel):
    reason: str


class OverruleBody(BaseModel):
    kind: str = Field(description="objection or stage_skip")
    reason: str
    objection_id: int | None = None


class StageBody(BaseModel):
    stage: str
    note: str = ""


class PssrBody(BaseModel):
    item: str
    note: str = ""


class ZoneBody(BaseModel):
    name: str
    max_headcount: int
    essential_people: list[str]
    radius_m: float | None = None


class PersonBody(BaseModel):
    person: str


class DeadlineBody(BaseModel):
    new_deadline: dt.datetime
    reason: str
    by: str = ""


class FiringBody(BaseModel):
    started_at: dt.datetime
    ended_at: dt.datetime | None = None
    note: str = ""


class NotificationOut(BaseModel):
    id: int
    region_id: int
    enterprise_id: int
    change_id: int
    overrule_id: int | None
    kiln_id: int | None
    kind: str
    recipient_role: str
    subject: str
    message: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    source: str


def _note_out(n: Any) -> NotificationOut:
    return NotificationOut(
        id=n.id,
        region_id=n.region_id,
        enterprise_id=n.enterprise_id,
        change_id=n.change_id,
        overrule_id=n.overrule_id,
        kiln_id=n.kiln_id,
        kind=n.kind,
        recipient_role=n.recipient_role,
        subject=n.subject,
        message=n.message,
        created_at=n.created_at,
        read_at=n.read_at,
        source=n.source,
    )


def _view(session: Session, who: Principal, change_id: int) -> dict[str, Any]:
    session.flush()
    return cc.describe(session, who, cc.get_change(session, who, change_id))


def _refused(exc: KilnguardError, blockers: list[str]) -> JSONResponse:
    status = 403 if isinstance(exc, PermissionDenied) else 409
    body = {"error": type(exc).__name__, "detail": exc.message, "blockers": blockers}
    return JSONResponse(body, status_code=status)


def _blockers_for(request: Request, who: Principal, change_id: int, action: str) -> list[str]:
    with uow(request) as session:
        d = cc.describe(session, who, cc.get_change(session, who, change_id))
    if action == dc.ChangeAction.AUTHORISE_FIRING.value:
        return list(d["authorisation_blockers"])
    if action == dc.ChangeAction.APPROVE_FOR_STAGE.value:
        return [
            f"open objection by {o['author']} ({o['role']}): {o['reason']}"
            for o in d["objections"]
            if o["status"] == "open"
        ] + [f"approval missing from {r.replace('_', ' ')}" for r in d["missing_approvals"]]
    if action == dc.ChangeAction.START_FIRING.value:
        return [
            f"open objection by {o['author']} ({o['role']}): {o['reason']}"
            for o in d["objections"]
            if o["status"] == "open"
        ]
    return []


# ------------------------------------------------------------------------------- REST
TAG: list[str | Enum] = ["changes"]
NOTES_TAG: list[str | Enum] = ["notifications"]


@router.get(f"{API}/changes", tags=TAG, summary="Change requests you may see")
def api_list(request: Request, who: Who) -> list[dict[str, Any]]:
    with uow(request) as session:
        return [cc.summary(session, r) for r in cc.list_changes(session, who)]


@router.post(f"{API}/changes", tags=TAG, status_code=201, summary="Propose a change (draft)")
def api_create(request: Request, who: Who, body: ChangeCreate) -> dict[str, Any]:
    data = body.model_dump()
    hazards = tuple(
        cc.HazardIn(**{**h, "safeguards": tuple(h["safeguards"])}) for h in data.pop("hazards")
    )
    with uow(request) as session:
        row = cc.create_change(session, who, cc.ChangeIn(**data, hazards=hazards))
        return _view(session, who, row.id)


@router.get(f"{API}/changes/{{change_id}}", tags=TAG, summary="One change in full")
def api_get(request: Request, who: Who, change_id: int) -> dict[str, Any]:
    with uow(request) as session:
        return _view(session, who, change_id)


@router.post(f"{API}/changes/{{change_id}}/hazards", tags=TAG, status_code=201)
def api_hazard(request: Request, who: Who, change_id: int, body: HazardBody) -> dict[str, Any]:
    data = body.model_dump()
    with uow(request) as session:
        cc.add_hazard(
            session,
            who,
            change_id,
            cc.HazardIn(**{**data, "safeguards": tuple(data["safeguards"])}),
        )
        return _view(session, who, change_id)


@router.post(
    f"{API}/changes/{{change_id}}/transitions",
    tags=TAG,
    summary="Move the change (409 with the blockers in plain words when refused)",
    response_model=None,
)
def api_transition(
    request: Request, who: Who, change_id: int, body: TransitionBody
) -> dict[str, Any] | JSONResponse:
    try:
        with uow(request) as session:
            cc.transition(session, who, change_id, body.action, note=body.note)
            return _view(session, who, change_id)
    except (Conflict, PermissionDenied) as exc:
        return _refused(exc, _blockers_for(request, who, change_id, body.action))


@router.post(f"{API}/changes/{{change_id}}/reviews", tags=TAG, status_code=201)
def api_review(request: Request, who: Who, change_id: int, body: ReviewBody) -> dict[str, Any]:
    with uow(request) as session:
        cc.review(session, who, change_id, decision=body.decision, reason=body.reason)
        return _view(session, who, change_id)


@router.post(f"{API}/changes/{{change_id}}/objections", tags=TAG, status_code=201)
def api_object(request: Request, who: Who, change_id: int, body: ReasonBody) -> dict[str, Any]:
    with uow(request) as session:
        cc.raise_objection(session, who, change_id, reason=body.reason)
        return _view(session, who, change_id)


@router.post(f"{API}/changes/{{change_id}}/objections/{{objection_id}}/withdraw", tags=TAG)
def api_withdraw(
    request: Request, who: Who, change_id: int, objection_id: int, body: ReasonBody
) -> dict[str, Any]:
    with uow(request) as session:
        cc.withdraw_objection(session, who, change_id, objection_id, reason=body.reason)
        return _view(session, who, change_id)


@router.post(
    f"{API}/changes/{{change_id}}/overrules",
    tags=TAG,
    status_code=201,
    summary="Overrule an objection or a missing stage (permanent; notifies the regulators)",
)
def api_overrule(request: Request, who: Who, change_id: int, body: OverruleBody) -> dict[str, Any]:
    with uow(request) as session:
        _, note = cc.overrule(
            session,
            who,
            change_id,
            kind=body.kind,
            reason=body.reason,
            objection_id=body.objection_id,
        )
        view = _view(session, who, change_id)
        view["notification_id"] = note.id
        return view


@router.post(
    f"{API}/changes/{{change_id}}/evidence",
    tags=TAG,
    status_code=201,
    summary="Upload an evidence file (multipart); optional sha256 is checked against the content",
)
async def api_evidence(
    request: Request,
    who: Who,
    change_id: int,
    file: Annotated[UploadFile, File()],
    stage: Annotated[str, Form()] = "",
    sha256: Annotated[str, Form()] = "",
) -> dict[str, Any]:
    content = await file.read()
    with uow(request) as session:
        ev = cc.attach_evidence(
            session,
            who,
            change_id,
            name=file.filename or "evidence",
            content=content,
            stage=stage or None,
            content_type=file.content_type or "application/octet-stream",
            expected_sha256=sha256 or None,
        )
        return {
            "id": ev.id,
            "change_id": ev.change_id,
            "name": ev.name,
            "sha256": ev.sha256,
            "size_bytes": ev.size_bytes,
            "stage": ev.stage,
        }


@router.get(f"{API}/changes/{{change_id}}/evidence/{{evidence_id}}", tags=TAG)
def api_evidence_file(request: Request, who: Who, change_id: int, evidence_id: int) -> Response:
    with uow(request) as session:
        ev = cc.get_evidence(session, who, change_id, evidence_id)
        return Response(
            ev.content,
            media_type=ev.content_type,
            headers={
                "Content-Disposition": f'attachment; filename="{ev.name}"',
                "X-Checksum-SHA256": ev.sha256,
            },
        )


@router.post(f"{API}/changes/{{change_id}}/stages", tags=TAG, status_code=201)
def api_stage(request: Request, who: Who, change_id: int, body: StageBody) -> dict[str, Any]:
    with uow(request) as session:
        cc.record_stage_complete(session, who, change_id, stage=body.stage, note=body.note)
        return _view(session, who, change_id)


@router.post(f"{API}/changes/{{change_id}}/pssr", tags=TAG, status_code=201)
def api_pssr(request: Request, who: Who, change_id: int, body: PssrBody) -> dict[str, Any]:
    with uow(request) as session:
        cc.check_pssr(session, who, change_id, item=body.item, note=body.note)
        return _view(session, who, change_id)


@router.put(f"{API}/changes/{{change_id}}/zone", tags=TAG)
def api_zone(request: Request, who: Who, change_id: int, body: ZoneBody) -> dict[str, Any]:
    with uow(request) as session:
        cc.set_hazard_zone(
            session,
            who,
            change_id,
            name=body.name,
            max_headcount=body.max_headcount,
            essential_people=body.essential_people,
            radius_m=body.radius_m,
        )
        return _view(session, who, change_id)


@router.post(
    f"{API}/changes/{{change_id}}/zone/admit",
    tags=TAG,
    summary="Ask to let a person into the hazard zone (refusals are logged; answer 409)",
    response_model=None,
)
def api_admit(
    request: Request, who: Who, change_id: int, body: PersonBody
) -> dict[str, Any] | JSONResponse:
    with uow(request) as session:
        d = cc.admit_to_zone(session, who, change_id, person=body.person)
    out = {
        "admitted": d.admitted,
        "person": d.person,
        "reason": d.reason,
        "inside": d.inside,
        "log_id": d.log_id,
    }
    if d.admitted:
        return out
    return JSONResponse({"error": "Conflict", "detail": d.reason, **out}, status_code=409)


@router.post(f"{API}/changes/{{change_id}}/zone/leave", tags=TAG)
def api_leave(request: Request, who: Who, change_id: int, body: PersonBody) -> dict[str, Any]:
    with uow(request) as session:
        cc.leave_zone(session, who, change_id, person=body.person)
        return {"inside": cc.zone_inside(session, change_id)}


@router.post(f"{API}/changes/{{change_id}}/deadline", tags=TAG)
def api_deadline(request: Request, who: Who, change_id: int, body: DeadlineBody) -> dict[str, Any]:
    with uow(request) as session:
        cc.extend_deadline(
            session, who, change_id, new_deadline=body.new_deadline, reason=body.reason, by=body.by
        )
        return _view(session, who, change_id)


@router.post(f"{API}/changes/{{change_id}}/firings", tags=TAG, status_code=201)
def api_firing(request: Request, who: Who, change_id: int, body: FiringBody) -> dict[str, Any]:
    with uow(request) as session:
        cc.record_firing(
            session,
            who,
            change_id,
            started_at=body.started_at,
            ended_at=body.ended_at,
            note=body.note,
        )
        return _view(session, who, change_id)


@router.get(
    f"{API}/notifications",
    tags=NOTES_TAG,
    response_model=list[NotificationOut],
    summary="Inbox: overrule notifications (a regulator sees their whole region)",
)
def api_notifications(request: Request, who: Who) -> list[NotificationOut]:
    with uow(request) as session:
        return [_note_out(n) for n in cc.notifications_for(session, who)]


@router.post(
    f"{API}/notifications/{{notification_id}}/read",
    tags=NOTES_TAG,
    response_model=NotificationOut,
)
def api_notification_read(request: Request, who: Who, notification_id: int) -> NotificationOut:
    with uow(request) as session:
        return _note_out(cc.mark_notification_read(session, who, notification_id))


# -------------------------------------------------------------------------------- web
def _render(
    request: Request, name: str, who: Principal, status: int = 200, **ctx: Any
) -> HTMLResponse:
    resp = TEMPLATES.TemplateResponse(request, name, {"who": who, "nav": pages.NAV, **ctx})
    resp.status_code = status
    return resp


@router.get("/changes", response_class=HTMLResponse, include_in_schema=False)
def web_list(request: Request, who: Who) -> HTMLResponse:
    with uow(request) as session:
        items = [cc.summary(session, r) for r in cc.list_changes(session, who)]
    return _render(request, "change/list.html", who, changes=items)


def _detail(
    request: Request,
    who: Principal,
    change_id: int,
    *,
    refusal: str = "",
    blockers: list[str] | None = None,
    done: str = "",
    status: int = 200,
) -> HTMLResponse:
    with uow(request) as session:
        d = cc.describe(session, who, cc.get_change(session, who, change_id))
        ent = session.get(m.Enterprise, d["enterprise"]["id"])
        tz = ent.region.timezone if ent is not None else "UTC"
    return _render(
        request,
        "change/detail.html",
        who,
        status=status,
        c=d,
        tz=tz,
        refusal=refusal,
        blockers=blockers or [],
        done=done,
        pssr_items=[(i.value, dc.PSSR_ITEM_TEXT[i]) for i in dc.PssrItem],
        action_words={a.value: dc._action_words(a) for a in dc.ChangeAction},
    )


def _web_act(request: Request, who: Principal, change_id: int, what: str, act: Any) -> Response:
    """Do ``act(session)``; on success back to the page, on refusal show why on the page."""
    try:
        with uow(request) as session:
            act(session)
    except (Conflict, PermissionDenied, ValidationError) as exc:
        blockers = _blockers_for(request, who, change_id, what)
        return _detail(request, who, change_id, refusal=exc.message, blockers=blockers, status=409)
    return RedirectResponse(f"/changes/{change_id}", status_code=303)


@router.get("/changes/{change_id}", response_class=HTMLResponse, include_in_schema=False)
def web_detail(request: Request, who: Who, change_id: int) -> HTMLResponse:
    return _detail(request, who, change_id)


@router.post("/changes/{change_id}/act", include_in_schema=False)
def web_transition(
    request: Request,
    who: Who,
    change_id: int,
    action: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    return _web_act(
        request,
        who,
        change_id,
        action,
        lambda s: cc.transition(s, who, change_id, action, note=note),
    )


@router.post("/changes/{change_id}/review", include_in_schema=False)
def web_review(
    request: Request,
    who: Who,
    change_id: int,
    decision: Annotated[str, Form()] = "approve",
    reason: Annotated[str, Form()] = "",
) -> Response:
    return _web_act(
        request,
        who,
        change_id,
        "review",
        lambda s: cc.review(s, who, change_id, decision=decision, reason=reason),
    )


@router.post("/changes/{change_id}/object", include_in_schema=False)
def web_object(
    request: Request, who: Who, change_id: int, reason: Annotated[str, Form()] = ""
) -> Response:
    return _web_act(
        request,
        who,
        change_id,
        "object",
        lambda s: cc.raise_objection(s, who, change_id, reason=reason),
    )


@router.post("/changes/{change_id}/objections/{objection_id}/withdraw", include_in_schema=False)
def web_withdraw(
    request: Request,
    who: Who,
    change_id: int,
    objection_id: int,
    reason: Annotated[str, Form()] = "",
) -> Response:
    return _web_act(
        request,
        who,
        change_id,
        "withdraw",
        lambda s: cc.withdraw_objection(s, who, change_id, objection_id, reason=reason),
    )


@router.post("/changes/{change_id}/overrule", include_in_schema=False)
def web_overrule(
    request: Request,
    who: Who,
    change_id: int,
    kind: Annotated[str, Form()] = "objection",
    reason: Annotated[str, Form()] = "",
    objection_id: Annotated[str, Form()] = "",
) -> Response:
    oid = int(objection_id) if objection_id.strip().isdigit() else None
    return _web_act(
        request,
        who,
        change_id,
        "overrule",
        lambda s: cc.overrule(s, who, change_id, kind=kind, reason=reason, objection_id=oid),
    )


@router.post("/changes/{change_id}/pssr", include_in_schema=False)
def web_pssr(
    request: Request, who: Who, change_id: int, item: Annotated[str, Form()] = ""
) -> Response:
    return _web_act(
        request, who, change_id, "pssr", lambda s: cc.check_pssr(s, who, change_id, item=item)
    )


@router.post("/changes/{change_id}/zone/admit", include_in_schema=False)
def web_admit(
    request: Request, who: Who, change_id: int, person: Annotated[str, Form()] = ""
) -> Response:
    try:
        with uow(request) as session:
            d = cc.admit_to_zone(session, who, change_id, person=person)
    except KilnguardError as exc:
        return _detail(request, who, change_id, refusal=exc.message, status=409)
    if d.admitted:
        return RedirectResponse(f"/changes/{change_id}", status_code=303)
    return _detail(request, who, change_id, refusal=d.reason, status=409)


@router.post("/changes/{change_id}/evidence", include_in_schema=False)
async def web_evidence(
    request: Request,
    who: Who,
    change_id: int,
    file: Annotated[UploadFile, File()],
    stage: Annotated[str, Form()] = "",
) -> Response:
    content = await file.read()
    return _web_act(
        request,
        who,
        change_id,
        "evidence",
        lambda s: cc.attach_evidence(
            s,
            who,
            change_id,
            name=file.filename or "evidence",
            content=content,
            stage=stage or None,
            content_type=file.content_type or "application/octet-stream",
        ),
    )


# ------------------------------------------------------------------ kiln panel and nav
def kiln_changes_panel(session: Session, who: Principal, kiln: m.Kiln) -> list[dict[str, Any]]:
    """Change requests on this kiln, for the kiln page (overrules shown there too)."""
    return [cc.summary(session, r) for r in cc.list_changes(session, who) if r.kiln_id == kiln.id]


if ("Changes", "/changes") not in pages.NAV:
    pages.NAV.append(("Changes", "/changes"))
if not any(t == "change/kiln_panel.html" for _, t, _ in pages.KILN_PANELS):
    pages.KILN_PANELS.append(("Change requests", "change/kiln_panel.html", kiln_changes_panel))
