"""The change-control forms that create records: proposing a change (with its what-if hazard
entries, its scale-up stage and, optionally, its hazard zone, in one unit of work), adding a
hazard entry, and defining the hazard zone. Each posts with htmx and gets its own fragment back,
the refusal next to the field it names and what was typed kept (`setup.fragments`).

What a role may do is the domain's (`domain.change.RECORD_ROLES`): `record_acts` says it to the
templates, which show a form only to the roles that may post it; a post by any other role is
refused by the service (403).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kilnguard.domain import change as dc
from kilnguard.domain.errors import PermissionDenied, ValidationError
from kilnguard.domain.validation import parse_id, parse_number, parse_time, parse_whole
from kilnguard.services import access
from kilnguard.services import change as cc
from kilnguard.services.access import Principal
from kilnguard.services.investigation import plant_tz
from kilnguard.services.records import views

HAZARD_ROWS = 3
"""Empty what-if rows the proposal form offers (more are added on the change's page)."""
HAZARD_FIELDS = ("question", "hazard", "cause", "consequence", "safeguards", "method")
ZONE_FIELDS = ("zone_name", "zone_max_headcount", "zone_essential_people", "zone_radius_m")
CHANGE_FIELDS = (
    "kind",
    "title",
    "purpose",
    "kiln_id",
    "enterprise_id",
    "new_equipment",
    "stage",
    "deadline",
    "deadline_set_by",
    "deadline_external",
    "previous_change_id",
    *ZONE_FIELDS,
    *(f"{f}_{i}" for i in range(1, HAZARD_ROWS + 1) for f in HAZARD_FIELDS),
)


def record_acts(who: Principal) -> frozenset[str]:
    """The record acts (`RecordAct` values) `who`'s role may take on a change at all, as the
    domain decides them (`require_may_record`)."""
    if not access.may(who, cc.ENTITY):
        return frozenset()
    acts = set()
    for act in dc.RecordAct:
        try:
            dc.require_may_record(act, who.role)
        except PermissionDenied:
            continue
        acts.add(act.value)
    return frozenset(acts)


def _optional_id(typed: dict[str, str], field: str) -> int | None:
    return parse_id(field, typed[field]) if typed[field].strip() else None


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def hazard_of(typed: dict[str, str], suffix: str = "") -> cc.HazardIn | None:
    """One what-if row (fields `<name><suffix>`), or None when left blank."""
    text = {f: typed.get(f"{f}{suffix}", "").strip() for f in HAZARD_FIELDS}
    if not any(text[f] for f in ("question", "hazard", "cause", "consequence", "safeguards")):
        return None
    return cc.HazardIn(
        hazard=text["hazard"],
        cause=text["cause"],
        consequence=text["consequence"],
        safeguards=tuple(s.strip() for s in text["safeguards"].split(";") if s.strip()),
        method=text["method"] or dc.HazardMethod.WHAT_IF.value,
        question=text["question"],
    )


def _zone_of(typed: dict[str, str]) -> dict[str, Any]:
    radius = typed["zone_radius_m"].strip()
    return {
        "name": typed["zone_name"].strip(),
        "max_headcount": parse_whole("zone_max_headcount", typed["zone_max_headcount"]),
        "essential_people": _lines(typed["zone_essential_people"]),
        "radius_m": parse_number("zone_radius_m", radius) if radius else None,
    }


def define_zone(session: Session, who: Principal, change_id: int, typed: dict[str, str]) -> object:
    """Define the change's hazard zone from the zone fields; the service's refusal names the
    form's field (`zone_<name>`)."""
    zone = _zone_of(typed)
    try:
        return cc.set_hazard_zone(session, who, change_id, **zone)
    except ValidationError as exc:
        field = exc.field if exc.field.startswith("zone_") else f"zone_{exc.field}"
        raise ValidationError(field, exc.value, exc.rule) from None


def propose(session: Session, who: Principal, typed: dict[str, str]) -> int:
    """Propose the change typed in the form (deadline in the plant's time), with its hazard
    rows and, when a zone is named, its hazard zone; the new change's id."""
    kiln_id = _optional_id(typed, "kiln_id")
    enterprise_id = _optional_id(typed, "enterprise_id")
    if kiln_id is not None:
        enterprise_id = views.enterprise_of_kiln(session, who, kiln_id).id
    deadline = parse_time("deadline", typed["deadline"]) if typed["deadline"].strip() else None
    if deadline is not None and deadline.tzinfo is None and enterprise_id is not None:
        deadline = deadline.replace(tzinfo=plant_tz(session, enterprise_id))
    hazards = tuple(
        h for i in range(1, HAZARD_ROWS + 1) if (h := hazard_of(typed, f"_{i}")) is not None
    )
    row = cc.create_change(
        session,
        who,
        cc.ChangeIn(
            kind=typed["kind"],
            title=typed["title"],
            purpose=typed["purpose"],
            kiln_id=kiln_id,
            enterprise_id=None if kiln_id is not None else enterprise_id,
            new_equipment=typed["new_equipment"].strip(),
            stage=typed["stage"] or None,
            deadline=deadline,
            deadline_set_by=typed["deadline_set_by"].strip(),
            deadline_external=bool(typed["deadline_external"]),
            hazards=hazards,
            previous_change_id=_optional_id(typed, "previous_change_id"),
        ),
    )
    if typed["zone_name"].strip():
        define_zone(session, who, row.id, typed)
    return row.id
