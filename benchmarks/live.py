"""Live risk at a region's size (issue 19 point 6): 1,000 kilns with a year of history.

Measured, on the embedded SQLite database by default (``--database-url`` for PostgreSQL):

* ``initial_build_s``: computing and storing every kiln's daily levels once (an upgrade, or
  after a bulk load that bypassed the write hooks);
* ``write_to_alert_p50_s`` / ``write_to_alert_p99_s``: from the start of a write (two days of
  production of one kiln, the first at 2.5× its rating) to its red alert being in the database,
  with the real scheduler running in a background thread as in ``kilnguard serve``: the commit
  recomputes the enterprise's stored levels, wakes the scheduler, which judges and raises;
* ``demo_write_to_alert_p50_s`` / ``..._p99_s``: the same on the demo region, a healthy kiln of
  its control plant, each sample on a fresh copy of the demo database;
* ``rollover_s``: the midnight rollover of the region (every kiln's alerts judged as of the new
  day from the stored levels), as the scheduler runs it;
* ``dashboard_s``: the region's dashboard (levels, worst kilns, 30-day trend) for all kilns,
  best of 5 reads.

Writes go through the services (a unit of work per write, as a request does), not HTTP, so the
figures are the system's own work without the web server's. Fixture data: the replay
benchmark's generator (5 kilns per enterprise, 200 enterprises), written with bulk inserts.

Run: ``.venv/bin/python benchmarks/live.py [--kilns 1000] [--days 365] [--samples 40]``. The
last line is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from db_load import write_database
from generator import generate

from kilnguard.clock import FixedClock
from kilnguard.services import records as svc
from kilnguard.services import rollup
from kilnguard.services.access import SYSTEM
from kilnguard.services.risk import levels
from kilnguard.services.scheduler import Scheduler, SchedulerConfig
from kilnguard.store import models as m
from kilnguard.store.alert_models import AlertRow
from kilnguard.store.db import make_engine, unit_of_work


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    i = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[i]


def wait_for_alert(engine: Engine, kiln_id: int, after_id: int, timeout_s: float) -> bool:
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        with unit_of_work(engine) as s:
            found = s.scalar(
                select(AlertRow.id).where(
                    AlertRow.kiln_id == kiln_id,
                    AlertRow.id > after_id,
                    AlertRow.level.in_(("red", "stop")),
                )
            )
        if found is not None:
            return True
        time.sleep(0.005)
    return False


def timed_write(
    engine: Engine, clock: FixedClock, kiln_id: int, rated: float, day1: dt.date
) -> float | None:
    """Two days of one kiln (the first at 2.5× rating) in one unit of work, as a request
    writes them; seconds until its red alert is in the database (None: no alert in 30 s)."""
    with unit_of_work(engine) as s:
        top = s.scalar(select(func.max(AlertRow.id))) or 0
    day2 = day1 + dt.timedelta(days=1)
    t = time.perf_counter()
    with unit_of_work(engine, clock=clock, write=True) as s:
        svc.record_production(
            s,
            SYSTEM,
            [
                svc.ProductionIn(
                    kiln_id=kiln_id, day=day1, shift_no=1, output_t=2.5 * rated, hours_fired=24
                ),
                svc.ProductionIn(
                    kiln_id=kiln_id, day=day2, shift_no=1, output_t=0.8 * rated, hours_fired=24
                ),
            ],
        )
    if wait_for_alert(engine, kiln_id, top, 30.0):
        return time.perf_counter() - t
    return None


def demo_latencies(tmp: Path, samples: int) -> list[float]:
    """Write → alert on the demo region: each sample on a fresh copy of the demo database
    (a healthy kiln of the control plant, whose alerts would otherwise stay open)."""
    from kilnguard.scenarios import load_extensions
    from kilnguard.scenarios.demo import build_demo
    from kilnguard.store.db import upgrade

    built = tmp / "demo.db"
    upgrade(f"sqlite:///{built}")
    load_extensions()
    engine = make_engine(f"sqlite:///{built}")
    with unit_of_work(engine) as s:
        build_demo(s)
    with unit_of_work(engine) as s:
        ent = s.scalars(select(m.Enterprise).where(m.Enterprise.name.like("Kyongsong%"))).one()
        ent_id = ent.id
        kilns = [
            (k.id, k.rated_capacity_t_per_day)
            for k in s.scalars(select(m.Kiln).where(m.Kiln.enterprise_id == ent.id))
        ]
        last = s.scalar(
            select(func.max(m.ProductionRecord.day)).where(
                m.ProductionRecord.enterprise_id == ent.id
            )
        )
    engine.dispose()
    assert last is not None
    out: list[float] = []
    for i in range(samples):
        copy = tmp / f"demo-{i}.db"
        shutil.copyfile(built, copy)
        engine = make_engine(f"sqlite:///{copy}")
        kiln_id, rated = kilns[i % len(kilns)]
        day1 = last + dt.timedelta(days=1)
        clock = FixedClock(
            dt.datetime.combine(day1 + dt.timedelta(days=1), dt.time(3), tzinfo=dt.UTC)
        )
        scheduler = Scheduler(engine, clock=clock, config=SchedulerConfig(poll_s=1.0))
        scheduler.tick()  # catch-up of the midnights before: not part of a write's latency
        with unit_of_work(engine, clock=clock) as s:  # a running server has read its pages
            rollup.enterprise_view(s, SYSTEM, ent_id)
        scheduler.start()
        try:
            took = timed_write(engine, clock, kiln_id, rated, day1)
        finally:
            scheduler.stop()
            engine.dispose()
            copy.unlink()
        if took is not None:
            out.append(took)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--kilns", type=int, default=1000, help="kilns in the region (default 1000)")
    ap.add_argument("--days", type=int, default=365, help="days of history (default 365)")
    ap.add_argument("--samples", type=int, default=40, help="timed writes (default 40)")
    ap.add_argument(
        "--demo-samples", type=int, default=10, help="timed writes on the demo (default 10)"
    )
    ap.add_argument("--database-url", default="", help="a PostgreSQL URL (default: SQLite file)")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="kg-live-"))
    url = args.database_url or f"sqlite:///{tmp / 'live.db'}"
    log(f"generating {args.kilns} kilns × {args.days} days ...")
    history = generate(n_kilns=args.kilns, n_days=args.days)
    log(f"writing them to {url.split('@')[-1]} (bulk inserts, not timed) ...")
    write_database(history, url)
    engine = make_engine(url)
    last_day = history.records.production[-1].day
    with unit_of_work(engine) as s:
        last_day = s.scalar(select(func.max(m.ProductionRecord.day))) or last_day
        region_id = s.scalar(select(m.Region.id))
        kilns = list(
            s.execute(
                select(m.Kiln.id, m.Kiln.enterprise_id, m.Kiln.rated_capacity_t_per_day).order_by(
                    m.Kiln.id
                )
            )
        )
    assert region_id is not None
    clock = FixedClock(dt.datetime.combine(last_day, dt.time(12), tzinfo=dt.UTC))

    log("initial build of the stored levels ...")
    t = time.perf_counter()
    with unit_of_work(engine, clock=clock, write=True) as s:
        built = levels.rebuild(s)
    initial_build_s = time.perf_counter() - t
    log(f"  {built.written:,} kiln-days stored in {initial_build_s:.1f} s")

    scheduler = Scheduler(engine, clock=clock, config=SchedulerConfig(poll_s=1.0))
    log("first tick (judges the history once) ...")
    t = time.perf_counter()
    scheduler.tick()
    log(f"  {time.perf_counter() - t:.1f} s")

    # one kiln per enterprise, two days after the history: the first at 2.5× rating
    with unit_of_work(engine) as s:
        open_hot = set(
            s.scalars(
                select(AlertRow.kiln_id).where(
                    AlertRow.closed_at.is_(None), AlertRow.level.in_(("red", "stop"))
                )
            )
        )
    by_ent: dict[int, tuple[int, float]] = {}
    for kiln_id, ent, rated in kilns:
        if kiln_id not in open_hot:  # a kiln already red raises nothing new
            by_ent.setdefault(ent, (kiln_id, rated))
    picks = list(by_ent.values())[: args.samples]
    day1, day2 = last_day + dt.timedelta(days=1), last_day + dt.timedelta(days=2)
    clock.at = dt.datetime.combine(day2, dt.time(12), tzinfo=dt.UTC)
    scheduler.tick()  # the midnights before the writes: not part of a write's latency
    scheduler.start()
    latencies: list[float] = []
    missed = 0
    try:
        for n, (kiln_id, rated) in enumerate(picks, 1):
            took = timed_write(engine, clock, kiln_id, rated, day1)
            if took is None:
                missed += 1
            else:
                latencies.append(took)
            if n % 10 == 0:
                log(f"  {n}/{len(picks)} writes, p50 so far {statistics.median(latencies):.3f} s")
    finally:
        scheduler.stop()

    log("rollover to the next day ...")
    clock.at = dt.datetime.combine(day2 + dt.timedelta(days=1), dt.time(0, 0, 1), tzinfo=dt.UTC)
    t = time.perf_counter()
    report = scheduler.tick()
    rollover_s = time.perf_counter() - t
    for r in report.results:
        log(f"  {r.job} {r.slot}: {r.outcome}")

    log("region dashboard ...")
    reads = []
    for _ in range(5):
        t = time.perf_counter()
        with unit_of_work(engine, clock=clock) as s:
            view = rollup.region_view(s, SYSTEM, region_id)
        reads.append(time.perf_counter() - t)
    dashboard_s = min(reads)

    log(f"write → alert on the demo region ({args.demo_samples} fresh copies) ...")
    demo = demo_latencies(tmp, args.demo_samples) if args.demo_samples else []

    figures = {
        "kilns": args.kilns,
        "days": args.days,
        "database": "postgresql" if url.startswith("postgres") else "sqlite",
        "initial_build_s": round(initial_build_s, 2),
        "stored_kiln_days": built.written,
        "writes": len(picks),
        "writes_without_alert": missed,
        "write_to_alert_p50_s": round(statistics.median(latencies), 3) if latencies else None,
        "write_to_alert_p99_s": round(percentile(latencies, 0.99), 3) if latencies else None,
        "demo_write_to_alert_p50_s": round(statistics.median(demo), 3) if demo else None,
        "demo_write_to_alert_p99_s": round(percentile(demo, 0.99), 3) if demo else None,
        "rollover_s": round(rollover_s, 2),
        "dashboard_s": round(dashboard_s, 3),
        "dashboard_kilns": len(view.kilns),
    }
    print(
        f"{args.kilns} kilns × {args.days} days on {figures['database']}: "
        f"initial build {initial_build_s:.1f} s; write → red alert p50 "
        f"{figures['write_to_alert_p50_s']} s, p99 {figures['write_to_alert_p99_s']} s "
        f"({missed} of {len(picks)} without an alert); on the demo p99 "
        f"{figures['demo_write_to_alert_p99_s']} s; rollover {rollover_s:.2f} s; "
        f"region dashboard {dashboard_s:.3f} s"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
