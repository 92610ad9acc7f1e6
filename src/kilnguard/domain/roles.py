"""The roles a person can hold. What each may read and write is decided in one place,
`services/access.py` (its `RIGHTS` table); the change-control workflow's own role rules are in
`domain/change/rules.py`."""

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
