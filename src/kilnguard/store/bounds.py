"""What the database can hold, checked before any row is written, for every entry point.

Each entry point (API bodies, web forms, CSV and bundle imports, the CLI) refuses bad values
with its own words first; this is the floor under all of them. A value the database would
refuse or mangle — text longer than its `String(n)` column (PostgreSQL refuses it, SQLite
keeps it), a NUL character (PostgreSQL refuses it), a lone surrogate (no UTF-8 exists for
it), a whole number outside the integer column's range, NaN or ±infinity in a float column —
becomes a `ValidationError` naming the column (422) instead of a driver error (500).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from sqlalchemy import BigInteger, Connection, Engine, Float, Integer, String, event, inspect
from sqlalchemy.orm import Mapper, Session, UOWTransaction

from kilnguard.domain.errors import ValidationError
from kilnguard.domain.validation import MAX_INT, MIN_INT, shown, text_problem

BIG = 2**63 - 1
Check = Callable[[str, Any], None]


def _text(length: int | None) -> Check:
    def check(name: str, value: Any) -> None:
        if isinstance(value, str) and (
            "\x00" in value or (length is not None and len(value) > length) or not value.isascii()
        ):
            problem = text_problem(value, length)  # the slow, exact look only when it may fail
            if problem is not None:
                raise ValidationError(name, shown(value), problem)

    return check


def _whole(low: int, high: int) -> Check:
    def check(name: str, value: Any) -> None:
        if isinstance(value, int) and not low <= value <= high:
            raise ValidationError(name, value, f"must lie between {low} and {high}")

    return check


def _finite(name: str, value: Any) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValidationError(name, str(value), "must be a finite number")


_CHECKS: dict[type, tuple[tuple[str, Check], ...]] = {}


def _checks(cls: type) -> tuple[tuple[str, Check], ...]:
    """(attribute, check) of each column of mapped class `cls` that has a bound."""
    cached = _CHECKS.get(cls)
    if cached is not None:
        return cached
    out: list[tuple[str, Check]] = []
    mapper: Mapper[Any] = inspect(cls)
    for attr in mapper.column_attrs:
        kind = attr.columns[0].type
        if isinstance(kind, String):  # `Text` too: no length, but NUL and surrogates
            out.append((attr.key, _text(kind.length)))
        elif isinstance(kind, BigInteger):
            out.append((attr.key, _whole(-BIG - 1, BIG)))
        elif isinstance(kind, Integer):
            out.append((attr.key, _whole(MIN_INT, MAX_INT)))
        elif isinstance(kind, Float):
            out.append((attr.key, _finite))
    _CHECKS[cls] = tuple(out)
    return _CHECKS[cls]


def check_row(obj: object) -> None:
    """Refuse a mapped object with a column value the database cannot hold."""
    values = obj.__dict__
    for key, check in _checks(type(obj)):
        value = values.get(key)
        if value is not None:
            check(key, value)


@event.listens_for(Session, "before_flush")
def _storable_rows(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    for obj in list(session.new) + list(session.dirty):
        check_row(obj)


@event.listens_for(Engine, "before_cursor_execute")
def _no_nul_in_lookups(
    conn: Connection, _cursor: Any, _sql: str, parameters: Any, _context: Any, executemany: bool
) -> None:
    """PostgreSQL refuses a NUL even in a WHERE clause (a log-in as "admin" + NUL): refuse it
    as bad input. Only single statements: batched inserts come from checked rows."""
    if executemany or conn.dialect.name != "postgresql" or not isinstance(parameters, dict):
        return
    for key, value in parameters.items():
        if isinstance(value, str) and "\x00" in value:
            name = key.rstrip("0123456789").rstrip("_")
            raise ValidationError(name, shown(value), "must not contain a NUL character (\\x00)")
