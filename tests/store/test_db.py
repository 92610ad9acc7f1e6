"""The schema is built by Alembic, and SQLite runs with WAL and enforced foreign keys."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from kilnguard.store.db import normalise_url


def test_migrations_create_every_record_table(engine: Engine) -> None:
    names = set(inspect(engine).get_table_names())
    for table in (
        "regions",
        "enterprises",
        "sections",
        "kilns",
        "production_records",
        "planned_stops",
        "targets",
        "maintenance_plans",
        "work_orders",
        "work_order_deferrals",
        "workers",
        "crews",
        "shifts",
        "incidents",
        "users",
        "user_enterprises",
        "audit_log",
        "alembic_version",
    ):
        assert table in names


def test_sqlite_runs_in_wal_mode_with_foreign_keys(engine: Engine, backend: str) -> None:
    with engine.connect() as conn:
        if backend == "sqlite":
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        else:
            assert conn.dialect.name == "postgresql"


def test_foreign_keys_are_enforced(clean_engine: Engine) -> None:
    with pytest.raises(IntegrityError), clean_engine.begin() as conn:
        conn.execute(text("INSERT INTO sections (enterprise_id, name) VALUES (999999, 'orphan')"))


def test_plain_postgresql_urls_use_psycopg3() -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"
