"""Bundle import speed and the columnar risk load, on SQLite and PostgreSQL.

1. import: a generated region (``region_bundle.py``: enterprises of 3–7 kilns, 3 × 8 h crew
   rosters, production per shift, stops, plans, work orders, deferrals, targets) is written as a
   CSV-directory bundle and imported into a fresh database with
   ``services.bundle.read_bundle`` + ``import_bundle`` (validation, key resolution, diff, bulk
   insert, audit) — ``import_rows_per_s_*`` is (shifts + production rows) / that time;
2. populate: a region of ``--kilns`` × ``--days`` (default 1,000 × 365: 1.46 M shifts, 1.1 M
   production rows) is written to a fresh database: the plant sheets through ``import_bundle``,
   shifts and production through the bundle's bulk writer (``bulk.insert_columns``; a fixture
   step, not timed);
3. replay, in a fresh process: ``load_s`` = every kiln's records from the database into the
   engine's inputs (``load_history`` + ``build_inputs``; the better of two runs, the first
   warming the caches); ``replay_end_to_end_s`` = database → levels of every kiln
   (``services.risk.replay_chunks``: load, inputs, fatigue, indicators, levels);
   ``peak_memory_mb`` = that process's peak RSS. ``*_cpu_s``: CPU seconds of this process
   (without the PostgreSQL server's), for a shared machine.

Progress goes to stderr; figures to stdout, the LAST line a JSON object with
``import_rows_per_s_sqlite``, ``import_rows_per_s_postgres``, ``load_s``,
``replay_end_to_end_s``, ``peak_memory_mb`` (SQLite figures) and the PostgreSQL load figures
``*_postgres``. PostgreSQL: ``--pg-url`` (default: database ``kilnguard_bench`` on the local
server, created if missing and emptied — never the test database); ``--no-postgres`` skips it.

Run: ``.venv/bin/python benchmarks/import_load.py`` (about 1–2 minutes on 2 cores). The
chunked large replay: ``--kilns 10000 --years 10 --no-import --no-postgres`` (36.5 M kiln-days,
146 M shifts, 107 M production rows; not run by the test suite). Measured on this shared
2-core VM (load average ≈ 4) with ``--kilns 1000 --years 10`` (3.65 M kiln-days, 14.6 M shifts,
10.7 M production rows): populating 128 s, replay (database → levels, 10 chunks of 109 kilns)
38 s wall / 29 s CPU, peak RSS 584 MB. A chunk holds the same kiln-days whatever the region's
size, so 10,000 kilns × 10 years take ten times as long — about 21 min to populate SQLite
(~34 GB of disk) and 5–7 min to replay — at the same peak memory, far under 4 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from region_bundle import (
    RegionBundle,
    generate_region,
    utc_text,
    write_csv_dir,
)

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/kilnguard_bench"
#: Kiln-days generated and written at a time when populating (bounds the populating process).
BLOCK_KILN_DAYS = 400_000


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def fresh_database(url: str, tmp: Path, name: str) -> str:
    """An empty, migrated database: a new SQLite file, or the PostgreSQL bench database
    dropped and created again."""
    from sqlalchemy import make_url

    from kilnguard.store.db import upgrade

    if url == "sqlite":
        url = f"sqlite:///{tmp / name}.db"
    else:
        import psycopg

        u = make_url(url)
        with psycopg.connect(
            host=u.host or "127.0.0.1",
            port=u.port or 5432,
            user=u.username or "postgres",
            dbname="postgres",
            autocommit=True,
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{u.database}"')
    upgrade(url)
    return url


def import_csv_dir(url: str, path: Path) -> float:
    """read_bundle + import_bundle of a CSV directory in one transaction [s]."""
    from kilnguard.services import bundle as bd
    from kilnguard.services.access import SYSTEM
    from kilnguard.store.db import make_engine, unit_of_work

    engine = make_engine(url)
    t0 = time.perf_counter()
    with unit_of_work(engine) as session:
        result = bd.import_bundle(session, SYSTEM, bd.read_bundle(path))
    elapsed = time.perf_counter() - t0
    engine.dispose()
    log(f"  imported {sum(c.new for c in result.summary.values()):,} rows")
    return elapsed


def populate(url: str, rb: RegionBundle, tmp: Path) -> None:
    """Plant sheets through import_bundle, shifts and production through the bulk writer."""
    from sqlalchemy import select

    from kilnguard.services.bundle import bulk
    from kilnguard.store import models as m
    from kilnguard.store.db import make_engine, unit_of_work

    plant = tmp / "plant"
    write_csv_dir(RegionBundle(rb.start, rb.n_days, rb.n_kilns, rb.sheets), plant)
    import_csv_dir(url, plant)
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        ents = dict(list(s.execute(select(m.Enterprise.name, m.Enterprise.id))))
        kilns = {
            (e, n): (i, sec)
            for e, n, i, sec in s.execute(
                select(m.Kiln.enterprise_id, m.Kiln.name, m.Kiln.id, m.Kiln.section_id)
            )
        }
        mine = set(ents[e] for e in rb.kiln_enterprise)
        workers, crew_of = {}, {}
        for ent, number, w_id_, crew in s.execute(
            select(m.Worker.enterprise_id, m.Worker.number, m.Worker.id, m.Worker.crew_id).where(
                m.Worker.enterprise_id.in_(mine)
            )
        ):
            workers[(ent, number)] = w_id_
            crew_of[w_id_] = crew
        k_ent = np.array([ents[e] for e in rb.kiln_enterprise], dtype=np.int64)
        k_id = np.array(
            [kilns[(ents[e], n)][0] for e, n in zip(rb.kiln_enterprise, rb.kiln_names, strict=True)]
        )
        k_sec = np.array(
            [kilns[(ents[e], n)][1] for e, n in zip(rb.kiln_enterprise, rb.kiln_names, strict=True)]
        )
        n_w = rb.n_kilns * 6
        w_id = np.array(
            [workers[(int(k_ent[w // 6]), f"W{w:07d}")] for w in range(n_w)], dtype=np.int64
        )
        w_crew = np.array([crew_of[int(i)] for i in w_id], dtype=np.int64)
        k, w = rb.shift_kiln, rb.shift_worker
        n = len(k)
        log(f"  bulk insert of {n:,} shifts")
        for lo in range(0, n, 500_000):
            sl = slice(lo, min(n, lo + 500_000))
            ids = bulk.allocate_ids(s, m.Shift.__table__, sl.stop - sl.start)
            bulk.insert_columns(
                s,
                m.Shift.__table__,
                (
                    "id",
                    "enterprise_id",
                    "worker_id",
                    "crew_id",
                    "kiln_id",
                    "section_id",
                    "start_at",
                    "end_at",
                    "role",
                    "source",
                ),
                [
                    ids,
                    k_ent[k[sl]].tolist(),
                    w_id[w[sl]].tolist(),
                    w_crew[w[sl]].tolist(),
                    k_id[k[sl]].tolist(),
                    k_sec[k[sl]].tolist(),
                    utc_text(rb.shift_start_s[sl]),
                    utc_text(rb.shift_end_s[sl]),
                    ["operator"] * (sl.stop - sl.start),
                    ["recorded"] * (sl.stop - sl.start),
                ],
            )
        pk = rb.prod_kiln
        n = len(pk)
        log(f"  bulk insert of {n:,} production rows")
        days = np.datetime_as_string(np.datetime64(rb.start, "D") + rb.prod_day, unit="D")
        for lo in range(0, n, 500_000):
            sl = slice(lo, min(n, lo + 500_000))
            ids = bulk.allocate_ids(s, m.ProductionRecord.__table__, sl.stop - sl.start)
            bulk.insert_columns(
                s,
                m.ProductionRecord.__table__,
                (
                    "id",
                    "enterprise_id",
                    "kiln_id",
                    "day",
                    "shift_no",
                    "output_t",
                    "hours_fired",
                    "note",
                    "source",
                ),
                [
                    ids,
                    k_ent[pk[sl]].tolist(),
                    k_id[pk[sl]].tolist(),
                    days[sl].tolist(),
                    rb.prod_shift[sl].tolist(),
                    rb.prod_output[sl].tolist(),
                    rb.prod_hours[sl].tolist(),
                    [""] * (sl.stop - sl.start),
                    ["recorded"] * (sl.stop - sl.start),
                ],
            )
    if url.startswith("postgresql"):
        with engine.connect() as conn:
            conn.exec_driver_sql("COMMIT")
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def replay_step(url: str, chunk_kiln_days: int) -> dict[str, Any]:
    """Time the load and the whole database → levels path, in this (fresh) process."""
    from kilnguard.domain import risk as rk
    from kilnguard.services import risk as rs
    from kilnguard.services.access import SYSTEM
    from kilnguard.store.db import make_engine, unit_of_work

    engine = make_engine(url)
    cfg = rk.RiskConfig()
    with unit_of_work(engine) as s:
        kilns = rs.readable_kilns(s, SYSTEM)
        n_days = (lambda w: (w[1] - w[0]).days + 1)(rs.history_window(s, kilns))
        load_s = load_cpu_s = float("nan")
        if len(kilns) * n_days <= 2_000_000:  # one-shot load only where it fits comfortably
            import kilnguard.services.change  # noqa: F401  (imported by a running service)

            for attempt in ("first", "second"):  # the best of two: the first warms the caches
                t0, c0 = time.perf_counter(), time.process_time()
                history = rs.load_history(s, kilns)
                inputs = rk.build_inputs(
                    history.records, history.start, history.end, cfg, history.utc_offset_h
                )
                wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                if load_s != load_s or wall < load_s:  # NaN until the first run
                    load_s, load_cpu_s = wall, cpu
                log(
                    f"  load ({attempt}): {len(kilns):,} kilns × {inputs.n_days} days, "
                    f"{len(history.records.shifts):,} shifts, "
                    f"{len(history.records.production):,} kiln-days of production → RiskInputs "
                    f"in {wall:.2f} s ({cpu:.2f} s CPU)"
                )
                del history, inputs
    with unit_of_work(engine) as s:
        t0, c0 = time.perf_counter(), time.process_time()
        kilns = rs.readable_kilns(s, SYSTEM)
        levels = np.zeros(4, dtype=np.int64)
        n_chunks = 0
        for history, result in rs.replay_chunks(s, kilns, chunk_kiln_days=chunk_kiln_days):
            n_chunks += 1
            for i in range(len(history.kiln_rows)):
                lo, hi = rs.kiln_span(history, i)
                levels += np.bincount(result.levels[i, lo : hi + 1], minlength=4)
            log(
                f"  chunk {n_chunks}: {len(history.kiln_rows)} kilns, {time.perf_counter() - t0:.1f} s"
            )
            del history, result  # one chunk in memory at a time
        end_to_end, end_to_end_cpu = time.perf_counter() - t0, time.process_time() - c0
    engine.dispose()
    log(f"  database → levels of {len(kilns):,} kilns in {n_chunks} chunk(s): {end_to_end:.2f} s")
    log(
        "  kiln-days per level: "
        + ", ".join(f"{rk.LEVEL_NAMES[i]} {int(levels[i]):,}" for i in range(4))
    )
    return {
        "load_s": round(load_s, 3),
        "replay_end_to_end_s": round(end_to_end, 3),
        "load_cpu_s": round(load_cpu_s, 3),
        "replay_end_to_end_cpu_s": round(end_to_end_cpu, 3),
        "peak_memory_mb": round(peak_mb(), 1),
        "chunks": n_chunks,
        "kilns": len(kilns),
    }


def child(args: list[str]) -> dict[str, Any]:
    """Run a step of this script in a fresh Python process; its last stdout line is JSON."""
    proc = subprocess.run(
        [sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True, check=True
    )
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kilns", type=int, default=1000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--years", type=int, default=0, help="days = 365 × years (overrides --days)")
    ap.add_argument("--import-kilns", type=int, default=100)
    ap.add_argument("--import-days", type=int, default=365)
    ap.add_argument("--pg-url", default=DEFAULT_PG)
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--no-import", action="store_true")
    ap.add_argument("--chunk-kiln-days", type=int, default=0, help="default: the service's")
    ap.add_argument("--step", choices=("populate", "replay"), help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    ap.add_argument("--tmp", help=argparse.SUPPRESS)
    args = ap.parse_args()
    days = 365 * args.years if args.years else args.days
    from kilnguard.services.risk import CHUNK_KILN_DAYS

    chunk = args.chunk_kiln_days or CHUNK_KILN_DAYS
    if args.step == "populate":
        t0 = time.perf_counter()
        block = max(1, BLOCK_KILN_DAYS // days)
        n_blocks = -(-args.kilns // block)
        for b in range(n_blocks):
            n = min(block, args.kilns - b * block)
            prefix = f"District {b:03d} " if n_blocks > 1 else ""
            rb = generate_region(n, days, seed=12 + b, name_prefix=prefix)
            log(
                f"  block {b + 1}/{n_blocks}: {len(rb.shift_kiln):,} shifts, "
                f"{len(rb.prod_kiln):,} production rows"
            )
            populate(args.url, rb, Path(args.tmp) / f"block{b}")
            del rb
        print(json.dumps({"populate_s": round(time.perf_counter() - t0, 1), "peak_mb": peak_mb()}))
        return
    if args.step == "replay":
        print(json.dumps(replay_step(args.url, chunk)))
        return

    backends = ["sqlite"] + ([] if args.no_postgres else [args.pg_url])
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        if not args.no_import:
            rb = generate_region(args.import_kilns, args.import_days, seed=5)
            path = tmp / "bundle"
            counts = write_csv_dir(rb, path)
            rows = counts["shifts"] + counts["production"]
            log(
                f"import bundle: {args.import_kilns} kilns × {args.import_days} days, "
                f"{counts['shifts']:,} shifts + {counts['production']:,} production rows "
                f"({sum(counts.values()):,} rows in all)"
            )
            for url in backends:
                name = "sqlite" if url == "sqlite" else "postgres"
                db = fresh_database(url, tmp, "import")
                elapsed = import_csv_dir(db, path)
                rate = rows / elapsed
                print(f"import into {name}: {elapsed:.2f} s = {rate:,.0f} shift+production rows/s")
                out[f"import_rows_per_s_{name}"] = round(rate)
            shutil.rmtree(path)
        for url in backends:
            name = "sqlite" if url == "sqlite" else "postgres"
            log(f"{name}: populate {args.kilns:,} kilns × {days} days")
            db = fresh_database(url, tmp, "replay")
            pop = child(
                [
                    "--step",
                    "populate",
                    "--url",
                    db,
                    "--tmp",
                    tmp_s,
                    "--kilns",
                    str(args.kilns),
                    "--days",
                    str(days),
                ]
            )
            log(f"  populated in {pop['populate_s']} s")
            res = child(["--step", "replay", "--url", db, "--chunk-kiln-days", str(chunk)])
            print(
                f"{name}: load {res['load_s']} s ({res['load_cpu_s']} s CPU of this process), "
                f"database → levels {res['replay_end_to_end_s']} s "
                f"({res['replay_end_to_end_cpu_s']} s CPU), {res['chunks']} chunk(s), "
                f"peak RSS {res['peak_memory_mb']} MB; load average {os.getloadavg()[0]:.1f}"
            )
            suffix = "" if name == "sqlite" else "_postgres"
            for key in ("load_s", "replay_end_to_end_s", "peak_memory_mb", "load_cpu_s"):
                out[key + suffix] = res[key]
            if url == "sqlite":
                os.unlink(db.removeprefix("sqlite:///"))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
