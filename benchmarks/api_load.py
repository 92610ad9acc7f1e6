"""The REST API under load (issue 15 point 10): 64 concurrent connections, a mix of reads and
writes, against `kilnguard serve --workers N` on SQLite and on PostgreSQL.

Each database gets a fresh plant (one region, two enterprises, six kilns, 64 workers, a
manager to log in as), built through the services. The server runs in its own processes
(`kilnguard serve --workers N`, with its scheduler on as deployed, `--scheduler off` to have every writer recompute levels); the client
keeps one HTTP/1.1 connection per thread. Every connection loops for `--duration` seconds:

* reads (`--read-share`, default 70 %): the enterprise's kilns, one kiln's production records
  (last 50), one worker's shifts (last 50);
* writes: a production record (in a kiln, day and shift slot of its own: one record per slot is
  the rule), or a shift of the connection's own worker (8 h after its last,
  so none overlaps), each with a fresh `Idempotency-Key` when `--idempotency` is given.

Printed per database: requests/s, writes/s, p50 and p99 of reads and of writes, and errors
(any status but 200/201, or a broken connection), with the first few errors. Aims of the issue:
zero errors, p99 ≤ 100 ms for reads and ≤ 300 ms for writes, ≥ 500 writes/s on PostgreSQL.

Run: ``.venv/bin/python benchmarks/api_load.py [--duration 60] [--connections 64]
[--workers 4] [--databases sqlite,postgresql] [--postgresql-url postgresql://postgres@127.0.0.1:5432/postgres]``.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import make_url

os.environ.setdefault("KILNGUARD_PASSWORD_PROFILE", "cheapest")

from kilnguard.domain.roles import Role
from kilnguard.services import records as svc
from kilnguard.services.access import SYSTEM
from kilnguard.services.auth import create_user
from kilnguard.store import db

PASSWORD = "kiln-load-benchmark-2021"
START = dt.datetime(2021, 6, 1, 6, tzinfo=dt.timezone(dt.timedelta(hours=9)))


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


@dataclass
class Plant:
    kilns: list[int]
    workers: list[int]
    enterprise_id: int


def build_plant(url: str, connections: int) -> Plant:
    """A fresh plant at `url`: the manager `load` of enterprise A logs in."""
    db.upgrade(url)
    engine = db.make_engine(url)
    try:
        with db.unit_of_work(engine) as s:
            region = svc.create_region(s, SYSTEM, name="Load region", timezone="Asia/Pyongyang")
            ents = [
                svc.create_enterprise(
                    s, SYSTEM, region_id=region.id, name=f"{n} Cement", tier=1, sector="cement"
                ).id
                for n in "AB"
            ]
            section = svc.create_section(s, SYSTEM, enterprise_id=ents[0], name="Kilns").id
            kilns = [
                svc.create_kiln(
                    s,
                    SYSTEM,
                    svc.KilnIn(
                        enterprise_id=ents[0],
                        section_id=section,
                        name=f"K-{i}",
                        kind="rotary",
                        rated_capacity_t_per_day=600.0,
                        max_temperature_c=1450.0,
                        campaign_limit_days=90,
                    ),
                ).id
                for i in range(1, 7)
            ]
            workers = svc.create_workers(
                s,
                SYSTEM,
                [
                    svc.WorkerIn(enterprise_id=ents[0], number=f"L-{i:03d}", name=f"worker {i}")
                    for i in range(connections)
                ],
            )
            create_user(
                s,
                SYSTEM,
                username="load",
                password=PASSWORD,
                role=Role.MANAGER.value,
                enterprise_ids=[ents[0]],
            )
            return Plant(kilns, [w.id for w in workers], ents[0])
    finally:
        engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(url: str, workers: int, scheduler: str = "on") -> Iterator[str]:
    """`kilnguard serve --workers N` over `url`, until the block ends. With the scheduler on
    (as deployed) a write only marks its enterprise's levels dirty and wakes the scheduler,
    whose tick recomputes once per burst; off, every write recomputes its enterprise's levels
    after its commit in the request's thread (under SQLite's write lock)."""
    port = free_port()
    env = {**os.environ, "KILNGUARD_DATABASE_URL": url, "KILNGUARD_SCHEDULER": scheduler}
    kg = Path(sys.executable).with_name("kilnguard")
    args = [str(kg), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    errlog = Path(tempfile.gettempdir()) / f"kilnguard-api-load-{port}.log"
    with errlog.open("wb") as err:
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=err)
    log(f"server log: {errlog}")
    try:
        deadline = time.monotonic() + 240  # a loaded machine imports slowly
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("the server did not start")
        time.sleep(1.0 + 0.3 * workers)  # every worker process imported and listening
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Tally:
    reads: list[float] = field(default_factory=list)
    writes: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Client:
    """One connection's loop of reads and writes."""

    def __init__(self, host: str, token: str, plant: Plant, worker: int, args: Any) -> None:
        self.host, self.plant, self.worker, self.args = host, plant, worker, args
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.conn = http.client.HTTPConnection(host, timeout=60)
        self.rng = random.Random(worker)
        self.shift_no = 0
        self.record_no = 0
        self.tally = Tally()

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> None:
        headers = dict(self.headers)
        if body is not None and self.args.idempotency:
            headers["Idempotency-Key"] = str(uuid.uuid4())
        data = json.dumps(body).encode() if body is not None else None
        t0 = time.perf_counter()
        try:
            self.conn.request(method, path, data, headers)
            r = self.conn.getresponse()
            payload = r.read()
            status = r.status
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, timeout=60)
            self.tally.errors.append(f"{method} {path}: {type(exc).__name__} {exc}")
            return
        took = time.perf_counter() - t0
        if status not in (200, 201):
            self.tally.errors.append(f"{method} {path}: {status} {payload[:160]!r}")
            return
        (self.tally.writes if body is not None else self.tally.reads).append(took)

    def step(self) -> None:
        kiln = self.rng.choice(self.plant.kilns)
        if self.rng.random() < self.args.read_share:
            path = self.rng.choice(
                (
                    f"/api/v1/kilns?enterprise_id={self.plant.enterprise_id}",
                    f"/api/v1/production-records?kiln_id={kiln}&limit=50",
                    f"/api/v1/shifts?worker_id={self.worker}&limit=50",
                )
            )
            self.request("GET", path)
        elif self.rng.random() < 0.5:
            # slots (kiln, day, shift) dealt out among the connections: one record per kiln,
            # day and shift is the rule, so no write is refused as a duplicate
            slot = self.plant.workers.index(self.worker) + len(self.plant.workers) * self.record_no
            self.record_no += 1
            per_day = 3 * len(self.plant.kilns)
            day = dt.date(2021, 6, 1) + dt.timedelta(days=slot // per_day)
            record = {
                "kiln_id": self.plant.kilns[slot % len(self.plant.kilns)],
                "day": day.isoformat(),
                "shift_no": slot // len(self.plant.kilns) % 3 + 1,
                "output_t": round(self.rng.uniform(150, 200), 1),
                "hours_fired": 8,
            }
            self.request("POST", "/api/v1/production-records", record)
        else:
            start = START + dt.timedelta(hours=8 * self.shift_no)
            self.shift_no += 1
            shift = {
                "worker_id": self.worker,
                "kiln_id": kiln,
                "start_at": start.isoformat(),
                "end_at": (start + dt.timedelta(hours=8)).isoformat(),
            }
            self.request("POST", "/api/v1/shifts", shift)


def token(host: str) -> str:
    conn = http.client.HTTPConnection(host, timeout=60)
    body = json.dumps({"username": "load", "password": PASSWORD})
    conn.request("POST", "/api/v1/auth/token", body, {"Content-Type": "application/json"})
    r = conn.getresponse()
    payload = json.loads(r.read())
    if r.status != 200:
        raise RuntimeError(f"cannot log in: {r.status} {payload}")
    return str(payload["token"])


def percentile_ms(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def drive(host: str, plant: Plant, args: Any) -> dict[str, Any]:
    """`args.connections` clients for `args.duration` seconds; their figures."""
    secret = token(host)
    clients = [Client(host, secret, plant, w, args) for w in plant.workers]
    stop = time.perf_counter() + args.duration

    def loop(c: Client) -> None:
        while time.perf_counter() < stop:
            c.step()

    threads = [threading.Thread(target=loop, args=(c,)) for c in clients]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    reads = [x for c in clients for x in c.tally.reads]
    writes = [x for c in clients for x in c.tally.writes]
    errors = [e for c in clients for e in c.tally.errors]
    done = len(reads) + len(writes)
    return {
        "requests_per_s": round((done + len(errors)) / elapsed, 1),
        "writes_per_s": round(len(writes) / elapsed, 1),
        "p50_ms": percentile_ms(reads + writes, 0.50),
        "p99_ms": percentile_ms(reads + writes, 0.99),
        "read_p50_ms": percentile_ms(reads, 0.50),
        "read_p99_ms": percentile_ms(reads, 0.99),
        "write_p50_ms": percentile_ms(writes, 0.50),
        "write_p99_ms": percentile_ms(writes, 0.99),
        "requests": done + len(errors),
        "errors": len(errors),
        "first_errors": errors[:3],
        "mean_ms": round(1000 * statistics.fmean(reads + writes), 1) if done else None,
    }


@contextmanager
def database(kind: str, args: Any) -> Iterator[str]:
    """A fresh, empty database of `kind`, dropped afterwards (PostgreSQL) or in a temp dir."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'load.db'}"
        return
    import psycopg

    server = make_url(db.normalise_url(args.postgresql_url))
    name = f"kg_load_{uuid.uuid4().hex[:8]}"
    params = {
        "host": server.host or "127.0.0.1",
        "port": server.port or 5432,
        "user": server.username or "postgres",
        "password": server.password,
        "dbname": server.database or "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**params) as conn:  # type: ignore[arg-type]
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        db.engine_for.cache_clear()
        with psycopg.connect(**params) as conn:  # type: ignore[arg-type]
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=float, default=60.0, help="seconds of load per database")
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--workers", type=int, default=4, help="server processes")
    p.add_argument("--read-share", type=float, default=0.7)
    p.add_argument("--databases", default="sqlite,postgresql")
    p.add_argument("--postgresql-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--idempotency", action="store_true", help="an Idempotency-Key on each write")
    p.add_argument(
        "--scheduler",
        choices=("on", "off"),
        default="on",
        help="the server's scheduler (on, as deployed: levels recomputed by its tick; off: "
        "by every writer after its commit)",
    )
    args = p.parse_args()
    results: dict[str, Any] = {
        "duration_s": args.duration,
        "connections": args.connections,
        "workers": args.workers,
        "read_share": args.read_share,
        "scheduler": args.scheduler,
        "idempotency": args.idempotency,
        "cpus": os.cpu_count(),
    }
    for kind in args.databases.split(","):
        with database(kind, args) as url:
            log(f"{kind}: building the plant …")
            plant = build_plant(url, args.connections)
            with served(url, args.workers, args.scheduler) as host:
                log(f"{kind}: {args.connections} connections for {args.duration:g} s …")
                figures = drive(host, plant, args)
        results[kind] = figures
        print(
            f"{kind:<10} {figures['requests_per_s']:>7} req/s  {figures['writes_per_s']:>6} "
            f"writes/s  p50 {figures['p50_ms']} ms  p99 {figures['p99_ms']} ms  "
            f"(reads p99 {figures['read_p99_ms']} ms, writes p99 {figures['write_p99_ms']} ms)  "
            f"errors {figures['errors']}",
            flush=True,
        )
        for e in figures["first_errors"]:
            log(f"  {e}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
