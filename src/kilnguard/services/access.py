"""Tenancy and rights: the one place that decides which records a user may see or change.

Every route, command and service asks here; no other module compares roles or filters by the
enterprises a user belongs to (a test scans the source for it). "Absent" and "not yours" give
the same `NotFound`, so a user of enterprise A cannot even learn that a record of enterprise B
exists. Plant users read and write their own enterprises, within their role's rights; regulators
read every enterprise of their region and do only what `RIGHTS` grants them there, written out
per record kind; admins administer the whole installation.

The change-control workflow's own role rules (who reviews, who may overrule whom) are domain
rules (`domain.change`); what is decided here is whether a user may act on a change at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, select, true
from sqlalchemy.orm import Session

from kilnguard.domain.errors import NotFound, PermissionDenied, ValidationError
from kilnguard.domain.roles import Role
from kilnguard.store.models import Base, Enterprise, User, UserEnterprise

M = TypeVar("M", bound=Base)

PLANT_ROLES: frozenset[Role] = frozenset(
    {
        Role.OPERATOR,
        Role.TECHNICIAN,
        Role.TECHNICAL_LEAD,
        Role.MAINTENANCE,
        Role.SAFETY_OFFICER,
        Role.MANAGER,
    }
)
"""Roles that work in a plant (every role but investigator, regulator and admin)."""


@dataclass(frozen=True)
class Right:
    """Who may create or change one kind of record.

    `roles` act in their own enterprises (an admin, when listed, everywhere). `regulator`, when
    not empty, says what a regulator may do with this kind anywhere in their region; when empty,
    regulators may not write it at all.
    """

    roles: frozenset[Role]
    regulator: str = ""


def _right(*roles: Role, regulator: str = "") -> Right:
    return Right(frozenset(roles), regulator)


RIGHTS: dict[str, Right] = {
    # installation
    "installation": _right(Role.ADMIN),  # regions, enterprises
    "user": _right(Role.ADMIN),
    "act_on_behalf": _right(Role.ADMIN),  # the demo builder records reconstructed acts
    "audit_log": _right(
        Role.ADMIN,
        Role.SAFETY_OFFICER,
        Role.INVESTIGATOR,
        Role.REGULATOR,
        regulator="verify the installation's audit chain",
    ),
    # plant records
    "plant": _right(Role.ADMIN, Role.MANAGER),  # sections, kilns
    "production_record": _right(
        Role.OPERATOR,
        Role.TECHNICIAN,
        Role.TECHNICAL_LEAD,
        Role.MANAGER,
        Role.SAFETY_OFFICER,
        Role.ADMIN,
    ),
    "shift": _right(Role.MANAGER, Role.SAFETY_OFFICER, Role.OPERATOR, Role.ADMIN),
    "worker": _right(Role.MANAGER, Role.ADMIN),  # workers and crews
    "work_order": _right(Role.MAINTENANCE, Role.MANAGER, Role.SAFETY_OFFICER, Role.ADMIN),
    "maintenance_plan": _right(Role.MAINTENANCE, Role.SAFETY_OFFICER, Role.ADMIN),
    "planned_stop": _right(Role.MANAGER, Role.MAINTENANCE, Role.ADMIN),
    "target": _right(Role.MANAGER, Role.ADMIN),
    "plan_adoption": _right(Role.MANAGER, Role.ADMIN),
    # risk and alerts: any named member of the enterprise (the service also requires
    # membership, so an admin acknowledges only where they are a member)
    "alert_acknowledgement": Right(PLANT_ROLES | {Role.INVESTIGATOR, Role.ADMIN}),
    # change control: whether one may act on a change at all; the domain decides each act
    "change_request": Right(PLANT_ROLES | {Role.INVESTIGATOR, Role.ADMIN}),
    "change_objection": Right(
        PLANT_ROLES | {Role.INVESTIGATOR, Role.ADMIN, Role.REGULATOR},
        regulator="object to a change at any enterprise of their region, and withdraw their "
        "own objection (the domain lets anyone dissent; nobody may overrule a regulator)",
    ),
    "change_firing_abort": Right(
        PLANT_ROLES | {Role.ADMIN, Role.REGULATOR},
        regulator="stop a firing in progress at any enterprise of their region",
    ),
    "change_notification": _right(
        Role.REGULATOR,
        regulator="mark the overrule notifications of their region read",
    ),
    # incidents and investigations
    "incident": Right(PLANT_ROLES | {Role.INVESTIGATOR, Role.ADMIN}),
    "investigation": _right(Role.INVESTIGATOR, Role.SAFETY_OFFICER, Role.MANAGER, Role.ADMIN),
    "bulletin": _right(
        Role.REGULATOR,
        Role.ADMIN,
        regulator="send bulletins to the enterprises of their region and remind the ones "
        "that have not acknowledged",
    ),
    "bulletin_acknowledgement": _right(Role.MANAGER, Role.SAFETY_OFFICER, Role.ADMIN),
}
"""Every right in the installation, by record kind. Regulators' rights are the `regulator`
entries: read everything of their region, and write only what is spelled out here."""


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


# ------------------------------------------------------------------------------------ reading
def readable_enterprise_ids(session: Session, who: Principal) -> frozenset[int] | None:
    """Enterprise ids `who` may read; None means every enterprise (admin)."""
    if who.role is Role.ADMIN:
        return None
    if who.role is Role.REGULATOR and who.region_id is not None:
        ids = session.scalars(select(Enterprise.id).where(Enterprise.region_id == who.region_id))
        return frozenset(ids) | who.enterprise_ids
    return who.enterprise_ids


def may_read_enterprise(session: Session, who: Principal, enterprise_id: int) -> bool:
    """True when `who` may read the records of enterprise `enterprise_id`."""
    ids = readable_enterprise_ids(session, who)
    return ids is None or enterprise_id in ids


def require_readable_enterprise(session: Session, who: Principal, enterprise_id: int) -> None:
    """Refuse (NotFound, like a missing enterprise) unless `who` may read `enterprise_id`."""
    if not may_read_enterprise(session, who, enterprise_id):
        raise NotFound("enterprise", enterprise_id)


def enterprise_filter(session: Session, who: Principal, column: Any) -> ColumnElement[bool]:
    """A WHERE clause keeping rows whose enterprise column `who` may read."""
    ids = readable_enterprise_ids(session, who)
    if ids is None:
        return true()
    clause: ColumnElement[bool] = column.in_(ids)
    return clause


def scoped(session: Session, who: Principal, stmt: Select[Any], model: type[Base]) -> Select[Any]:
    """Restrict a SELECT on a tenant table to the enterprises `who` may read."""
    column = Enterprise.id if model is Enterprise else model.enterprise_id  # type: ignore[attr-defined]
    return stmt.where(enterprise_filter(session, who, column))


def readable_enterprises(session: Session, who: Principal) -> list[Enterprise]:
    """Every enterprise `who` may read, by name."""
    stmt = scoped(session, who, select(Enterprise), Enterprise).order_by(Enterprise.name)
    return list(session.scalars(stmt))


def get_readable(session: Session, who: Principal, model: type[M], ident: int) -> M:
    """Fetch one record `who` may read, or raise NotFound (also when it belongs elsewhere)."""
    obj = session.get(model, ident)
    kind = model.__tablename__.rstrip("s").replace("_", " ")
    if obj is None:
        raise NotFound(kind, ident)
    enterprise_id = obj.id if isinstance(obj, Enterprise) else obj.enterprise_id  # type: ignore[attr-defined]
    if not may_read_enterprise(session, who, enterprise_id):
        raise NotFound(kind, ident)
    return obj


def sees_region(who: Principal) -> bool:
    """True for users whose natural view is a whole region (regulators) or everything (admin)."""
    return who.role in (Role.REGULATOR, Role.ADMIN)


def oversees_region(who: Principal, region_id: int | None) -> bool:
    """True when `who` oversees region `region_id`: its regulator, or an admin."""
    return who.role is Role.ADMIN or (who.role is Role.REGULATOR and who.region_id == region_id)


def memberships(who: Principal) -> list[int]:
    """The enterprises `who` belongs to by name, sorted (what `/me` shows)."""
    return sorted(who.enterprise_ids)


def is_member(who: Principal, enterprise_id: int) -> bool:
    """True when `who` belongs to enterprise `enterprise_id` (admins and regulators by name only)."""
    return enterprise_id in who.enterprise_ids


# ------------------------------------------------------------------------------------ writing
def _right_of(kind: str) -> Right:
    try:
        return RIGHTS[kind]
    except KeyError:
        raise ValueError(
            f"no right is defined for record kind {kind!r}: add it to RIGHTS"
        ) from None


def _words(kind: str) -> str:
    return kind.replace("_", " ")


def may(who: Principal, kind: str) -> bool:
    """True when `who`'s role may write `kind` somewhere (for showing or hiding a form)."""
    right = _right_of(kind)
    return who.role in right.roles or (who.role is Role.REGULATOR and bool(right.regulator))


def require_right(who: Principal, kind: str) -> None:
    """Refuse unless `who`'s role holds the right `kind` (installation-level acts)."""
    if not may(who, kind):
        raise PermissionDenied(f"role {who.role.value} may not do this ({_words(kind)})")


def require_write(session: Session, who: Principal, kind: str, enterprise_id: int) -> None:
    """Refuse a write of `kind` at `enterprise_id`: NotFound outside what `who` may read, 403
    beyond their role or outside their enterprises."""
    right = _right_of(kind)
    if who.role is Role.ADMIN:
        if Role.ADMIN not in right.roles:
            raise PermissionDenied(f"an admin may not create or change {_words(kind)}s")
        return
    require_readable_enterprise(session, who, enterprise_id)
    if who.role is Role.REGULATOR:
        if right.regulator and who.region_id is not None:
            ent = session.get(Enterprise, enterprise_id)
            if ent is not None and ent.region_id == who.region_id:
                return
        raise PermissionDenied(f"role {who.role.value} may not change records of this enterprise")
    if enterprise_id not in who.enterprise_ids:
        raise PermissionDenied(f"role {who.role.value} may not change records of this enterprise")
    if who.role not in right.roles:
        raise PermissionDenied(f"role {who.role.value} may not create or change {_words(kind)}s")


def may_write(session: Session, who: Principal, kind: str, enterprise_id: int) -> bool:
    """True when `require_write` would let `who` write `kind` at `enterprise_id`."""
    try:
        require_write(session, who, kind, enterprise_id)
    except (NotFound, PermissionDenied):
        return False
    return True


def require_region_write(who: Principal, kind: str, region_id: int) -> None:
    """Refuse a region-wide write of `kind` (a bulletin) unless `who` oversees `region_id` and
    holds the right."""
    right = _right_of(kind)
    if who.role is Role.ADMIN and Role.ADMIN in right.roles:
        return
    if who.role is Role.REGULATOR and right.regulator and who.region_id == region_id:
        return
    if who.role is Role.REGULATOR and right.regulator:
        raise PermissionDenied("a regulator acts only within their own region")
    raise PermissionDenied(f"role {who.role.value} may not do this ({_words(kind)})")


# ------------------------------------------------------------------------------------ people
def members_with_role(session: Session, enterprise_id: int, role: Role) -> list[str]:
    """Active users of `enterprise_id` in `role`, by user name (e.g. managers to escalate to)."""
    return list(
        session.scalars(
            select(User.username)
            .join(UserEnterprise, UserEnterprise.user_id == User.id)
            .where(
                UserEnterprise.enterprise_id == enterprise_id,
                User.role == role.value,
                User.active,
            )
            .order_by(User.username)
        )
    )


def regulators_of(session: Session, region_id: int | None) -> list[str]:
    """Active regulators of region `region_id`, by user name."""
    return list(
        session.scalars(
            select(User.username)
            .where(User.role == Role.REGULATOR.value, User.region_id == region_id, User.active)
            .order_by(User.username)
        )
    )


def check_membership(role: Role, region_id: int | None, enterprise_ids: Iterable[int]) -> None:
    """A new user's memberships must fit their role: a regulator oversees a region, a plant user
    belongs to at least one enterprise."""
    if role is Role.REGULATOR and region_id is None:
        raise ValidationError("region_id", None, "a regulator oversees a region: give its id")
    if role not in (Role.REGULATOR, Role.ADMIN) and not list(enterprise_ids):
        raise ValidationError(
            "enterprise_ids", [], "a plant user belongs to at least one enterprise"
        )
