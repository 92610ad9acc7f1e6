"""Engines, sessions and the unit of work.

SQLite (embedded default) runs in WAL mode with foreign keys enforced; PostgreSQL is used when
`KILNGUARD_DATABASE_URL` names one. The unit of work owns the transaction: services never
commit; `unit_of_work()` commits once at the end and rolls everything back on any error.

Writes are race-free on both databases. A unit of work opened with `write=True` starts with
`BEGIN IMMEDIATE` on SQLite, so write transactions run one at a time and a service's checks
(is this shift free? is the order still open?) read what the write will be judged against.
PostgreSQL keeps its concurrency: invariants are held by constraints (unique, check; no two
overlapping current shifts of a worker by the statement-level triggers of migration
0015_shift_overlap, reported under the name `ex_shifts_worker_overlap`) and state changes are
compare-and-set (`services.writes.change`). A constraint a concurrent writer won is a
`Conflict` (409).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kilnguard.clock import SYSTEM_CLOCK, Clock
from kilnguard.config import database_url
from kilnguard.domain.errors import Conflict

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and use the psycopg 3 driver for them."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


BUSY_TIMEOUT_MS = 10_000
"""How long a SQLite write waits for the write lock before it is refused as `Busy` [ms]."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


WRITE_OPTION = "kilnguard_write"
"""Execution option of a write unit of work's connection: SQLite begins it `IMMEDIATE`."""


def _sqlite_begin(conn: Connection) -> None:
    """Take SQLite's write lock when a write transaction begins, not at its first write: a
    concurrent writer then waits (busy_timeout) instead of passing the same checks. Other
    transactions keep the driver's deferred behaviour (reads never wait for writers)."""
    if conn.get_execution_options().get(WRITE_OPTION):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


POOL_SIZE = 10
MAX_OVERFLOW = 30
"""Connections per process: a request thread may hold two at once (its unit of work and an
after-commit refresh), and the server runs up to 40 request threads; 40 per process stays
under PostgreSQL's default 100 connections with two server processes."""


def make_engine(url: str | None = None) -> Engine:
    url = normalise_url(url or database_url())
    pool = {"pool_size": POOL_SIZE, "max_overflow": MAX_OVERFLOW}
    if url.startswith("sqlite"):
        if ":memory:" in url or url in ("sqlite://", "sqlite:///"):
            pool = {}
        engine = create_engine(url, connect_args={"check_same_thread": False}, **pool)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **pool)


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine() -> Engine:
    return engine_for(normalise_url(database_url()))


def session_factory(engine: Engine, *, write: bool = False) -> sessionmaker[Session]:
    options = {WRITE_OPTION: True} if write else {}
    return sessionmaker(
        bind=engine, expire_on_commit=False, autoflush=True, execution_options=options
    )


CLOCK_KEY = "kilnguard.clock"


def clock_of(session: Session) -> Clock:
    """The clock the unit of work was opened with (the wall clock when none was given)."""
    clock: Clock = session.info.get(CLOCK_KEY, SYSTEM_CLOCK)
    return clock


CONSTRAINT_MESSAGES: dict[str, str] = {
    "ex_shifts_worker_overlap": "the worker already has a shift overlapping this one",
    "uq_shifts_worker_start": "the worker already has a shift starting at this time",
    "uq_idempotency_keys_username": "a request with this Idempotency-Key is being processed",
}
"""What a violated constraint means to the user, by constraint name (others: a generic text)."""


def conflict_of(exc: IntegrityError) -> Conflict:
    """The `Conflict` a constraint violation means: another request stored the same thing first
    (the write is refused whole, so retrying after a fresh read is safe)."""
    text = str(exc.orig)
    for name, message in CONSTRAINT_MESSAGES.items():
        if name in text:
            return Conflict(f"{message} (stored by a concurrent request)")
    return Conflict(
        "the write clashes with a record stored meanwhile (a unique or consistency rule of the "
        "database); reload and try again"
    )


class Busy(Conflict):
    """SQLite's write lock stayed taken for the whole busy timeout (a long import holds it, or
    many writers queue for it): nothing was written; try again shortly."""


def _busy(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "database is locked" in text or "database is busy" in text


@contextmanager
def unit_of_work(
    engine: Engine | None = None, *, clock: Clock | None = None, write: bool = False
) -> Iterator[Session]:
    """One transaction: commit at the end, roll back everything on error.

    `clock` is the shell's time source (request time, CLI option, a test's fixed clock);
    services read it through `services.writes.now(session)`, never the machine clock.
    `write=True` serialises the transaction with every other write on SQLite (`BEGIN
    IMMEDIATE`, see the module doc); a read-only shell (a GET) leaves it False so it never waits
    for a writer. A constraint violation leaves as `Conflict`, SQLite's lock held past the busy
    timeout as `Busy` (a Conflict: nothing written, retry).
    """
    session = session_factory(engine or get_engine(), write=write)()
    session.info[CLOCK_KEY] = clock or SYSTEM_CLOCK
    try:
        yield session
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise conflict_of(exc) from exc
    except OperationalError as exc:
        session.rollback()
        if _busy(exc):
            raise Busy(
                "the database is busy with other writes (a long import, or many at once): "
                "nothing was written; try again in a few seconds"
            ) from exc
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None) -> None:
    """Bring the schema to the newest revision of every feature branch (`heads`)."""
    command.upgrade(alembic_config(url or database_url()), "heads")
