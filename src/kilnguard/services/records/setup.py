"""Set-up of the plant's structure after creation: edit, retire, reinstate, list, look up.

One set of functions serves every unit kind — `region`, `enterprise`, `section`, `kiln`,
`crew`, `worker` (the keys of `UNITS`) — and the named wrappers (`edit_kiln`, `retire_crew`,
…) are what the CLI, REST routes and web forms call:

- `edit_<kind>(session, who, ident, changes)`: `changes` maps field names (those of
  `UNITS[kind].editable`) to new values; values may be typed (int, float, `datetime.date`,
  None) or text as a form sends it ("" clears an optional field). The record as changed is
  validated with the same rules as a new one; nothing changed writes nothing. One audit
  entry (`action="update"`) records each changed field as `{"from": …, "to": …}`.
- `retire_<kind>(session, who, ident, on=None)`: sets `retired_on` (default: today by the unit
  of work's clock). A retired unit keeps its history, stays readable, and takes no new records
  (`records.batch.require_active`). `reinstate_<kind>` clears it. Audit actions "retire" and
  "reinstate".
- `list_units(session, who, kind, retired="active"|"retired"|"all", enterprise_id=None)` and
  `get_unit`: plain dicts of the stored columns plus the names of the units a row belongs to
  (`enterprise`, `region`, `section`, `crew`), only what `who` may read.
- `find_unit(session, who, kind, name=…, enterprise=…, number=…)`: the id of a unit by its
  natural key (region/enterprise name; enterprise name + section/kiln/crew name; enterprise
  name + worker number), NotFound when absent or not `who`'s to read.

Rights (`services.access.RIGHTS`): "installation" for regions and enterprises (admins),
"plant" for sections and kilns, "worker" for crews and workers (managers of the enterprise,
admins). A unit of an enterprise `who` may not read answers NotFound, exactly like a missing
one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Generic, Literal, TypeVar, cast

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from kilnguard.domain import plant as rules
from kilnguard.domain.errors import Conflict, NotFound, ValidationError
from kilnguard.services import access, writes
from kilnguard.services.access import Principal
from kilnguard.services.records import plant
from kilnguard.services.records.batch import require_active
from kilnguard.store.models import Base, Crew, Enterprise, Kiln, Region, Section, Worker

Values = dict[str, Any]
Retired = Literal["active", "retired", "all"]
RETIRED_CHOICES: tuple[str, ...] = ("active", "retired", "all")

#: How a text value (from a form or a CSV cell) becomes a field's type.
FieldType = Literal["str", "int", "int?", "float", "float?", "date?", "kinds"]


@dataclass(frozen=True)
class UnitKind:
    """One kind of unit: its table, the right that changes it, and its editable fields."""

    model: type[Base]
    right: str
    editable: dict[str, FieldType]

    @property
    def entity(self) -> str:
        """The record name of its audit entries (region, enterprise, section, …)."""
        table: str = self.model.__tablename__
        return table.rstrip("s")


_KILN_FIELDS: dict[str, FieldType] = {
    "name": "str",
    "section_id": "int?",
    "kind": "str",
    "rated_capacity_t_per_day": "float",
    "max_temperature_c": "float",
    "campaign_limit_days": "int",
    "lining_installed_on": "date?",
    "lining_design_life_days": "int?",
    "lining_used_t_at_onboarding": "float?",
    "lining_used_fraction_at_onboarding": "float?",
}

UNITS: dict[str, UnitKind] = {
    "region": UnitKind(Region, "installation", {"name": "str", "timezone": "str"}),
    "enterprise": UnitKind(
        Enterprise,
        "installation",
        {"name": "str", "region_id": "int", "tier": "int", "sector": "str"},
    ),
    "section": UnitKind(Section, "plant", {"name": "str"}),
    "kiln": UnitKind(Kiln, "plant", _KILN_FIELDS),
    "crew": UnitKind(Crew, "worker", {"name": "str"}),
    "worker": UnitKind(
        Worker,
        "worker",
        {
            "number": "str",
            "name": "str",
            "crew_id": "int?",
            "job": "str",
            "qualifications": "kinds",
        },
    ),
}
"""Every unit kind by name, with the fields `edit_unit` may change (and their types)."""


def _unit(kind: str) -> UnitKind:
    try:
        return UNITS[kind]
    except KeyError:
        raise ValidationError("kind", kind, f"must be one of {', '.join(UNITS)}") from None


# ------------------------------------------------------------------------------ reading
def _enterprise_of(row: Base) -> int | None:
    if isinstance(row, Region):
        return None
    if isinstance(row, Enterprise):
        return row.id
    ent: int = row.enterprise_id  # type: ignore[attr-defined]
    return ent


def _readable_regions(session: Session, who: Principal) -> Select[Any]:
    """Regions `who` may read: every region for those who may change them (admins); otherwise
    their own (a regulator's) and those of the enterprises they may read."""
    stmt = select(Region)
    if access.may(who, "installation"):
        return stmt
    ent_regions = access.scoped(session, who, select(Enterprise.region_id), Enterprise)
    return stmt.where(Region.id.in_(ent_regions) | (Region.id == who.region_id))


def _readable(session: Session, who: Principal, kind: str, ident: int) -> Base:
    """One unit `who` may read, or NotFound (also when it belongs to someone else)."""
    unit = _unit(kind)
    if unit.model is Region:
        region: Region | None = session.scalar(
            _readable_regions(session, who).where(Region.id == ident)
        )
        if region is None:
            raise NotFound("region", ident)
        return region
    return access.get_readable(session, who, unit.model, ident)


def _for_write(session: Session, who: Principal, kind: str, ident: int) -> Base:
    """The unit `ident` once `who` may change it: NotFound outside what they may read,
    PermissionDenied beyond their role."""
    unit = _unit(kind)
    if unit.model in (Region, Enterprise):
        access.require_right(who, unit.right)
        row = session.get(unit.model, ident)
        if row is None:
            raise NotFound(kind, ident)
        return row
    row = access.get_readable(session, who, unit.model, ident)
    access.require_write(session, who, unit.right, row.enterprise_id)  # type: ignore[attr-defined]
    return row


def _names(session: Session, model: Any, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(model.id, model.name).where(model.id.in_(ids))).all()
    return {ident: name for ident, name in rows}


def unit_values(session: Session, rows: list[Base]) -> list[Values]:
    """Stored columns of `rows`, with the names of the units each belongs to."""
    out = [writes.record_payload(r) for r in rows]
    for key, model in (
        ("enterprise", Enterprise),
        ("region", Region),
        ("section", Section),
        ("crew", Crew),
    ):
        column = f"{key}_id"
        ids = {v[column] for v in out if v.get(column) is not None}
        names = _names(session, model, ids)
        for v in out:
            if column in v:
                v[key] = names.get(v[column]) if v[column] is not None else None
    return out


def get_unit(session: Session, who: Principal, kind: str, ident: int) -> Values:
    """One unit as `list_units` shows it (NotFound when absent or not `who`'s to read)."""
    return unit_values(session, [_readable(session, who, kind, ident)])[0]


def list_units(
    session: Session,
    who: Principal,
    kind: str,
    *,
    retired: str = "active",
    enterprise_id: int | None = None,
) -> list[Values]:
    """Units of `kind` that `who` may read, by enterprise and name (workers by number):
    `retired` = "active" (default), "retired" or "all"; `enterprise_id` keeps the units of
    one enterprise (sections, kilns, crews, workers)."""
    unit = _unit(kind)
    rules.require_choice("retired", retired, RETIRED_CHOICES)
    model: Any = unit.model
    if model is Region:
        stmt = _readable_regions(session, who)
    else:
        stmt = access.scoped(session, who, select(model), model)
    if enterprise_id is not None and model not in (Region, Enterprise):
        stmt = stmt.where(model.enterprise_id == enterprise_id)
    if retired == "active":
        stmt = stmt.where(model.retired_on.is_(None))
    elif retired == "retired":
        stmt = stmt.where(model.retired_on.is_not(None))
    if model in (Region, Enterprise):
        stmt = stmt.order_by(model.name)
    else:
        key = model.number if model is Worker else model.name
        stmt = stmt.join(Enterprise, Enterprise.id == model.enterprise_id).order_by(
            Enterprise.name, key
        )
    return unit_values(session, list(session.scalars(stmt)))


def find_unit(
    session: Session,
    who: Principal,
    kind: str,
    *,
    name: str = "",
    enterprise: str = "",
    number: str = "",
) -> int:
    """The id of a unit by its natural key, among what `who` may read: a region or enterprise
    by `name`; a section, kiln or crew by `enterprise` (its name) and `name`; a worker by
    `enterprise` and `number`."""
    unit = _unit(kind)
    model: Any = unit.model
    if model is Region:
        stmt = _readable_regions(session, who).where(Region.name == name)
        what = repr(name)
    elif model is Enterprise:
        stmt = access.scoped(session, who, select(Enterprise), Enterprise)
        stmt = stmt.where(Enterprise.name == name)
        what = repr(name)
    else:
        ent_id = find_unit(session, who, "enterprise", name=enterprise)
        stmt = select(model).where(model.enterprise_id == ent_id)
        if model is Worker:
            stmt, what = stmt.where(Worker.number == number), f"number {number!r}"
        else:
            stmt, what = stmt.where(model.name == name), repr(name)
        what += f" of {enterprise!r}"
    row = session.scalar(stmt.limit(1))
    if row is None:
        raise NotFound(kind, what)
    ident: int = row.id
    return ident


# ------------------------------------------------------------------------------ writing
def _text_to(kind: FieldType, field: str, value: Any) -> Any:
    """A form's text as the field's type ("" clears an optional field); typed values pass."""
    if value is None and not kind.endswith("?"):
        raise ValidationError(field, None, "must be given: it cannot be cleared")
    if not isinstance(value, str):
        if kind == "kinds" and value is not None:
            return tuple(value)
        return value
    text = value.strip()
    if kind == "str":
        return value
    if kind == "kinds":
        return tuple(q.strip() for q in text.split(",") if q.strip())
    if kind.endswith("?") and text == "":
        return None
    try:
        if kind.startswith("int"):
            return int(text)
        if kind.startswith("float"):
            return float(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        expected = {"int": "a whole number", "flo": "a number", "dat": "a date (YYYY-MM-DD)"}
        raise ValidationError(field, value, f"must be {expected[kind[:3]]}") from None


def _current(row: Base, unit: UnitKind) -> Values:
    values = {f: getattr(row, f) for f in unit.editable}
    if "qualifications" in values:
        values["qualifications"] = tuple(q for q in values["qualifications"].split(",") if q)
    return values


def _check_region(session: Session, row: Any, new: Values, changed: set[str]) -> None:
    rules.require_text("name", new["name"])
    plant.validate_timezone(new["timezone"])
    if "name" in changed:
        plant.require_free_name(session, Region, new["name"], None, row.id)


def _check_enterprise(session: Session, row: Any, new: Values, changed: set[str]) -> None:
    rules.require_text("name", new["name"])
    rules.validate_tier(new["tier"])
    rules.require_text("sector", new["sector"])
    if "region_id" in changed:
        region = session.get(Region, new["region_id"])
        if region is None:
            raise ValidationError("region_id", new["region_id"], "no such region")
        require_active(region, "region_id")
    if "name" in changed:
        plant.require_free_name(session, Enterprise, new["name"], None, row.id)


def _check_named(session: Session, row: Any, new: Values, changed: set[str]) -> None:
    rules.require_text("name", new["name"])
    if "name" in changed:
        plant.require_free_name(session, type(row), new["name"], row.enterprise_id, row.id)


def _check_kiln(session: Session, row: Any, new: Values, changed: set[str]) -> None:
    plant.validate_kiln_fields(SimpleNamespace(**new, source=row.source))
    if "section_id" in changed:
        plant.require_own(session, Section, new["section_id"], row.enterprise_id, "section_id")
    _check_named(session, row, new, changed & {"name"})


def _check_worker(session: Session, row: Any, new: Values, changed: set[str]) -> None:
    rules.require_text("number", new["number"])
    plant.validate_worker_fields(SimpleNamespace(**new, source=row.source))
    if "crew_id" in changed:
        plant.require_own(session, Crew, new["crew_id"], row.enterprise_id, "crew_id")
    if "number" in changed:
        plant.require_free_number(session, row.enterprise_id, new["number"], row.id)


_CHECKS: dict[str, Callable[[Session, Any, Values, set[str]], None]] = {
    "region": _check_region,
    "enterprise": _check_enterprise,
    "section": _check_named,
    "kiln": _check_kiln,
    "crew": _check_named,
    "worker": _check_worker,
}


def _write(
    session: Session, who: Principal, unit: UnitKind, row: Base, action: str, payload: Values
) -> None:
    """One audit entry for an act on a stored unit (its access was checked by `_for_write`)."""
    writes.write(
        session,
        who=who,
        row=row,
        action=action,
        kind=unit.right,
        entity=unit.entity,
        enterprise_id=_enterprise_of(row),
        payload=payload,
        checked=False,
    )


def edit_unit(
    session: Session, who: Principal, kind: str, ident: int, changes: Mapping[str, Any]
) -> Base:
    """Change fields of a unit (see the module's docstring); returns the unit as stored."""
    unit = _unit(kind)
    row = _for_write(session, who, kind, ident)
    for field, value in changes.items():
        if field not in unit.editable:
            raise ValidationError(
                field,
                value,
                f"cannot be changed on a {kind}; editable fields: {', '.join(unit.editable)}",
            )
    old = _current(row, unit)
    new = {**old, **{f: _text_to(unit.editable[f], f, v) for f, v in changes.items()}}
    changed = {f for f in unit.editable if new[f] != old[f]}
    if not changed:
        return row
    _CHECKS[kind](session, row, new, changed)
    for field in sorted(changed):
        value = new[field]
        setattr(row, field, ",".join(value) if field == "qualifications" else value)
    diff = {f: {"from": old[f], "to": new[f]} for f in sorted(changed)}
    _write(session, who, unit, row, "update", {"changes": diff})
    return row


def retire_unit(
    session: Session, who: Principal, kind: str, ident: int, *, on: dt.date | None = None
) -> Base:
    """Retire a unit from `on` (default today): kept with its history, no new records."""
    unit = _unit(kind)
    row: Any = _for_write(session, who, kind, ident)
    if row.retired_on is not None:
        raise Conflict(f"{kind} {row.id} is already retired (since {row.retired_on.isoformat()})")
    day = on or writes.today(session)
    rules.require_plausible_day("retired_on", day)
    row.retired_on = day
    _write(session, who, unit, row, "retire", {"retired_on": day})
    return row  # type: ignore[no-any-return]


def reinstate_unit(session: Session, who: Principal, kind: str, ident: int) -> Base:
    """Undo a retirement: the unit takes new records again."""
    unit = _unit(kind)
    row: Any = _for_write(session, who, kind, ident)
    if row.retired_on is None:
        raise Conflict(f"{kind} {row.id} is not retired")
    was = row.retired_on
    row.retired_on = None
    _write(session, who, unit, row, "reinstate", {"retired_on": None, "was_retired_on": was})
    return row  # type: ignore[no-any-return]


# -------------------------------------------------------------------- named use cases
Changes = Mapping[str, Any]


Unit = TypeVar("Unit", Region, Enterprise, Section, Kiln, Crew, Worker)


class _Typed(Generic[Unit]):
    """One unit kind's edit and retire, typed: `edit_kiln(session, who, kiln_id, changes)`
    returns the `Kiln` (the fields it may change: `UNITS[kind].editable` — for a kiln its
    name, section_id, kind, rating [t/day], max temperature [°C], campaign limit [days] and the
    lining fields; for a worker its number, name, crew_id, job and qualifications)."""

    def __init__(self, kind: str, model: type[Unit]) -> None:
        self.kind: str = kind
        self.model: type[Unit] = model

    def edit(self, session: Session, who: Principal, unit_id: int, changes: Changes) -> Unit:
        return cast(Unit, edit_unit(session, who, self.kind, unit_id, changes))

    def retire(
        self, session: Session, who: Principal, unit_id: int, *, on: dt.date | None = None
    ) -> Unit:
        return cast(Unit, retire_unit(session, who, self.kind, unit_id, on=on))


_REGION, _ENTERPRISE = _Typed("region", Region), _Typed("enterprise", Enterprise)
_SECTION, _KILN = _Typed("section", Section), _Typed("kiln", Kiln)
_CREW, _WORKER = _Typed("crew", Crew), _Typed("worker", Worker)
edit_region, retire_region = _REGION.edit, _REGION.retire
edit_enterprise, retire_enterprise = _ENTERPRISE.edit, _ENTERPRISE.retire
edit_section, retire_section = _SECTION.edit, _SECTION.retire
edit_kiln, retire_kiln = _KILN.edit, _KILN.retire
edit_crew, retire_crew = _CREW.edit, _CREW.retire
edit_worker, retire_worker = _WORKER.edit, _WORKER.retire
