"""Incident rates per 200 000 hours worked, by enterprise and month (and in total), and by
region for those whose natural view is a region; hours come from the shift records, merged per
person (`domain.investigation.hours_worked`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain import investigation as dom
from kilnguard.domain.errors import NotFound
from kilnguard.services import access
from kilnguard.services.access import Principal
from kilnguard.services.investigation.incidents import extras_of, to_domain
from kilnguard.store import models as m


@dataclass(frozen=True)
class RateRow:
    """Counts, hours and rates for one scope and period ('all' or 'YYYY-MM')."""

    scope: str  # "enterprise" | "region"
    name: str
    period: str
    hours_worked_h: float
    recordable_cases: int
    lost_time_injuries: int
    fatalities: int
    near_misses: int
    unsafe_conditions: int
    trir_per_200k_h: float | None
    ltifr_per_200k_h: float | None
    fatality_rate_per_200k_h: float | None
    noisy: bool


def _month_bounds(month: str, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    y, mo = (int(x) for x in month.split("-"))
    lo = dt.datetime(y, mo, 1, tzinfo=tz)
    hi = dt.datetime(y + (mo == 12), mo % 12 + 1, 1, tzinfo=tz)
    return lo, hi


def _rate_row(
    scope: str,
    name: str,
    period: str,
    incidents: list[dom.Incident],
    hours: float,
) -> RateRow:
    n = dom.injury_counts(incidents)
    if hours > 0:
        r = dom.incident_rates(incidents, hours)
        trir: float | None = round(r.trir_per_200k_h, 4)
        ltifr: float | None = round(r.ltifr_per_200k_h, 4)
        fat: float | None = round(r.fatality_rate_per_200k_h, 4)
        noisy = r.noisy
    else:
        trir = ltifr = fat = None
        noisy = True
    return RateRow(
        scope,
        name,
        period,
        round(hours, 3),
        n.recordable_cases,
        n.lost_time_injuries,
        n.fatalities,
        n.near_misses,
        n.unsafe_conditions,
        trir,
        ltifr,
        fat,
        noisy,
    )


def rates(session: Session, who: Principal, *, enterprise_id: int | None = None) -> list[RateRow]:
    """TRIR, LTIFR and fatality rate per 200 000 h by enterprise and month (and in total), and
    by region for regulators and admins; hours worked come from the shift records, merged per
    person (domain.investigation.rates.hours_worked)."""
    stmt = access.scoped(session, who, select(m.Enterprise), m.Enterprise).order_by(
        m.Enterprise.name
    )
    if enterprise_id is not None:
        stmt = stmt.where(m.Enterprise.id == enterprise_id)
    enterprises = list(session.scalars(stmt))
    if enterprise_id is not None and not enterprises:
        raise NotFound("enterprise", enterprise_id)
    out: list[RateRow] = []
    region_data: dict[str, tuple[list[dom.Incident], dict[str, float], float]] = {}
    for ent in enterprises:
        tz = ZoneInfo(ent.region.timezone)
        shifts = [
            dom.ShiftInterval(str(w), s, e)
            for w, s, e in session.execute(
                select(m.Shift.worker_id, m.Shift.start_at, m.Shift.end_at).where(
                    m.Shift.enterprise_id == ent.id
                )
            )
        ]
        incidents = [
            to_domain(r, extras_of(session, r.id))
            for r in session.scalars(select(m.Incident).where(m.Incident.enterprise_id == ent.id))
        ]
        months = sorted(
            {s.start.astimezone(tz).strftime("%Y-%m") for s in shifts}
            | {i.occurred_at.astimezone(tz).strftime("%Y-%m") for i in incidents}
        )
        total_h = dom.hours_worked(shifts)
        out.append(_rate_row("enterprise", ent.name, "all", incidents, total_h))
        by_month: dict[str, float] = {}
        for month in months:
            lo, hi = _month_bounds(month, tz)
            in_month = [s for s in shifts if s.start < hi and s.end > lo]
            hours = dom.hours_worked(in_month, lo, hi)
            by_month[month] = hours
            month_inc = [i for i in incidents if lo <= i.occurred_at < hi]
            out.append(_rate_row("enterprise", ent.name, month, month_inc, hours))
        reg = region_data.setdefault(ent.region.name, ([], defaultdict(float), 0.0))
        reg[0].extend(incidents)
        for k, v in by_month.items():
            reg[1][k] += v
        region_data[ent.region.name] = (reg[0], reg[1], reg[2] + total_h)
    if access.sees_region(who) and enterprise_id is None:
        for name, (incidents, by_month, total_h) in sorted(region_data.items()):
            out.append(_rate_row("region", name, "all", incidents, total_h))
            for month in sorted(by_month):
                tz = ZoneInfo(
                    session.scalars(select(m.Region.timezone).where(m.Region.name == name)).one()
                )
                lo, hi = _month_bounds(month, tz)
                month_inc = [i for i in incidents if lo <= i.occurred_at < hi]
                out.append(_rate_row("region", name, month, month_inc, by_month[month]))
    return out
