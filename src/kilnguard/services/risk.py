"""Risk from stored records: load the database into the engine's plain records, replay it.

The engine (`domain/risk`) knows nothing of SQL; this module is the one translation from tables
to `domain.risk.Records`, done in a few set-based queries (one per table), so a whole region's
history loads without per-row round trips. Tenancy: callers pass the kilns a user may read.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from kilnguard.domain import risk as rk
from kilnguard.domain.errors import NotFound
from kilnguard.services import access, writes
from kilnguard.services.access import Principal, scoped
from kilnguard.store import models as m

#: Words in a maintenance task that mark the proof test of an independent protection layer
#: (trips, interlocks, relief devices, flame safeguards): overdue, the barrier loses its credit.
IPL_WORDS = ("interlock", "relief", "flame", "trip", "shut-off", "shutoff", "proof test")
RELINE_WORDS = ("relin",)


@dataclass(frozen=True)
class LoadedHistory:
    """Records of a set of kilns, the day range they cover, and display facts."""

    records: rk.Records
    start: dt.date
    end: dt.date
    utc_offset_h: float
    kiln_rows: tuple[m.Kiln, ...]
    enterprise_names: dict[int, str]

    def day_of(self, index: int) -> dt.date:
        return self.start + dt.timedelta(days=index)

    def kiln_index(self, kiln_id: int) -> int:
        for i, k in enumerate(self.kiln_rows):
            if k.id == kiln_id:
                return i
        raise NotFound("kiln", kiln_id)


def readable_kilns(
    session: Session, who: Principal, *, enterprise: str | None = None, kiln_ids: Sequence[int] = ()
) -> list[m.Kiln]:
    """Kilns `who` may read, optionally narrowed to an enterprise (name, case-insensitive
    substring) or to given ids."""
    stmt = scoped(session, who, select(m.Kiln), m.Kiln).order_by(m.Kiln.enterprise_id, m.Kiln.name)
    if kiln_ids:
        stmt = stmt.where(m.Kiln.id.in_(list(kiln_ids)))
    kilns = list(session.scalars(stmt))
    if enterprise:
        names = {e.id: e.name for e in session.scalars(select(m.Enterprise))}
        kilns = [k for k in kilns if enterprise.lower() in names[k.enterprise_id].lower()]
        if not kilns:
            raise NotFound("enterprise", enterprise)
    return kilns


def _utc_offset_h(session: Session, kilns: Sequence[m.Kiln]) -> float:
    if not kilns:
        return 0.0
    ent = session.get(m.Enterprise, kilns[0].enterprise_id)
    tz = ZoneInfo(ent.region.timezone if ent is not None else "UTC")
    offset = dt.datetime(2021, 7, 1, tzinfo=tz).utcoffset() or dt.timedelta(0)
    return offset.total_seconds() / 3600


def change_control_states(
    session: Session, kilns: Sequence[m.Kiln], first: dt.date, last: dt.date
) -> list[rk.ChangeControlState]:
    """The change-control barrier's per kiln-day input from the change requests (issue 5):
    firing under an unapproved change, a skipped stage, an open objection, an overrule, people
    in the hazard zone above its limit. Only days with something to say are passed on."""
    from kilnguard.services.change import change_control_inputs

    signals = change_control_inputs(session, [k.id for k in kilns], first, last)
    return [
        rk.ChangeControlState(str(kiln_id), day, int(sig.severity), "; ".join(sig.reasons))
        for (kiln_id, day), sig in sorted(signals.items())
        if sig.severity > 0
    ]


def load_history(
    session: Session,
    kilns: Sequence[m.Kiln],
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> LoadedHistory:
    """Read everything the engine needs for `kilns`, up to `end` (default: last record).

    The other kilns of the same enterprises are loaded too, after the requested ones, because
    a target's pressure depends on every kiln in its scope: a one-kiln replay must give that
    kiln the same level as a whole-plant replay. `kiln_rows` lists only the requested kilns,
    and their indexes in the result arrays are the same.
    """
    requested = list(kilns)
    ids = [k.id for k in requested]
    scope_mates = session.scalars(
        select(m.Kiln)
        .where(
            m.Kiln.enterprise_id.in_({k.enterprise_id for k in requested}),
            m.Kiln.id.not_in(ids),
        )
        .order_by(m.Kiln.id)
    ).all()
    kilns = [*requested, *scope_mates]
    ids = [k.id for k in kilns]
    sid = {k.id: str(k.id) for k in kilns}
    ents = {e.id: e.name for e in session.scalars(select(m.Enterprise))}
    specs = [
        rk.KilnSpec(
            kiln_id=sid[k.id],
            name=k.name,
            kind=k.kind,
            enterprise=ents[k.enterprise_id],
            rated_capacity_t_per_day=k.rated_capacity_t_per_day,
            lining_design_life_days=float(k.lining_design_life_days or 365),
            campaign_limit_days=float(k.campaign_limit_days),
            lining_installed_on=k.lining_installed_on,
        )
        for k in kilns
    ]
    # production: summed per kiln and day
    daily: dict[tuple[int, dt.date], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for kiln_id, day, output_t, hours in session.execute(
        select(
            m.ProductionRecord.kiln_id,
            m.ProductionRecord.day,
            m.ProductionRecord.output_t,
            m.ProductionRecord.hours_fired,
        ).where(m.ProductionRecord.kiln_id.in_(ids))
    ):
        acc = daily[(kiln_id, day)]
        acc[0] += output_t
        acc[1] += hours
    production = [
        rk.ProductionRecord(sid[k], day, out, min(hours, 24.0))
        for (k, day), (out, hours) in sorted(daily.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]
    stops = idle_day_stops(production) + [
        rk.PlannedStop(
            sid[s.kiln_id], s.start_on, s.end_on, any(w in s.reason.lower() for w in RELINE_WORDS)
        )
        for s in session.scalars(select(m.PlannedStop).where(m.PlannedStop.kiln_id.in_(ids)))
    ]
    # targets: a kiln target, a section target, or the whole enterprise's kilns
    by_section: dict[int, list[str]] = defaultdict(list)
    by_enterprise: dict[int, list[str]] = defaultdict(list)
    for k in kilns:
        by_enterprise[k.enterprise_id].append(sid[k.id])
        if k.section_id is not None:
            by_section[k.section_id].append(sid[k.id])
    targets = []
    for t in session.scalars(
        select(m.Target).where(m.Target.enterprise_id.in_({k.enterprise_id for k in kilns}))
    ):
        if t.kiln_id is not None:
            scope = [sid[t.kiln_id]] if t.kiln_id in sid else []
        elif t.section_id is not None:
            scope = by_section.get(t.section_id, [])
        else:
            scope = by_enterprise.get(t.enterprise_id, [])
        if scope:
            targets.append(
                rk.Target(
                    str(t.id),
                    tuple(scope),
                    t.quantity_t,
                    t.entered_on,
                    t.deadline,
                    t.imposed_by,
                    t.additional,
                )
            )
    # maintenance: safety-critical plans and their work orders with deferrals
    rated = {k.id: k.rated_capacity_t_per_day for k in kilns}
    plans: dict[int, rk.MaintenancePlan] = {}
    for p in session.scalars(
        select(m.MaintenancePlan).where(
            m.MaintenancePlan.kiln_id.in_(ids), m.MaintenancePlan.safety_critical
        )
    ):
        interval = p.interval_days or (p.interval_t or 0) / rated[p.kiln_id] or 30
        task = p.task.lower()
        plans[p.id] = rk.MaintenancePlan(
            plan_id=str(p.id),
            kiln_id=sid[p.kiln_id],
            task=p.task,
            interval_days=float(interval),
            safety_critical=True,
            protects_ipl=any(w in task for w in IPL_WORDS),
            renews_lining=any(w in task for w in RELINE_WORDS),
        )
    orders = []
    extra_plans = []
    for wo in session.scalars(
        select(m.WorkOrder).where(m.WorkOrder.kiln_id.in_(ids), m.WorkOrder.safety_critical)
    ):
        plan_id = str(wo.plan_id) if wo.plan_id in plans else f"wo-{wo.id}"
        if wo.plan_id not in plans:
            task = wo.task.lower()
            extra_plans.append(
                rk.MaintenancePlan(
                    plan_id=plan_id,
                    kiln_id=sid[wo.kiln_id],
                    task=wo.task,
                    interval_days=30.0,
                    protects_ipl=any(w in task for w in IPL_WORDS),
                    renews_lining=any(w in task for w in RELINE_WORDS),
                )
            )
        original_due = wo.deferrals[0].previous_due_on if wo.deferrals else wo.due_on
        orders.append(
            rk.WorkOrder(
                order_id=str(wo.id),
                plan_id=plan_id,
                due_on=original_due,
                done_on=wo.done_on,
                deferrals=tuple(
                    rk.Deferral(d.deferred_on, d.reason, d.deferred_by) for d in wo.deferrals
                ),
            )
        )
    shifts = [
        rk.ShiftRecord(
            str(worker_id), str(crew_id or f"w{worker_id}"), sid[kiln_id], start_at, end_at
        )
        for worker_id, crew_id, kiln_id, start_at, end_at in session.execute(
            select(
                m.Shift.worker_id,
                m.Shift.crew_id,
                m.Shift.kiln_id,
                m.Shift.start_at,
                m.Shift.end_at,
            )
            .where(m.Shift.kiln_id.in_(ids))
            .order_by(m.Shift.start_at)
        )
        if kiln_id is not None
    ]
    days = [p.day for p in production]
    first = start or (min(days) if days else writes.today(session))
    last = end or (max(days) if days else first)
    change = change_control_states(session, kilns, first, last)
    records = rk.Records(
        kilns=specs,
        production=production,
        stops=stops,
        targets=targets,
        plans=[*plans.values(), *extra_plans],
        work_orders=orders,
        shifts=shifts,
        change_control=change,
    )
    return LoadedHistory(
        records, first, last, _utc_offset_h(session, kilns), tuple(requested), ents
    )


def idle_day_stops(production: Sequence[rk.ProductionRecord]) -> list[rk.PlannedStop]:
    """Days without firing between two firing days of a kiln, as stops for the campaign count.

    "Continuous operation" (RISK-MODEL.md) counts days since the kiln last stood cold. A
    periodic or test kiln fired twice a week is not in a 90-day campaign, and a rotary kiln that
    stood a whole day was stopped, planned or not, so a gap of a full day restarts the count.
    """
    by_kiln: dict[str, list[dt.date]] = defaultdict(list)
    for p in production:
        if p.output_t > 0 or p.hours_fired > 0:
            by_kiln[p.kiln_id].append(p.day)
    stops = []
    for kiln_id, days in by_kiln.items():
        days.sort()
        for a, b in itertools.pairwise(days):
            if (b - a).days > 1:
                stops.append(
                    rk.PlannedStop(kiln_id, a + dt.timedelta(days=1), b - dt.timedelta(days=1))
                )
    return stops


def replay(history: LoadedHistory, config: rk.RiskConfig | None = None) -> rk.RiskResult:
    """Levels for every kiln and day of the loaded history."""
    cfg = config or rk.RiskConfig()
    inputs = rk.build_inputs(history.records, history.start, history.end, cfg, history.utc_offset_h)
    return rk.assess(inputs, cfg)


def has_table(session: Session, name: str) -> bool:
    return inspect(session.get_bind()).has_table(name)


def kiln_span(history: LoadedHistory, index: int) -> tuple[int, int]:
    """Day indexes of the kiln's first and last production record (its life in the data)."""
    kid = history.records.kilns[index].kiln_id
    days = [p.day for p in history.records.production if p.kiln_id == kid]
    if not days:
        return 0, -1
    return (min(days) - history.start).days, (max(days) - history.start).days


def last_record_day(history: LoadedHistory, index: int) -> dt.date:
    """The day of the kiln's last production record (its first day when it has none)."""
    lo, hi = kiln_span(history, index)
    return history.start + dt.timedelta(days=max(hi, lo))


def replay_kiln(
    session: Session, who: Principal, *, kiln_id: int, config: rk.RiskConfig | None = None
) -> tuple[LoadedHistory, rk.RiskResult] | None:
    """One kiln's history and levels (index 0), None before its first production record;
    NotFound when `who` may not read the kiln."""
    kiln = access.get_readable(session, who, m.Kiln, kiln_id)
    has = session.scalar(
        select(m.ProductionRecord.id).where(m.ProductionRecord.kiln_id == kiln.id).limit(1)
    )
    if has is None:
        return None
    history = load_history(session, [kiln])
    return history, replay(history, config)


def latest_levels(session: Session, who: Principal) -> dict[int, str]:
    """Each readable kiln's risk level on its latest record day (one columnar replay for all)."""
    kilns = readable_kilns(session, who)
    if not kilns:
        return {}
    history = load_history(session, kilns)
    if not history.records.production:
        return {}
    result = replay(history)
    levels = {}
    for i, kiln in enumerate(history.kiln_rows):
        _, last = kiln_span(history, i)
        if last >= 0:
            levels[kiln.id] = rk.LEVEL_NAMES[int(result.levels[i, last])]
    return levels
