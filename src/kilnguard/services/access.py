"""Tenancy choke point: the one place that decides which records a user may see or change.

Every route and command asks here. "Absent" and "not yours" give the same `NotFound`, so a user
of enterprise A cannot even learn that a record of enterprise B exists. Regulators read every
enterprise of their region and change none; admins administer the whole installation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from kilnguard.domain.errors import NotFound, PermissionDenied
from kilnguard.domain.roles import Role, may_write
from kilnguard.store.models import Base, Enterprise, User

M = TypeVar("M", bound=Base)


@dataclass(frozen=True)
class Principal:
    """The authenticated user as the services see it."""

    user_id: int
    username: str
    role: Role
    region_id: int | None
    enterprise_ids: frozenset[int]

    @classmethod
    def of(cls, user: User) -> Principal:
        return cls(user.id, user.username, Role(user.role), user.region_id, user.enterprise_ids)


SYSTEM = Principal(0, "system", Role.ADMIN, None, frozenset())


def readable_enterprise_ids(session: Session, who: Principal) -> frozenset[int] | None:
    """Enterprise ids `who` may read; None means every enterprise (admin)."""
    if who.role is Role.ADMIN:
        return None
    if who.role is Role.REGULATOR and who.region_id is not None:
        ids = session.scalars(select(Enterprise.id).where(Enterprise.region_id == who.region_id))
        return frozenset(ids) | who.enterprise_ids
    return who.enterprise_ids


def writable_enterprise_ids(who: Principal) -> frozenset[int] | None:
    """Enterprise ids `who` may change; None means every enterprise (admin)."""
    if who.role is Role.ADMIN:
        return None
    if who.role is Role.REGULATOR:
        return frozenset()
    return who.enterprise_ids


def scoped(session: Session, who: Principal, stmt: Select[Any], model: type[Base]) -> Select[Any]:
    """Restrict a SELECT on a tenant table to the enterprises `who` may read."""
    ids = readable_enterprise_ids(session, who)
    if ids is None:
        return stmt
    column = Enterprise.id if model is Enterprise else model.enterprise_id  # type: ignore[attr-defined]
    return stmt.where(column.in_(ids))


def get_readable(session: Session, who: Principal, model: type[M], ident: int) -> M:
    """Fetch one record `who` may read, or raise NotFound (also when it belongs elsewhere)."""
    obj = session.get(model, ident)
    if obj is None:
        raise NotFound(model.__tablename__.rstrip("s").replace("_", " "), ident)
    enterprise_id = obj.id if isinstance(obj, Enterprise) else obj.enterprise_id  # type: ignore[attr-defined]
    ids = readable_enterprise_ids(session, who)
    if ids is not None and enterprise_id not in ids:
        raise NotFound(model.__tablename__.rstrip("s").replace("_", " "), ident)
    return obj


def require_role(who: Principal, *roles: Role) -> None:
    """Refuse unless `who` has one of `roles` (e.g. installation set-up is for admins)."""
    if who.role not in roles:
        names = ", ".join(r.value for r in roles)
        raise PermissionDenied(f"only {names} may do this; you are {who.role.value}")


def require_write(session: Session, who: Principal, kind: str, enterprise_id: int) -> None:
    """Refuse a write outside `who`'s enterprises (NotFound) or beyond their role (403)."""
    ids = writable_enterprise_ids(who)
    if ids is not None and enterprise_id not in ids:
        readable = readable_enterprise_ids(session, who)
        if readable is not None and enterprise_id not in readable:
            raise NotFound("enterprise", enterprise_id)
        raise PermissionDenied(f"role {who.role.value} may not change records of this enterprise")
    if not may_write(who.role, kind):
        raise PermissionDenied(
            f"role {who.role.value} may not create or change {kind.replace('_', ' ')}s"
        )
