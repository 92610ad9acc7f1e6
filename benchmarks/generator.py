"""Realistic synthetic kiln records for benchmarks: enterprises, production, stops, maintenance,
targets and crew rosters (record dataclasses of ``kilnguard.domain.risk``).

Deterministic for a given seed. Roughly 1 in 10 enterprises is "pushed" for a quarter: an
additional target, load 1.3–2.6× rating, planned stops skipped, inspections deferred and rosters
switched from 3 crews × 8 h to 2 crews × 12 h — so the engine has real work in every barrier.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np

from kilnguard.domain.risk import (
    Deferral,
    KilnSpec,
    MaintenancePlan,
    PlannedStop,
    ProductionRecord,
    Records,
    ShiftRecord,
    Target,
    WorkOrder,
)

KINDS = (
    ("rotary", 1500.0, 365.0, 120.0),
    ("tunnel", 200.0, 540.0, 180.0),
    ("periodic", 40.0, 365.0, 90.0),
    ("shaft", 300.0, 365.0, 120.0),
)


@dataclass(frozen=True)
class GeneratedHistory:
    records: Records
    start: date
    end: date
    n_shift_records: int


def generate(
    n_kilns: int = 1000,
    n_days: int = 365,
    start: date = date(2021, 1, 1),
    kilns_per_enterprise: int = 5,
    workers_per_crew: int = 2,
    seed: int = 7,
) -> GeneratedHistory:
    """Records for ``n_kilns`` kilns over ``n_days`` days (plus 14 days of roster warm-up)."""
    rng = np.random.default_rng(seed)
    end = start + timedelta(days=n_days - 1)
    kilns: list[KilnSpec] = []
    prod: list[ProductionRecord] = []
    stops: list[PlannedStop] = []
    plans: list[MaintenancePlan] = []
    wos: list[WorkOrder] = []
    targets: list[Target] = []
    shifts: list[ShiftRecord] = []
    n_ent = (n_kilns + kilns_per_enterprise - 1) // kilns_per_enterprise
    hours_of = [
        datetime(2000, 1, 1, h, tzinfo=UTC) - datetime(2000, 1, 1, tzinfo=UTC) for h in range(24)
    ]
    days = [start + timedelta(days=i) for i in range(-14, n_days)]
    midnights = [datetime(d.year, d.month, d.day, tzinfo=UTC) for d in days]
    eight, twelve = timedelta(hours=8), timedelta(hours=12)
    two, zero = timedelta(hours=2), timedelta(0)
    for e in range(n_ent):
        ent = f"Enterprise {e:04d}"
        pushed = rng.random() < 0.1
        push_from = int(rng.integers(60, n_days - 100)) if pushed else n_days + 1
        push_to = push_from + 90
        ids: list[str] = []
        for j in range(kilns_per_enterprise):
            k_i = e * kilns_per_enterprise + j
            if k_i >= n_kilns:
                break
            kind, rated, life, limit = KINDS[int(rng.integers(len(KINDS)))]
            rated = float(round(rated * rng.uniform(0.7, 1.3), 1))
            kid = f"K{k_i:05d}"
            ids.append(kid)
            installed = start - timedelta(days=int(rng.integers(0, 200)))
            kilns.append(
                KilnSpec(
                    kid,
                    f"{ent} kiln {j + 1}",
                    kind,
                    ent,
                    rated,
                    life,
                    limit,
                    lining_installed_on=installed,
                )
            )
            stop_day = int(rng.integers(0, 30))
            stop_set: set[int] = set()
            for m in range(0, n_days, 30):
                a = m + stop_day
                if a < n_days and not push_from <= a < push_to:
                    stops.append(
                        PlannedStop(kid, start + timedelta(days=a), start + timedelta(days=a + 1))
                    )
                    stop_set |= {a, a + 1}
            load = np.clip(rng.normal(0.85, 0.06, n_days), 0.5, 0.98)
            if pushed:
                ramp = np.linspace(1.3, 2.6, push_to - push_from)
                seg = slice(push_from, min(push_to, n_days))
                load[seg] = ramp[: seg.stop - seg.start]
            for i in range(n_days):
                if i in stop_set:
                    continue
                prod.append(
                    ProductionRecord(
                        kid, start + timedelta(days=i), float(round(rated * load[i], 2)), 24.0
                    )
                )
            # maintenance: monthly inspection, quarterly interlock proof test
            plans.append(MaintenancePlan(f"{kid}-i", kid, "refractory inspection", 30.0))
            plans.append(
                MaintenancePlan(f"{kid}-p", kid, "interlock proof test", 90.0, protects_ipl=True)
            )
            for n, (plan, every) in enumerate(((f"{kid}-i", 30), (f"{kid}-p", 90))):
                for due in range(int(rng.integers(0, every)), n_days, every):
                    due_d = start + timedelta(days=due)
                    if push_from <= due < push_to and n == 0:
                        defs = (Deferral(due_d, "additional production target", "manager"),)
                        wos.append(WorkOrder(f"{plan}-{due}", plan, due_d, None, defs))
                    else:
                        late = int(rng.integers(-2, 2))
                        wos.append(
                            WorkOrder(f"{plan}-{due}", plan, due_d, due_d + timedelta(days=late))
                        )
            # rosters: 3 crews x 8 h on a 9-day cycle (2 mornings, 2 afternoons, 2 nights, 3 off)
            # with a per-kiln phase and start hour; 2 crews x 12 h, swapping weekly, while pushed.
            # Each worker misses ~4 % of shifts (leave, sickness) and works 2 h overtime on ~3 %.
            phase0 = int(rng.integers(0, 9))
            h0 = int(rng.integers(5, 8))
            u = rng.random((len(midnights), 3, workers_per_crew))
            for di, mid in enumerate(midnights):
                i = di - 14
                pushed_day = push_from <= i < push_to
                for c in range(2 if pushed_day else 3):
                    if pushed_day:
                        week = (i - push_from) // 7
                        s = mid + hours_of[h0 + (0 if (c + week) % 2 == 0 else 12)]
                        length = twelve
                    else:
                        phase = (i + phase0 + 3 * c) % 9
                        if phase >= 6:
                            continue
                        s = mid + hours_of[(h0 + 8 * (phase // 2)) % 24]
                        length = eight
                    for w in range(workers_per_crew):
                        x = u[di, c, w]
                        if x < 0.04:
                            continue
                        en = s + length + (two if x > 0.97 else zero)
                        shifts.append(ShiftRecord(f"{kid}-{c}{w}", f"{kid}-{c}", kid, s, en))
        # quarterly plan targets (~85 % of rating), plus the additional one when pushed
        cap = sum(k.rated_capacity_t_per_day for k in kilns if k.enterprise == ent)
        for q in range(0, n_days, 91):
            q_end = min(q + 90, n_days - 1)
            targets.append(
                Target(
                    f"{ent} Q{q // 91 + 1}",
                    tuple(ids),
                    0.85 * cap * (q_end - q + 1),
                    start + timedelta(days=q),
                    start + timedelta(days=q_end),
                    "enterprise plan",
                )
            )
        if pushed:
            targets.append(
                Target(
                    f"{ent} additional",
                    tuple(ids),
                    1.3 * cap * 90,
                    start + timedelta(days=push_from - 1),
                    start + timedelta(days=push_to),
                    "province",
                    additional=True,
                )
            )
    records = Records(kilns, prod, stops, targets, plans, wos, shifts)
    return GeneratedHistory(records, start, end, len(shifts))
