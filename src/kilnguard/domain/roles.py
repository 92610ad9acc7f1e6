"""Roles and what each may write. Pure rules; the access service applies them to users."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"
    TECHNICIAN = "technician"
    TECHNICAL_LEAD = "technical_lead"  # heads the technicians; reviews changes (issue 5)
    MAINTENANCE = "maintenance"
    SAFETY_OFFICER = "safety_officer"
    MANAGER = "manager"
    INVESTIGATOR = "investigator"
    REGULATOR = "regulator"
    ADMIN = "admin"


ALL_ROLES: tuple[Role, ...] = tuple(Role)

#: Which roles may create or change which kind of record in their own enterprises.
#: Regulators read their whole region and write none of a plant's records.
WRITERS: dict[str, frozenset[Role]] = {
    "production_record": frozenset(
        {
            Role.OPERATOR,
            Role.TECHNICIAN,
            Role.TECHNICAL_LEAD,
            Role.MANAGER,
            Role.SAFETY_OFFICER,
            Role.ADMIN,
        }
    ),
    "shift": frozenset({Role.MANAGER, Role.SAFETY_OFFICER, Role.OPERATOR, Role.ADMIN}),
    "work_order": frozenset({Role.MAINTENANCE, Role.MANAGER, Role.SAFETY_OFFICER, Role.ADMIN}),
    "maintenance_plan": frozenset({Role.MAINTENANCE, Role.SAFETY_OFFICER, Role.ADMIN}),
    "planned_stop": frozenset({Role.MANAGER, Role.MAINTENANCE, Role.ADMIN}),
    "target": frozenset({Role.MANAGER, Role.ADMIN}),
    "incident": frozenset(
        {
            Role.OPERATOR,
            Role.TECHNICIAN,
            Role.TECHNICAL_LEAD,
            Role.MAINTENANCE,
            Role.SAFETY_OFFICER,
            Role.MANAGER,
            Role.INVESTIGATOR,
            Role.ADMIN,
        }
    ),
    "plant": frozenset({Role.ADMIN, Role.MANAGER}),
    "worker": frozenset({Role.MANAGER, Role.ADMIN}),
    "user": frozenset({Role.ADMIN}),
}


def may_write(role: str, kind: str) -> bool:
    """True when `role` may create or change records of `kind`."""
    return Role(role) in WRITERS.get(kind, frozenset())
