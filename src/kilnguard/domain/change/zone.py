"""The hazard zone at firing: who may enter (essential people only, up to a headcount), and the
log of who was inside when.

Sources (confidence tags from ../shared/design/SOURCES.md)
----------------------------------------------------------
- DOE-STD-3006-2000 *Planning and Conduct of Operational Readiness Reviews*: commissioning areas
  barricaded, extra controls for first-time operations with the hazard present
  [V, SOURCES §4.3]; issue 5: hazard zone, non-essential people out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from kilnguard.domain.change.model import (
    FIRING_STATES,
    TERMINAL_STATES,
    ChangeRequest,
    HazardZone,
    HeadcountObservation,
)
from kilnguard.domain.errors import Conflict, PermissionDenied
from kilnguard.domain.validation import require_aware


def define_hazard_zone(change: ChangeRequest, zone: HazardZone) -> ChangeRequest:
    """Set the hazard zone (before firing is authorised)."""
    if change.state in FIRING_STATES or change.state in TERMINAL_STATES:
        raise Conflict(
            f"Cannot change the hazard zone: change {change.id} is '{change.state.value}'."
        )
    return replace(change, hazard_zone=zone)


def admit_to_zone(zone: HazardZone, people_inside: Iterable[str], person: str) -> frozenset[str]:
    """Admit ``person`` to the hazard zone, returning who is inside afterwards.

    Raises
    ------
    PermissionDenied
        ``person`` is not on the zone's essential list (onlookers stay outside).
    Conflict
        The zone already holds its maximum headcount, or ``person`` is already inside.
    """
    inside = frozenset(people_inside)
    if person not in zone.essential_people:
        raise PermissionDenied(
            f"Refused: {person} is not on the essential-personnel list for {zone.name}. "
            "Only people needed for the firing may enter; watch from outside the zone."
        )
    if person in inside:
        raise Conflict(f"{person} is already logged inside {zone.name}.")
    if len(inside) >= zone.max_headcount:
        raise Conflict(
            f"Refused: {zone.name} already holds {len(inside)} people, its maximum is "
            f"{zone.max_headcount}. Someone must leave before {person} may enter."
        )
    return inside | {person}


def leave_zone(people_inside: Iterable[str], person: str) -> frozenset[str]:
    """Log ``person`` out of the zone."""
    inside = frozenset(people_inside)
    if person not in inside:
        raise Conflict(f"{person} is not logged inside the zone.")
    return inside - {person}


def record_headcount(
    change: ChangeRequest, at: datetime, people_inside: Iterable[str]
) -> ChangeRequest:
    """Log who was seen inside the hazard zone at ``at``. Facts are kept even when they break
    the limit — that is what the signal and the investigation need to see."""
    require_aware("at", at)
    obs = HeadcountObservation(at=at, people_inside=frozenset(people_inside))
    return replace(change, headcounts=(*change.headcounts, obs))
