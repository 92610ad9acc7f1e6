"""A realistic synthetic region as a bundle (sheets of columns), seeded: for the import benchmark.

Enterprises of 3–7 kilns (rotary, tunnel, shaft, periodic) with one kiln hall each; three crews
of two operators per kiln on a 3 × 8 h roster (a 9-day cycle: 2 mornings, 2 afternoons, 2 nights,
3 off; ~4 % of shifts missed, ~3 % with 2 h overtime); production per shift (three rows a
firing day); a 2-day planned stop a month, some of them relinings; per kiln a monthly lining
inspection, a quarterly interlock proof test and a relining plan (by tonnage) with their work
orders; quarterly enterprise targets. About 1 enterprise in 10 is pushed for a quarter: an
additional target, load 1.3–2.6 × rating, stops skipped, inspections deferred "for the target".
Some kilns come with the lining's state at onboarding (fraction of life used) instead of an
installation date. Times are plant-local with their offset (Asia/Seoul, +09:00).

Columns are NumPy arrays (big sheets) or lists; `write_csv_dir` writes the bundle's CSV
directory (`<sheet>.csv`, header row); `canonical_*` give the two big sheets in the storage
form for the bulk writer (`services.bundle.bulk.insert_columns`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

TIMEZONE = "Asia/Seoul"
OFFSET_H = 9
KINDS = (  # kind, rated t/day, lining design life [day], campaign limit [day], max °C
    ("rotary", 1500.0, 365, 120, 1450.0),
    ("tunnel", 200.0, 540, 180, 1300.0),
    ("shaft", 300.0, 365, 120, 1200.0),
    ("periodic", 40.0, 365, 90, 1250.0),
)
CREWS = "ABC"
WORKERS_PER_CREW = 2


@dataclass
class RegionBundle:
    """Sheets of a region: sheet name → column name → values (one per row)."""

    start: date
    n_days: int
    n_kilns: int
    sheets: dict[str, dict[str, Any]] = field(default_factory=dict)
    # the big sheets' numbers, for the bulk writer: kiln index, worker index (kiln*6 + c*2 + w),
    # UTC start/end [s since the epoch], production kiln index, day index, shift_no, t, h
    shift_kiln: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    shift_worker: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    shift_start_s: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    shift_end_s: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    prod_kiln: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    prod_day: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    prod_shift: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    prod_output: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    prod_hours: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    kiln_enterprise: list[str] = field(default_factory=list)
    kiln_names: list[str] = field(default_factory=list)

    def rows(self, sheet: str) -> int:
        cols = self.sheets[sheet]
        return len(next(iter(cols.values()))) if cols else 0


def _iso_days(start: date, days: NDArray[np.int64]) -> NDArray[np.str_]:
    return np.datetime_as_string(np.datetime64(start, "D") + days, unit="D")


def _local_times(epoch_s: NDArray[np.int64]) -> NDArray[np.str_]:
    local = (epoch_s + OFFSET_H * 3600).astype("datetime64[s]")
    return np.char.add(np.datetime_as_string(local, unit="s"), f"+{OFFSET_H:02d}:00")


def generate_region(
    n_kilns: int,
    n_days: int,
    start: date = date(2021, 1, 1),
    seed: int = 12,
    name_prefix: str = "",
) -> RegionBundle:
    """The region's bundle: ``n_kilns`` kilns over ``n_days`` days from ``start``
    (``name_prefix`` before each enterprise name: a large region is made district by district)."""
    rng = np.random.default_rng(seed)
    rb = RegionBundle(start, n_days, n_kilns)
    ent_sizes: list[int] = []
    while sum(ent_sizes) < n_kilns:
        ent_sizes.append(int(min(rng.integers(3, 8), n_kilns - sum(ent_sizes))))
    n_ent = len(ent_sizes)
    ents = [f"{name_prefix}Enterprise {e:05d}" for e in range(n_ent)]
    kiln_ent = np.repeat(np.arange(n_ent), ent_sizes)
    pushed = rng.random(n_ent) < 0.1
    push_from = np.where(pushed, rng.integers(60, max(61, n_days - 100), n_ent), n_days + 1)
    rb.sheets["regions"] = {"name": ["Benchmark province"], "timezone": [TIMEZONE]}
    rb.sheets["enterprises"] = {
        "name": ents,
        "region": ["Benchmark province"] * n_ent,
        "tier": [1 + e % 2 for e in range(n_ent)],
        "sector": ["cement" if e % 3 else "refractory" for e in range(n_ent)],
    }
    rb.sheets["sections"] = {"enterprise": ents, "name": ["Kiln hall"] * n_ent}
    kind_i = rng.integers(0, len(KINDS), n_kilns)
    rated = np.round(np.array([KINDS[i][1] for i in kind_i]) * rng.uniform(0.7, 1.3, n_kilns), 1)
    life = np.array([KINDS[i][2] for i in kind_i])
    onboarded = rng.random(n_kilns) < 0.2  # lining state at onboarding, not installation date
    installed = [
        "" if onboarded[k] else (start - timedelta(days=int(rng.integers(0, 200)))).isoformat()
        for k in range(n_kilns)
    ]
    used = np.round(rng.uniform(0.1, 0.6, n_kilns), 3)
    seq_in_ent = np.arange(n_kilns) - np.repeat(np.cumsum([0, *ent_sizes[:-1]]), ent_sizes)
    rb.kiln_enterprise = [ents[e] for e in kiln_ent]
    rb.kiln_names = [
        f"{KINDS[kind_i[k]][0][0].upper()}K-{seq_in_ent[k] + 1}" for k in range(n_kilns)
    ]
    rb.sheets["kilns"] = {
        "enterprise": rb.kiln_enterprise,
        "name": rb.kiln_names,
        "section": ["Kiln hall"] * n_kilns,
        "kind": [KINDS[i][0] for i in kind_i],
        "rated_capacity_t_per_day": rated.tolist(),
        "max_temperature_c": [KINDS[i][4] for i in kind_i],
        "campaign_limit_days": [KINDS[i][3] for i in kind_i],
        "lining_installed_on": installed,
        "lining_design_life_days": life.tolist(),
        "lining_used_fraction_at_onboarding": [
            str(used[k]) if onboarded[k] else "" for k in range(n_kilns)
        ],
    }
    crew_kiln = np.repeat(np.arange(n_kilns), len(CREWS))
    rb.sheets["crews"] = {
        "enterprise": [rb.kiln_enterprise[k] for k in crew_kiln],
        "name": [f"{rb.kiln_names[k]} crew {CREWS[c]}" for k in range(n_kilns) for c in range(3)],
    }
    n_w = n_kilns * len(CREWS) * WORKERS_PER_CREW
    w_kiln = np.arange(n_w) // (len(CREWS) * WORKERS_PER_CREW)
    w_crew = (np.arange(n_w) // WORKERS_PER_CREW) % len(CREWS)
    rb.sheets["workers"] = {
        "enterprise": [rb.kiln_enterprise[k] for k in w_kiln],
        "number": [f"W{w:07d}" for w in range(n_w)],
        "name": [f"Operator {w:07d}" for w in range(n_w)],
        "crew": [
            f"{rb.kiln_names[k]} crew {CREWS[c]}" for k, c in zip(w_kiln, w_crew, strict=True)
        ],
        "job": ["kiln operator"] * n_w,
        "qualifications": [KINDS[kind_i[k]][0] for k in w_kiln],
    }

    # planned stops: 2 days a month at a kiln's own offset (skipped while pushed); every 12th
    # stop of a kiln relines it
    offs = rng.integers(0, 30, n_kilns)
    st_k, st_d = [], []
    for m in range(0, n_days, 30):
        d = m + offs
        ok = (d + 1 < n_days) & ~((d >= push_from[kiln_ent]) & (d < push_from[kiln_ent] + 90))
        st_k.append(np.flatnonzero(ok))
        st_d.append(d[ok])
    stop_k, stop_d = np.concatenate(st_k), np.concatenate(st_d)
    reline = (stop_d // 30) % 12 == (np.arange(len(stop_k)) % 12)
    rb.sheets["planned_stops"] = {
        "enterprise": [rb.kiln_enterprise[k] for k in stop_k],
        "kiln": [rb.kiln_names[k] for k in stop_k],
        "start_on": _iso_days(start, stop_d).tolist(),
        "end_on": _iso_days(start, stop_d + 1).tolist(),
        "reason": ["relining" if r else "monthly maintenance stop" for r in reline],
        "relines_lining": ["true" if r else "false" for r in reline],
    }
    stopped = np.zeros((n_kilns, n_days), dtype=bool)
    stopped[stop_k, stop_d] = True
    stopped[stop_k, stop_d + 1] = True

    # production: three shift rows a firing day
    load = np.clip(rng.normal(0.85, 0.06, (n_kilns, n_days)), 0.5, 0.98)
    day_i = np.arange(n_days)
    pf = push_from[kiln_ent][:, None]
    in_push = (day_i[None, :] >= pf) & (day_i[None, :] < pf + 90)
    load = np.where(in_push, 1.3 + 1.3 * (day_i[None, :] - pf) / 90.0, load)
    k_idx, d_idx = np.nonzero(~stopped)
    per_shift = np.round(rated[k_idx] * load[k_idx, d_idx] / 3.0, 2)
    rb.prod_kiln = np.repeat(k_idx, 3)
    rb.prod_day = np.repeat(d_idx, 3)
    rb.prod_shift = np.tile(np.arange(1, 4), len(k_idx))
    rb.prod_output = np.repeat(per_shift, 3)
    rb.prod_hours = np.full(len(rb.prod_kiln), 8.0)

    # rosters: (kiln, day, crew, worker) on the 9-day cycle
    phase0 = rng.integers(0, 9, n_kilns)
    h0 = rng.integers(5, 8, n_kilns)
    kk, dd, cc, ww = np.meshgrid(
        np.arange(n_kilns), day_i, np.arange(3), np.arange(WORKERS_PER_CREW), indexing="ij"
    )
    kk, dd, cc, ww = kk.ravel(), dd.ravel(), cc.ravel(), ww.ravel()
    phase = (dd + phase0[kk] + 3 * cc) % 9
    u = rng.random(len(kk))
    on = (phase < 6) & (u >= 0.04)
    kk, dd, cc, ww, phase, u = kk[on], dd[on], cc[on], ww[on], phase[on], u[on]
    day0 = int((np.datetime64(start, "s") - np.datetime64(0, "s")).astype(np.int64))
    local_start = day0 + dd * 86400 + ((h0[kk] + 8 * (phase // 2)) % 24) * 3600
    rb.shift_start_s = local_start - OFFSET_H * 3600
    rb.shift_end_s = rb.shift_start_s + 8 * 3600 + np.where(u > 0.97, 7200, 0)
    rb.shift_kiln = kk
    rb.shift_worker = kk * 6 + cc * WORKERS_PER_CREW + ww

    # maintenance: plans, work orders (deferred while pushed), deferrals
    plans: dict[str, list[Any]] = {
        k: []
        for k in (
            "enterprise",
            "kiln",
            "task",
            "interval_days",
            "interval_t",
            "duration_days",
            "safety_critical",
            "protects",
        )
    }
    orders: dict[str, list[Any]] = {
        k: []
        for k in (
            "enterprise",
            "number",
            "kiln",
            "plan",
            "task",
            "safety_critical",
            "due_on",
            "done_on",
        )
    }
    defer: dict[str, list[Any]] = {
        k: []
        for k in (
            "enterprise",
            "work_order",
            "deferred_on",
            "previous_due_on",
            "new_due_on",
            "reason",
            "deferred_by",
        )
    }
    tasks = (
        ("Refractory lining inspection", 30, "none"),
        ("Interlock and flame-failure proof test", 90, "interlock"),
    )
    for k in range(n_kilns):
        ent, name = rb.kiln_enterprise[k], rb.kiln_names[k]
        for task, every, protects in tasks:
            for col, v in zip(
                plans, (ent, name, task, every, "", 1, "true", protects), strict=True
            ):
                plans[col].append(v)
            for due in range(int(rng.integers(0, every)), n_days, every):
                number = f"WO-{k:05d}-{due:04d}-{every}"
                due_d = start + timedelta(days=due)
                pushed_now = push_from[kiln_ent[k]] <= due < push_from[kiln_ent[k]] + 90
                done = "" if pushed_now else (due_d + timedelta(days=int(rng.integers(-2, 2))))
                row = (ent, number, name, task, task, "true", due_d.isoformat(), str(done))
                for col, v in zip(orders, row, strict=True):
                    orders[col].append(v)
                if pushed_now and every == 30:
                    d_row = (
                        ent,
                        number,
                        due_d.isoformat(),
                        due_d.isoformat(),
                        "",
                        "additional production target",
                        "production manager",
                    )
                    for col, v in zip(defer, d_row, strict=True):
                        defer[col].append(v)
        row = (ent, name, "Hot-face relining", "", float(rated[k] * life[k]), 5, "true", "lining")
        for col, v in zip(plans, row, strict=True):
            plans[col].append(v)
    # the due day of a deferred order stays its original one (no new due date given)
    rb.sheets["maintenance_plans"] = plans
    rb.sheets["work_orders"] = orders
    rb.sheets["work_order_deferrals"] = defer

    # targets: quarterly plan (85 % of the enterprise's rating), the additional one when pushed
    cap = np.bincount(kiln_ent, rated, n_ent)
    tg: dict[str, list[Any]] = {
        k: []
        for k in (
            "enterprise",
            "description",
            "quantity_t",
            "entered_on",
            "deadline",
            "imposed_by",
            "additional",
        )
    }
    for e in range(n_ent):
        for q in range(0, n_days, 91):
            q_end = min(q + 90, n_days - 1)
            row = (
                ents[e],
                f"Q{q // 91 + 1} plan",
                round(0.85 * cap[e] * (q_end - q + 1), 1),
                (start + timedelta(days=q)).isoformat(),
                (start + timedelta(days=q_end)).isoformat(),
                "enterprise plan",
                "false",
            )
            for col, v in zip(tg, row, strict=True):
                tg[col].append(v)
        if pushed[e]:
            pf_e = int(push_from[e])
            row = (
                ents[e],
                "additional target",
                round(1.3 * cap[e] * 90, 1),
                (start + timedelta(days=pf_e - 1)).isoformat(),
                (start + timedelta(days=pf_e + 90)).isoformat(),
                "province",
                "true",
            )
            for col, v in zip(tg, row, strict=True):
                tg[col].append(v)
    rb.sheets["targets"] = tg
    return rb


def shift_sheet(rb: RegionBundle) -> dict[str, Any]:
    """The shifts sheet as the bundle has it (local times with offset)."""
    k = rb.shift_kiln
    return {
        "enterprise": np.array(rb.kiln_enterprise)[k],
        "worker": np.char.add("W", np.char.zfill(rb.shift_worker.astype(str), 7)),
        "start_at": _local_times(rb.shift_start_s),
        "end_at": _local_times(rb.shift_end_s),
        "kiln": np.array(rb.kiln_names)[k],
        "role": np.full(len(k), "operator"),
    }


def production_sheet(rb: RegionBundle) -> dict[str, Any]:
    k = rb.prod_kiln
    return {
        "enterprise": np.array(rb.kiln_enterprise)[k],
        "kiln": np.array(rb.kiln_names)[k],
        "day": _iso_days(rb.start, rb.prod_day),
        "shift_no": rb.prod_shift,
        "output_t": rb.prod_output,
        "hours_fired": rb.prod_hours,
    }


def write_csv_dir(rb: RegionBundle, path: Path) -> dict[str, int]:
    """Write the bundle as a CSV directory; rows per sheet."""
    path.mkdir(parents=True, exist_ok=True)
    sheets = dict(rb.sheets)
    if len(rb.shift_kiln):
        sheets["shifts"] = shift_sheet(rb)
    if len(rb.prod_kiln):
        sheets["production"] = production_sheet(rb)
    counts = {}
    for name, cols in sheets.items():
        if not len(next(iter(cols.values()))):
            continue  # an empty sheet is refused: leave it out
        with (path / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(cols.keys())
            values = [c.tolist() if isinstance(c, np.ndarray) else c for c in cols.values()]
            out.writerows(zip(*values, strict=True))
            counts[name] = len(values[0]) if values else 0
    return counts


def utc_text(epoch_s: NDArray[np.int64]) -> list[str]:
    """Naive-UTC storage text of instants (what SQLAlchemy writes to SQLite)."""
    return np.char.add(
        np.char.replace(np.datetime_as_string(epoch_s.astype("datetime64[s]"), unit="s"), "T", " "),
        ".000000",
    ).tolist()
