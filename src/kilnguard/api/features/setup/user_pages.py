"""Set-up of logins (`/setup/users`, administrators): create a login with its role and the
enterprises (or, for a regulator, the region) it works in, change them, reset its password,
deactivate and reactivate it. Every act is a `services.auth` call, which checks the "user" right
and writes the audit entry; a password is never shown back, not even after an error."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kilnguard.api.deps import Who, uow
from kilnguard.api.features.setup.forms import (
    Field,
    Form,
    Typed,
    errors_of,
    status_of,
    tabs,
    typed_of,
    values_of,
)
from kilnguard.domain.errors import KilnguardError, NotFound, PermissionDenied
from kilnguard.domain.roles import Role
from kilnguard.services import auth
from kilnguard.services import records as svc
from kilnguard.services.access import Principal
from kilnguard.web.pages import render

router = APIRouter(include_in_schema=False)

USERNAME = Field("username", "User name", create_only=True)
PASSWORD = Field(
    "password",
    "Password",
    widget="password",
    create_only=True,
    help=f"at least {auth.MIN_PASSWORD_LEN} characters",
)
FIELDS: tuple[Field, ...] = (
    USERNAME,
    Field("display_name", "Display name", "str?"),
    PASSWORD,
    Field("role", "Role", widget="select", choices="roles"),
    Field(
        "enterprise_ids",
        "Enterprises",
        "ids",
        widget="checks",
        choices="enterprises",
        help="the plants a plant user, investigator or manager works in",
    ),
    Field(
        "region_id",
        "Region",
        "int?",
        widget="select",
        choices="regions",
        help="a regulator's region",
    ),
)
EDIT_FIELDS = tuple(f for f in FIELDS if not f.create_only)


def _choices(request: Request, who: Principal) -> dict[str, Any]:
    with uow(request) as session:
        ents = svc.list_units(session, who, "enterprise")
        regions = svc.list_units(session, who, "region")
    return {
        "roles": [(r.value, r.value.replace("_", " ")) for r in Role],
        "enterprises": [(str(e["id"]), e["name"]) for e in ents],
        "regions": [(r["id"], r["name"]) for r in regions],
    }


def _text(user: dict[str, Any]) -> Typed:
    return {
        "display_name": user["display_name"] or "",
        "role": user["role"],
        "enterprise_ids": [str(i) for i in user["enterprise_ids"]],
        "region_id": "" if user["region_id"] is None else str(user["region_id"]),
    }


def _list(
    request: Request,
    who: Principal,
    *,
    values: Typed | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    show = request.query_params.get("show", "all")
    show = show if show in auth.ACTIVE_CHOICES else "all"
    with uow(request) as session:
        users = auth.list_users(session, who, active=show)
    resp = render(
        request,
        "setup/users.html",
        who,
        tabs=tabs(who),
        users=users,
        show=show,
        fields=FIELDS,
        choices=_choices(request, who),
        values=values or {"role": "operator"},
        errors=errors or {},
        rights=auth.role_rights(),
        saved=request.query_params.get("saved", ""),
    )
    resp.status_code = status
    return resp


def _edit(
    request: Request,
    who: Principal,
    user_id: int,
    *,
    values: Typed | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with uow(request) as session:
        user = auth.get_user(session, who, user_id)
    resp = render(
        request,
        "setup/user.html",
        who,
        tabs=tabs(who),
        user=user,
        fields=EDIT_FIELDS,
        choices=_choices(request, who),
        values=values or _text(user),
        errors=errors or {},
        saved=request.query_params.get("saved", ""),
    )
    resp.status_code = status
    return resp


def _saved(user_id: int, *, to_list: bool = True) -> RedirectResponse:
    where = (
        f"/setup/users?saved={user_id}#user-{user_id}"
        if to_list
        else (f"/setup/users/{user_id}?saved=1")
    )
    return RedirectResponse(where, status_code=303)


def _denied(request: Request, who: Principal, exc: PermissionDenied) -> HTMLResponse:
    resp = render(
        request, "setup/denied.html", who, tabs=tabs(who), title="Users", message=exc.message
    )
    resp.status_code = 403
    return resp


@router.get("/setup/users", response_class=HTMLResponse)
def users(request: Request, who: Who) -> HTMLResponse:
    try:
        return _list(request, who)
    except PermissionDenied as exc:
        return _denied(request, who, exc)


@router.post("/setup/users", response_model=None)
def create(request: Request, who: Who, form: Form) -> Response:
    typed = typed_of(FIELDS, form)
    try:
        with uow(request) as session:
            values = values_of(FIELDS, typed)
            user = auth.create_user(
                session, who, **{**values, "display_name": values["display_name"] or ""}
            )
            ident = user.id
    except PermissionDenied as exc:
        return _denied(request, who, exc)
    except KilnguardError as exc:
        typed["password"] = ""
        return _list(
            request, who, values=typed, errors=errors_of(exc, typed), status=status_of(exc)
        )
    return _saved(ident)


@router.get("/setup/users/{user_id}", response_class=HTMLResponse)
def user_page(request: Request, who: Who, user_id: int) -> HTMLResponse:
    try:
        return _edit(request, who, user_id)
    except PermissionDenied as exc:
        return _denied(request, who, exc)


@router.post("/setup/users/{user_id}", response_model=None)
def edit(request: Request, who: Who, user_id: int, form: Form) -> Response:
    typed = typed_of(EDIT_FIELDS, form)
    try:
        with uow(request) as session:
            changes = values_of(EDIT_FIELDS, typed)
            changes["display_name"] = changes["display_name"] or ""
            auth.edit_user(session, who, user_id, changes)
    except NotFound:
        raise
    except PermissionDenied as exc:
        return _denied(request, who, exc)
    except KilnguardError as exc:
        return _edit(
            request, who, user_id, values=typed, errors=errors_of(exc, typed), status=status_of(exc)
        )
    return _saved(user_id)


@router.post("/setup/users/{user_id}/password", response_model=None)
def password(request: Request, who: Who, user_id: int, form: Form) -> Response:
    raw = form.get("password", "")
    try:
        with uow(request) as session:
            auth.reset_password(session, who, user_id, raw if isinstance(raw, str) else "")
    except NotFound:
        raise
    except PermissionDenied as exc:
        return _denied(request, who, exc)
    except KilnguardError as exc:
        return _edit(
            request, who, user_id, errors=errors_of(exc, ["password"]), status=status_of(exc)
        )
    return _saved(user_id, to_list=False)


@router.post("/setup/users/{user_id}/{act}", response_model=None)
def activity(request: Request, who: Who, user_id: int, act: str) -> Response:
    acts = {"retire": auth.retire_user, "reactivate": auth.reactivate_user}
    if act not in acts:
        raise NotFound("user action", act)
    try:
        with uow(request) as session:
            acts[act](session, who, user_id)
    except NotFound:
        raise
    except PermissionDenied as exc:
        return _denied(request, who, exc)
    except KilnguardError as exc:
        return _edit(request, who, user_id, errors={"_": exc.message}, status=status_of(exc))
    return _saved(user_id)
