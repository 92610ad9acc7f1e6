"""Driver-level batch inserts for the bundle import: never one ORM object per row.

Values arrive in the canonical form of `values.py`, which is already the columns' storage
form: dates as `YYYY-MM-DD`, times as naive-UTC `YYYY-MM-DD HH:MM:SS.ffffff` (exactly what
SQLAlchemy writes to SQLite, so the ORM reads the rows back; PostgreSQL parses the same text
in COPY). SQLite gets `executemany`; PostgreSQL gets `COPY … FROM STDIN` through psycopg 3.
Ids are given by the caller (`allocate_ids`), so rows written later in the same import can
refer to them, and they follow the bundle's row order.

PostgreSQL checks a foreign key with a trigger per inserted row, which costs more than the COPY
itself; from `FK_REBUILD_ROWS` rows, the table's foreign keys are dropped and added back
(validated by one join each) inside the import's transaction. SQLite inserts go as multi-row
INSERTs with a larger page cache for the importing connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.orm import Session

FK_REBUILD_ROWS = 20_000
"""From this many rows, a PostgreSQL COPY checks foreign keys once per constraint, not per row
(the table is locked for the rest of the import's transaction)."""
SQLITE_VARIABLES = 32_766
"""Most `?` in one SQLite statement (SQLite ≥ 3.32)."""
SQLITE_CACHE_KIB = 256 * 1024
"""Page cache of the importing connection: a year of a region's index pages fit [KiB]."""


def allocate_ids(session: Session, table: Table, n: int) -> list[int]:
    """`n` new ids for `table`, ascending (PostgreSQL: from its sequence)."""
    if n == 0:
        return []
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # Inserts into the table wait until this import commits (a concurrent INSERT locks the
        # table before it draws its id), so the block of ids is this import's alone.
        conn.exec_driver_sql(f'LOCK TABLE "{table.name}" IN SHARE ROW EXCLUSIVE MODE')
        seq = f"pg_get_serial_sequence('{table.name}', 'id')"
        first = int(conn.execute(text(f"SELECT nextval({seq})")).scalar_one())
        conn.execute(text(f"SELECT setval({seq}, :last)"), {"last": first + n - 1})
        return list(range(first, first + n))
    top = conn.execute(text(f'SELECT COALESCE(MAX(id), 0) FROM "{table.name}"')).scalar_one()
    return list(range(int(top) + 1, int(top) + 1 + n))


def insert_columns(
    session: Session, table: Table, columns: Sequence[str], data: Sequence[Sequence[Any]]
) -> None:
    """Insert rows given column-wise (`data[j]` holds column `columns[j]` of every row)."""
    if not data or not data[0]:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        if len(data[0]) < FK_REBUILD_ROWS:
            _copy(conn, table, columns, data)
            return
        # Checked once per constraint instead of by a trigger per row: the foreign keys are
        # dropped and added back (validated) in this transaction; a failure rolls both back.
        fks = conn.exec_driver_sql(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            (table.name,),
        ).all()
        for name, _ in fks:
            conn.exec_driver_sql(f'ALTER TABLE "{table.name}" DROP CONSTRAINT "{name}"')
        _copy(conn, table, columns, data)
        for name, definition in fks:
            conn.exec_driver_sql(f'ALTER TABLE "{table.name}" ADD CONSTRAINT "{name}" {definition}')
        return
    names = ", ".join(f'"{c}"' for c in columns)
    one = "(" + ", ".join("?" for _ in columns) + ")"
    per = max(1, SQLITE_VARIABLES // len(columns))  # rows per multi-row INSERT
    many = f'INSERT INTO "{table.name}" ({names}) VALUES ' + ", ".join([one] * per)
    rows = list(zip(*data, strict=True))  # sqlite3 stores True/False as 1/0
    raw = conn.connection.dbapi_connection
    assert raw is not None
    cur = raw.cursor()
    before = cur.execute("PRAGMA cache_size").fetchone()[0]
    cur.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")  # indexes stay in memory
    full = len(rows) - len(rows) % per
    cur.executemany(
        many, [tuple(chain.from_iterable(rows[lo : lo + per])) for lo in range(0, full, per)]
    )
    if full < len(rows):
        cur.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES {one}', rows[full:])
    cur.execute(f"PRAGMA cache_size = {int(before)}")
    cur.close()


def _copy(conn: Any, table: Table, columns: Sequence[str], data: Sequence[Sequence[Any]]) -> None:
    """COPY in PostgreSQL's text format, each column formatted at once (no per-row adapter)."""
    raw = conn.connection.dbapi_connection
    names = ", ".join(f'"{c}"' for c in columns)
    text_cols = [_copy_text(col) for col in data]
    body = "\n".join(map("\t".join, zip(*text_cols, strict=True))) + "\n"
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for lo in range(0, len(body), COPY_CHUNK):
            copy.write(body[lo : lo + COPY_CHUNK])


COPY_CHUNK = 8 * 1024 * 1024
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(v: Any) -> str:
    if v is None:
        return "\\N"
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, bytes):
        return "\\\\x" + v.hex()
    if isinstance(v, str):
        return v.translate(_ESCAPES)
    return repr(v) if isinstance(v, float) else str(v)


def _copy_text(col: Sequence[Any]) -> list[str]:
    """One column as COPY text, formatted by the column's value types at once."""
    types = set(map(type, col))
    if types == {str}:
        joined = "".join(col)
        if not any(c in joined for c in "\\\t\n\r"):
            return list(col)
    elif types <= {int, float}:
        return list(map(repr, col))
    elif types <= {int, float, type(None)}:
        return ["\\N" if v is None else repr(v) for v in col]
    return [_copy_value(v) for v in col]
