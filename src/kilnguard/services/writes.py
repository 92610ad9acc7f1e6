"""The one write path: check → add → flush → one audit entry.

Every service write goes through `write` (keyword arguments only): it asks `services.access`
whether `who` may write this kind of record at this enterprise, adds the row, flushes so the row
has its id, and appends one hash-chained audit entry whose payload is the row as stored (or the
payload the caller gives, for an act that is not a whole row). Nothing commits here: the unit of
work does, or rolls everything back, audit entry included.

A change of state on a stored row (completing a work order, acknowledging an alert) is a
compare-and-set, `change`: `UPDATE … WHERE <the state the caller checked>`, refused as a
`Conflict` when a concurrent request changed it first. `locked` re-reads a row under a row lock
(PostgreSQL `FOR UPDATE`; SQLite write units of work are serialised already) for checks that
span more than the row (a deferral compared with the order's earlier deferrals).

`now(session)` is the unit of work's clock: services never read the machine clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import inspect, select, update
from sqlalchemy.orm import Session

from kilnguard.domain.errors import Conflict
from kilnguard.services import access, audit
from kilnguard.services.access import Principal
from kilnguard.store.db import clock_of
from kilnguard.store.models import Base

R = TypeVar("R", bound=Base)


def now(session: Session) -> dt.datetime:
    """The current time of this unit of work's clock (timezone-aware, UTC)."""
    return clock_of(session).now()


def today(session: Session) -> dt.date:
    """Today's date (UTC) by this unit of work's clock."""
    return now(session).date()


def locked(session: Session, model: type[R], ident: int) -> R | None:
    """Row `ident` of `model` as committed now, locked until the unit of work ends (FOR UPDATE
    on PostgreSQL; SQLite serialises write units of work). None when there is no such row."""
    stmt = (
        select(model)
        .where(model.id == ident)  # type: ignore[attr-defined]
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.scalars(stmt).first()


def change(
    session: Session,
    row: Base,
    *,
    expect: Mapping[str, Any],
    values: Mapping[str, Any],
    conflict: str,
) -> None:
    """Compare-and-set: store `values` on `row` only if its columns still hold `expect` (None:
    IS NULL); otherwise a concurrent request changed it first and `Conflict(conflict)` is
    raised. Call it after the checks, before the row's `write` (its audit entry)."""
    model = type(row)
    where = [
        getattr(model, k).is_(None) if v is None else getattr(model, k) == v
        for k, v in expect.items()
    ]
    stmt = (
        update(model)
        .where(model.id == row.id, *where)  # type: ignore[attr-defined]
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if session.execute(stmt).rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(conflict)
    for key, value in values.items():
        # set as a change of the row too (the flush repeats the same values), so that what
        # follows writes (after-flush hooks: the live risk levels) see the old and new values
        setattr(row, key, value)


def record_payload(row: Base) -> dict[str, Any]:
    """Column values of a row as stored, for its audit entry."""
    mapper = inspect(row).mapper
    return {c.key: getattr(row, c.key) for c in mapper.column_attrs}


def write(
    session: Session,
    *,
    who: Principal,
    row: R,
    action: str,
    kind: str,
    enterprise_id: int | None,
    entity: str | None = None,
    payload: Mapping[str, Any] | None = None,
    on_behalf_of: Mapping[str, str] | None = None,
    at: dt.datetime | None = None,
    checked: bool = True,
) -> R:
    """Write `row` as `who` and append its one audit entry; return the row (with its id).

    For a batch, `session.add_all(rows)` first, then `write` each row: one flush inserts the
    batch, and the entries follow in one more.

    - `kind` names the right checked in `access.RIGHTS` (`production_record`, `investigation`,
      …); `entity` is the audit entry's record name when it differs (default: `kind`).
    - `enterprise_id` is the enterprise the row belongs to, for the check and the audit entry;
      None only for installation-wide rows (regions, users, bulletins), which need
      `checked=False` after the caller's own `access.require_right`/`require_region_write`.
    - `checked=False` also serves rows written as a consequence of an act already checked in the
      same call (a deferral with its work order); it never skips the audit entry.
    - `payload` replaces the row's columns in the audit entry (for acts on an existing row, say
      what changed); `on_behalf_of` records the person and role an admin acted for.
    """
    if checked:
        if enterprise_id is None:
            raise ValueError("a checked write names the enterprise it belongs to")
        access.require_write(session, who, kind, enterprise_id)
    session.add(row)
    if inspect(row).key is None:
        # A new row needs its id for the entry. Rows added as a batch are flushed together by
        # the first of them; an act on a stored row is flushed with the unit of work.
        session.flush()
    body = dict(payload) if payload is not None else record_payload(row)
    if on_behalf_of:
        body["on_behalf_of"] = dict(on_behalf_of)
    audit.append(
        session,
        actor=who.username,
        action=action,
        entity=entity or kind,
        entity_id=row.id,  # type: ignore[attr-defined]
        enterprise_id=enterprise_id,
        payload=body,
        at=at,
    )
    return row


def write_own(
    session: Session,
    *,
    who: Principal,
    row: R,
    action: str,
    kind: str,
    entity: str | None = None,
    payload: Mapping[str, Any] | None = None,
    at: dt.datetime | None = None,
    checked: bool = True,
) -> R:
    """`write` for a row that names its own enterprise (`row.enterprise_id`)."""
    return write(
        session,
        who=who,
        row=row,
        action=action,
        kind=kind,
        enterprise_id=row.enterprise_id,  # type: ignore[attr-defined]
        entity=entity,
        payload=payload,
        at=at,
        checked=checked,
    )
