"""Incident rates by enterprise and month (and in total), and by region for those whose natural
view is a region: LTIFR per 10⁶ h (the headline), TRIR, LTIFR and fatality rate per 200 000 h,
severity rate (days lost per 200 000 h) and the ILO incidence rate per 1 000 workers. Hours come
from the shift records, merged per person (`domain.investigation.hours_worked`); workers are the
people with a worked shift in the period."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
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
    ltifr_per_1m_h: float | None = None
    days_lost: int = 0
    severity_rate_per_200k_h: float | None = None
    workers: int = 0
    injury_cases: int = 0
    incidence_per_1000_workers: float | None = None


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
    workers: int = 0,
) -> RateRow:
    n = dom.injury_counts(incidents)
    ltifr_1m = severity = incidence = None
    if hours > 0:
        r = dom.incident_rates(incidents, hours, workers=workers or None)
        trir: float | None = round(r.trir_per_200k_h, 4)
        ltifr: float | None = round(r.ltifr_per_200k_h, 4)
        fat: float | None = round(r.fatality_rate_per_200k_h, 4)
        ltifr_1m = round(r.ltifr_per_1m_h, 4)
        severity = round(r.severity_rate_per_200k_h, 4)
        if r.incidence_per_1000_workers is not None:
            incidence = round(r.incidence_per_1000_workers, 4)
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
        ltifr_1m,
        n.days_lost,
        severity,
        workers,
        n.injury_cases,
        incidence,
    )


@dataclass
class _Exposure:
    """Hours worked and the people who worked them, for one scope and period."""

    hours: float = 0.0
    people: set[str] = field(default_factory=set)

    def add(self, hours: float, people: set[str]) -> None:
        self.hours += hours
        self.people |= people


def rates(session: Session, who: Principal, *, enterprise_id: int | None = None) -> list[RateRow]:
    """LTIFR per 10⁶ h; TRIR, LTIFR, fatality and severity rate per 200 000 h; ILO incidence per
    1 000 workers — by enterprise and month (and in total), and by region for regulators and
    admins. Hours worked come from the shift records, merged per person
    (domain.investigation.rates.hours_worked); workers are the people with a shift in the
    period."""
    stmt = access.scoped(session, who, select(m.Enterprise), m.Enterprise).order_by(
        m.Enterprise.name
    )
    if enterprise_id is not None:
        stmt = stmt.where(m.Enterprise.id == enterprise_id)
    enterprises = list(session.scalars(stmt))
    if enterprise_id is not None and not enterprises:
        raise NotFound("enterprise", enterprise_id)
    out: list[RateRow] = []
    region_incidents: dict[str, list[dom.Incident]] = defaultdict(list)
    region_exposure: dict[tuple[str, str], _Exposure] = defaultdict(_Exposure)
    region_tz: dict[str, ZoneInfo] = {}
    for ent in enterprises:
        tz = ZoneInfo(ent.region.timezone)
        region_tz[ent.region.name] = tz
        shifts = [
            dom.ShiftInterval(str(w), s, e)
            for w, s, e in session.execute(
                select(m.Shift.worker_id, m.Shift.start_at, m.Shift.end_at).where(
                    m.Shift.enterprise_id == ent.id, m.Shift.voided_at.is_(None)
                )
            )
        ]
        incidents = [
            to_domain(r, extras_of(session, r.id))
            for r in session.scalars(
                select(m.Incident).where(
                    m.Incident.enterprise_id == ent.id, m.Incident.voided_at.is_(None)
                )
            )
        ]
        months = sorted(
            {s.start.astimezone(tz).strftime("%Y-%m") for s in shifts}
            | {i.occurred_at.astimezone(tz).strftime("%Y-%m") for i in incidents}
        )
        total_h = dom.hours_worked(shifts)
        people = {s.person_id for s in shifts}
        out.append(_rate_row("enterprise", ent.name, "all", incidents, total_h, len(people)))
        region_exposure[(ent.region.name, "all")].add(total_h, people)
        region_incidents[ent.region.name].extend(incidents)
        for month in months:
            lo, hi = _month_bounds(month, tz)
            in_month = [s for s in shifts if s.start < hi and s.end > lo]
            hours = dom.hours_worked(in_month, lo, hi)
            month_people = {s.person_id for s in in_month}
            month_inc = [i for i in incidents if lo <= i.occurred_at < hi]
            out.append(
                _rate_row("enterprise", ent.name, month, month_inc, hours, len(month_people))
            )
            region_exposure[(ent.region.name, month)].add(hours, month_people)
    if access.sees_region(who) and enterprise_id is None:
        for name in sorted(region_incidents):
            incidents = region_incidents[name]
            total = region_exposure[(name, "all")]
            out.append(_rate_row("region", name, "all", incidents, total.hours, len(total.people)))
            months = sorted(p for (n, p) in region_exposure if n == name and p != "all")
            for month in months:
                lo, hi = _month_bounds(month, region_tz[name])
                month_inc = [i for i in incidents if lo <= i.occurred_at < hi]
                e = region_exposure[(name, month)]
                out.append(_rate_row("region", name, month, month_inc, e.hours, len(e.people)))
    return out
