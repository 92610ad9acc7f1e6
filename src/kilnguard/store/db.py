"""Engines, sessions and the unit of work.

SQLite (embedded default) runs in WAL mode with foreign keys enforced; PostgreSQL is used when
`KILNGUARD_DATABASE_URL` names one. The unit of work owns the transaction: services never
commit; `unit_of_work()` commits once at the end and rolls everything back on any error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from kilnguard.clock import SYSTEM_CLOCK, Clock
from kilnguard.config import database_url

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and use the psycopg 3 driver for them."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str | None = None) -> Engine:
    url = normalise_url(url or database_url())
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine() -> Engine:
    return engine_for(normalise_url(database_url()))


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


CLOCK_KEY = "kilnguard.clock"


def clock_of(session: Session) -> Clock:
    """The clock the unit of work was opened with (the wall clock when none was given)."""
    clock: Clock = session.info.get(CLOCK_KEY, SYSTEM_CLOCK)
    return clock


@contextmanager
def unit_of_work(engine: Engine | None = None, *, clock: Clock | None = None) -> Iterator[Session]:
    """One transaction: commit at the end, roll back everything on error.

    `clock` is the shell's time source (request time, CLI option, a test's fixed clock);
    services read it through `services.writes.now(session)`, never the machine clock.
    """
    session = session_factory(engine or get_engine())()
    session.info[CLOCK_KEY] = clock or SYSTEM_CLOCK
    try:
        yield session
        session.commit()
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
