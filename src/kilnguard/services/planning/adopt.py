"""Adopting a plan: its production and shifts written as planned rows, one audit entry each.

Managers and admins of the enterprise only (right ``plan_adoption``); every row goes through the
one write path, the adoption checked, its planned rows written as part of that act.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy.orm import Session

from kilnguard.domain.errors import ValidationError
from kilnguard.services import access, writes
from kilnguard.services.access import Principal
from kilnguard.services.planning.report import PlanReport
from kilnguard.store.planning_models import PlanAdoption, PlannedProduction, PlannedShift

__all__ = ["AdoptionView", "adopt_plan"]


@dataclass(frozen=True)
class AdoptionView:
    """An adopted plan as the front ends show it (the JSON of ``POST /api/v1/plans/adopt``)."""

    adoption_id: int
    enterprise_id: int
    as_of: dt.date
    first_day: dt.date
    last_day: dt.date
    planned_production_rows: int
    planned_shift_rows: int
    replay_worst_level: str
    adopted_by: str

    @property
    def id(self) -> int:
        """The adoption's id (``adoption_id``)."""
        return self.adoption_id

    @classmethod
    def of(cls, row: PlanAdoption, *, productions: int, shifts: int) -> AdoptionView:
        """The view of an adoption row and the counts of planned rows written with it."""
        given: dict[str, Any] = {
            "adoption_id": row.id,
            "planned_production_rows": productions,
            "planned_shift_rows": shifts,
        }
        columns = {f.name: getattr(row, f.name) for f in fields(cls) if f.name not in given}
        return cls(**columns, **given)


def adopt_plan(
    session: Session, who: Principal, report: PlanReport, *, now: dt.datetime | None = None
) -> AdoptionView:
    """Write the plan's production and shifts as planned rows, one audit entry per row.

    Refused (NotFound outside what `who` may read, else PermissionDenied) before anything is
    looked at; then every row is written unchecked, as part of this one checked act.
    """
    inp = report.inp
    access.require_write(session, who, "plan_adoption", inp.enterprise_id)
    r = report.result
    if not r.status.has_plan:
        raise ValidationError("plan", r.status.value, "there is no plan to adopt")
    adoption = PlanAdoption(
        enterprise_id=inp.enterprise_id,
        as_of=inp.as_of,
        first_day=inp.problem.horizon_start,
        last_day=inp.problem.horizon_end,
        adopted_by=who.username,
        adopted_at=now or writes.now(session),
        status=r.status.value,
        feasible=r.feasible,
        allowed_load_margin=r.allowed_load_margin,
        planned_output_t=round(r.total_output_t, 3),
        replay_worst_level=report.replay.worst_level,
        summary="\n".join(r.binding),
    )

    def write(row: PlanAdoption | PlannedProduction | PlannedShift, entity: str) -> None:
        writes.write(
            session,
            who=who,
            row=row,
            action="adopt",
            kind="plan_adoption",
            entity=entity,
            enterprise_id=inp.enterprise_id,
            checked=False,
        )

    write(adoption, "plan_adoption")
    offset = dt.timedelta(hours=inp.history.utc_offset_h)
    planned: list[tuple[PlannedProduction | PlannedShift, str]] = []
    for s in r.shifts:
        start = (s.start - offset).replace(tzinfo=dt.UTC)
        end = start + dt.timedelta(hours=s.length_h)
        production = PlannedProduction(
            enterprise_id=inp.enterprise_id,
            adoption_id=adoption.id,
            kiln_id=int(s.kiln_id),
            day=s.day,
            shift_no=s.shift_of_day + 1,
            start_at=start,
            end_at=end,
            output_t=round(s.output_t, 3),
            load_ratio=round(s.load_ratio, 4),
        )
        planned.append((production, "planned_production"))
        for w in s.worker_ids:
            shift = PlannedShift(
                enterprise_id=inp.enterprise_id,
                adoption_id=adoption.id,
                worker_id=int(w),
                crew_id=inp.worker_crews.get(w),
                kiln_id=int(s.kiln_id),
                start_at=start,
                end_at=end,
                night=s.night,
            )
            planned.append((shift, "planned_shift"))
    session.add_all([row for row, _ in planned])  # one INSERT batch per table on the first flush
    for row, entity in planned:
        write(row, entity)
    productions = sum(isinstance(row, PlannedProduction) for row, _ in planned)
    return AdoptionView.of(adoption, productions=productions, shifts=len(planned) - productions)
