"""Roll-ups of kiln risk levels for an enterprise or a region (issue 8 point 3).

The stored levels (`services.risk.levels`, kept current by every write) give, per kiln, its
current level — the
level on its enterprise's last production day (a kiln stopped for maintenance is still judged
while its enterprise reports) — the worst kilns with a one-line explanation, and the trend:
kilns per level per day over the last 30 days of records. Days outside a kiln's records
(before its first, after its enterprise's last) count as "no records".

Tenancy: an enterprise view needs the enterprise to be readable; a region view shows the
enterprises of that region `who` may read (a regulator: all of its region), and is NotFound
when there is none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain import risk as rk
from kilnguard.domain.errors import NotFound
from kilnguard.services import access
from kilnguard.services import risk as rs
from kilnguard.services.access import Principal, get_readable
from kilnguard.services.risk import levels as stored
from kilnguard.store import models as m

LEVELS = rk.LEVEL_NAMES
TREND_DAYS = 30
WORST_MAX = 10


@dataclass(frozen=True)
class KilnStatus:
    kiln_id: int
    kiln: str
    enterprise_id: int
    enterprise: str
    day: dt.date | None
    level: str  # green/amber/red/stop, or "no records"
    risk_ratio: float
    summary: str

    def as_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "day": self.day.isoformat() if self.day else None,
            "risk_ratio": round(self.risk_ratio, 3),
        }


@dataclass
class Rollup:
    scope: str  # "enterprise" | "region"
    id: int
    name: str
    as_of: dt.date | None
    counts: dict[str, int] = field(default_factory=dict)
    kilns: list[KilnStatus] = field(default_factory=list)
    worst: list[KilnStatus] = field(default_factory=list)
    trend: list[dict[str, Any]] = field(default_factory=list)
    enterprises: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "id": self.id,
            "name": self.name,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "enterprises": self.enterprises,
            "counts": self.counts,
            "worst": [k.as_json() for k in self.worst],
            "kilns": [k.as_json() for k in self.kilns],
            "trend": self.trend,
        }


def _empty_counts() -> dict[str, int]:
    return {**{name: 0 for name in LEVELS}, "no records": 0}


def _build(session: Session, scope: str, ident: int, name: str, kilns: Sequence[m.Kiln]) -> Rollup:
    ents = {e.id: e.name for e in session.scalars(select(m.Enterprise))}
    out = Rollup(scope, ident, name, None, _empty_counts())
    out.enterprises = sorted({ents[k.enterprise_id] for k in kilns})
    if not kilns:
        return out
    latest = stored.latest(session, kilns)
    for k in kilns:
        now = latest.get(k.id)
        if now is None:
            status = KilnStatus(
                k.id, k.name, k.enterprise_id, ents[k.enterprise_id], None, "no records", 0.0, ""
            )
        else:
            status = KilnStatus(
                k.id,
                k.name,
                k.enterprise_id,
                ents[k.enterprise_id],
                now.day,
                now.name,
                now.risk_ratio,
                now.summary,
            )
        out.kilns.append(status)
        out.counts[status.level] += 1
    if not latest:
        return out
    out.as_of = max(v.day for v in latest.values())
    rank = {n: i for i, n in enumerate(LEVELS)}
    ranked = sorted(
        (s for s in out.kilns if s.level in rank and s.level != "green"),
        key=lambda s: (-rank[s.level], -s.risk_ratio, s.kiln),
    )
    out.worst = ranked[:WORST_MAX]
    counted = stored.counts_by_day(
        session, kilns, out.as_of - dt.timedelta(days=TREND_DAYS - 1), out.as_of
    )
    first = min(counted, default=None)  # the trend starts at the first day with records
    for offset in range(TREND_DAYS - 1, -1, -1):
        day = out.as_of - dt.timedelta(days=offset)
        if first is None or day < first:
            continue
        counts = _empty_counts()
        for level, n in counted.get(day, {}).items():
            counts[LEVELS[level]] += n
        counts["no records"] = len(kilns) - sum(counted.get(day, {}).values())
        out.trend.append({"day": day.isoformat(), **counts})
    return out


def enterprise_view(session: Session, who: Principal, enterprise_id: int) -> Rollup:
    ent = get_readable(session, who, m.Enterprise, enterprise_id)
    kilns = rs.readable_kilns(session, who)
    return _build(
        session, "enterprise", ent.id, ent.name, [k for k in kilns if k.enterprise_id == ent.id]
    )


def region_view(session: Session, who: Principal, region_id: int) -> Rollup:
    region = session.get(m.Region, region_id)
    if region is None:
        raise NotFound("region", region_id)
    visible = {e.id for e in access.readable_enterprises(session, who) if e.region_id == region_id}
    if not visible:
        raise NotFound("region", region_id)
    kilns = [k for k in rs.readable_kilns(session, who) if k.enterprise_id in visible]
    return _build(session, "region", region.id, region.name, kilns)


def dashboards(session: Session, who: Principal) -> list[Rollup]:
    """What /dashboard shows `who`: the region views they may see (their enterprises' regions,
    narrowed to their enterprises unless regulator/admin), then each enterprise."""
    mine = access.readable_enterprises(session, who)
    out: list[Rollup] = []
    for region_id in sorted({e.region_id for e in mine}):
        out.append(region_view(session, who, region_id))
    for e in mine:
        out.append(enterprise_view(session, who, e.id))
    return out
