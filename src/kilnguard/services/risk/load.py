"""Risk from stored records: load the database into the engine's records (`domain.risk.Records`).

The engine (`domain/risk`) knows nothing of SQL; this module is the one translation from tables
to records. The big tables, production and shifts, are read as columns straight from the
driver into NumPy arrays (`columns.py`); the small ones (kilns, stops, targets, plans, work
orders) in one set-based query each. Tenancy: callers pass the kilns a user may read.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain import risk as rk
from kilnguard.domain.errors import NotFound
from kilnguard.domain.plant import PROTECTION_LAYERS, Protects
from kilnguard.domain.risk.records import EPOCH_ORDINAL, ProductionColumns
from kilnguard.services import writes
from kilnguard.services.access import Principal, scoped
from kilnguard.services.risk.columns import read_columns
from kilnguard.store import models as m

#: Interval given to a safety-critical work order with no plan [day] (it protects nothing).
UNPLANNED_INTERVAL_DAYS = 30.0


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

    @cached_property
    def record_spans(self) -> dict[str, tuple[dt.date, dt.date]]:
        """First and last production day of each kiln with records (by engine kiln id)."""
        prod = self.records.production
        if isinstance(prod, ProductionColumns):
            out: dict[str, tuple[dt.date, dt.date]] = {}
            if not len(prod):
                return out
            n = len(prod.kiln_ids)
            lo = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
            hi = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
            np.minimum.at(lo, prod.kiln, prod.day)
            np.maximum.at(hi, prod.kiln, prod.day)
            for code in np.flatnonzero(hi >= lo).tolist():
                out[prod.kiln_ids[code]] = (
                    dt.date.fromordinal(EPOCH_ORDINAL + int(lo[code])),
                    dt.date.fromordinal(EPOCH_ORDINAL + int(hi[code])),
                )
            return out
        spans: dict[str, tuple[dt.date, dt.date]] = {}
        for p in prod:
            a, b = spans.get(p.kiln_id, (p.day, p.day))
            spans[p.kiln_id] = (min(a, p.day), max(b, p.day))
        return spans


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


def region_zones(session: Session, kilns: Sequence[m.Kiln]) -> dict[int, str]:
    """The IANA zone of each kiln's enterprise's region, by enterprise id."""
    ents = {k.enterprise_id for k in kilns}
    rows = session.execute(
        select(m.Enterprise.id, m.Region.timezone)
        .join(m.Region, m.Region.id == m.Enterprise.region_id)
        .where(m.Enterprise.id.in_(ents))
    )
    return {int(e): str(tz or "UTC") for e, tz in rows}


def utc_offset_h(session: Session, kilns: Sequence[m.Kiln]) -> float:
    """A representative offset from UTC [h] (the first kiln's region, on a summer day), for
    callers that need one number (the planner's horizon cut). The risk engine does not use it:
    every kiln's shifts are converted with its own region's zone at each instant
    (`KilnSpec.timezone`)."""
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
    from kilnguard.store.change_models import ChangeRequestRow

    # only kilns with change requests can say something (the others are 0 every day)
    with_changes = session.scalars(
        select(ChangeRequestRow.kiln_id)
        .where(ChangeRequestRow.kiln_id.in_([k.id for k in kilns]))
        .distinct()
    ).all()
    if not with_changes:
        return []
    signals = change_control_inputs(session, [int(i) for i in with_changes if i], first, last)
    return [
        rk.ChangeControlState(str(kiln_id), day, int(sig.severity), "; ".join(sig.reasons))
        for (kiln_id, day), sig in sorted(signals.items())
        if sig.severity > 0
    ]


def onboarding_wear(kiln: m.Kiln) -> float:
    """Miner damage of the kiln's lining on its onboarding day (first production record).

    From the fraction of design life used then, f: w0 = f. From the tonnes fired on it before,
    T: w0 = T / (rated t/day × design life days) — the damage of T tonnes fired at rated load,
    since at load ratio r = 1 the wear model adds r**n / L = 1/L a day (`domain/wear.py`,
    ΔD = r**n / L_design) and T tonnes at rating take T / rated days. 0 when neither is known.
    """
    if kiln.lining_used_fraction_at_onboarding is not None:
        return float(kiln.lining_used_fraction_at_onboarding)
    if kiln.lining_used_t_at_onboarding is not None:
        life = float(kiln.lining_design_life_days or 365)
        return float(kiln.lining_used_t_at_onboarding) / (kiln.rated_capacity_t_per_day * life)
    return 0.0


def kiln_spec(kiln: m.Kiln, enterprise: str, timezone: str = "") -> rk.KilnSpec:
    """The engine's view of a kiln; ``timezone`` is its region's IANA zone (shift times are
    moved to local time with it at each instant)."""
    return rk.KilnSpec(
        kiln_id=str(kiln.id),
        name=kiln.name,
        kind=kiln.kind,
        enterprise=enterprise,
        rated_capacity_t_per_day=kiln.rated_capacity_t_per_day,
        lining_design_life_days=float(kiln.lining_design_life_days or 365),
        campaign_limit_days=float(kiln.campaign_limit_days),
        lining_installed_on=kiln.lining_installed_on,
        lining_wear_at_onboarding=onboarding_wear(kiln),
        timezone=timezone,
    )


def with_scope_mates(session: Session, kilns: Sequence[m.Kiln]) -> list[m.Kiln]:
    """`kilns`, then the other kilns of their enterprises (by id): a target's pressure depends
    on every kiln in its scope."""
    ids = [k.id for k in kilns]
    mates = session.scalars(
        select(m.Kiln)
        .where(
            m.Kiln.enterprise_id.in_({k.enterprise_id for k in kilns}),
            m.Kiln.id.not_in(ids),
        )
        .order_by(m.Kiln.id)
    ).all()
    return [*kilns, *mates]


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
    and their indexes in the result arrays are the same. Production (summed per kiln and day)
    and shifts come as columns (`ProductionColumns`, `ShiftColumns`).

    Safety fields are read, never guessed: a plan is an independent protection layer's proof
    test when `protects` names a layer (`PROTECTION_LAYERS`), renews the lining when it is
    `lining` (then its completed orders reset wear even if the plan is not safety-critical),
    and a planned stop relines when `relines_lining`. A safety-critical work order without a
    safety-critical plan is scored against a 30-day interval and protects nothing (a lining
    plan's safety-critical order still relines).
    """
    requested = list(kilns)
    kilns = with_scope_mates(session, requested)
    ids = [k.id for k in kilns]
    sid = {k.id: str(k.id) for k in kilns}
    ents = {e.id: e.name for e in session.scalars(select(m.Enterprise))}
    zones = region_zones(session, kilns)
    specs = [kiln_spec(k, ents[k.enterprise_id], zones[k.enterprise_id]) for k in kilns]
    production, shifts = read_columns(session, ids)
    ps = m.PlannedStop
    stops = idle_day_stops(production) + [
        rk.PlannedStop(sid[kiln_id], start_on, end_on, bool(relines))
        for kiln_id, start_on, end_on, relines in session.execute(
            select(ps.kiln_id, ps.start_on, ps.end_on, ps.relines_lining).where(
                ps.kiln_id.in_(ids), ps.voided_at.is_(None)
            )
        )
    ]
    targets = _targets(session, kilns, sid)
    plans, orders = _maintenance(session, kilns, sid)
    if len(production.day):
        days = (int(production.day.min()), int(production.day.max()))
        first = start or dt.date.fromordinal(EPOCH_ORDINAL + days[0])
        last = end or dt.date.fromordinal(EPOCH_ORDINAL + days[1])
    else:
        first = start or writes.today(session)
        last = end or first
    records = rk.Records(
        kilns=specs,
        production=production,
        stops=stops,
        targets=targets,
        plans=plans,
        work_orders=orders,
        shifts=shifts,
        change_control=change_control_states(session, kilns, first, last),
    )
    return LoadedHistory(records, first, last, utc_offset_h(session, kilns), tuple(requested), ents)


def _targets(session: Session, kilns: Sequence[m.Kiln], sid: dict[int, str]) -> list[rk.Target]:
    """A kiln target, a section target, or the whole enterprise's kilns."""
    by_section: dict[int, list[str]] = defaultdict(list)
    by_enterprise: dict[int, list[str]] = defaultdict(list)
    for k in kilns:
        by_enterprise[k.enterprise_id].append(sid[k.id])
        if k.section_id is not None:
            by_section[k.section_id].append(sid[k.id])
    targets = []
    for t in session.scalars(
        select(m.Target).where(
            m.Target.enterprise_id.in_({k.enterprise_id for k in kilns}),
            m.Target.voided_at.is_(None),
        )
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
    return targets


def _maintenance(
    session: Session, kilns: Sequence[m.Kiln], sid: dict[int, str]
) -> tuple[list[rk.MaintenancePlan], list[rk.WorkOrder]]:
    """Plans that are safety-critical or protect something, and the work orders that are
    safety-critical or renew the lining, with their deferrals."""
    ids = [k.id for k in kilns]
    rated = {k.id: k.rated_capacity_t_per_day for k in kilns}
    lining = Protects.LINING.value
    plans: dict[int, rk.MaintenancePlan] = {}
    mp = m.MaintenancePlan
    for p_id, kiln_id, task, every_d, every_t, critical, protects in session.execute(
        select(
            mp.id, mp.kiln_id, mp.task, mp.interval_days, mp.interval_t, mp.safety_critical,
            mp.protects,
        ).where(
            mp.kiln_id.in_(ids),
            mp.voided_at.is_(None),
            mp.safety_critical | (mp.protects != Protects.NONE.value),
        )
    ):  # fmt: skip
        interval = every_d or (every_t or 0) / rated[kiln_id] or 30
        plans[p_id] = rk.MaintenancePlan(
            plan_id=str(p_id),
            kiln_id=sid[kiln_id],
            task=task,
            interval_days=float(interval),
            safety_critical=bool(critical),
            protects_ipl=protects in PROTECTION_LAYERS,
            renews_lining=protects == lining,
        )
    lining_plans = [i for i, p in plans.items() if p.renews_lining]
    wo_t, df = m.WorkOrder, m.WorkOrderDeferral
    selected = (
        wo_t.kiln_id.in_(ids)
        & wo_t.voided_at.is_(None)
        & (wo_t.safety_critical | wo_t.plan_id.in_(lining_plans))
    )
    deferrals: dict[int, list[tuple[dt.date, dt.date, str, str]]] = defaultdict(list)
    for wo_id, on, previous_due, reason, by in session.execute(
        select(df.work_order_id, df.deferred_on, df.previous_due_on, df.reason, df.deferred_by)
        .where(df.work_order_id.in_(select(wo_t.id).where(selected)))
        .order_by(df.work_order_id, df.deferred_on, df.id)
    ):
        deferrals[wo_id].append((on, previous_due, reason, by))
    orders = []
    extra_plans = []
    for wo_id, kiln_id, plan_ref, task, critical, due_on, done_on in session.execute(
        select(
            wo_t.id, wo_t.kiln_id, wo_t.plan_id, wo_t.task, wo_t.safety_critical, wo_t.due_on,
            wo_t.done_on,
        ).where(selected).order_by(wo_t.id)
    ):  # fmt: skip
        plan = plans.get(plan_ref) if plan_ref is not None else None
        if plan is None:  # no plan, or one that is not safety-critical and protects nothing
            plan_id = f"wo-{wo_id}"
            extra_plans.append(
                rk.MaintenancePlan(
                    plan_id, sid[kiln_id], task, UNPLANNED_INTERVAL_DAYS, True, False, False
                )
            )
        elif plan.safety_critical != bool(critical):
            # an order that is safety-critical on its own while its plan is not (scored against
            # 30 days, as an order without a plan, protecting what the plan says), or a lining
            # plan's order that is not (it only relines)
            plan_id = f"wo-{wo_id}"
            extra_plans.append(
                replace(
                    plan,
                    plan_id=plan_id,
                    task=task,
                    safety_critical=bool(critical),
                    interval_days=UNPLANNED_INTERVAL_DAYS,
                )
            )
        else:
            plan_id = plan.plan_id
        defs = deferrals.get(wo_id, [])
        orders.append(
            rk.WorkOrder(
                order_id=str(wo_id),
                plan_id=plan_id,
                due_on=defs[0][1] if defs else due_on,  # the original due day
                done_on=done_on,
                deferrals=tuple(rk.Deferral(on, reason, by) for on, _, reason, by in defs),
            )
        )
    return [*plans.values(), *extra_plans], orders


def idle_day_stops(production: Sequence[rk.ProductionRecord]) -> list[rk.PlannedStop]:
    """Days without firing between two firing days of a kiln, as stops for the campaign count.

    "Continuous operation" (RISK-MODEL.md) counts days since the kiln last stood cold. A
    periodic or test kiln fired twice a week is not in a 90-day campaign, and a rotary kiln that
    stood a whole day was stopped, planned or not, so a gap of a full day restarts the count.
    """
    if isinstance(production, ProductionColumns):
        return _idle_day_stops_columns(production)
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


def _idle_day_stops_columns(prod: ProductionColumns) -> list[rk.PlannedStop]:
    firing = (prod.output_t > 0) | (prod.hours_fired > 0)
    k, d = prod.kiln[firing], prod.day[firing]
    order = np.lexsort((d, k))
    k, d = k[order], d[order]
    gap = np.flatnonzero((k[1:] == k[:-1]) & (d[1:] - d[:-1] > 1))
    return [
        rk.PlannedStop(
            prod.kiln_ids[kc],
            dt.date.fromordinal(EPOCH_ORDINAL + a + 1),
            dt.date.fromordinal(EPOCH_ORDINAL + b - 1),
        )
        for kc, a, b in zip(k[gap].tolist(), d[gap].tolist(), d[gap + 1].tolist(), strict=True)
    ]
