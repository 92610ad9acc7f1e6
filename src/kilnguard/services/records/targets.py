"""Production targets: what was demanded of a kiln, a section or a whole enterprise, and by whom."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from sqlalchemy.orm import Session

from kilnguard.domain import plant as rules
from kilnguard.services import access
from kilnguard.services.access import Principal
from kilnguard.services.records.batch import validate_with, write_all
from kilnguard.services.records.plant import require_own
from kilnguard.store.models import Kiln, Section, Target


@dataclass(frozen=True)
class TargetIn:
    enterprise_id: int
    quantity_t: float
    entered_on: dt.date
    deadline: dt.date
    imposed_by: str
    additional: bool = False
    description: str = ""
    section_id: int | None = None
    kiln_id: int | None = None
    source: str = "recorded"


def create_target(session: Session, who: Principal, data: TargetIn) -> Target:
    validate_with(rules.validate_target, data)
    rules.require_text("imposed_by", data.imposed_by)
    access.require_write(session, who, "target", data.enterprise_id)
    require_own(session, Kiln, data.kiln_id, data.enterprise_id, "kiln_id")
    require_own(session, Section, data.section_id, data.enterprise_id, "section_id")
    return write_all(session, who, [Target(**asdict(data))], kind="target")[0]
