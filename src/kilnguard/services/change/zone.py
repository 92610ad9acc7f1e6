"""The hazard zone at firing and the firings themselves.

Zone admissions are logged whether admitted or refused; a refusal is a result
(`ZoneDecision.admitted = False`), written and audited, not a rolled-back error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from kilnguard.domain import change as dc
from kilnguard.domain.errors import Conflict, PermissionDenied, ValidationError
from kilnguard.services.change.common import Acting, Who, acting, ref, zone_row
from kilnguard.services.change.loader import load_change, zone_inside, zone_of
from kilnguard.store.change_models import ChangeFiringRow, ChangeHazardZoneRow, ChangeZoneLogRow


class ZoneDecision(NamedTuple):
    """The answer at the zone's entrance, as logged."""

    admitted: bool
    person: str
    reason: str
    inside: list[str]
    log_id: int


def set_hazard_zone(
    session: Session,
    who: Who,
    change_id: int,
    *,
    name: str,
    max_headcount: int,
    essential_people: Sequence[str],
    radius_m: float | None = None,
) -> ChangeHazardZoneRow:
    """Define (or redefine, before firing) the hazard zone: maximum headcount, who is essential."""
    act = acting(session, who, change_id)
    row = act.change
    dc.require_may_record(dc.RecordAct.DEFINE_ZONE, act.actor.role)
    people = tuple(dict.fromkeys(p.strip() for p in essential_people if p.strip()))
    zone = dc.HazardZone(name, max_headcount, frozenset(people), radius_m)
    dc.define_hazard_zone(load_change(session, row), zone)
    spec = {
        "name": zone.name,
        "max_headcount": zone.max_headcount,
        "essential_people": list(people),
        "radius_m": radius_m,
    }
    z = zone_row(session, row.id) or ChangeHazardZoneRow(
        enterprise_id=row.enterprise_id, change_id=row.id
    )
    stored = {**spec, "essential_people": "\n".join(people), "source": row.source}
    for column, value in {**stored, **act.signed("defined_by", "defined_at", None)}.items():
        setattr(z, column, value)
    payload = {"change_id": row.id, **spec}
    return act.record(z, action="set_hazard_zone", entity="change_hazard_zone", payload=payload)


def _log(act: Acting, person: str, outcome: str, reason: str) -> ChangeZoneLogRow:
    """One entry of the zone log (admitted, refused or left), with its audit entry."""
    action = {"admitted": "zone_admit", "refused": "zone_refuse", "left": "zone_leave"}[outcome]
    entry: dict[str, Any] = {"person": person, "outcome": outcome, "reason": reason}
    said = entry if outcome != "left" else {"person": person}
    return act.add(
        ChangeZoneLogRow,
        action=action,
        entity="change_zone_log",
        payload={"change_id": act.change.id, **said},
        **entry,
        **act.signed("recorded_by", role=None),
    )


def admit_to_zone(session: Session, who: Who, change_id: int, *, person: str) -> ZoneDecision:
    """Ask to let ``person`` into the hazard zone. Admitted or refused, it is logged and audited.

    Refused: not on the essential list, or the zone already at its maximum headcount.
    """
    act = acting(session, who, change_id)
    row = act.change
    dc.require_may_record(dc.RecordAct.KEEP_ZONE_LOG, act.actor.role)
    if not person.strip():
        raise ValidationError("person", person, "must not be empty")
    stored = zone_row(session, row.id)
    if stored is None:
        raise Conflict(f"{ref(row.id)} has no hazard zone defined; define it before anyone enters.")
    inside = zone_inside(session, row.id)
    try:
        now_inside = dc.admit_to_zone(zone_of(stored), inside, person.strip())
        outcome, reason = "admitted", f"admitted ({len(now_inside)} of {stored.max_headcount})"
    except (Conflict, PermissionDenied) as exc:
        outcome, reason = "refused", exc.message
    entry = _log(act, person.strip(), outcome, reason)
    return ZoneDecision(
        outcome == "admitted", entry.person, reason, zone_inside(session, row.id), entry.id
    )


def leave_zone(session: Session, who: Who, change_id: int, *, person: str) -> ChangeZoneLogRow:
    """Log ``person`` out of the hazard zone."""
    act = acting(session, who, change_id)
    dc.leave_zone(zone_inside(session, act.change.id), person)
    return _log(act, person, "left", "left the zone")


def record_firing(
    session: Session,
    who: Who,
    change_id: int,
    *,
    started_at: dt.datetime,
    ended_at: dt.datetime | None = None,
    note: str = "",
) -> ChangeFiringRow:
    """Record, as a fact, a firing that took place outside the workflow (or a reconstruction).

    Does not change the state; the barrier signal judges it (firing while not authorised).
    """
    act = acting(session, who, change_id)
    dc.require_may_record(dc.RecordAct.RECORD_FIRING, act.actor.role)
    dc.record_firing(load_change(session, act.change), started_at, ended_at)
    times: dict[str, Any] = {"started_at": started_at, "ended_at": ended_at}
    return act.add(
        ChangeFiringRow,
        action="record_firing",
        entity="change_firing",
        payload={"change_id": act.change.id, **times, "note": note},
        **times,
    )
