"""Schema snapshots: each revision in `versions/` creates (upgrade) and drops (downgrade) the
tables of its own snapshot, `schema/<revision>.toml`, read by `load`.

A snapshot is data, not code, so that the schema a revision released can be read (and diffed)
as a list of tables and cannot drift with the helpers or the ORM. It lives beside `versions/`
because Alembic loads every file in `versions/` as a revision; it ships in the package with the
rest of `store/migrations/` (pyproject's package-data).

Frozen: a snapshot file is never edited once its revision is released. A later schema change is
a new revision with its own snapshot file (and any imperative steps, `op.add_column` and the
like, in its script). Likewise, never change what this module emits for a key a released
snapshot uses; add a new key instead.

The format, one `[[table]]` per table in creation order:

- `name`; `primary_key`, the key's columns; `columns`, in order, each `{ name, type }` with
  `type` one of `TYPES` (a `String` has a `length`), and optionally `nullable = true` (columns
  are NOT NULL otherwise), `server_default` (SQL text), `references = "<table>.<column>"` with
  `ondelete`, and `index = true` (an index of its own);
- optionally `unique` (lists of columns), `indexes` (`{ name, columns, unique }`), `checks`
  (`{ <name> = "<SQL condition>" }`) and `foreign_key_order`: `"name"` (the default) emits the foreign keys
  sorted by column name, as Alembic's autogenerate writes them; `"column"` in column order, as
  hand-written revisions list them (SQLite keeps that order in the table's DDL).

The `op.create_table` calls are what autogenerate writes for the ORM tables: the columns, then
the foreign keys, the primary key, the unique and check constraints, named by the convention of
`kilnguard.store.models.NAMING` (`fk_<table>_<column>_<referred table>`, `pk_<table>`,
`uq_<table>_<first column>`, `ck_<table>_<name>`, `ix_<table>_<column>`); then the indexes.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from alembic import op
from sqlalchemy.sql.elements import conv

SCHEMA_DIR = Path(__file__).parent / "schema"

TYPES: dict[str, type[sa.types.TypeEngine[Any]]] = {
    t.__name__: t
    for t in (
        sa.BigInteger,
        sa.Boolean,
        sa.Date,
        sa.DateTime,
        sa.Float,
        sa.Integer,
        sa.JSON,
        sa.LargeBinary,
        sa.String,
        sa.Text,
    )
}


@dataclass(frozen=True)
class Column:
    """One column of a snapshot table (the keys of its TOML entry)."""

    name: str
    type: str
    length: int | None = None
    nullable: bool = False
    server_default: str | None = None
    references: str | None = None
    ondelete: str | None = None
    index: bool = False

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"type {self.type!r} is not one of {sorted(TYPES)}")
        if (self.length is not None) != (self.type == "String"):
            raise ValueError("a String has a length, and no other type has one")
        if self.ondelete is not None and self.references is None:
            raise ValueError("ondelete without references")

    def build(self) -> sa.Column[Any]:
        type_ = sa.String(length=self.length) if self.type == "String" else TYPES[self.type]()
        default = None if self.server_default is None else sa.text(self.server_default)
        return sa.Column(self.name, type_, nullable=self.nullable, server_default=default)


@dataclass(frozen=True)
class Index:
    """An index with its own name, usually on several columns."""

    name: str
    columns: tuple[str, ...]
    unique: bool = False


@dataclass(frozen=True)
class Table:
    """A table as its revision creates it."""

    name: str
    primary_key: tuple[str, ...]
    columns: tuple[Column, ...]
    unique: tuple[tuple[str, ...], ...] = ()
    indexes: tuple[Index, ...] = ()
    checks: tuple[tuple[str, str], ...] = ()  # (name, SQL condition)
    foreign_key_order: Literal["name", "column"] = "name"

    def __post_init__(self) -> None:
        if self.foreign_key_order not in ("name", "column"):
            raise ValueError(f"foreign_key_order {self.foreign_key_order!r}")

    def elements(self) -> list[sa.schema.SchemaItem]:
        """The columns and constraints, in the order `op.create_table` receives them."""
        t = self.name
        keys = [(c.name, c.references, c.ondelete) for c in self.columns if c.references]
        if self.foreign_key_order == "name":
            keys.sort(key=lambda k: k[:2])
        return [
            *(c.build() for c in self.columns),
            *(
                sa.ForeignKeyConstraint(
                    [c], [to], name=conv(f"fk_{t}_{c}_{to.split('.')[0]}"), ondelete=ondelete
                )
                for c, to, ondelete in keys
            ),
            sa.PrimaryKeyConstraint(*self.primary_key, name=conv(f"pk_{t}")),
            *(sa.UniqueConstraint(*u, name=conv(f"uq_{t}_{u[0]}")) for u in self.unique),
            *(sa.CheckConstraint(sql, name=conv(f"ck_{t}_{name}")) for name, sql in self.checks),
        ]

    def all_indexes(self) -> list[Index]:
        """The columns' own indexes (`ix_<table>_<column>`), then the named ones."""
        own = [Index(f"ix_{self.name}_{c.name}", (c.name,)) for c in self.columns if c.index]
        return own + list(self.indexes)

    def create(self) -> None:
        op.create_table(self.name, *self.elements())
        for ix in self.all_indexes():
            op.create_index(conv(ix.name), self.name, list(ix.columns), unique=ix.unique)

    def drop(self) -> None:
        for ix in reversed(self.all_indexes()):
            op.drop_index(conv(ix.name), table_name=self.name)
        op.drop_table(self.name)


REQUIRED_KEYS = {"name", "primary_key", "columns"}
TABLE_KEYS = REQUIRED_KEYS | {"unique", "indexes", "checks", "foreign_key_order"}


def _table(spec: dict[str, Any]) -> Table:
    """A `[[table]]` entry as a `Table` (TOML arrays become tuples); an unknown key raises."""
    if unknown := set(spec) - TABLE_KEYS:
        raise ValueError(f"unknown keys {sorted(unknown)}")
    if missing := REQUIRED_KEYS - set(spec):
        raise ValueError(f"missing keys {sorted(missing)}")
    return Table(
        name=spec["name"],
        primary_key=tuple(spec["primary_key"]),
        columns=tuple(Column(**c) for c in spec["columns"]),
        unique=tuple(tuple(u) for u in spec.get("unique", ())),
        indexes=tuple(
            Index(**{**ix, "columns": tuple(ix["columns"])}) for ix in spec.get("indexes", ())
        ),
        checks=tuple(spec.get("checks", {}).items()),
        foreign_key_order=spec.get("foreign_key_order", "name"),
    )


def load(revision: str, directory: Path = SCHEMA_DIR) -> tuple[Table, ...]:
    """The tables of `schema/<revision>.toml`, in creation order.

    Frozen: never edit a released snapshot; a schema change is a new revision with its own
    file. An unknown key, a missing one or an unknown type raises (naming the table), so a typo
    in a new snapshot fails when the revision is first run, not as a silently different schema.
    """
    with (directory / f"{revision}.toml").open("rb") as f:
        data = tomllib.load(f)
    if not data or not set(data) <= {"table", "added", "relaxed"}:
        raise ValueError(
            f"{revision}: a snapshot holds [[table]], [[added]] and [[relaxed]] entries, "
            f"not {set(data)}"
        )
    tables = []
    for spec in data.get("table", ()):
        try:
            tables.append(_table(spec))
        except (TypeError, ValueError) as e:
            raise ValueError(f"{revision}, table {spec.get('name')!r}: {e}") from e
    return tuple(tables)


def create_tables(tables: Sequence[Table]) -> None:
    for table in tables:
        table.create()


def drop_tables(tables: Sequence[Table]) -> None:
    """Drop in reverse order of creation, so no foreign key points at a dropped table."""
    for table in reversed(tables):
        table.drop()


@dataclass(frozen=True)
class Added:
    """Columns (and indexes) a later revision adds to a table an earlier one created."""

    table: str
    columns: tuple[Column, ...]
    indexes: tuple[Index, ...] = ()

    def add(self) -> None:
        for column in self.columns:
            op.add_column(self.table, column.build())
        for ix in self.indexes:
            op.create_index(conv(ix.name), self.table, list(ix.columns), unique=ix.unique)

    def drop(self) -> None:
        for ix in reversed(self.indexes):
            op.drop_index(conv(ix.name), table_name=self.table)
        with op.batch_alter_table(self.table) as batch:
            for column in reversed(self.columns):
                batch.drop_column(column.name)


@dataclass(frozen=True)
class Relaxed:
    """A NOT NULL column a later revision makes nullable."""

    table: str
    column: str
    type: str

    def apply(self, nullable: bool = True) -> None:
        with op.batch_alter_table(self.table) as batch:
            batch.alter_column(self.column, existing_type=TYPES[self.type](), nullable=nullable)


@dataclass(frozen=True)
class Changes:
    """What a revision's snapshot says it changes in earlier tables (`[[added]]`,
    `[[relaxed]]`), besides the tables it creates (`[[table]]`)."""

    added: tuple[Added, ...] = ()
    relaxed: tuple[Relaxed, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.relaxed)


def load_changes(revision: str, directory: Path = SCHEMA_DIR) -> Changes:
    """The `[[added]]` and `[[relaxed]]` entries of `schema/<revision>.toml` (frozen, like the
    tables): `{ table, columns = [...], indexes = [...] }` and `{ table, column, type }`."""
    with (directory / f"{revision}.toml").open("rb") as f:
        data = tomllib.load(f)
    added = tuple(
        Added(
            table=a["table"],
            columns=tuple(Column(**c) for c in a["columns"]),
            indexes=tuple(
                Index(**{**ix, "columns": tuple(ix["columns"])}) for ix in a.get("indexes", ())
            ),
        )
        for a in data.get("added", ())
    )
    relaxed = tuple(Relaxed(**r) for r in data.get("relaxed", ()))
    return Changes(added, relaxed)


def snapshot_steps(revision: str) -> tuple[Callable[[], None], Callable[[], None]]:
    """The `upgrade` and `downgrade` of a revision that creates the tables of its snapshot and
    does nothing else. A revision with imperative steps defines its own, calling
    `create_tables(load(revision))` / `drop_tables(load(revision))` beside its `op.*` calls."""

    def upgrade() -> None:
        create_tables(load(revision))

    def downgrade() -> None:
        drop_tables(load(revision))

    return upgrade, downgrade
