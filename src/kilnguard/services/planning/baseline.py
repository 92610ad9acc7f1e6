"""The adopted plan as the baseline (issue 14 point 5, first part): planned against recorded
production per kiln and week, so a deviation from the adopted plan is seen.

The latest adoption of an enterprise is its baseline. Planned tonnes come from its
``planned_production`` rows, recorded tonnes from ``production_records`` over the same kilns and
weeks (weeks start on Monday; only days up to ``until`` — the last recorded day by default —
count, so a week in progress compares like with like).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kilnguard.services import access
from kilnguard.services.access import Principal
from kilnguard.store import models as m
from kilnguard.store.planning_models import PlanAdoption, PlannedProduction

__all__ = ["KilnWeek", "latest_adoption", "planned_vs_actual"]


@dataclass(frozen=True)
class KilnWeek:
    """One kiln's week: tonnes the adopted plan planned and the records show [t]."""

    kiln_id: int
    kiln: str
    week_start: dt.date
    planned_t: float
    actual_t: float

    deviation_t: float  # recorded − planned [t]: negative when the kiln made less


def latest_adoption(session: Session, who: Principal, enterprise_id: int) -> PlanAdoption | None:
    """The enterprise's most recent adoption (its baseline), None if it never adopted one."""
    access.require_readable_enterprise(session, who, enterprise_id)
    return session.scalars(
        select(PlanAdoption)
        .where(PlanAdoption.enterprise_id == enterprise_id)
        .order_by(PlanAdoption.adopted_at.desc(), PlanAdoption.id.desc())
    ).first()


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def planned_vs_actual(
    session: Session, who: Principal, enterprise_id: int, until: dt.date | None = None
) -> list[KilnWeek]:
    """Planned vs recorded tonnes per kiln and week of the latest adoption, by kiln and week."""
    adoption = latest_adoption(session, who, enterprise_id)
    if adoption is None:
        return []
    if until is None:
        until = session.scalar(
            select(func.max(m.ProductionRecord.day)).where(
                m.ProductionRecord.enterprise_id == enterprise_id,
                m.ProductionRecord.voided_at.is_(None),
            )
        )
    last = min(adoption.last_day, until) if until else adoption.last_day
    planned: dict[tuple[int, dt.date], float] = defaultdict(float)
    for kiln_id, day, output in session.execute(
        select(PlannedProduction.kiln_id, PlannedProduction.day, PlannedProduction.output_t).where(
            PlannedProduction.adoption_id == adoption.id, PlannedProduction.day <= last
        )
    ):
        planned[(kiln_id, _monday(day))] += output
    actual: dict[tuple[int, dt.date], float] = defaultdict(float)
    kilns = {k for k, _w in planned}
    for kiln_id, day, output in session.execute(
        select(m.ProductionRecord.kiln_id, m.ProductionRecord.day, m.ProductionRecord.output_t)
        .where(m.ProductionRecord.kiln_id.in_(kilns), m.ProductionRecord.voided_at.is_(None))
        .where(m.ProductionRecord.day.between(adoption.first_day, last))
    ):
        actual[(kiln_id, _monday(day))] += output
    names = dict(session.execute(select(m.Kiln.id, m.Kiln.name).where(m.Kiln.id.in_(kilns))).all())
    return [
        KilnWeek(
            k,
            names.get(k, str(k)),
            week,
            round(planned[(k, week)], 3),
            round(actual[(k, week)], 3),
            round(actual[(k, week)] - planned[(k, week)], 3),
        )
        for k, week in sorted(
            set(planned) | set(actual), key=lambda kw: (names.get(kw[0], ""), kw[1])
        )
    ]
