"""Set-up of logins (`/setup/users`, administrators): create a login with its role and the
enterprises (or, for a regulator, the region) it works in, change them, reset its password,
deactivate and reactivate it. Every act is a `services.auth` call, which checks the "user" right
and writes the audit entry; a password is never shown back, not even after an error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from kilnguard.api.deps import Who, uow
from kilnguard.api.features.setup import forms as fm
from kilnguard.api.shell import render_at
from kilnguard.domain.errors import KilnguardError, NotFound, PermissionDenied
from kilnguard.domain.roles import Role
from kilnguard.services import auth
from kilnguard.services import records as svc
from kilnguard.services.access import Principal

router = APIRouter(include_in_schema=False)

USERNAME = fm.Field("username", "User name", create_only=True)
PASSWORD = fm.Field(
    "password",
    "Password",
    widget="password",
    create_only=True,
    help=f"at least {auth.MIN_PASSWORD_LEN} characters",
)
FIELDS: tuple[fm.Field, ...] = (
    USERNAME,
    fm.Field("display_name", "Display name", "str?"),
    PASSWORD,
    fm.Field("role", "Role", widget="select", choices="roles"),
    fm.Field(
        "enterprise_ids",
        "Enterprises",
        "ids",
        widget="checks",
        choices="enterprises",
        help="the plants a plant user, investigator or manager works in",
    ),
    fm.Field(
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


def _text(user: dict[str, Any]) -> fm.Typed:
    return {
        "display_name": user["display_name"] or "",
        "role": user["role"],
        "enterprise_ids": [str(i) for i in user["enterprise_ids"]],
        "region_id": "" if user["region_id"] is None else str(user["region_id"]),
    }


def _list(request: Request, who: Principal, redo: fm.Redo = fm.FIRST) -> HTMLResponse:
    show = request.query_params.get("show", "all")
    show = show if show in auth.ACTIVE_CHOICES else "all"
    with uow(request) as session:
        users = auth.list_users(session, who, active=show)
    return fm.form_page(
        request,
        "setup/users.html",
        who,
        redo,
        {"role": "operator"},
        users=users,
        show=show,
        fields=FIELDS,
        choices=_choices(request, who),
        rights=auth.role_rights(),
        saved=request.query_params.get("saved", ""),
    )


def _edit(request: Request, who: Principal, user_id: int, redo: fm.Redo = fm.FIRST) -> HTMLResponse:
    with uow(request) as session:
        user = auth.get_user(session, who, user_id)
    return fm.form_page(
        request,
        "setup/user.html",
        who,
        redo,
        _text(user),
        user=user,
        fields=EDIT_FIELDS,
        choices=_choices(request, who),
        saved=request.query_params.get("saved", ""),
    )


def _saved(user_id: int, *, to_list: bool = True) -> RedirectResponse:
    where = (
        f"/setup/users?saved={user_id}#user-{user_id}"
        if to_list
        else (f"/setup/users/{user_id}?saved=1")
    )
    return RedirectResponse(where, status_code=303)


def _denied(request: Request, who: Principal, exc: PermissionDenied) -> HTMLResponse:
    return render_at(
        request,
        "setup/denied.html",
        who,
        403,
        tabs=fm.tabs(who),
        title="Users",
        message=exc.message,
    )


@router.get("/setup/users", response_class=HTMLResponse)
def users(request: Request, who: Who) -> HTMLResponse:
    try:
        return _list(request, who)
    except PermissionDenied as exc:
        return _denied(request, who, exc)


@router.post("/setup/users", response_model=None)
def create(request: Request, who: Who, form: fm.Form) -> Response:
    typed = fm.typed_of(FIELDS, form)
    try:
        with uow(request) as session:
            values = fm.values_of(FIELDS, typed)
            user = auth.create_user(
                session, who, **{**values, "display_name": values["display_name"] or ""}
            )
            ident = user.id
    except PermissionDenied as exc:
        return _denied(request, who, exc)
    except KilnguardError as exc:
        typed["password"] = ""
        return _list(request, who, fm.redo_of(exc, typed, typed))
    return _saved(ident)


def _on_user(
    request: Request,
    who: Principal,
    user_id: int,
    act: Callable[[Session], object],
    redo: Callable[[KilnguardError], fm.Redo],
    *,
    to_list: bool = True,
) -> Response:
    """Do `act` on one login in a unit of work; a refusal shows its page again."""
    try:
        with uow(request) as session:
            act(session)
    except NotFound:
        raise
    except PermissionDenied as exc:
        return _denied(request, who, exc)
    except KilnguardError as exc:
        return _edit(request, who, user_id, redo(exc))
    return _saved(user_id, to_list=to_list)


@router.get("/setup/users/{user_id}", response_class=HTMLResponse)
def user_page(request: Request, who: Who, user_id: int) -> HTMLResponse:
    try:
        return _edit(request, who, user_id)
    except PermissionDenied as exc:
        return _denied(request, who, exc)


@router.post("/setup/users/{user_id}", response_model=None)
def edit(request: Request, who: Who, user_id: int, form: fm.Form) -> Response:
    typed = fm.typed_of(EDIT_FIELDS, form)

    def act(session: Session) -> None:
        changes = fm.values_of(EDIT_FIELDS, typed)
        changes["display_name"] = changes["display_name"] or ""
        auth.edit_user(session, who, user_id, changes)

    return _on_user(request, who, user_id, act, lambda exc: fm.redo_of(exc, typed, typed))


@router.post("/setup/users/{user_id}/password", response_model=None)
def password(request: Request, who: Who, user_id: int, form: fm.Form) -> Response:
    raw = form.get("password", "")

    def act(session: Session) -> None:
        auth.reset_password(session, who, user_id, raw if isinstance(raw, str) else "")

    def redo(exc: KilnguardError) -> fm.Redo:
        return fm.redo_of(exc, ["password"])

    return _on_user(request, who, user_id, act, redo, to_list=False)


@router.post("/setup/users/{user_id}/{act}", response_model=None)
def activity(request: Request, who: Who, user_id: int, act: str) -> Response:
    acts = {"retire": auth.retire_user, "reactivate": auth.reactivate_user}
    if act not in acts:
        raise NotFound("user action", act)
    return _on_user(
        request, who, user_id, lambda session: acts[act](session, who, user_id), fm.refused
    )
