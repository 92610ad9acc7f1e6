"""Cell values: text in a bundle ⇄ the canonical values the plan compares and stores.

Canonical values are what the database column holds, in one comparable form: text as `str`,
whole numbers as `int`, quantities as `float`, booleans as `bool`, dates as `"YYYY-MM-DD"`,
times as naive-UTC `"YYYY-MM-DD HH:MM:SS.ffffff"` (SQLAlchemy's SQLite storage format, also
read by PostgreSQL), references as ids (a negative id: a row of this bundle not yet written),
and None for an empty optional cell. A column is parsed in one pass; a bad cell gives the
sentinel `BAD` and a `CellError` (row index, value, rule).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from kilnguard.domain.errors import ValidationError
from kilnguard.domain.validation import MAX_INT, MIN_INT, require_plausible_day, text_problem
from kilnguard.services.csvio import from_spreadsheet, spreadsheet_safe


class _Bad:
    """A cell that could not be parsed (its error is reported once, where it was found)."""

    def __repr__(self) -> str:
        return "BAD"


BAD: Final = _Bad()

TEXT, INT, FLOAT, DATE, DATETIME, BOOL, CHOICE, KINDS, REF = (
    "text",
    "int",
    "float",
    "date",
    "datetime",
    "bool",
    "choice",
    "kinds",
    "ref",
)

DATE_RULE = "must be a date like 2021-11-24 (YYYY-MM-DD)"
TIME_RULE = "must be a time like 2021-11-24T06:00:00+09:00 (ISO 8601 with offset)"
BOOL_WORDS = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}
_UNIT_RE = re.compile(r"^\s*[-+]?\d[\d.,]*\s*([^\d\s].*?)\s*$")


@dataclass(frozen=True)
class CellError:
    index: int  # 0-based data row
    value: str
    rule: str


def utc_text(value: dt.datetime) -> str:
    """An aware time as its canonical naive-UTC text."""
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def utc_time(text: str) -> dt.datetime:
    """A canonical time text back as an aware UTC datetime."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def _number_rule(raw: str, what: str, unit: str) -> str:
    in_unit = f" of {unit}" if unit else ""
    m = _UNIT_RE.match(raw)
    if m and "," in raw and re.fullmatch(r"\s*[-+]?\d+,\d+\s*", raw):
        return f"must be {what}{in_unit}: use a decimal point (12.5), not a comma"
    if m:
        got = m.group(1)
        if unit:
            return (
                f"must be {what} of {unit} without a unit: this column is in {unit}, "
                f"not {got!r} (convert the value to {unit})"
            )
        return f"must be {what} without a unit (found {got!r})"
    return f"must be {what}{in_unit}"


class _CellRule(Exception):
    def __init__(self, rule: str) -> None:
        self.rule = rule


def _float(unit: str) -> Callable[[str], float]:
    def convert(raw: str) -> float:
        try:
            v = float(raw)
        except ValueError:
            raise _CellRule(_number_rule(raw, "a number", unit)) from None
        if not math.isfinite(v):
            raise _CellRule(f"must be a finite number{' of ' + unit if unit else ''}")
        return v

    return convert


def _int(unit: str) -> Callable[[str], int]:
    def convert(raw: str) -> int:
        try:
            return _in_range(int(raw))
        except ValueError:
            pass
        try:
            v = float(raw)
        except ValueError:
            raise _CellRule(_number_rule(raw, "a whole number", unit)) from None
        if not v.is_integer():
            raise _CellRule(f"must be a whole number{' of ' + unit if unit else ''}")
        return _in_range(int(v))

    return convert


def _in_range(value: int) -> int:
    """`value` if an integer column holds it (ids and counts alike), else the rule."""
    if not MIN_INT <= value <= MAX_INT:
        raise _CellRule(f"must lie between {MIN_INT} and {MAX_INT}")
    return value


def _date(raw: str) -> str:
    s = raw.strip()
    if len(s) != 10 or s[4] != "-" or s[7] != "-":
        raise _CellRule(DATE_RULE)
    try:
        return dt.date.fromisoformat(s).isoformat()
    except ValueError:
        raise _CellRule(DATE_RULE) from None


def _datetime(raw: str) -> str:
    s = raw.strip()
    if len(s) < 16 or s[4] != "-" or s[7] != "-" or s[10] not in "T ":
        raise _CellRule(TIME_RULE)
    try:
        v = dt.datetime.fromisoformat(s)
    except ValueError:
        raise _CellRule(TIME_RULE) from None
    if v.tzinfo is None:
        raise _CellRule("must carry a time zone offset, e.g. 2021-11-24T06:00:00+09:00")
    try:
        require_plausible_day("", v)  # before UTC: 9999-12-31T23:00-09:00 has no UTC time
    except ValidationError as exc:
        raise _CellRule(exc.rule) from None
    return utc_text(v)


def _text(raw: str) -> str:
    value = from_spreadsheet(raw)
    problem = text_problem(value, None)  # the column's own length is checked with the rest
    if problem is not None:
        raise _CellRule(problem)
    return value


def _bool(raw: str) -> bool:
    try:
        return BOOL_WORDS[raw.strip().lower()]
    except KeyError:
        raise _CellRule("must be true or false (also yes/no, 1/0)") from None


_OFFSET_RE = re.compile(r"[+-]\d\d:\d\d")


def _datetimes_fast(col: Sequence[str]) -> list[str] | None:
    """The common shape `YYYY-MM-DDTHH:MM:SS±HH:MM`, converted with numpy; None when any cell
    has another shape (the careful path then names the bad ones)."""
    if not all(len(s) == 25 and s[10] == "T" for s in col):
        return None
    offsets = [s[19:] for s in col]
    seconds: dict[str, int] = {}
    for o in set(offsets):
        if not _OFFSET_RE.fullmatch(o):
            return None
        sign = -1 if o[0] == "-" else 1
        seconds[o] = sign * (int(o[1:3]) * 3600 + int(o[4:6]) * 60)
    try:
        base = np.array([s[:19] for s in col], dtype="datetime64[s]")
    except ValueError:
        return None
    off = np.array([seconds[o] for o in offsets], dtype="timedelta64[s]")
    utc = (base - off).astype("datetime64[us]")
    texts: list[str] = np.datetime_as_string(utc, unit="us").tolist()
    return "\n".join(texts).replace("T", " ").split("\n")


def _converter(kind: str, unit: str, choices: Sequence[str]) -> Callable[[str], Any]:
    if kind == FLOAT:
        return _float(unit)
    if kind == INT:
        return _int(unit)
    if kind == DATE:
        return _date
    if kind == DATETIME:
        return _datetime
    if kind == BOOL:
        return _bool
    if kind in (CHOICE, KINDS):
        allowed = set(choices)
        rule = f"must be one of {', '.join(choices)}"

        def choice(raw: str) -> str:
            parts = [p.strip() for p in raw.split(",")] if kind == KINDS else [raw.strip()]
            if any(p and p not in allowed for p in parts):
                raise _CellRule(rule)
            return ",".join(p for p in parts if p)

        return choice
    if kind == TEXT:
        return _text
    raise ValueError(f"no parser for column kind {kind!r}")


MANY = 20_000
"""Above this many distinct times in a column, times are converted with numpy at once."""


def parse_column(
    col: Sequence[str],
    kind: str,
    *,
    required: bool,
    default: Any,
    unit: str = "",
    choices: Sequence[str] = (),
    max_len: int | None = None,
) -> tuple[list[Any], list[CellError]]:
    """Parse one column of cells (text as read) into canonical values and errors.

    Each distinct cell text is converted once (a column of a year's shifts holds a few
    thousand distinct times), so big sheets parse at the speed of a dictionary look-up."""
    errors: list[CellError] = []
    if kind in (FLOAT, INT) and "" not in col:
        try:  # the common case: every cell a plain number
            numbers: list[Any] = list(map(float if kind == FLOAT else int, col))
            if kind == FLOAT and np.isfinite(np.array(numbers)).all():
                return numbers, errors
            if kind == INT and (not numbers or MIN_INT <= min(numbers) <= max(numbers) <= MAX_INT):
                return numbers, errors
        except ValueError:
            pass
    uniq = set(col)
    empty = {u for u in uniq if u == ""} if kind == TEXT else {u for u in uniq if not u.strip()}
    table: dict[str, Any] = {}
    rules: dict[str, str] = {}
    todo = uniq - empty
    if kind == DATETIME and len(todo) > MANY:
        listed = list(todo)
        fast = _datetimes_fast(listed)
        if fast is not None:
            table = dict(zip(listed, fast, strict=True))
            todo = set()
    convert = _converter(kind, unit, choices)
    for u in todo:
        try:
            table[u] = convert(u)
        except _CellRule as exc:
            rules[u] = exc.rule
    if max_len is not None:
        for u, v in table.items():
            if isinstance(v, str) and len(v) > max_len:
                rules[u] = f"must be at most {max_len} characters"
    if not empty and not rules:
        return [table[v] for v in col], errors
    out: list[Any] = []
    for i, v in enumerate(col):
        if v in empty:
            if required:
                errors.append(CellError(i, v, "is required (the cell is empty)"))
                out.append(BAD)
            else:
                out.append(default)
        elif v in rules:
            errors.append(CellError(i, v, rules[v]))
            out.append(BAD)
        else:
            out.append(table[v])
    return out, errors


def valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def canonical(value: Any) -> Any:
    """A value read from the database in its canonical form (see the module docstring)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return value.isoformat(sep=" ", timespec="microseconds")
        return utc_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def python_value(value: Any, kind: str) -> Any:
    """A canonical value as the ORM and the domain validators take it."""
    if value is None or value is BAD:
        return value
    if kind == DATE:
        return dt.date.fromisoformat(value)
    if kind == DATETIME:
        return utc_time(value)
    return value


def cell(value: Any, kind: str, tz: dt.tzinfo) -> Any:
    """A canonical value as an exported cell: numbers stay numbers, times local with offset."""
    if value is None:
        return ""
    if kind == DATETIME:
        return utc_time(value).astimezone(tz).isoformat()
    if kind == BOOL:
        return "true" if value else "false"
    if kind in (INT, FLOAT):
        return value
    return spreadsheet_safe(value)
