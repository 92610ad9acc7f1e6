"""REST routes that set a plant up: create (POST), change (PATCH), retire and reinstate
regions, enterprises, sections, kilns, crews and workers; list and read regions (the other
kinds are listed by the plant-record routes); administer logins; list the roles.

Every write goes through `services.records` (units) or `services.auth` (logins): tenancy and
rights are decided there, so a unit of another enterprise answers 404 exactly like a missing
one, and every write leaves one audit entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from kilnguard.api.deps import Who, uow
from kilnguard.api.features.setup import schemas as s
from kilnguard.services import auth
from kilnguard.services import records as svc
from kilnguard.services.access import Principal

router = APIRouter(prefix="/api/v1")

Create = Callable[[Session, Principal, Any], Any]


@dataclass(frozen=True)
class Kind:
    """One unit kind over HTTP: its service name, bodies, output and create use case."""

    kind: str
    create_body: type[Any]
    patch_body: type[Any]
    out: type[s.Out]
    create: Create


def _region(session: Session, who: Principal, b: Any) -> Any:
    return svc.create_region(session, who, name=b.name, timezone=b.timezone)


def _enterprise(session: Session, who: Principal, b: Any) -> Any:
    return svc.create_enterprise(
        session, who, region_id=b.region_id, name=b.name, tier=b.tier, sector=b.sector
    )


def _section(session: Session, who: Principal, b: Any) -> Any:
    return svc.create_section(session, who, enterprise_id=b.enterprise_id, name=b.name)


def _crew(session: Session, who: Principal, b: Any) -> Any:
    return svc.create_crew(session, who, enterprise_id=b.enterprise_id, name=b.name)


def _kiln(session: Session, who: Principal, b: Any) -> Any:
    return svc.create_kiln(session, who, svc.KilnIn(**b.model_dump()))


def _worker(session: Session, who: Principal, b: Any) -> Any:
    data = b.model_dump()
    data["qualifications"] = tuple(data["qualifications"])
    return svc.create_worker(session, who, svc.WorkerIn(**data))


#: URL segment -> the unit kind it serves
KINDS: dict[str, Kind] = {
    "regions": Kind("region", s.RegionCreate, s.RegionPatch, s.RegionOut, _region),
    "enterprises": Kind(
        "enterprise", s.EnterpriseCreate, s.EnterprisePatch, s.EnterpriseSetupOut, _enterprise
    ),
    "sections": Kind("section", s.NamedCreate, s.NamedPatch, s.SectionSetupOut, _section),
    "kilns": Kind("kiln", s.KilnCreate, s.KilnPatch, s.KilnSetupOut, _kiln),
    "crews": Kind("crew", s.NamedCreate, s.NamedPatch, s.CrewSetupOut, _crew),
    "workers": Kind("worker", s.WorkerCreate, s.WorkerPatch, s.WorkerSetupOut, _worker),
}


def _unit_routes(path: str, k: Kind) -> None:
    label = k.kind
    common: dict[str, Any] = {"response_model": k.out, "tags": [path], "responses": s.REFUSALS}

    def as_stored(session: Session, who: Principal, ident: int) -> Any:
        return k.out.model_validate(svc.get_unit(session, who, k.kind, ident))

    def create(request: Request, who: Who, body: Any) -> Any:
        with uow(request) as session:
            row = k.create(session, who, body)
            return as_stored(session, who, row.id)

    def edit(request: Request, who: Who, record_id: int, body: Any) -> Any:
        with uow(request) as session:
            svc.edit_unit(session, who, k.kind, record_id, body.model_dump(exclude_unset=True))
            return as_stored(session, who, record_id)

    def retire(request: Request, who: Who, record_id: int, body: s.RetireIn | None = None) -> Any:
        with uow(request) as session:
            svc.retire_unit(session, who, k.kind, record_id, on=body.on if body else None)
            return as_stored(session, who, record_id)

    def reinstate(request: Request, who: Who, record_id: int) -> Any:
        with uow(request) as session:
            svc.reinstate_unit(session, who, k.kind, record_id)
            return as_stored(session, who, record_id)

    create.__annotations__["body"] = k.create_body  # FastAPI reads the body's model here
    edit.__annotations__["body"] = k.patch_body
    routes: tuple[tuple[str, Callable[..., Any], str, str], ...] = (
        ("", create, "create", f"Create a {label}"),
        (
            "/{record_id}",
            edit,
            "edit",
            f"Change a {label}: only the fields sent change (null clears an optional one)",
        ),
        (
            "/{record_id}/retire",
            retire,
            "retire",
            f"Retire a {label}: kept with its history, takes no new records",
        ),
        ("/{record_id}/reinstate", reinstate, "reinstate", f"Undo the retirement of a {label}"),
    )
    for suffix, endpoint, act, summary in routes:
        router.add_api_route(
            f"/{path}{suffix}",
            endpoint,
            methods=["PATCH" if act == "edit" else "POST"],
            status_code=201 if act == "create" else 200,
            name=f"{act}_{label}",
            summary=summary,
            **common,
        )


for _path, _kind in KINDS.items():
    _unit_routes(_path, _kind)


RetiredQuery = Query(
    "active", pattern="^(active|retired|all)$", description="active, retired or all"
)


@router.get("/regions", response_model=list[s.RegionOut], tags=["regions"])
def list_regions(request: Request, who: Who, retired: str = RetiredQuery) -> Any:
    """Regions you may see (an admin: all; others: theirs and their enterprises')."""
    with uow(request) as session:
        return [
            s.RegionOut.model_validate(r)
            for r in svc.list_units(session, who, "region", retired=retired)
        ]


@router.get(
    "/regions/{record_id}", response_model=s.RegionOut, tags=["regions"], responses=s.REFUSALS
)
def get_region(request: Request, who: Who, record_id: int) -> Any:
    with uow(request) as session:
        return s.RegionOut.model_validate(svc.get_unit(session, who, "region", record_id))


# ------------------------------------------------------------------------------ users
USERS: dict[str, Any] = {"tags": ["users"], "responses": s.REFUSALS}


@router.get("/users", response_model=list[s.UserOut], **USERS)
def list_users(
    request: Request,
    who: Who,
    active: str = Query("active", pattern="^(active|inactive|all)$"),
) -> Any:
    """Logins (admins): active (default), inactive or all."""
    with uow(request) as session:
        return [s.UserOut(**u) for u in auth.list_users(session, who, active=active)]


@router.get("/users/{user_id}", response_model=s.UserOut, **USERS)
def get_user(request: Request, who: Who, user_id: int) -> Any:
    with uow(request) as session:
        return s.UserOut(**auth.get_user(session, who, user_id))


@router.post("/users", response_model=s.UserOut, status_code=201, **USERS)
def create_user(request: Request, who: Who, body: s.UserCreate) -> Any:
    """Create a login: a regulator oversees a region, everyone else belongs to an enterprise."""
    with uow(request) as session:
        user = auth.create_user(session, who, **body.model_dump())
        return s.UserOut(**auth.get_user(session, who, user.id))


@router.patch("/users/{user_id}", response_model=s.UserOut, **USERS)
def edit_user(request: Request, who: Who, user_id: int, body: s.UserPatch) -> Any:
    """Change display name, role, enterprises or region (only the fields sent)."""
    with uow(request) as session:
        auth.edit_user(session, who, user_id, body.model_dump(exclude_unset=True))
        return s.UserOut(**auth.get_user(session, who, user_id))


@router.post("/users/{user_id}/retire", response_model=s.UserOut, **USERS)
def retire_user(request: Request, who: Who, user_id: int) -> Any:
    """Deactivate a login: it can no longer log in; its sessions and tokens are revoked."""
    with uow(request) as session:
        auth.retire_user(session, who, user_id)
        return s.UserOut(**auth.get_user(session, who, user_id))


@router.post("/users/{user_id}/reactivate", response_model=s.UserOut, **USERS)
def reactivate_user(request: Request, who: Who, user_id: int) -> Any:
    with uow(request) as session:
        auth.reactivate_user(session, who, user_id)
        return s.UserOut(**auth.get_user(session, who, user_id))


@router.post("/users/{user_id}/password", response_model=s.UserOut, **USERS)
def reset_password(request: Request, who: Who, user_id: int, body: s.PasswordIn) -> Any:
    """Set a new password; the user's sessions and API tokens are revoked."""
    with uow(request) as session:
        auth.reset_password(session, who, user_id, body.password)
        return s.UserOut(**auth.get_user(session, who, user_id))


@router.get("/roles", response_model=list[s.RoleOut], tags=["users"])
def list_roles(who: Who) -> Any:
    """Every role and the record kinds it may create or change."""
    return [s.RoleOut(**r) for r in auth.role_rights()]
