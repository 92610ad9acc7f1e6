"""Shared fixtures: a real database (SQLite by default, PostgreSQL when
KILNGUARD_TEST_DATABASE_URL names a server), migrated once per run with Alembic, emptied before
each test that uses it, and a realistic two-enterprise plant built through the services."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url, text
from sqlalchemy.orm import Session

from kilnguard.domain.roles import Role
from kilnguard.services import records as svc
from kilnguard.services.access import SYSTEM, Principal
from kilnguard.services.auth import create_user
from kilnguard.store import db as store_db
from kilnguard.store.models import Base

os.environ.setdefault("KILNGUARD_PASSWORD_PROFILE", "cheapest")
PG_ENV = "KILNGUARD_TEST_DATABASE_URL"
PASSWORD = "correct-horse-battery"


def _create_pg_database(server_url: str) -> str:
    import psycopg

    url = make_url(store_db.normalise_url(server_url))
    name = f"kg_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        dbname=url.database or "test",
        autocommit=True,
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(server_url: str, db_url: str) -> None:
    import psycopg

    url = make_url(store_db.normalise_url(server_url))
    name = make_url(db_url).database
    with psycopg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        dbname=url.database or "test",
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test of one database's own feature runs in that database's run and is deselected (not
    skipped) in the other: `make test` runs both, so every test runs once and none is skipped."""
    other = "sqlite_only" if os.environ.get(PG_ENV) else "postgresql_only"
    deselected = [item for item in items if item.get_closest_marker(other)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker(other)]


@pytest.fixture(scope="session")
def backend() -> str:
    return "postgresql" if os.environ.get(PG_ENV) else "sqlite"


@pytest.fixture(scope="session")
def fresh_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], str]]:
    """Factory of brand-new, empty databases of the backend under test."""
    made: list[str] = []
    server = os.environ.get(PG_ENV)

    def make() -> str:
        if server:
            url = _create_pg_database(server)
        else:
            url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'kilnguard.db'}"
        made.append(url)
        return url

    yield make
    if server:
        for url in made:
            store_db.engine_for.cache_clear()
            _drop_pg_database(server, url)


@pytest.fixture(scope="session")
def database_url(fresh_database_url: Callable[[], str]) -> str:
    url = fresh_database_url()
    store_db.upgrade(url)
    return url


_DEMO_TEMPLATES: dict[str, str] = {}
"""Per test process: the URL of a database holding the demo region as first built, by backend."""


def _copy_database(source: str, target: str) -> None:
    """Make the database at `target` an exact copy of the one at `source` (same backend).

    SQLite copies through the online backup API; PostgreSQL recreates `target` from `source` as
    its template (a file-level copy). Nothing may be connected to either."""
    src, dst = make_url(store_db.normalise_url(source)), make_url(store_db.normalise_url(target))
    if src.get_backend_name() == "sqlite":
        import sqlite3

        with sqlite3.connect(str(src.database)) as a, sqlite3.connect(str(dst.database)) as b:
            a.backup(b)
        return
    import psycopg

    with psycopg.connect(
        host=src.host or "127.0.0.1",
        port=src.port or 5432,
        user=src.username or "postgres",
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dst.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{dst.database}" TEMPLATE "{src.database}"')


def _template_url(url: str) -> str:
    """A sibling of `url` to hold this process's demo template."""
    parsed = make_url(store_db.normalise_url(url))
    if parsed.get_backend_name() == "sqlite":
        path = Path(str(parsed.database)).with_name("demo-template.db")
        return parsed.set(database=str(path)).render_as_string(hide_password=False)
    return parsed.set(database=f"{parsed.database}_tpl").render_as_string(hide_password=False)


def build_demo_database(url: str) -> None:
    """Fill the empty database at `url` with the whole demo region.

    The first call in a test process migrates and builds it through the same services and
    feature extensions `kilnguard demo` uses, and keeps a copy as a template; later calls copy
    the template (seconds instead of a full build per module). Every module still gets a
    database of its own, so a test that writes cannot change what another module sees."""
    backend = make_url(store_db.normalise_url(url)).get_backend_name()
    template = _DEMO_TEMPLATES.get(backend)
    if template is not None:
        _copy_database(template, url)
        return
    from kilnguard.scenarios import load_extensions
    from kilnguard.scenarios.demo import build_demo

    store_db.upgrade(url)
    eng = store_db.make_engine(url)
    load_extensions()
    try:
        with store_db.unit_of_work(eng) as s:
            build_demo(s)
    finally:
        eng.dispose()
    store_db.engine_for.cache_clear()
    copy = _template_url(url)
    _copy_database(url, copy)
    _DEMO_TEMPLATES[backend] = copy


@pytest.fixture(scope="session", autouse=True)
def _drop_demo_templates() -> Iterator[None]:
    """Drop this process's PostgreSQL demo template at the end (SQLite's lives in tmp)."""
    yield
    template = _DEMO_TEMPLATES.pop("postgresql", None)
    server = os.environ.get(PG_ENV)
    if template is not None and server:
        _drop_pg_database(server, template)


@pytest.fixture(scope="session")
def demo_readonly_engine(fresh_database_url: Callable[[], str]) -> Iterator[Engine]:
    """The full demo region in its own database, built once per run. Read-only by convention:
    tests that write use `plant`/`client` or their own fresh database."""
    url = fresh_database_url()
    build_demo_database(url)
    eng = store_db.make_engine(url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = store_db.make_engine(database_url)
    yield eng
    eng.dispose()


def _empty_all_tables(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(
                text(
                    "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
                )
            )
        else:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))


@contextmanager
def rolled_back(engine: Engine) -> Iterator[Session]:
    """A session on `engine` whose transaction is rolled back at the end, whatever the test did."""
    s = store_db.session_factory(engine)()
    try:
        yield s
    finally:
        s.rollback()
        s.close()


@pytest.fixture
def ds(demo: Engine) -> Iterator[Session]:
    """A session on the demo database of the test's module (its own `demo` fixture), rolled
    back after the test, so tests that only read or try writes leave the demo as built."""
    with rolled_back(demo) as s:
        yield s


@pytest.fixture
def clean_engine(engine: Engine) -> Engine:
    """The session database, emptied: each test starts from no records."""
    from kilnguard.store import all_models  # noqa: F401

    _empty_all_tables(engine)
    return engine


@pytest.fixture
def session(clean_engine: Engine) -> Iterator[Session]:
    """A session whose writes the test commits or rolls back itself."""
    with rolled_back(clean_engine) as s:
        yield s


@dataclass
class Plant:
    """Two enterprises in one region (A: cement, B: refractory) plus a second region."""

    engine: Engine
    region_id: int = 0
    other_region_id: int = 0
    ent_a: int = 0
    ent_b: int = 0
    ent_other_region: int = 0
    kilns_a: list[int] = field(default_factory=list)
    kilns_b: list[int] = field(default_factory=list)
    workers_a: list[int] = field(default_factory=list)
    workers_b: list[int] = field(default_factory=list)
    users: dict[str, Principal] = field(default_factory=dict)
    record_ids_b: dict[str, int] = field(default_factory=dict)


def _kiln(s: Session, ent: int, section: int, name: str, kind: str, cap: float) -> int:
    return svc.create_kiln(
        s,
        SYSTEM,
        svc.KilnIn(
            enterprise_id=ent,
            section_id=section,
            name=name,
            kind=kind,
            rated_capacity_t_per_day=cap,
            max_temperature_c=1450.0,
            campaign_limit_days=90,
            lining_installed_on=dt.date(2021, 3, 1),
            lining_design_life_days=365,
        ),
    ).id


def build_plant(engine: Engine) -> Plant:
    p = Plant(engine)
    tz = dt.timezone(dt.timedelta(hours=9))
    with store_db.unit_of_work(engine) as s:
        p.region_id = svc.create_region(
            s, SYSTEM, name="North Hamgyong", timezone="Asia/Pyongyang"
        ).id
        p.other_region_id = svc.create_region(s, SYSTEM, name="South Pyongan").id
        p.ent_a = svc.create_enterprise(
            s, SYSTEM, region_id=p.region_id, name="A Cement", tier=1, sector="cement"
        ).id
        p.ent_b = svc.create_enterprise(
            s, SYSTEM, region_id=p.region_id, name="B Refractory", tier=2, sector="refractory brick"
        ).id
        p.ent_other_region = svc.create_enterprise(
            s, SYSTEM, region_id=p.other_region_id, name="C Lime", tier=2, sector="lime"
        ).id
        for ent, kilns, workers, kinds in (
            (p.ent_a, p.kilns_a, p.workers_a, ("rotary", "rotary", "shaft")),
            (p.ent_b, p.kilns_b, p.workers_b, ("periodic", "periodic", "tunnel")),
        ):
            sec = svc.create_section(s, SYSTEM, enterprise_id=ent, name="Kiln section").id
            for i, kind in enumerate(kinds, start=1):
                kilns.append(
                    _kiln(s, ent, sec, f"K-{i}", kind, 40.0 if kind != "rotary" else 600.0)
                )
            crews = [
                svc.create_crew(s, SYSTEM, enterprise_id=ent, name=f"crew {c}").id for c in "ABC"
            ]
            ws = svc.create_workers(
                s,
                SYSTEM,
                [
                    svc.WorkerIn(
                        enterprise_id=ent,
                        number=f"{c}-{i:02d}",
                        name=f"worker {c}{i}",
                        crew_id=crews["ABC".index(c)],
                        qualifications=kinds[:1],
                    )
                    for c in "ABC"
                    for i in range(1, 4)
                ],
            )
            workers.extend(w.id for w in ws)
            # two weeks of 8-h three-shift production; two crews' rosters, each with a day off
            # in every seven
            start = dt.date(2021, 9, 1)
            svc.record_production(
                s,
                SYSTEM,
                [
                    svc.ProductionIn(
                        kiln_id=k,
                        day=start + dt.timedelta(days=d),
                        shift_no=n,
                        output_t=12.0,
                        hours_fired=8.0,
                    )
                    for k in kilns
                    for d in range(14)
                    for n in (1, 2, 3)
                ],
            )
            svc.record_shifts(
                s,
                SYSTEM,
                [
                    svc.ShiftIn(
                        worker_id=workers[c * 3 + i],
                        kiln_id=kilns[i],
                        start_at=dt.datetime.combine(
                            start + dt.timedelta(days=d), dt.time(6 + 8 * c), tz
                        ),
                        end_at=dt.datetime.combine(
                            start + dt.timedelta(days=d), dt.time(6 + 8 * c), tz
                        )
                        + dt.timedelta(hours=8),
                    )
                    for c in range(2)
                    for i in range(3)
                    for d in range(14)
                    if (d + c) % 7 != 6  # a day off in every seven: no rest-rule breach
                ],
            )
            plan = svc.create_maintenance_plan(
                s,
                SYSTEM,
                svc.MaintenancePlanIn(
                    kiln_id=kilns[0],
                    task="Lining inspection",
                    interval_days=30,
                    safety_critical=True,
                ),
            )
            svc.create_work_orders(
                s,
                SYSTEM,
                [
                    svc.WorkOrderIn(
                        kiln_id=kilns[0],
                        plan_id=plan.id,
                        task="Lining inspection",
                        due_on=dt.date(2021, 9, 30),
                        safety_critical=True,
                    )
                ],
            )
            svc.create_planned_stop(
                s,
                SYSTEM,
                svc.PlannedStopIn(
                    kiln_id=kilns[1],
                    start_on=dt.date(2021, 9, 20),
                    end_on=dt.date(2021, 9, 22),
                    reason="inspection",
                ),
            )
            svc.create_target(
                s,
                SYSTEM,
                svc.TargetIn(
                    enterprise_id=ent,
                    quantity_t=3000.0,
                    entered_on=start,
                    deadline=dt.date(2021, 12, 31),
                    imposed_by="Annual plan",
                ),
            )
            svc.create_incident(
                s,
                SYSTEM,
                svc.IncidentIn(
                    enterprise_id=ent,
                    kiln_id=kilns[0],
                    occurred_at=dt.datetime(2021, 9, 5, 3, tzinfo=dt.UTC),
                    event_type="near_miss",
                    description="hot spot on shell",
                ),
            )
        for username, role, ents, region in (
            ("op_a", Role.OPERATOR, [p.ent_a], None),
            ("maint_a", Role.MAINTENANCE, [p.ent_a], None),
            ("mgr_a", Role.MANAGER, [p.ent_a], None),
            ("safety_a", Role.SAFETY_OFFICER, [p.ent_a], None),
            ("lead_a", Role.TECHNICAL_LEAD, [p.ent_a], None),
            ("op_b", Role.OPERATOR, [p.ent_b], None),
            ("reg", Role.REGULATOR, [], p.region_id),
            ("reg_other", Role.REGULATOR, [], p.other_region_id),
        ):
            u = create_user(
                s,
                SYSTEM,
                username=username,
                password=PASSWORD,
                role=role.value,
                enterprise_ids=ents,
                region_id=region,
            )
            p.users[username] = Principal.of(u)
    from sqlalchemy import select

    from kilnguard.store import models as m

    with store_db.unit_of_work(engine) as s:
        for path, model in (
            ("enterprises", m.Enterprise),
            ("sections", m.Section),
            ("kilns", m.Kiln),
            ("crews", m.Crew),
            ("workers", m.Worker),
            ("production-records", m.ProductionRecord),
            ("shifts", m.Shift),
            ("work-orders", m.WorkOrder),
            ("maintenance-plans", m.MaintenancePlan),
            ("planned-stops", m.PlannedStop),
            ("targets", m.Target),
            ("incidents", m.Incident),
        ):
            col = m.Enterprise.id if model is m.Enterprise else model.enterprise_id  # type: ignore[attr-defined]
            p.record_ids_b[path] = s.scalar(select(model.id).where(col == p.ent_b).limit(1))  # type: ignore[attr-defined]
    return p


@pytest.fixture
def plant(clean_engine: Engine) -> Plant:
    return build_plant(clean_engine)


@pytest.fixture
def client(clean_engine: Engine):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from kilnguard.api.app import create_app

    with TestClient(create_app(clean_engine)) as c:
        yield csrf_aware(c)


def csrf_aware(client):  # type: ignore[no-untyped-def]
    """`client` sending its session's CSRF token with every request, as the pages' forms and
    htmx do in a browser (`api.browser`); the tests of the guard itself use a plain client."""
    from kilnguard.api.browser import CSRF_HEADER, csrf_token, session_cookie

    def add_token(request) -> None:  # type: ignore[no-untyped-def]
        secret = session_cookie(request.headers)
        if secret and CSRF_HEADER not in request.headers:
            request.headers[CSRF_HEADER] = csrf_token(secret)

    client.event_hooks["request"].append(add_token)
    return client


def token_for(client, username: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


def at_once(fn: Callable[[], None], n: int) -> None:
    """Run `fn` in `n` threads started together; return when every one is done (races)."""
    import threading

    threads = [threading.Thread(target=fn) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
