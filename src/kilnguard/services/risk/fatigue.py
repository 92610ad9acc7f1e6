"""HSE FRI Fatigue and Risk Index per worker and crew of one kiln, from its recent shifts.

The kiln page's fatigue panel (``api/features/fatigue``) shows, for the latest day with a shift on
the kiln, each worker's FI and RI with their three components and the worst per crew (issue 13
point 1). The kiln is read through the access choke point (``access.get_readable``: NotFound when
``who`` may not read it); the workers' own shifts of the ``lookback_days`` before (on any kiln of
the same enterprise, current rows only) feed the cumulative components. Scoring is the domain's
``fri_of_kiln_day`` (the vectorised replica of the HSE calculator, RR446 v2.x) at the calculator's
defaults for commute, workload, attention and breaks, which plants do not record per shift.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kilnguard.domain import risk as rk
from kilnguard.domain.fatigue.hse_fri import (
    GOOD_PRACTICE_FI_DAY,
    GOOD_PRACTICE_FI_NIGHT,
    POLICY_FI_LIMIT_DAY,
    POLICY_FI_LIMIT_NIGHT,
    POLICY_RI_LIMIT,
)
from kilnguard.domain.risk.fri_day import WorkerFri, fri_of_kiln_day
from kilnguard.services import access
from kilnguard.services.access import Principal
from kilnguard.services.risk.load import kiln_spec, region_zones
from kilnguard.store import models as m

#: Days of each worker's roster before the day that feed the cumulative components.
LOOKBACK_DAYS = 28


@dataclass(frozen=True)
class CrewFri:
    """The worst FI [%] and RI [–] of a crew's workers on the day, and how many are over limit."""

    crew: str
    workers: int
    fi: float
    ri: float
    over_limit: int


@dataclass(frozen=True)
class KilnFatigue:
    """FI and RI of the workers on a kiln's latest shift day (empty when it has no shifts)."""

    kiln_id: int
    day: dt.date | None
    workers: tuple[WorkerFri, ...]
    crews: tuple[CrewFri, ...]
    lookback_days: int
    ri_limit: float = POLICY_RI_LIMIT
    fi_limit_day: float = POLICY_FI_LIMIT_DAY
    fi_limit_night: float = POLICY_FI_LIMIT_NIGHT
    fi_good_day: float = GOOD_PRACTICE_FI_DAY
    fi_good_night: float = GOOD_PRACTICE_FI_NIGHT


def _crews(workers: tuple[WorkerFri, ...]) -> tuple[CrewFri, ...]:
    by: dict[str, list[WorkerFri]] = {}
    for x in workers:
        by.setdefault(x.crew, []).append(x)
    return tuple(
        CrewFri(
            crew,
            len(xs),
            max(x.fi for x in xs),
            max(x.ri for x in xs),
            sum(x.over_limit for x in xs),
        )
        for crew, xs in sorted(by.items())
    )


def _utc(x: dt.datetime) -> dt.datetime:
    """Stored datetimes are UTC (naive on SQLite)."""
    return x if x.tzinfo else x.replace(tzinfo=dt.UTC)


def kiln_fatigue(
    session: Session,
    who: Principal,
    *,
    kiln_id: int,
    day: dt.date | None = None,
    lookback_days: int = LOOKBACK_DAYS,
) -> KilnFatigue:
    """FI and RI per worker and crew on ``day`` (plant-local; default the kiln's latest shift
    day). NotFound when ``who`` may not read the kiln."""
    kiln = access.get_readable(session, who, m.Kiln, kiln_id)
    sh = m.Shift
    zone = region_zones(session, [kiln]).get(kiln.enterprise_id, "UTC")
    tz = ZoneInfo(zone)
    if day is None:
        last = session.scalar(select(func.max(sh.start_at)).where(sh.kiln_id == kiln.id, m.CURRENT))
        if last is None:
            return KilnFatigue(kiln.id, None, (), (), lookback_days)
        day = _utc(last).astimezone(tz).date()
    lo = dt.datetime.combine(day - dt.timedelta(days=lookback_days + 1), dt.time(), dt.UTC)
    hi = dt.datetime.combine(day + dt.timedelta(days=2), dt.time(), dt.UTC)
    on_kiln = select(sh.worker_id).where(
        sh.kiln_id == kiln.id,
        m.CURRENT,
        sh.start_at < hi,
        sh.end_at > lo,
    )
    rows = session.execute(
        select(sh.worker_id, sh.crew_id, sh.section_id, sh.kiln_id, sh.start_at, sh.end_at)
        .where(
            sh.worker_id.in_(on_kiln),
            sh.enterprise_id == kiln.enterprise_id,
            m.CURRENT,
            sh.start_at < hi,
            sh.end_at > lo,
        )
        .order_by(sh.worker_id, sh.start_at)
    ).all()
    ent = session.get(m.Enterprise, kiln.enterprise_id)
    ent_name = ent.name if ent is not None else ""
    kiln_ids = {r.kiln_id for r in rows if r.kiln_id is not None} | {kiln.id}
    kilns = [kiln] + [
        k
        for k in session.scalars(select(m.Kiln).where(m.Kiln.id.in_(kiln_ids - {kiln.id})))
        if k.enterprise_id == kiln.enterprise_id
    ]
    workers = {
        w.id: w
        for w in session.scalars(
            select(m.Worker).where(m.Worker.id.in_({r.worker_id for r in rows}))
        )
    }
    crews = {
        c.id: c.name
        for c in session.scalars(select(m.Crew).where(m.Crew.enterprise_id == kiln.enterprise_id))
    }
    sections = {
        s.id: s.name
        for s in session.scalars(
            select(m.Section).where(m.Section.enterprise_id == kiln.enterprise_id)
        )
    }

    def worker_label(worker_id: int) -> str:
        w = workers.get(worker_id)
        return f"{w.name} ({w.number})" if w is not None and w.number else str(worker_id)

    def crew_label(crew_id: int | None, section_id: int | None) -> str:
        if crew_id is not None and crew_id in crews:
            return crews[crew_id]
        if section_id is not None and section_id in sections:
            return f"section {sections[section_id]}"
        return "no crew recorded"

    records = rk.Records(
        kilns=[kiln_spec(k, ent_name, zone) for k in kilns],
        shifts=[
            rk.ShiftRecord(
                worker_label(r.worker_id),
                crew_label(r.crew_id, r.section_id),
                str(r.kiln_id),
                _utc(r.start_at),
                _utc(r.end_at),
            )
            for r in rows
            if r.kiln_id is not None
        ],
    )
    start = day - dt.timedelta(days=lookback_days)
    inputs = rk.build_inputs(records, start, day)
    scored = fri_of_kiln_day(inputs, 0, lookback_days, lookback_days)
    order = sorted(scored, key=lambda x: (x.crew, -x.ri, x.worker_id))
    return KilnFatigue(kiln.id, day, tuple(order), _crews(scored), lookback_days)
