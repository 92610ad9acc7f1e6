"""What every investigation write shares: reading the investigation an act is about, checking
the investigation right before anything is validated, and adding a record to an investigation
(it takes the investigation's enterprise) through the one write path."""

from __future__ import annotations

import datetime as dt
from typing import Protocol, TypeVar, cast

from sqlalchemy.orm import Session

from kilnguard.services import access, writes
from kilnguard.services.access import Principal
from kilnguard.store.investigation_models import Investigation
from kilnguard.store.models import Base

R = TypeVar("R", bound=Base)

KIND = "investigation"
"""The right (access.RIGHTS) every investigation record is written under."""


def at_or_now(session: Session, at: dt.datetime | None) -> dt.datetime:
    """`at` when a record brings its own time (imports, the demo), else the unit of work's."""
    return at if at is not None else writes.now(session)


def investigation_of(
    session: Session, who: Principal, investigation_id: int, *, writing: bool = False
) -> Investigation:
    """The investigation `who` may read (NotFound otherwise); with `writing`, also refuse
    (403) unless `who` may work on it — checked before the act is validated."""
    inv = access.get_readable(session, who, Investigation, investigation_id)
    if writing:
        access.require_write(session, who, KIND, inv.enterprise_id)
    return inv


class _OfInvestigation(Protocol):
    enterprise_id: int
    investigation_id: int
    source: str


def add_to(
    session: Session, who: Principal, inv: Investigation, row: R, *, entity: str, source: str
) -> R:
    """Write `row` as a new record of investigation `inv` (a finding, a note, a controller, an
    action): it belongs to the investigation and its enterprise, and carries its provenance."""
    owned = cast(_OfInvestigation, row)
    owned.enterprise_id = inv.enterprise_id
    owned.investigation_id = inv.id
    owned.source = source
    return writes.write_own(session, who=who, row=row, action="create", kind=KIND, entity=entity)
