"""Installation and plant structure: regions, enterprises, sections, kilns, crews, workers.

Creating a unit checks its fields (naming field, value and rule), its name's uniqueness where
it is a natural key (region and enterprise names; section, kiln and crew names in their
enterprise; worker numbers in theirs), and that the units it is placed in are not retired: a
retired region, enterprise, section or crew takes no new records. Edits and retirements are
in `services.records.setup`.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain import plant as rules
from kilnguard.domain.errors import ValidationError
from kilnguard.services import access, writes
from kilnguard.services.access import Principal
from kilnguard.services.records.batch import (
    one,
    require_active,
    validate_batch,
    validate_with,
    write_all,
)
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


# ------------------------------------------------------------------------------ shared rules
def require_own(
    session: Session,
    model: type[Owned],
    ident: int | None,
    owner_id: int,
    field: str,
    rule: str = "",
    owner: str = "enterprise_id",
    active: bool = True,
) -> None:
    """Refuse a reference to a record (crew, section, kiln, maintenance plan) that does not
    belong where the new record does (by default, to the record's enterprise), or, unless
    `active` is False, that is retired (a retired kiln, section or crew takes no new records;
    a record that must never be refused, an incident report, passes `active=False`)."""
    if ident is None:
        return
    row = session.get(model, ident)
    if row is None or getattr(row, owner) != owner_id:
        what = model.__tablename__.rstrip("s")
        raise ValidationError(field, ident, rule or f"no such {what} in this enterprise")
    if active:
        require_active(row, field)


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(timezone: str) -> None:
    """Refuse anything but an IANA time zone name (`Asia/Pyongyang`, `UTC`): plant-local
    days and shift times are computed in it."""
    ok = timezone in _zones()
    if not ok and timezone and "/" in timezone and not timezone.startswith(("/", ".")):
        try:  # a zone the system database knows but `available_timezones` leaves out
            zoneinfo.ZoneInfo(timezone)
            ok = True
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            ok = False
    if not ok:
        raise ValidationError(
            "timezone",
            timezone,
            "must be an IANA time zone name such as Asia/Pyongyang, Europe/Berlin or UTC",
        )


def _unique(session: Session, stmt: Any, field: str, value: object, where: str) -> None:
    """Refuse a natural key already used (`stmt` selects the clashing row's id)."""
    if session.scalar(stmt.limit(1)) is not None:
        raise ValidationError(field, value, f"is already used {where}: choose another")


def require_free_name(
    session: Session, model: Any, name: str, enterprise_id: int | None, ident: int | None = None
) -> None:
    """A unit's name is its natural key: unique in the installation (regions, enterprises) or
    in its enterprise (sections, kilns, crews). `ident` is the unit being renamed."""
    stmt = select(model.id).where(model.name == name)
    if enterprise_id is not None:
        stmt = stmt.where(model.enterprise_id == enterprise_id)
    if ident is not None:
        stmt = stmt.where(model.id != ident)
    where = (
        "in this enterprise"
        if enterprise_id is not None
        else "by another " + (model.__tablename__.rstrip("s"))
    )
    _unique(session, stmt, "name", name, where)


def _region_for_new(session: Session, region_id: int) -> Region:
    region = session.get(Region, region_id)
    if region is None:
        raise ValidationError("region_id", region_id, "no such region")
    require_active(region, "region_id")
    return region


def enterprise_for_new(session: Session, enterprise_id: int, field: str = "enterprise_id") -> None:
    """Refuse a new unit in a retired enterprise (call after the access check)."""
    ent = session.get(Enterprise, enterprise_id)
    if ent is not None:
        require_active(ent, field)


# ------------------------------------------------------------------------------ create
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
    """A region: a regulator's area. `timezone` is an IANA name (Asia/Pyongyang)."""
    rules.require_text("name", name)
    validate_timezone(timezone)
    access.require_right(who, "installation")
    require_free_name(session, Region, name, None)
    return _create(session, who, Region(name=name, timezone=timezone), "installation", None)


def create_enterprise(
    session: Session, who: Principal, *, region_id: int, name: str, tier: int, sector: str
) -> Enterprise:
    """An enterprise (a plant) in a region that is not retired."""
    rules.require_text("name", name)
    rules.validate_tier(tier)
    rules.require_text("sector", sector)
    access.require_right(who, "installation")
    _region_for_new(session, region_id)
    require_free_name(session, Enterprise, name, None)
    ent = Enterprise(region_id=region_id, name=name, tier=tier, sector=sector)
    return _create(session, who, ent, "installation", None)


Named = TypeVar("Named", Section, Crew)


def _create_named(
    session: Session, who: Principal, model: type[Named], kind: str, enterprise_id: int, name: str
) -> Named:
    """A named part of an enterprise (a section of the plant, a crew of workers)."""
    rules.require_text("name", name)
    access.require_write(session, who, kind, enterprise_id)
    enterprise_for_new(session, enterprise_id)
    require_free_name(session, model, name, enterprise_id)
    row = model(enterprise_id=enterprise_id, name=name)
    return _create(session, who, row, kind, enterprise_id, checked=False)


def create_section(session: Session, who: Principal, *, enterprise_id: int, name: str) -> Section:
    return _create_named(session, who, Section, "plant", enterprise_id, name)


def create_crew(session: Session, who: Principal, *, enterprise_id: int, name: str) -> Crew:
    return _create_named(session, who, Crew, "worker", enterprise_id, name)


@dataclass(frozen=True)
class KilnIn:
    """A kiln as onboarded. Units: t/day, °C, days, t.

    The lining's state when the kiln is onboarded (its wear before the first stored production
    record) is given at most once: `lining_used_t_at_onboarding` (tonnes already fired on the
    current lining, ≥ 0) or `lining_used_fraction_at_onboarding` (0–1 of its design life)."""

    enterprise_id: int
    name: str
    kind: str
    rated_capacity_t_per_day: float
    max_temperature_c: float
    campaign_limit_days: int
    section_id: int | None = None
    lining_installed_on: dt.date | None = None
    lining_design_life_days: int | None = None
    lining_used_t_at_onboarding: float | None = None
    lining_used_fraction_at_onboarding: float | None = None
    source: str = "recorded"


def validate_kiln_fields(data: Any) -> None:
    """Every field rule of a kiln (`data` has KilnIn's field names): create and edit share it."""
    rules.require_text("name", data.name)
    validate_with(rules.validate_kiln, data)
    validate_with(rules.validate_lining_at_onboarding, data)
    rules.require_choice("source", data.source, [s.value for s in rules.Source])


def create_kiln(session: Session, who: Principal, data: KilnIn) -> Kiln:
    validate_kiln_fields(data)
    access.require_write(session, who, "plant", data.enterprise_id)
    enterprise_for_new(session, data.enterprise_id)
    require_own(session, Section, data.section_id, data.enterprise_id, "section_id")
    require_free_name(session, Kiln, data.name, data.enterprise_id)
    return _create(session, who, Kiln(**asdict(data)), "plant", data.enterprise_id, checked=False)


@dataclass(frozen=True)
class WorkerIn:
    """A worker. `number` is the worker number, unique in the enterprise (the natural key a
    roster or bundle links shifts by); give "" to have the next free `W-0001`-style number
    assigned. `qualifications` are kiln kinds (rotary, tunnel, …)."""

    enterprise_id: int
    number: str
    name: str
    crew_id: int | None = None
    job: str = "kiln operator"
    qualifications: tuple[str, ...] = ()
    source: str = "recorded"


NUMBER_LEN = 32
_GENERATED = re.compile(r"W-(\d+)")


def validate_worker_fields(data: Any) -> None:
    """Field rules of a worker (`data` has WorkerIn's field names): create and edit share them."""
    rules.require_text("name", data.name)
    if len(data.number) > NUMBER_LEN:
        raise ValidationError("number", data.number, f"has at most {NUMBER_LEN} characters")
    if data.number != data.number.strip():
        raise ValidationError("number", data.number, "must not start or end with a space")
    for q in data.qualifications:
        rules.require_choice("qualifications", q, [k.value for k in rules.KilnKind])
    rules.require_choice("source", data.source, [s.value for s in rules.Source])


def require_free_number(
    session: Session, enterprise_id: int, number: str, ident: int | None = None
) -> None:
    """A worker number is used once per enterprise. `ident` is the worker being renumbered."""
    stmt = select(Worker.id).where(Worker.enterprise_id == enterprise_id, Worker.number == number)
    if ident is not None:
        stmt = stmt.where(Worker.id != ident)
    _unique(session, stmt, "number", number, "by another worker of this enterprise")


class _Numbers:
    """Worker numbers per enterprise, as stored and as handed out in this batch."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.used: dict[int, set[str]] = {}

    def of(self, enterprise_id: int) -> set[str]:
        if enterprise_id not in self.used:
            stmt = select(Worker.number).where(Worker.enterprise_id == enterprise_id)
            self.used[enterprise_id] = {n for n in self.session.scalars(stmt) if n}
        return self.used[enterprise_id]

    def next_free(self, enterprise_id: int) -> str:
        """One more than the highest `W-<n>` number of the enterprise, as `W-0001`."""
        used = self.of(enterprise_id)
        top = max((int(m.group(1)) for n in used if (m := _GENERATED.fullmatch(n))), default=0)
        number = f"W-{top + 1:04d}"
        used.add(number)
        return number


def create_workers(session: Session, who: Principal, items: Sequence[WorkerIn]) -> list[Worker]:
    """Add workers, all or none. An empty `number` gets the enterprise's next free one."""
    numbers = _Numbers(session)

    def check(_: int, w: WorkerIn) -> None:
        validate_worker_fields(w)
        access.require_write(session, who, "worker", w.enterprise_id)
        enterprise_for_new(session, w.enterprise_id)
        require_own(session, Crew, w.crew_id, w.enterprise_id, "crew_id")
        if w.number:
            used = numbers.of(w.enterprise_id)
            if w.number in used:
                raise ValidationError(
                    "number", w.number, "is already used by another worker of this enterprise"
                )
            used.add(w.number)

    validate_batch(items, check)
    rows = [
        Worker(
            **{
                **asdict(w),
                "number": w.number or numbers.next_free(w.enterprise_id),
                "qualifications": ",".join(w.qualifications),
            }
        )
        for w in items
    ]
    return write_all(session, who, rows, kind="worker")


def create_worker(session: Session, who: Principal, data: WorkerIn) -> Worker:
    """Add one worker (`create_workers` for one, its error unwrapped: field, value, rule)."""
    return one(create_workers, session, who, data)
