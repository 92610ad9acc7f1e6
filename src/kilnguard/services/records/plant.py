"""Installation and plant structure: regions, enterprises, sections, kilns, crews, workers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TypeVar

from sqlalchemy.orm import Session

from kilnguard.domain import plant as rules
from kilnguard.domain.errors import ValidationError
from kilnguard.services import access, writes
from kilnguard.services.access import Principal
from kilnguard.services.records.batch import validate_batch, validate_with, write_all
from kilnguard.store.models import (
    Crew,
    Enterprise,
    Kiln,
    MaintenancePlan,
    Region,
    Section,
    Worker,
)

Owned = TypeVar("Owned", Crew, Section, Kiln, MaintenancePlan)
Structure = TypeVar("Structure", Region, Enterprise, Section, Kiln, Crew)


def require_own(
    session: Session,
    model: type[Owned],
    ident: int | None,
    owner_id: int,
    field: str,
    rule: str = "",
    owner: str = "enterprise_id",
) -> None:
    """Refuse a reference to a record (crew, section, kiln, maintenance plan) that does not
    belong where the new record does: by default, to the record's enterprise."""
    if ident is None:
        return
    row = session.get(model, ident)
    if row is None or getattr(row, owner) != owner_id:
        what = model.__tablename__.rstrip("s")
        raise ValidationError(field, ident, rule or f"no such {what} in this enterprise")


def _create(
    session: Session,
    who: Principal,
    row: Structure,
    kind: str,
    enterprise_id: int | None,
    checked: bool = True,
) -> Structure:
    """Write a new part of the plant's structure under the right `kind`; its audit entry names
    the record by its table (region, enterprise, section, kiln, crew). Installation-wide rows
    (`enterprise_id` None) come after `access.require_right`, hence unchecked."""
    return writes.write(
        session,
        who=who,
        row=row,
        action="create",
        kind=kind,
        entity=row.__tablename__.rstrip("s"),
        enterprise_id=enterprise_id,
        checked=checked and enterprise_id is not None,
    )


def create_region(session: Session, who: Principal, *, name: str, timezone: str = "UTC") -> Region:
    rules.require_text("name", name)
    access.require_right(who, "installation")
    return _create(session, who, Region(name=name, timezone=timezone), "installation", None)


def create_enterprise(
    session: Session, who: Principal, *, region_id: int, name: str, tier: int, sector: str
) -> Enterprise:
    rules.require_text("name", name)
    rules.validate_tier(tier)
    rules.require_text("sector", sector)
    access.require_right(who, "installation")
    if session.get(Region, region_id) is None:
        raise ValidationError("region_id", region_id, "no such region")
    ent = Enterprise(region_id=region_id, name=name, tier=tier, sector=sector)
    return _create(session, who, ent, "installation", None)


Named = TypeVar("Named", Section, Crew)


def _create_named(
    session: Session, who: Principal, model: type[Named], kind: str, enterprise_id: int, name: str
) -> Named:
    """A named part of an enterprise (a section of the plant, a crew of workers)."""
    rules.require_text("name", name)
    return _create(session, who, model(enterprise_id=enterprise_id, name=name), kind, enterprise_id)


def create_section(session: Session, who: Principal, *, enterprise_id: int, name: str) -> Section:
    return _create_named(session, who, Section, "plant", enterprise_id, name)


def create_crew(session: Session, who: Principal, *, enterprise_id: int, name: str) -> Crew:
    return _create_named(session, who, Crew, "worker", enterprise_id, name)


@dataclass(frozen=True)
class KilnIn:
    enterprise_id: int
    name: str
    kind: str
    rated_capacity_t_per_day: float
    max_temperature_c: float
    campaign_limit_days: int
    section_id: int | None = None
    lining_installed_on: dt.date | None = None
    lining_design_life_days: int | None = None
    source: str = "recorded"


def create_kiln(session: Session, who: Principal, data: KilnIn) -> Kiln:
    rules.require_text("name", data.name)
    validate_with(rules.validate_kiln, data)
    rules.require_choice("source", data.source, [s.value for s in rules.Source])
    access.require_write(session, who, "plant", data.enterprise_id)
    require_own(session, Section, data.section_id, data.enterprise_id, "section_id")
    return _create(session, who, Kiln(**asdict(data)), "plant", data.enterprise_id, checked=False)


@dataclass(frozen=True)
class WorkerIn:
    enterprise_id: int
    name: str
    crew_id: int | None = None
    job: str = "kiln operator"
    qualifications: tuple[str, ...] = ()
    source: str = "recorded"


def create_workers(session: Session, who: Principal, items: Sequence[WorkerIn]) -> list[Worker]:
    def check(_: int, w: WorkerIn) -> None:
        rules.require_text("name", w.name)
        for q in w.qualifications:
            rules.require_choice("qualifications", q, [k.value for k in rules.KilnKind])
        access.require_write(session, who, "worker", w.enterprise_id)
        require_own(session, Crew, w.crew_id, w.enterprise_id, "crew_id")

    validate_batch(items, check)
    rows = [Worker(**{**asdict(w), "qualifications": ",".join(w.qualifications)}) for w in items]
    return write_all(session, who, rows, kind="worker")
