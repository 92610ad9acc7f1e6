"""The dashboard that ranks danger (issue 16 point 5): kilns, and a region's enterprises, in
the order someone must act on them.

Every figure comes from the stored daily levels (`services.risk.levels`, read-only here) and
the production records; nothing is replayed. Per kiln:

* **rank**: level first (stop, red, amber, green, then kilns without a level), then how far
  (the risk ratio R on the level's day, ``RISK-MODEL.md``), then how long (days the kiln has
  stood at that level without a break), then the name, so the order is total and stable;
* **reason**: that kiln's own top cause — the first finding of its stored explanation (the
  barrier with the largest factor and its first fact), not the explanation's shared opening;
* **age**: the level's day (its enterprise's last production day) and how many plant-local
  days ago that was, and since when the kiln has stood at that level;
* **no records for N days**: whole plant days since the kiln's own last production record
  (`STALE_AFTER_DAYS` or more is shown as a state of its own: the level may be out of date).

An enterprise (region view) ranks by its worst kiln with the same key. Trends cover each
enterprise's own last `TREND_DAYS` days of records (ending on its last record day), so an
enterprise that stopped reporting shows the period it reported, never a later month of grey.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from kilnguard.domain import risk as rk
from kilnguard.domain.errors import NotFound
from kilnguard.services import access, writes
from kilnguard.services import risk as rs
from kilnguard.services.access import Principal
from kilnguard.services.risk import levels as stored
from kilnguard.store import models as m
from kilnguard.store.level_models import KilnLevelRow

LEVELS = rk.LEVEL_NAMES  # green, amber, red, stop
NO_LEVEL = "no records"
TREND_DAYS = 30
#: A kiln whose last production record is this many whole plant days old or more is shown
#: as "no records for N days": yesterday's records may still be on their way in.
STALE_AFTER_DAYS = 2


@dataclass(frozen=True)
class KilnRank:
    """One kiln's row on the dashboard, with everything its rank is made of."""

    kiln_id: int
    kiln: str
    enterprise_id: int
    enterprise: str
    level: str  # green/amber/red/stop, or "no records"
    day: dt.date | None  # the level's day
    risk_ratio: float
    since: dt.date | None  # first day of the kiln's current run at this level
    days_at_level: int
    reason: str  # the kiln's own top cause
    last_record: dt.date | None  # the kiln's own last production day
    days_without_records: int | None  # whole plant days since last_record (None: never)
    level_age_days: int | None  # plant days from the level's day to today

    @property
    def stale(self) -> bool:
        return self.days_without_records is not None and (
            self.days_without_records >= STALE_AFTER_DAYS
        )

    def key(self) -> tuple[int, float, int, str]:
        """Sort key: worst level, then farthest, then longest, then name."""
        rank = LEVELS.index(self.level) if self.level in LEVELS else -1
        return (-rank, -self.risk_ratio, -self.days_at_level, self.kiln)

    def as_json(self) -> dict[str, Any]:
        dates = {k: _iso(getattr(self, k)) for k in ("day", "since", "last_record")}
        extra = {"summary": self.reason, "stale": self.stale}
        return {**asdict(self), **dates, "risk_ratio": round(self.risk_ratio, 3), **extra}


@dataclass
class EnterpriseRank:
    """An enterprise in a region view: ranked by its worst kiln, with its own trend."""

    enterprise_id: int
    name: str
    kilns: list[KilnRank]
    counts: dict[str, int]
    last_record: dt.date | None
    trend: list[dict[str, Any]] = field(default_factory=list)

    @property
    def worst(self) -> KilnRank | None:
        return self.kilns[0] if self.kilns else None

    def key(self) -> tuple[int, float, int, str]:
        w = self.worst
        return (1, 0.0, 0, self.name) if w is None else (*w.key()[:3], self.name)

    def as_json(self) -> dict[str, Any]:
        w = self.worst
        return {
            "enterprise_id": self.enterprise_id,
            "name": self.name,
            "level": w.level if w else NO_LEVEL,
            "risk_ratio": round(w.risk_ratio, 3) if w else 0.0,
            "days_at_level": w.days_at_level if w else 0,
            "worst_kiln": w.kiln if w else None,
            "reason": w.reason if w else "",
            "counts": self.counts,
            "last_record": _iso(self.last_record),
            "trend": self.trend,
        }


@dataclass
class Ranked:
    """A ranked dashboard section: an enterprise, or a region's enterprises."""

    scope: str  # "enterprise" | "region"
    id: int
    name: str
    timezone: str
    now: dt.datetime  # the unit of work's clock (UTC), shown in plant time
    today: dt.date  # plant-local
    as_of: dt.date | None  # the latest level's day
    counts: dict[str, int]
    kilns: list[KilnRank]
    enterprises: list[EnterpriseRank]
    trend: list[dict[str, Any]] = field(default_factory=list)

    @property
    def worst(self) -> list[KilnRank]:
        return [k for k in self.kilns if k.level in LEVELS[1:]]

    def as_json(self) -> dict[str, Any]:
        head = {k: getattr(self, k) for k in ("scope", "id", "name", "timezone")}
        return {
            **head,
            "now": self.now.isoformat(),
            "today": self.today.isoformat(),
            "as_of": _iso(self.as_of),
            "enterprises": sorted(e.name for e in self.enterprises),
            "enterprises_ranked": [e.as_json() for e in self.enterprises],
            "counts": self.counts,
            "worst": [k.as_json() for k in self.worst],
            "kilns": [k.as_json() for k in self.kilns],
            "trend": self.trend,
        }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _counts(kilns: Sequence[KilnRank]) -> dict[str, int]:
    out = {**{name: 0 for name in LEVELS}, NO_LEVEL: 0}
    for k in kilns:
        out[k.level] += 1
    return out


def top_cause(explanation: dict[str, Any] | None) -> str:
    """The kiln's own top cause from its stored explanation JSON: the first finding (largest
    factor) with its first fact; the explanation's text when there is no finding."""
    if not explanation:
        return ""
    findings = explanation.get("findings") or []
    if findings:
        f = findings[0]
        facts = f.get("facts") or []
        head = f"{str(f['barrier']).capitalize()} ×{float(f['factor']):.2f} ({f['level']})"
        return f"{head}: {facts[0]}" if facts else head
    return str(explanation.get("text", "")).split(". ", 1)[0]


# ------------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class DayFigure:
    """One stored kiln-day as a figure to show: level, R and the kiln's own top cause."""

    kiln_id: int
    day: dt.date
    level: str
    risk_ratio: float
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "level": self.level,
            "risk_ratio": round(self.risk_ratio, 3),
            "reason": self.reason,
        }


def day_figures(
    session: Session, pairs: Collection[tuple[int, dt.date]]
) -> dict[tuple[int, dt.date], DayFigure]:
    """The stored level, R and top cause of each (kiln, day) asked for that has a row (one
    query)."""
    if not pairs:
        return {}
    t = KilnLevelRow
    cond = or_(*(and_(t.kiln_id == k, t.day == d) for k, d in set(pairs)))
    rows = session.execute(
        select(t.kiln_id, t.day, t.level, t.risk_ratio, t.summary, t.explanation).where(cond)
    )
    return {
        (r.kiln_id, r.day): DayFigure(
            r.kiln_id,
            r.day,
            LEVELS[int(r.level)],
            float(r.risk_ratio),
            top_cause(r.explanation) or r.summary,
        )
        for r in rows
    }


def _runs(session: Session, latest: dict[int, stored.StoredLevel]) -> dict[int, dt.date]:
    """First day of each kiln's current run at its latest level: the day after the last day
    at any other level, else its first stored day (one grouped query)."""
    if not latest:
        return {}
    t = KilnLevelRow
    rows = session.execute(
        select(t.kiln_id, t.level, func.min(t.day), func.max(t.day))
        .where(t.kiln_id.in_(list(latest)))
        .group_by(t.kiln_id, t.level)
    ).all()
    first: dict[int, dt.date] = {}
    other: dict[int, dt.date] = {}
    for kiln_id, level, lo, hi in rows:
        now = latest[kiln_id]
        first[kiln_id] = min(first.get(kiln_id, lo), lo)
        if int(level) != now.level and hi < now.day:
            other[kiln_id] = max(other.get(kiln_id, hi), hi)
    return {k: (other[k] + dt.timedelta(days=1)) if k in other else first[k] for k in latest}


def _last_records(session: Session, kilns: Sequence[m.Kiln]) -> dict[int, dt.date]:
    p = m.ProductionRecord
    return dict(
        session.execute(
            select(p.kiln_id, func.max(p.day))
            .where(p.kiln_id.in_([k.id for k in kilns]), p.voided_at.is_(None))
            .group_by(p.kiln_id)
        ).all()
    )


def plant_today(session: Session, timezone: str) -> dt.date:
    """Today in the plant's own time zone, by the unit of work's clock."""
    return writes.now(session).astimezone(ZoneInfo(timezone)).date()


def _now(session: Session) -> dt.datetime:
    return writes.now(session)


def rank_kilns(session: Session, kilns: Sequence[m.Kiln], today: dt.date) -> list[KilnRank]:
    """These kilns' dashboard rows, worst first."""
    if not kilns:
        return []
    names = {e.id: e.name for e in session.scalars(select(m.Enterprise))}
    latest = stored.latest(session, kilns)
    explained = day_figures(session, [(k, v.day) for k, v in latest.items()])
    runs = _runs(session, latest)
    last = _last_records(session, kilns)
    out: list[KilnRank] = []
    for k in kilns:
        now = latest.get(k.id)
        rec = last.get(k.id)
        idle = (today - rec).days if rec is not None else None
        if now is None:
            out.append(
                KilnRank(
                    k.id, k.name, k.enterprise_id, names[k.enterprise_id], NO_LEVEL,
                    None, 0.0, None, 0, "", rec, idle, None,
                )
            )  # fmt: skip
            continue
        since = runs.get(k.id, now.day)
        out.append(
            KilnRank(
                kiln_id=k.id,
                kiln=k.name,
                enterprise_id=k.enterprise_id,
                enterprise=names[k.enterprise_id],
                level=now.name,
                day=now.day,
                risk_ratio=now.risk_ratio,
                since=since,
                days_at_level=(now.day - since).days + 1,
                reason=explained[(k.id, now.day)].reason
                if (k.id, now.day) in explained
                else now.summary,
                last_record=rec,
                days_without_records=idle,
                level_age_days=(today - now.day).days,
            )
        )
    return sorted(out, key=KilnRank.key)


def trend(session: Session, kilns: Sequence[m.Kiln], last: dt.date) -> list[dict[str, Any]]:
    """Kilns per level per day over the `TREND_DAYS` days of records ending on `last`,
    starting on the first of those days with a stored level; kilns without a level on a
    day (before their first record) count as "no records"."""
    counted = stored.counts_by_day(session, kilns, last - dt.timedelta(days=TREND_DAYS - 1), last)
    if not counted:
        return []
    day, out = min(counted), []
    while day <= last:
        row: dict[str, Any] = {"day": day.isoformat(), **{n: 0 for n in LEVELS}}
        for level, n in counted.get(day, {}).items():
            row[LEVELS[level]] += n
        row[NO_LEVEL] = len(kilns) - sum(counted.get(day, {}).values())
        out.append(row)
        day += dt.timedelta(days=1)
    return out


def _enterprise(
    session: Session, ent: m.Enterprise, kilns: Sequence[m.Kiln], today: dt.date
) -> EnterpriseRank:
    ranked = rank_kilns(session, kilns, today)
    days = [k.day for k in ranked if k.day is not None]
    records = [k.last_record for k in ranked if k.last_record is not None]
    out = EnterpriseRank(ent.id, ent.name, ranked, _counts(ranked), max(records, default=None))
    if days:
        out.trend = trend(session, kilns, max(days))
    return out


def _timezone(ent: m.Enterprise) -> str:
    return ent.region.timezone if ent.region is not None else "UTC"


def _as_view(e: EnterpriseRank, tz: str, now: dt.datetime, today: dt.date) -> Ranked:
    days = [k.day for k in e.kilns if k.day is not None]
    return Ranked(
        "enterprise", e.enterprise_id, e.name, tz, now, today, max(days, default=None),
        e.counts, e.kilns, [e], e.trend,
    )  # fmt: skip


def enterprise_view(session: Session, who: Principal, enterprise_id: int) -> Ranked:
    """One enterprise's kilns ranked, with its trend (NotFound outside what `who` reads)."""
    ent = access.get_readable(session, who, m.Enterprise, enterprise_id)
    kilns = [k for k in rs.readable_kilns(session, who) if k.enterprise_id == ent.id]
    tz = _timezone(ent)
    today = plant_today(session, tz)
    return _as_view(_enterprise(session, ent, kilns, today), tz, _now(session), today)


def region_view(session: Session, who: Principal, region_id: int) -> Ranked:
    """A region's enterprises `who` may read, ranked by their worst kiln, each with its own
    kilns ranked and its own trend; every kiln of them ranked together in `kilns`."""
    region = session.get(m.Region, region_id)
    ents = [e for e in access.readable_enterprises(session, who) if e.region_id == region_id]
    if region is None or not ents:
        raise NotFound("region", region_id)
    kilns = rs.readable_kilns(session, who)
    today = plant_today(session, region.timezone)
    parts = sorted(
        (_enterprise(session, e, [k for k in kilns if k.enterprise_id == e.id], today)
         for e in ents),
        key=EnterpriseRank.key,
    )  # fmt: skip
    every = sorted((k for e in parts for k in e.kilns), key=KilnRank.key)
    days = [k.day for k in every if k.day is not None]
    return Ranked(
        "region", region.id, region.name, region.timezone, _now(session), today,
        max(days, default=None),
        _counts(every), every, parts,
    )  # fmt: skip


def dashboards(session: Session, who: Principal) -> list[Ranked]:
    """What /dashboard shows `who`: each region they may see with more than one enterprise
    (its enterprises ranked), then each of their enterprises (its kilns ranked), computed
    once and shown in both."""
    mine = access.readable_enterprises(session, who)
    regions = [region_view(session, who, r) for r in sorted({e.region_id for e in mine})]
    parts = {e.enterprise_id: (e, r) for r in regions for e in r.enterprises}
    out = [r for r in regions if len(r.enterprises) > 1]
    for ent in mine:
        part, region = parts[ent.id]
        out.append(_as_view(part, region.timezone, region.now, region.today))
    return out
