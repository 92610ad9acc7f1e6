"""The one write path: check → add → flush → one audit entry.

Every service write goes through `write` (keyword arguments only): it asks `services.access`
whether `who` may write this kind of record at this enterprise, adds the row, flushes so the row
has its id, and appends one hash-chained audit entry whose payload is the row as stored (or the
payload the caller gives, for an act that is not a whole row). Nothing commits here: the unit of
work does, or rolls everything back, audit entry included.

`now(session)` is the unit of work's clock: services never read the machine clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import inspect
from sqlalchemy.orm import Session

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
