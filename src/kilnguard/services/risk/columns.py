"""Production and shifts read as columns straight from the database driver into NumPy arrays.

The two big tables of a region (10⁶ rows a year) never become ORM objects or record
dataclasses: one query per table, through the session's own DBAPI connection (same
transaction), returns numbers only —

* PostgreSQL: one row whose every column is the whole column packed by the server into a
  bytea of 8-byte values (``string_agg(int8send(…))``), fetched in binary, read with one
  ``np.frombuffer`` each; days as ``day - DATE '1970-01-01'``, instants as whole µs of
  ``date_part('epoch', …)`` (a COPY would cost one psycopg message per row);
* SQLite: ``group_concat`` of each column in one aggregate row, parsed with ``np.fromstring``
  (no Python object per row); floats, which SQLite prints with 15 digits only, come as ordinary
  rows of the per-day sums instead; days as ``julianday(day) - 2440587.5``, instants as
  ``unixepoch`` of the seconds plus the stored microseconds;
* any other database: a plain SQLAlchemy Core query (slower, same arrays).

Production is summed per kiln and day in the database (each shift's row adds up; the engine
works per day), hours capped at 24 as before. Shifts come sorted by (start, worker id), as the
record list was by start (workers are numbered in order of their first shift). Voided rows
(`voided_at` set) are left out: the engine sees the current version of the record only.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kilnguard.domain.risk.records import (
    EPOCH,
    IntArray,
    ProductionColumns,
    ShiftColumns,
    to_epoch_us,
)
from kilnguard.store import models as m

__all__ = ["read_columns", "read_production", "read_shifts"]

#: Only current rows count: a voided record (issue 16 point 2) is kept but read by nobody here.
CURRENT = "voided_at IS NULL"

#: Hours fired in a day beyond 24 are bad data: the day is full.
MAX_DAY_HOURS = 24.0


def _id_list(ids: Sequence[int]) -> str:
    """An SQL list of integer ids (integers only: nothing user-typed reaches the text)."""
    return ", ".join(str(int(i)) for i in ids) or "NULL"


def _codes(kiln_db_ids: IntArray, ids: Sequence[int]) -> IntArray:
    """Index in ``ids`` (the load order) of each database kiln id."""
    lookup = np.full(max(ids, default=0) + 1, -1, dtype=np.int64)
    lookup[np.asarray(ids, dtype=np.int64)] = np.arange(len(ids), dtype=np.int64)
    return lookup[kiln_db_ids]


def _driver_connection(session: Session) -> Any:
    """The session's own DBAPI connection (psycopg or sqlite3), inside its transaction."""
    conn = session.connection().connection.driver_connection
    if conn is None:
        raise RuntimeError("the session's connection has no driver connection")
    return conn


def _pg_columns(
    session: Session, columns: Sequence[tuple[str, str]], source: str, conn: Any = None
) -> list[Any]:
    """Columns ``(expression, kind)`` of the rows of ``source`` (``FROM … WHERE …``) in one
    result row: each column packed by the server into one bytea of big-endian 8-byte values
    (``string_agg(int8send(…))``, ``float8send`` for kind ``f``), fetched in binary and read
    with ``np.frombuffer`` — no Python object (nor psycopg message) per row."""
    aggs = ", ".join(
        f"string_agg({'float8send' if kind == 'f' else 'int8send'}({expr}), ''::bytea)"
        for expr, kind in columns
    )
    conn = conn or _driver_connection(session)
    with conn.cursor(binary=True) as cur:
        cur.execute(f"SELECT count(*), {aggs} {source}")
        row = cur.fetchone()
    n = int(row[0])
    out = []
    for (_, kind), blob in zip(columns, row[1:], strict=True):
        if n == 0:
            out.append(np.zeros(0, dtype=np.float64 if kind == "f" else np.int64))
            continue
        arr = np.frombuffer(blob, dtype=">f8" if kind == "f" else ">i8")
        if len(arr) != n:
            raise RuntimeError("a packed column has a null: every expression must be non-null")
        out.append(arr.astype(np.float64 if kind == "f" else np.int64))
    return out


def _sqlite_ints(text: str | None) -> IntArray:
    if not text:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(text, dtype=np.int64, sep=",")


_SQLITE_PRODUCTION = (
    "SELECT kiln_id, CAST(julianday(day) - 2440587.5 AS INTEGER), sum(output_t), sum(hours_fired) "
    "FROM production_records WHERE {where} GROUP BY kiln_id, day"
)


def read_production(session: Session, ids: Sequence[int], *, conn: Any = None) -> ProductionColumns:
    """Output and hours of the kilns ``ids`` summed per kiln and day, as columns; kiln codes
    index ``ids`` (``kiln_ids`` are their str ids). Rows sorted by kiln, then day.
    ``conn``: read through this driver connection instead of the session's."""
    dialect = session.get_bind().dialect.name
    where = f"kiln_id IN ({_id_list(ids)}) AND {CURRENT}"
    if dialect == "postgresql":
        kiln, day, out, hours = _pg_columns(
            session,
            [("k", "i"), ("d", "i"), ("o", "f"), ("h", "f")],
            "FROM (SELECT kiln_id::int8 AS k, (day - DATE '1970-01-01')::int8 AS d, "
            "sum(output_t ORDER BY id)::float8 AS o, sum(hours_fired ORDER BY id)::float8 AS h "
            f"FROM production_records WHERE {where} GROUP BY kiln_id, day) AS daily",
            conn,
        )
    else:
        if dialect == "sqlite":
            cur = (conn or _driver_connection(session)).execute(
                _SQLITE_PRODUCTION.format(where=where)
            )
        else:
            p = m.ProductionRecord
            cur = session.execute(
                select(p.kiln_id, p.day, func.sum(p.output_t), func.sum(p.hours_fired))
                .where(p.kiln_id.in_(list(ids)), p.voided_at.is_(None))
                .group_by(p.kiln_id, p.day)
            )
            cur = ((k, (d - EPOCH).days, o, h) for k, d, o, h in cur)
        flat = np.fromiter(itertools.chain.from_iterable(cur), dtype=np.float64)
        rows = flat.reshape(-1, 4)
        kiln, day = rows[:, 0].astype(np.int64), rows[:, 1].astype(np.int64)
        out, hours = rows[:, 2].copy(), rows[:, 3].copy()
    code = _codes(kiln, ids)
    order = np.lexsort((day, code))
    return ProductionColumns(
        kiln_ids=tuple(str(i) for i in ids),
        kiln=code[order],
        day=day[order],
        output_t=out[order],
        hours_fired=np.minimum(hours[order], MAX_DAY_HOURS),
    )


def read_columns(session: Session, ids: Sequence[int]) -> tuple[ProductionColumns, ShiftColumns]:
    """Production and shifts of the kilns ``ids``.

    When a second connection sees what the session sees — a SQLite file whose session holds
    nothing uncommitted (WAL mode: readers do not block each other), or a PostgreSQL
    transaction that has written nothing yet — production is read on it in a thread while the
    shifts are read on the session's: SQLite and psycopg release the GIL while the database
    works, so the two queries share the machine's cores. Otherwise one after the other.
    """
    session.flush()  # what the ORM would flush before a query (the driver does not)
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        reader = _sqlite_reader(session)
        if reader is None:
            return read_production(session, ids), read_shifts(session, ids)
        try:
            return _side_by_side(session, ids, lambda: reader)
        finally:
            reader.close()
    if dialect == "postgresql" and _pg_nothing_written(session):
        bind = session.get_bind()
        with bind.connect() as second:  # type: ignore[union-attr]
            return _side_by_side(session, ids, lambda: second.connection.driver_connection)
    return read_production(session, ids), read_shifts(session, ids)


def _side_by_side(
    session: Session, ids: Sequence[int], second: Callable[[], Any]
) -> tuple[ProductionColumns, ShiftColumns]:
    with ThreadPoolExecutor(max_workers=1) as pool:
        production = pool.submit(lambda: read_production(session, ids, conn=second()))
        shifts = read_shifts(session, ids)
        try:
            return production.result(), shifts
        except sqlite3.Error:  # the file cannot be opened a second time: one after the other
            return read_production(session, ids), shifts


def _pg_nothing_written(session: Session) -> bool:
    """True when the session's PostgreSQL transaction has no transaction id yet (it has
    written nothing), so another connection sees the same rows."""
    conn = _driver_connection(session)
    with conn.cursor() as cur:
        cur.execute("SELECT pg_current_xact_id_if_assigned() IS NULL")
        row = cur.fetchone()
    return bool(row and row[0])


def _sqlite_reader(session: Session) -> sqlite3.Connection | None:
    """A read-only connection to the session's SQLite file, when reading through it sees what
    the session sees (no transaction open on the session's connection); else None."""
    if session.get_bind().dialect.name != "sqlite":
        return None
    conn = _driver_connection(session)
    if not isinstance(conn, sqlite3.Connection) or conn.in_transaction:
        return None
    files = [row[2] for row in conn.execute("PRAGMA database_list") if row[1] == "main"]
    if not files or not files[0]:
        return None  # an in-memory database: only this connection sees it
    try:
        reader = sqlite3.connect(
            Path(files[0]).as_uri() + "?mode=ro", uri=True, check_same_thread=False
        )
        reader.execute("PRAGMA busy_timeout=10000")
    except sqlite3.Error:
        return None
    return reader


def _sqlite_us(col: str) -> str:
    """Exact µs since the epoch of a naive-UTC datetime stored as text: whole seconds by
    ``unixepoch``, then the fraction (the slow path, for text not in SQLAlchemy's format)."""
    return (
        f"unixepoch(substr({col}, 1, 19)) * 1000000 + CASE WHEN substr({col}, 20, 1) = '.' "
        f"THEN CAST(substr({col} || '000000', 21, 6) AS INTEGER) ELSE 0 END"
    )


#: SQLAlchemy's SQLite storage of a naive datetime: 'YYYY-MM-DD HH:MM:SS.ffffff', 26 characters.
_STAMP = 26


def _parse_stamps(text: str | None, n: int) -> IntArray | None:
    """µs since the epoch of ``n`` concatenated 26-character stamps, parsed by NumPy's
    ``datetime64`` (no Python object per row); None when the text is not exactly that."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if text is None or len(text) != _STAMP * n or not text.isascii():
        return None
    try:
        stamps = np.frombuffer(text.encode("ascii"), dtype=f"S{_STAMP}").astype("datetime64[us]")
    except ValueError:
        return None
    return stamps.astype(np.int64)


def _dense_table(values: IntArray) -> tuple[IntArray, IntArray]:
    """(distinct values ascending, code of each value): a lookup table when the values are
    dense enough, else a sort."""
    if not len(values):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lo, hi = int(values.min()), int(values.max())
    if hi - lo > 4 * len(values) + 1_000_000:
        uniq, codes = np.unique(values, return_inverse=True)
        return uniq, codes.astype(np.int64)
    present = np.zeros(hi - lo + 1, dtype=bool)
    present[values - lo] = True
    uniq = np.flatnonzero(present) + lo
    rank = np.cumsum(present) - 1
    return uniq.astype(np.int64), rank[values - lo].astype(np.int64)


def read_shifts(session: Session, ids: Sequence[int]) -> ShiftColumns:
    """The shifts worked on the kilns ``ids``, as columns sorted by start (then worker id).

    ``worker_ids`` are str(worker id); a crew is str(crew id), or ``w<worker id>`` for a worker
    on no crew (a crew of one); kiln codes index ``ids``."""
    dialect = session.get_bind().dialect.name
    where = f"kiln_id IN ({_id_list(ids)}) AND {CURRENT}"
    if dialect == "postgresql":
        us = "round(date_part('epoch', {}) * 1000000)::int8"  # float8 s → exact µs
        worker, crew, kiln, start, end = _pg_columns(
            session,
            [
                ("worker_id::int8", "i"),
                ("coalesce(crew_id, -worker_id)::int8", "i"),
                ("kiln_id::int8", "i"),
                (us.format("start_at"), "i"),
                (us.format("end_at"), "i"),
            ],
            f"FROM shifts WHERE {where}",
        )
    elif dialect == "sqlite":
        conn = _driver_connection(session)
        texts = conn.execute(
            "SELECT count(*), group_concat(worker_id), group_concat(coalesce(crew_id, -worker_id)),"
            " group_concat(kiln_id), group_concat(start_at, ''), group_concat(end_at, '') "
            f"FROM shifts WHERE {where}"
        ).fetchone()
        n = int(texts[0])
        worker, crew, kiln = (_sqlite_ints(t) for t in texts[1:4])
        parsed = _parse_stamps(texts[4], n), _parse_stamps(texts[5], n)
        if parsed[0] is not None and parsed[1] is not None:
            start, end = parsed[0], parsed[1]
        else:  # stamps not in SQLAlchemy's format: let SQLite parse them
            start, end = (
                _sqlite_ints(t)
                for t in conn.execute(
                    f"SELECT group_concat({_sqlite_us('start_at')}), "
                    f"group_concat({_sqlite_us('end_at')}) FROM shifts WHERE {where}"
                ).fetchone()
            )
    else:
        s = m.Shift
        rows = session.execute(
            select(s.worker_id, s.crew_id, s.kiln_id, s.start_at, s.end_at).where(
                s.kiln_id.in_(list(ids)), s.voided_at.is_(None)
            )
        ).all()
        worker = np.array([r[0] for r in rows], dtype=np.int64)
        crew = np.array([-r[0] if r[1] is None else r[1] for r in rows], dtype=np.int64)
        kiln = np.array([r[2] for r in rows], dtype=np.int64)
        start = np.array([to_epoch_us(r[3]) for r in rows], dtype=np.int64)
        end = np.array([to_epoch_us(r[4]) for r in rows], dtype=np.int64)
    order = np.lexsort((worker, start))
    worker, crew, kiln, start, end = (
        worker[order],
        crew[order],
        kiln[order],
        start[order],
        end[order],
    )
    w_ids, w_codes = _dense_table(worker)
    c_ids, c_codes = _dense_table(crew)
    return ShiftColumns(
        worker_ids=tuple(str(w) for w in w_ids.tolist()),
        worker=w_codes,
        crew_ids=tuple(str(c) if c >= 0 else f"w{-c}" for c in c_ids.tolist()),
        crew=c_codes,
        kiln_ids=tuple(str(i) for i in ids),
        kiln=_codes(kiln, ids),
        start_us=start,
        end_us=end,
    )
