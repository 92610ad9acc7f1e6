"""The schema is built by Alembic, and SQLite runs with WAL and enforced foreign keys."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from kilnguard.store.db import normalise_url
from kilnguard.store.models import Base


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


def test_migrations_build_exactly_the_orm_tables(engine: Engine) -> None:
    """The schema `alembic upgrade heads` builds is the ORM metadata: no table, column, type,
    nullability, index, unique or foreign key differs (the store's tables and the migrations are
    written separately and must be kept identical)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from kilnguard.store import all_models  # noqa: F401  (every feature's tables)

    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
