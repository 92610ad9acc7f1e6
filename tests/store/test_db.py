"""The schema is built by Alembic, and SQLite runs with WAL and enforced foreign keys."""

from __future__ import annotations

from pathlib import Path

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


def test_every_revision_creates_the_tables_of_its_own_snapshot() -> None:
    """Each script in `versions/` has its frozen snapshot `schema/<revision>.toml`, no snapshot
    is left without a revision, and every snapshot loads."""
    from kilnguard.store.migrations import columns

    versions = columns.SCHEMA_DIR.parent / "versions"
    revisions = {p.stem for p in versions.glob("*.py")}
    assert revisions == {p.stem for p in columns.SCHEMA_DIR.glob("*.toml")}
    for revision in revisions:
        assert columns.load(revision) or columns.load_changes(revision)


SNAPSHOT = """
[[table]]
name = "kilns"
primary_key = ["id"]
columns = [{ name = "id", type = "Integer" }]

[[table]]
name = "firings"
primary_key = ["id"]
unique = [["kiln_id", "started_at"]]
indexes = [{ name = "ix_firings_open", columns = ["kiln_id", "ended_at"], unique = true }]
checks = { ordered = "ended_at >= started_at" }
foreign_key_order = "column"
columns = [
    { name = "id", type = "Integer" },
    { name = "started_at", type = "DateTime" },
    { name = "ended_at", type = "DateTime", nullable = true },
    { name = "note", type = "String", length = 40, server_default = "''" },
    { name = "kiln_id", type = "Integer", references = "kilns.id", ondelete = "CASCADE" },
    { name = "by_id", type = "Integer", references = "kilns.id", index = true },
]
"""


def test_a_snapshot_says_every_part_of_a_table(tmp_path: Path) -> None:
    """Types, lengths, nullability, server defaults, foreign keys (in the order asked, with
    `ondelete`), primary key, unique and check constraints, indexes: all from the file."""
    import sqlalchemy as sa
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable

    from kilnguard.store.migrations import columns

    (tmp_path / "0099_test.toml").write_text(SNAPSHOT)
    kilns, firings = columns.load("0099_test", tmp_path)
    metadata = sa.MetaData()
    sa.Table(kilns.name, metadata, *kilns.elements())
    table = sa.Table(firings.name, metadata, *firings.elements())
    ddl = " ".join(str(CreateTable(table).compile(dialect=sqlite.dialect())).split())
    assert ddl == (
        "CREATE TABLE firings ( id INTEGER NOT NULL, started_at DATETIME NOT NULL, "
        "ended_at DATETIME, note VARCHAR(40) DEFAULT '' NOT NULL, kiln_id INTEGER NOT NULL, "
        "by_id INTEGER NOT NULL, "
        "CONSTRAINT pk_firings PRIMARY KEY (id), "
        "CONSTRAINT fk_firings_kiln_id_kilns FOREIGN KEY(kiln_id) REFERENCES kilns (id) "
        "ON DELETE CASCADE, "
        "CONSTRAINT fk_firings_by_id_kilns FOREIGN KEY(by_id) REFERENCES kilns (id), "
        "CONSTRAINT uq_firings_kiln_id UNIQUE (kiln_id, started_at), "
        "CONSTRAINT ck_firings_ordered CHECK (ended_at >= started_at) )"
    )
    indexes = [
        str(CreateIndex(sa.Index(ix.name, *ix.columns, unique=ix.unique, _table=table)))
        for ix in firings.all_indexes()
    ]
    assert indexes == [
        "CREATE INDEX ix_firings_by_id ON firings (by_id)",
        "CREATE UNIQUE INDEX ix_firings_open ON firings (kiln_id, ended_at)",
    ]


@pytest.mark.parametrize(
    ("written", "mistake", "error"),
    [
        ('"id", type = "Integer" }', '"id", type = "Integr" }', "type 'Integr' is not one of"),
        ('type = "String", length = 40', 'type = "Text", length = 40', "a String has a length"),
        ("length = 40", "lenght = 40", "unexpected keyword argument 'lenght'"),
        ('foreign_key_order = "column"', 'fk_order = "column"', "unknown keys"),
        ('"kilns.id", ondelete', '"kilns.id", on_delete', "unexpected keyword argument"),
        ('primary_key = ["id"]\nunique', "unique", "missing keys \\['primary_key'\\]"),
    ],
)
def test_a_snapshot_with_a_mistake_does_not_load(
    tmp_path: Path, written: str, mistake: str, error: str
) -> None:
    from kilnguard.store.migrations import columns

    assert written in SNAPSHOT
    (tmp_path / "0099_test.toml").write_text(SNAPSHOT.replace(written, mistake))
    with pytest.raises(ValueError, match=f"0099_test, table .*{error}"):
        columns.load("0099_test", tmp_path)


@pytest.mark.sqlite_only
def test_sqlite_write_units_of_work_take_the_write_lock_first_and_wait_for_it(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write unit of work begins IMMEDIATE: a second one waits for the first (so their checks
    never pass together) and, past the busy timeout, is refused as `Busy` (409), not a 500."""
    from kilnguard.store import db as store_db

    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", 100)
    engine = store_db.make_engine(database_url)
    try:
        with store_db.unit_of_work(engine, write=True) as first:
            first.execute(text("SELECT 1"))  # holds the write lock from here
            with pytest.raises(store_db.Busy, match="try again"):  # noqa: SIM117
                with store_db.unit_of_work(engine, write=True) as second:
                    second.execute(text("SELECT 1"))
            with store_db.unit_of_work(engine) as reader:  # a read never waits
                assert reader.execute(text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()
