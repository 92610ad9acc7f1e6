"""Web writes during a long bundle import on SQLite (issue 15 point 10): none may fail.

A SQLite database gets a small plant (`api_load.build_plant`: enterprise A, 16 workers, the
manager `load`) and an administrator; `kilnguard serve` runs on it. Then the CLI imports a
generated region (`region_bundle.generate_region`, ≈ 200,000 shift + production rows as a CSV
directory) while 16 connections post shifts of their own workers (`ShiftWriter`) from the import's start until one second after it ends.

The import parses and checks in a read transaction and takes the write lock only to write (see
`commands/exchange.py`), so a web write waits at most for the writing part, well inside the
busy timeout (`store.db.BUSY_TIMEOUT_MS`, 10 s), instead of failing with "database is locked".

Printed: the import's wall time, the writes done during it, their p50/p99/max latency and
errors; the last line is one JSON object. Run: ``.venv/bin/python benchmarks/import_concurrent.py
[--kilns 85] [--connections 16]`` (about 1–2 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))

import api_load
from region_bundle import generate_region, write_csv_dir

from kilnguard.domain.roles import Role
from kilnguard.services.access import SYSTEM
from kilnguard.services.auth import create_user
from kilnguard.store import db

ADMIN, ADMIN_PASSWORD = "importer", "bundle-import-benchmark-2021"


class ShiftWriter(api_load.Client):
    """Posts its own worker's shifts back to back (never overlapping, never refused)."""

    def step(self) -> None:
        start = api_load.START + dt.timedelta(hours=8 * self.shift_no)
        self.shift_no += 1
        shift = {
            "worker_id": self.worker,
            "kiln_id": self.plant.kilns[self.worker % len(self.plant.kilns)],
            "start_at": start.isoformat(),
            "end_at": (start + dt.timedelta(hours=8)).isoformat(),
        }
        self.request("POST", "/api/v1/shifts", shift)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kilns", type=int, default=85, help="kilns of the imported region")
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--workers", type=int, default=1, help="server processes")
    p.add_argument("--scheduler", choices=("on", "off"), default="on", help="see api_load.py")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'import.db'}"
        plant = api_load.build_plant(url, args.connections)
        engine = db.make_engine(url)
        with db.unit_of_work(engine) as s:
            create_user(s, SYSTEM, username=ADMIN, password=ADMIN_PASSWORD, role=Role.ADMIN.value)
        engine.dispose()
        region = generate_region(args.kilns, args.days, seed=7)
        counts = write_csv_dir(region, Path(tmp) / "bundle")
        rows = counts["shifts"] + counts["production"]
        api_load.log(f"bundle: {rows:,} shift + production rows ({sum(counts.values()):,} in all)")
        with api_load.served(url, args.workers, args.scheduler) as host:
            secret = api_load.token(host)
            options = SimpleNamespace(read_share=0.0, idempotency=False)
            clients = [ShiftWriter(host, secret, plant, w, options) for w in plant.workers]
            done = threading.Event()

            def loop(c: ShiftWriter) -> None:
                while not done.is_set():
                    c.step()

            threads = [threading.Thread(target=loop, args=(c,)) for c in clients]
            for t in threads:
                t.start()
            env = {**os.environ, "KILNGUARD_DATABASE_URL": url}
            kg = Path(sys.executable).with_name("kilnguard")
            t0 = time.perf_counter()
            run = subprocess.run(
                [str(kg), "import", "bundle", str(Path(tmp) / "bundle"), "--user", ADMIN],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            took = time.perf_counter() - t0
            time.sleep(1.0)
            done.set()
            for t in threads:
                t.join()
        if run.returncode != 0:
            raise SystemExit(f"the import failed: {run.stdout[-400:]} {run.stderr[-400:]}")
        writes = [x for c in clients for x in c.tally.writes]
        errors = [e for c in clients for e in c.tally.errors]
        out = {
            "import_rows": rows,
            "import_s": round(took, 2),
            "import_rows_per_s": round(rows / took),
            "web_writes": len(writes),
            "web_errors": len(errors),
            "first_errors": errors[:3],
            "web_write_p50_ms": api_load.percentile_ms(writes, 0.50),
            "web_write_p99_ms": api_load.percentile_ms(writes, 0.99),
            "web_write_max_ms": round(1000 * max(writes), 1) if writes else None,
            "load_average": round(os.getloadavg()[0], 1),
        }
        print(
            f"import of {rows:,} rows: {took:.1f} s; {len(writes)} web writes meanwhile, "
            f"{len(errors)} errors, p99 {out['web_write_p99_ms']} ms, max {out['web_write_max_ms']} ms"
        )
        print(json.dumps(out))


if __name__ == "__main__":
    main()
