"""Incidents as the plant records them (what happened, to whom, what was done at once)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from kilnguard.domain import plant as rules
from kilnguard.domain.errors import ValidationError
from kilnguard.services import access
from kilnguard.services.access import Principal
from kilnguard.services.records.batch import validate_with, write_all
from kilnguard.services.records.plant import require_own
from kilnguard.store.models import Incident, Kiln, Section


@dataclass(frozen=True)
class IncidentIn:
    enterprise_id: int
    occurred_at: dt.datetime
    event_type: str
    kiln_id: int | None = None
    section_id: int | None = None
    killed: int = 0
    seriously_injured: int = 0
    minor_injuries: int = 0
    missing: int = 0
    days_lost: int = 0  # calendar days away from work of the injured, summed [d]
    description: str = ""
    immediate_actions: str = ""
    source: str = "recorded"
    extra: dict[str, Any] = field(default_factory=dict)


def create_incident(session: Session, who: Principal, data: IncidentIn) -> Incident:
    validate_with(rules.validate_incident, data)
    if data.occurred_at.tzinfo is None:
        raise ValidationError("occurred_at", data.occurred_at.isoformat(), "must carry a time zone")
    access.require_write(session, who, "incident", data.enterprise_id)
    # an incident report is never refused because its kiln has since been retired
    require_own(session, Kiln, data.kiln_id, data.enterprise_id, "kiln_id", active=False)
    require_own(session, Section, data.section_id, data.enterprise_id, "section_id", active=False)
    values = asdict(data)
    values.pop("extra")
    return write_all(session, who, [Incident(**values)], kind="incident")[0]
