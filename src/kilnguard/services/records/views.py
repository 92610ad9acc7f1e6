"""Read views of plant records for the front ends (REST, pages): plain values, no ORM rows.

Every read goes through the tenancy choke point: lists through `access.scoped`, one record
through `access.get_readable`, so a record of another enterprise reads exactly like a missing
one. REST lists and single records are the record's stored columns as a mapping (a work order
with its deferrals); the kiln pages get typed views.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.services import access, writes
from kilnguard.services.access import Principal
from kilnguard.store import models as m

#: Record kinds by their URL segment: (table, columns a list may be filtered on).
RECORD_KINDS: dict[str, tuple[type[m.Base], tuple[str, ...]]] = {
    "enterprises": (m.Enterprise, ("region_id",)),
    "sections": (m.Section, ("enterprise_id",)),
    "kilns": (m.Kiln, ("enterprise_id", "section_id")),
    "crews": (m.Crew, ("enterprise_id",)),
    "workers": (m.Worker, ("enterprise_id", "crew_id")),
    "production-records": (m.ProductionRecord, ("enterprise_id", "kiln_id")),
    "shifts": (m.Shift, ("enterprise_id", "kiln_id", "worker_id")),
    "work-orders": (m.WorkOrder, ("enterprise_id", "kiln_id")),
    "maintenance-plans": (m.MaintenancePlan, ("enterprise_id", "kiln_id")),
    "planned-stops": (m.PlannedStop, ("enterprise_id", "kiln_id")),
    "targets": (m.Target, ("enterprise_id",)),
    "incidents": (m.Incident, ("enterprise_id", "kiln_id")),
}

Values = dict[str, Any]


def segment_of(model: type[m.Base]) -> str:
    """The URL segment of a record table (`RECORD_KINDS`' key)."""
    return next(k for k, (table, _) in RECORD_KINDS.items() if table is model)


def record_values(row: m.Base) -> Values:
    """A record's stored columns; a work order also lists its deferrals, oldest first."""
    values = writes.record_payload(row)
    if isinstance(row, m.WorkOrder):
        values["deferrals"] = [writes.record_payload(d) for d in row.deferrals]
    return values


def list_records(
    session: Session,
    who: Principal,
    *,
    kind: str,
    filters: Mapping[str, int | None],
    limit: int,
    offset: int,
    include_voided: bool = False,
) -> list[Values]:
    """Records of `kind` that `who` may read, by id, narrowed by the kind's filter columns;
    voided records only when asked for (they are kept, but no longer count)."""
    model, columns = RECORD_KINDS[kind]
    stmt = access.scoped(session, who, select(model), model)
    if not include_voided and issubclass(model, m.Voidable):
        stmt = stmt.where(model.voided_at.is_(None))
    for col in columns:
        if filters.get(col) is not None:
            stmt = stmt.where(getattr(model, col) == filters[col])
    stmt = stmt.order_by(model.id).limit(limit).offset(offset)  # type: ignore[attr-defined]
    return [record_values(r) for r in session.scalars(stmt)]


def get_record(session: Session, who: Principal, *, kind: str, record_id: int) -> Values:
    """One record of `kind` (NotFound when absent or not `who`'s to read)."""
    model, _ = RECORD_KINDS[kind]
    row = access.get_readable(session, who, model, record_id)
    session.refresh(row)  # a work order deferred in this unit of work shows its new deferral
    return record_values(row)


# ------------------------------------------------------------------------------ kiln pages
@dataclass(frozen=True)
class EnterpriseView:
    """An enterprise as pages show it, with its plant's time zone."""

    id: int
    name: str
    region_id: int
    timezone: str


@dataclass(frozen=True)
class KilnRef:
    """The kiln a kiln-page panel of another feature is built for."""

    id: int
    enterprise_id: int
    name: str


@dataclass(frozen=True)
class KilnPage:
    """Everything the kiln page lists: the latest 30 of each record kind, the workers."""

    kiln: Values  # its columns, and "section": {"id", "name"} or None
    ref: KilnRef
    enterprise: EnterpriseView
    production: list[Values]
    work_orders: list[Values]
    shifts: list[Values]
    workers: list[Values]


def enterprise_view(ent: m.Enterprise) -> EnterpriseView:
    return EnterpriseView(ent.id, ent.name, ent.region_id, ent.region.timezone)


def kiln_values(kiln: m.Kiln) -> Values:
    """A kiln's columns with its section's id and name (pages show the section by name)."""
    sec = kiln.section
    return {**record_values(kiln), "section": {"id": sec.id, "name": sec.name} if sec else None}


def readable_enterprises(session: Session, who: Principal) -> dict[int, EnterpriseView]:
    """The enterprises `who` may read, by id (in name order)."""
    return {e.id: enterprise_view(e) for e in access.readable_enterprises(session, who)}


def kilns_by_enterprise(session: Session, who: Principal) -> dict[str, list[Values]]:
    """The kilns `who` may read, grouped under their enterprise's name."""
    ents = readable_enterprises(session, who)
    stmt = access.scoped(session, who, select(m.Kiln), m.Kiln)
    groups: dict[str, list[Values]] = {}
    for k in session.scalars(stmt.order_by(m.Kiln.enterprise_id, m.Kiln.name)):
        groups.setdefault(ents[k.enterprise_id].name, []).append(kiln_values(k))
    return groups


def enterprise_of_kiln(session: Session, who: Principal, kiln_id: int) -> EnterpriseView:
    """The enterprise of a kiln `who` may read (for its plant's time zone)."""
    kiln = access.get_readable(session, who, m.Kiln, kiln_id)
    return enterprise_view(_enterprise(session, kiln))


def _enterprise(session: Session, kiln: m.Kiln) -> m.Enterprise:
    ent = session.get(m.Enterprise, kiln.enterprise_id)
    assert ent is not None  # a foreign key: the kiln's enterprise exists
    return ent


def _latest(session: Session, model: Any, kiln_id: int, *order: Any) -> list[Values]:
    stmt = select(model).where(model.kiln_id == kiln_id).order_by(*order).limit(30)
    return [record_values(r) for r in session.scalars(stmt)]


def kiln_page(session: Session, who: Principal, kiln_id: int) -> KilnPage:
    """The kiln page's records (NotFound when the kiln is not `who`'s to read)."""
    kiln = access.get_readable(session, who, m.Kiln, kiln_id)
    P, W, S = m.ProductionRecord, m.WorkOrder, m.Shift
    workers: Sequence[m.Worker] = session.scalars(
        select(m.Worker).where(m.Worker.enterprise_id == kiln.enterprise_id).order_by(m.Worker.name)
    ).all()
    return KilnPage(
        kiln=kiln_values(kiln),
        ref=KilnRef(kiln.id, kiln.enterprise_id, kiln.name),
        enterprise=enterprise_view(_enterprise(session, kiln)),
        production=_latest(session, P, kiln_id, P.day.desc(), P.shift_no.desc(), P.id.desc()),
        work_orders=_latest(session, W, kiln_id, W.due_on.desc()),
        shifts=_latest(session, S, kiln_id, S.start_at.desc()),
        workers=[record_values(w) for w in workers],
    )
