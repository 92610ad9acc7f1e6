"""What every revision in `versions/` shares: a table is declared once, as data, and created
(upgrade) and dropped (downgrade) from that one declaration.

Alembic loads every file in `versions/` as a revision, so the shared code lives beside that
folder. The DDL is what Alembic's autogenerate wrote for the ORM tables: the columns in order,
then the foreign keys, the primary key and the unique constraints, each named by the naming
convention of `kilnguard.store.models.NAMING` (`fk_<table>_<column>_<referred table>`,
`pk_<table>`, `uq_<table>_<first column>`, `ix_<table>_<column>`); then the indexes. A revision is
a frozen record of the schema: never change what these helpers emit once a revision uses them
(add a new helper or option instead).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from alembic import op


@dataclass(frozen=True)
class Col:
    """One column: name, type, nullability (no server defaults: the ORM sets defaults), the
    table whose `id` it references if any, and whether it has its own index."""

    name: str
    type_: sa.types.TypeEngine[Any]
    nullable: bool = False
    references: str | None = None
    index: bool = False

    def build(self) -> sa.Column[Any]:
        return sa.Column(self.name, self.type_, nullable=self.nullable)


def col(
    name: str, type_: sa.types.TypeEngine[Any], *, null: bool = False, index: bool = False
) -> Col:
    return Col(name, type_, null, None, index)


def ref(name: str, table: str, *, null: bool = False, index: bool = False) -> Col:
    """An integer column referencing `<table>.id`."""
    return Col(name, sa.Integer(), null, table, index)


ID = col("id", sa.Integer())
ENTERPRISE_ID = ref("enterprise_id", "enterprises", index=True)  # the tenancy key
SOURCE = col("source", sa.String(length=16))  # "recorded" | "reconstructed"


@dataclass(frozen=True)
class Named:
    """An index with its own name (not `ix_<table>_<column>`), usually on several columns."""

    name: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table as a revision creates it.

    Foreign keys come from the columns' `references`, in column-name order as autogenerate
    writes them (`fk_order="column"`: in column order, as hand-written revisions list them);
    `index` adds named indexes to the columns' own.
    """

    name: str
    columns: Sequence[Col]
    primary_key: tuple[str, ...] = ("id",)
    unique: Sequence[tuple[str, ...]] = ()
    index: Sequence[Named] = ()
    fk_order: Literal["name", "column"] = "name"

    def create(self) -> None:
        t = self.name
        keys = [(c.name, c.references) for c in self.columns if c.references is not None]
        if self.fk_order == "name":
            keys.sort()
        op.create_table(
            t,
            *(c.build() for c in self.columns),
            *(
                sa.ForeignKeyConstraint([c], [f"{ref}.id"], name=op.f(f"fk_{t}_{c}_{ref}"))
                for c, ref in keys
            ),
            sa.PrimaryKeyConstraint(*self.primary_key, name=op.f(f"pk_{t}")),
            *(sa.UniqueConstraint(*u, name=op.f(f"uq_{t}_{u[0]}")) for u in self.unique),
        )
        for name, columns in self._indexes():
            op.create_index(name, t, list(columns), unique=False)

    def drop(self) -> None:
        for name, _ in reversed(self._indexes()):
            op.drop_index(name, table_name=self.name)
        op.drop_table(self.name)

    def _indexes(self) -> list[tuple[str, tuple[str, ...]]]:
        own = [(op.f(f"ix_{self.name}_{c.name}"), (c.name,)) for c in self.columns if c.index]
        return own + [(ix.name, ix.columns) for ix in self.index]


def record(
    name: str, *columns: Col, unique: Sequence[tuple[str, ...]] = (), index: Sequence[Named] = ()
) -> Table:
    """An enterprise's record (the ORM's `EnterpriseRecord`): `id`, `enterprise_id` (indexed,
    references `enterprises`), the `columns`, then `source`."""
    return Table(name, (ID, ENTERPRISE_ID, *columns, SOURCE), unique=unique, index=index)


def create_tables(tables: Sequence[Table]) -> None:
    for table in tables:
        table.create()


def drop_tables(tables: Sequence[Table]) -> None:
    """Drop in reverse order of creation, so no foreign key points at a dropped table."""
    for table in reversed(tables):
        table.drop()
