"""What every change-control act shares: the policy, the change's reference, who acts (in their
own role, or recorded on behalf of someone by the demo builder), and the one way an act is
checked and written (`acting` opens every act; `Acting.add` builds the change's record and writes
it through `services.writes.write`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain import change as dc
from kilnguard.domain.errors import NotFound, ValidationError
from kilnguard.domain.roles import Role
from kilnguard.domain.validation import parse_choice
from kilnguard.services import access, writes
from kilnguard.services.access import Principal
from kilnguard.store.change_models import ChangeHazardZoneRow, ChangeRequestRow
from kilnguard.store.models import Base

R = TypeVar("R", bound=Base)
C = TypeVar("C", bound=Base)

CHANGE_POLICY = dc.ChangePolicy()
"""The installation's change-control policy: the domain default — the technical lead's, the
safety officer's and the plant manager's approvals for every change kind (issue 5)."""

ENTITY = "change_request"
"""The right checked for acting on a change, and the audit entity of the change itself."""


OBJECTION = "change_objection"
"""The right checked for objecting to a change or withdrawing one's objection: wider than
acting on a change, since anyone who oversees the plant (a regulator too) may dissent."""


def ref(change_id: int) -> str:
    """The change's reference as people read it: ``CR-12``."""
    return f"CR-{change_id}"


@dataclass(frozen=True)
class OnBehalf:
    """An act recorded by `by` (an admin: the demo builder) for a named person and role, at the
    time it happened (`when`; None: now), in reconstructions. Passed wherever an act takes
    `who`, so every act has one signature whoever takes it."""

    by: Principal
    person: str
    role: str
    when: dt.datetime | None = None

    def at(self, when: dt.datetime) -> OnBehalf:
        """The same person recorded acting at `when`."""
        return replace(self, when=when)


Who = Principal | OnBehalf
"""Who takes an act: the logged-in person in their own role, or an admin recording for someone."""


def aware(field: str, value: dt.datetime | None) -> None:
    """Refuse a naive time (None passes: the field was not given)."""
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValidationError(field, value.isoformat(), "must carry a time zone")


def principal_of(who: Who) -> Principal:
    """The logged-in person whose rights are checked (the admin, when recording for someone)."""
    return who.by if isinstance(who, OnBehalf) else who


def actor_of(who: Who) -> dc.Actor:
    """Who the domain sees acting: `who` in their own role, or the person recorded on behalf."""
    if not isinstance(who, OnBehalf):
        return dc.Actor(person_id=who.username, role=who.role)
    access.require_right(who.by, "act_on_behalf")
    return dc.Actor(person_id=who.person, role=parse_choice(Role, "role", who.role))


def when_of(session: Session, who: Who) -> dt.datetime:
    """The time of the act: the recorded time of a reconstruction, else the unit of work's now."""
    when = who.when if isinstance(who, OnBehalf) else None
    return when or writes.now(session)


def get_change(session: Session, who: Principal, change_id: int) -> ChangeRequestRow:
    """One change `who` may read, or NotFound (also when it belongs to another enterprise)."""
    return access.get_readable(session, who, ChangeRequestRow, change_id)


def child(session: Session, model: type[C], change: ChangeRequestRow, ident: int, kind: str) -> C:
    """A record `ident` of `model` that belongs to `change`, or NotFound (`kind` names it)."""
    found = session.get(model, ident)
    if found is None or getattr(found, "change_id", None) != change.id:
        raise NotFound(kind, ident)
    return found


def rows(session: Session, model: type[Any], change_id: int, *order: Any) -> list[Any]:
    """The records of one change in `model`, in `order` then by id."""
    stmt = select(model).where(model.change_id == change_id).order_by(*order, model.id)
    return list(session.scalars(stmt))


def zone_row(session: Session, change_id: int) -> ChangeHazardZoneRow | None:
    """The change's hazard zone as stored, if one is defined."""
    return session.scalar(
        select(ChangeHazardZoneRow).where(ChangeHazardZoneRow.change_id == change_id)
    )


@dataclass(frozen=True)
class Acting:
    """An act on one change, already allowed by `services.access`: the change, the domain's
    actor, the time of the act, and the right it was checked against."""

    session: Session
    who: Principal
    change: ChangeRequestRow
    actor: dc.Actor
    at: dt.datetime
    kind: str = ENTITY

    @property
    def on_behalf_of(self) -> dict[str, str] | None:
        """The person and role the audit entry names when someone records for another."""
        if self.actor.person_id == self.who.username:
            return None
        return {"person": self.actor.person_id, "role": self.actor.role.value}

    def signed(self, by: str, at: str = "at", role: str | None = "role") -> dict[str, Any]:
        """Who acted, in which role, and when, under the record's own column names."""
        out: dict[str, Any] = {by: self.actor.person_id, at: self.at}
        if role is not None:
            out[role] = self.actor.role.value
        return out

    def add(
        self,
        model: type[R],
        *,
        action: str,
        entity: str,
        payload: Mapping[str, Any],
        checked: bool = True,
        **fields: Any,
    ) -> R:
        """Write a new record of this change (`build`) with its one audit entry (`payload`)."""
        row = self.build(model, **fields)
        return self.record(row, action=action, entity=entity, payload=payload, checked=checked)

    def build(self, model: type[R], **fields: Any) -> R:
        """A new record of this change: `fields`, plus its enterprise, change and source."""
        return model(
            enterprise_id=self.change.enterprise_id,
            change_id=self.change.id,
            source=self.change.source,
            **fields,
        )

    def record(
        self, row: R, *, action: str, entity: str, payload: Mapping[str, Any], checked: bool = True
    ) -> R:
        """Write `row` with its one audit entry (`payload`), through the one write path."""
        return writes.write(
            self.session,
            who=self.who,
            row=row,
            action=action,
            kind=self.kind,
            entity=entity,
            enterprise_id=self.change.enterprise_id,
            payload=payload,
            on_behalf_of=self.on_behalf_of,
            checked=checked,
        )


def acting(
    session: Session, who: Who, change: int | ChangeRequestRow, *, kind: str = ENTITY
) -> Acting:
    """Find the change (NotFound outside what `who` may read), check that `who` may act on it
    (`kind`: the right in `access.RIGHTS`), and name the actor; the domain then decides the act."""
    user = principal_of(who)
    row = change if isinstance(change, ChangeRequestRow) else get_change(session, user, change)
    access.require_write(session, user, kind, row.enterprise_id)
    actor = actor_of(who)
    return Acting(session, user, row, actor, when_of(session, who), kind)
