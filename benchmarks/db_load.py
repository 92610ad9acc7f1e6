"""Write a generated history into a kilnguard database (SQLite file) with bulk inserts, so the
replay benchmark can time the real loader (`services.risk.load_history`) against real tables.

Writing is a fixture step (Core executemany, no services, no audit); only the load is timed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from generator import GeneratedHistory
from sqlalchemy import insert

from kilnguard.store import models as m
from kilnguard.store.db import make_engine, upgrade


def _chunks(rows: list[dict[str, Any]], size: int = 50_000) -> Iterable[list[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def write_database(history: GeneratedHistory, url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    rec = history.records
    ent_names = sorted({k.enterprise for k in rec.kilns})
    ent_id = {name: i + 1 for i, name in enumerate(ent_names)}
    kiln_id = {k.kiln_id: i + 1 for i, k in enumerate(rec.kilns)}
    kiln_ent = {k.kiln_id: ent_id[k.enterprise] for k in rec.kilns}
    crew_id: dict[str, int] = {}
    worker_id: dict[str, int] = {}
    crews: list[dict[str, Any]] = []
    workers: list[dict[str, Any]] = []
    for s in rec.shifts:
        if s.crew not in crew_id:
            crew_id[s.crew] = len(crew_id) + 1
            crews.append(
                {"id": crew_id[s.crew], "enterprise_id": kiln_ent[s.kiln_id], "name": s.crew}
            )
        if s.worker_id not in worker_id:
            worker_id[s.worker_id] = len(worker_id) + 1
            workers.append(
                {
                    "id": worker_id[s.worker_id],
                    "enterprise_id": kiln_ent[s.kiln_id],
                    "crew_id": crew_id[s.crew],
                    "name": s.worker_id,
                    "job": "kiln operator",
                    "qualifications": "",
                    "source": "recorded",
                }
            )
    plan_id = {p.plan_id: i + 1 for i, p in enumerate(rec.plans)}
    tables: list[tuple[Any, list[dict[str, Any]]]] = [
        (m.Region.__table__, [{"id": 1, "name": "Benchmark region", "timezone": "UTC"}]),
        (
            m.Enterprise.__table__,
            [
                {"id": i, "region_id": 1, "name": n, "tier": 1, "sector": "cement"}
                for n, i in ent_id.items()
            ],
        ),
        (
            m.Kiln.__table__,
            [
                {
                    "id": kiln_id[k.kiln_id],
                    "enterprise_id": kiln_ent[k.kiln_id],
                    "section_id": None,
                    "name": k.name,
                    "kind": k.kind,
                    "rated_capacity_t_per_day": k.rated_capacity_t_per_day,
                    "max_temperature_c": 1450.0,
                    "campaign_limit_days": int(k.campaign_limit_days),
                    "lining_installed_on": k.lining_installed_on,
                    "lining_design_life_days": int(k.lining_design_life_days),
                    "source": "recorded",
                }
                for k in rec.kilns
            ],
        ),
        (m.Crew.__table__, crews),
        (m.Worker.__table__, workers),
        (
            m.ProductionRecord.__table__,
            [
                {
                    "enterprise_id": kiln_ent[p.kiln_id],
                    "kiln_id": kiln_id[p.kiln_id],
                    "day": p.day,
                    "shift_no": 1,
                    "output_t": p.output_t,
                    "hours_fired": p.hours_fired,
                    "note": "",
                    "source": "recorded",
                }
                for p in rec.production
            ],
        ),
        (
            m.PlannedStop.__table__,
            [
                {
                    "enterprise_id": kiln_ent[s.kiln_id],
                    "kiln_id": kiln_id[s.kiln_id],
                    "start_on": s.start,
                    "end_on": s.end,
                    "reason": "planned stop",
                    "source": "recorded",
                }
                for s in rec.stops
            ],
        ),
        (
            m.Target.__table__,
            [
                {
                    "enterprise_id": kiln_ent[t.kiln_ids[0]],
                    "section_id": None,
                    "kiln_id": None,
                    "description": t.target_id,
                    "quantity_t": t.quantity_t,
                    "entered_on": t.entered_on,
                    "deadline": t.deadline,
                    "imposed_by": t.imposed_by,
                    "additional": t.additional,
                    "source": "recorded",
                }
                for t in rec.targets
            ],
        ),
        (
            m.MaintenancePlan.__table__,
            [
                {
                    "id": plan_id[p.plan_id],
                    "enterprise_id": kiln_ent[p.kiln_id],
                    "kiln_id": kiln_id[p.kiln_id],
                    "task": p.task,
                    "interval_days": int(p.interval_days),
                    "interval_t": None,
                    "duration_days": 1,
                    "safety_critical": True,
                    "source": "recorded",
                }
                for p in rec.plans
            ],
        ),
    ]
    plan_kiln = {p.plan_id: p.kiln_id for p in rec.plans}
    plan_task = {p.plan_id: p.task for p in rec.plans}
    orders = []
    deferrals = []
    for i, w in enumerate(rec.work_orders, start=1):
        k = plan_kiln[w.plan_id]
        orders.append(
            {
                "id": i,
                "enterprise_id": kiln_ent[k],
                "kiln_id": kiln_id[k],
                "plan_id": plan_id[w.plan_id],
                "task": plan_task[w.plan_id],
                "safety_critical": True,
                "due_on": w.due_on,
                "done_on": w.done_on,
                "findings": "",
                "source": "recorded",
            }
        )
        for d in w.deferrals:
            deferrals.append(
                {
                    "enterprise_id": kiln_ent[k],
                    "work_order_id": i,
                    "deferred_on": d.on,
                    "previous_due_on": w.due_on,
                    "new_due_on": w.due_on + dt.timedelta(days=60),
                    "reason": d.reason,
                    "deferred_by": d.by,
                    "source": "recorded",
                }
            )
    tables += [(m.WorkOrder.__table__, orders), (m.WorkOrderDeferral.__table__, deferrals)]
    shifts = [
        {
            "enterprise_id": kiln_ent[s.kiln_id],
            "worker_id": worker_id[s.worker_id],
            "crew_id": crew_id[s.crew],
            "kiln_id": kiln_id[s.kiln_id],
            "section_id": None,
            "start_at": s.start.astimezone(dt.UTC),
            "end_at": s.end.astimezone(dt.UTC),
            "role": "operator",
            "source": "recorded",
        }
        for s in rec.shifts
    ]
    tables.append((m.Shift.__table__, shifts))
    with engine.begin() as conn:
        for table, rows in tables:
            for chunk in _chunks(rows):
                conn.execute(insert(table), chunk)
    engine.dispose()
