"""The kiln page's fatigue panel: HSE FRI FI and RI per worker and crew of the latest shift day
(`services/risk/fatigue.py`), with units, the three components and the policy limits."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session

from kilnguard.services.access import Principal
from kilnguard.services.records import views
from kilnguard.services.risk import fatigue
from kilnguard.web import pages

router = APIRouter(include_in_schema=False)

TEMPLATE = "fatigue/kiln_panel.html"


def kiln_fatigue_panel(session: Session, who: Principal, kiln: views.KilnRef) -> dict[str, Any]:
    """Kiln page: FI and RI of each worker and crew on the kiln's latest shift day."""
    return {"fri": fatigue.kiln_fatigue(session, who, kiln_id=kiln.id)}


if not any(t == TEMPLATE for _, t, _ in pages.KILN_PANELS):
    pages.KILN_PANELS.append(("Crew fatigue (HSE FRI)", TEMPLATE, kiln_fatigue_panel))
