"""What the planner's front ends need besides the report: the enterprises one may plan for."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from kilnguard.services import access
from kilnguard.services import risk as risk_svc
from kilnguard.services.access import Principal

__all__ = ["EnterpriseOption", "plannable_enterprises"]


@dataclass(frozen=True)
class EnterpriseOption:
    """An enterprise in the planner's choice list."""

    id: int
    name: str


def plannable_enterprises(session: Session, who: Principal) -> list[EnterpriseOption]:
    """Enterprises `who` may read that have kilns, by name (the first is the page's default)."""
    with_kilns = {k.enterprise_id for k in risk_svc.readable_kilns(session, who)}
    return [
        EnterpriseOption(e.id, e.name)
        for e in access.readable_enterprises(session, who)
        if e.id in with_kilns
    ]
