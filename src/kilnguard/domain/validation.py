"""The one set of field validators: pure, raising `ValidationError(field, value, rule)` with a
rule a plant user can act on. Every layer validates with these; no module keeps its own copy."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from enum import Enum
from typing import TypeVar

from kilnguard.domain.errors import ValidationError

E = TypeVar("E", bound=Enum)


def require_text(field: str, value: str) -> None:
    """Refuse an empty or blank text."""
    if not value or not value.strip():
        raise ValidationError(field, value, "must not be empty")


def require_choice(field: str, value: str, choices: Iterable[str]) -> None:
    """Refuse a value outside `choices`, listing them."""
    allowed = list(choices)
    if value not in allowed:
        raise ValidationError(field, value, f"must be one of {', '.join(allowed)}")


def parse_choice(enum: type[E], field: str, value: object) -> E:
    """`value` as a member of `enum`, or a ValidationError listing the allowed values."""
    if isinstance(value, enum):
        return value
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(str(e.value) for e in enum)
        raise ValidationError(field, value, f"must be one of: {allowed}") from None


def require_finite(field: str, value: float, unit: str) -> None:
    """Refuse NaN and ±infinity: no plant quantity is either (a broken meter or a typing slip)."""
    if not math.isfinite(value):
        raise ValidationError(field, value, f"must be a finite number of {unit}")


def require_positive(field: str, value: float, unit: str) -> None:
    """Refuse zero or less, and NaN or infinity; `unit` is named in the rule."""
    require_finite(field, value, unit)
    if not value > 0:
        raise ValidationError(field, value, f"must be greater than 0 {unit}")


def require_non_negative(field: str, value: float, unit: str) -> None:
    """Refuse a negative amount, and NaN or infinity; `unit` is named in the rule."""
    require_finite(field, value, unit)
    if value < 0:
        raise ValidationError(field, value, f"must be 0 {unit} or more")


def require_aware(field: str, value: dt.datetime) -> None:
    """Refuse a naive time: storage is UTC, so every time must carry its zone."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(field, value, "must be timezone-aware (UTC in storage)")


PLAUSIBLE_FIRST_DAY = dt.date(1900, 1, 1)
PLAUSIBLE_LAST_DAY = dt.date(2100, 12, 31)
"""The window a plant record's date must fall in [P]: no kiln record predates 1900, and
nothing is planned past 2100. A date outside it is a typing or unit error (9999-12-31, a
two-digit year), and letting it in would make every replay span millennia."""


def require_plausible_day(field: str, value: dt.date | dt.datetime | None) -> None:
    """Refuse a date (or time) outside the plant-plausible window; None passes (not given)."""
    if value is None:
        return
    day = value.date() if isinstance(value, dt.datetime) else value
    if not PLAUSIBLE_FIRST_DAY <= day <= PLAUSIBLE_LAST_DAY:
        raise ValidationError(
            field,
            value.isoformat(),
            f"must lie between {PLAUSIBLE_FIRST_DAY} and {PLAUSIBLE_LAST_DAY}: "
            "check the year and the date format (YYYY-MM-DD)",
        )


MAX_INT = 2**31 - 1
"""Largest whole number a column holds on every supported database: PostgreSQL's `integer`
(SQLite's holds 2⁶³ − 1). Record ids and counts above it cannot exist, so they are refused
as bad input (422) instead of reaching the driver (an overflow, a 500)."""
MIN_INT = -(2**31)

MAX_TEXT = 100_000
"""Longest free text (notes, findings, descriptions) in characters: a page of prose is a few
thousand; the limit keeps one request from storing megabytes in a `Text` column."""


def require_id(field: str, value: int) -> None:
    """Refuse a record id that no row can have: below 1 or above `MAX_INT`."""
    if isinstance(value, bool) or not 1 <= value <= MAX_INT:
        raise ValidationError(field, value, f"must be a record id between 1 and {MAX_INT}")


def require_whole(field: str, value: int) -> None:
    """Refuse a whole number the database cannot store (outside `MIN_INT`..`MAX_INT`)."""
    if not MIN_INT <= value <= MAX_INT:
        raise ValidationError(field, value, f"must lie between {MIN_INT} and {MAX_INT}")


def text_problem(value: str, max_length: int | None = MAX_TEXT) -> str | None:
    """Why `value` cannot be stored as text, or None: a NUL byte (PostgreSQL refuses it, and
    it hides the rest of a note from C tools), a lone UTF-16 surrogate (no UTF-8 encoding
    exists for it) or more characters than the column holds."""
    if "\x00" in value:
        return "must not contain a NUL character (\\x00)"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode text (it holds a lone surrogate such as \\ud800)"
    if max_length is not None and len(value) > max_length:
        return f"must be at most {max_length} characters (got {len(value)})"
    return None


def shown(value: str) -> str:
    """`value` as an error message can carry it: lone surrogates escaped, at most 80 chars."""
    short = value if len(value) <= 80 else value[:77] + "..."
    return short.encode("utf-8", "backslashreplace").decode("utf-8")


def require_storable_text(field: str, value: str, max_length: int | None = MAX_TEXT) -> None:
    """Refuse text the database cannot store as given (see `text_problem`)."""
    problem = text_problem(value, max_length)
    if problem is not None:
        raise ValidationError(field, shown(value), problem)


# ------------------------------------------------------------------ typed text → values
# Web forms, CSV rows and CLI options arrive as text; these read it into bounded values, so a
# form, a file and an argument refuse the same things with the same words.


def _whole(field: str, raw: str, what: str) -> int:
    text = raw.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        raise ValidationError(field, shown(raw), f"must be {what}") from None
    if not number.is_integer():  # NaN and ±infinity are not whole either
        raise ValidationError(field, shown(raw), f"must be {what}")
    return int(number)


def parse_whole(field: str, raw: str, what: str = "a whole number") -> int:
    """`raw` as a whole number within the database's range ("12", "12.0"; not "nan")."""
    value = _whole(field, raw, what)
    require_whole(field, value)
    return value


def parse_id(field: str, raw: str) -> int:
    """`raw` as a record id (1..`MAX_INT`)."""
    value = _whole(field, raw, "a record id (a whole number)")
    require_id(field, value)
    return value


def parse_number(field: str, raw: str, unit: str = "") -> float:
    """`raw` as a finite number ("12.5"; not "nan", "inf" or "1e999")."""
    try:
        value = float(raw.strip())
    except ValueError:
        raise ValidationError(field, shown(raw), "must be a number") from None
    require_finite(field, value, unit or "its unit")
    return value


def parse_day(field: str, raw: str) -> dt.date:
    """`raw` as a date in the plausible window ("2021-11-24")."""
    try:
        value = dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationError(field, shown(raw), "must be a date like 2021-11-24") from None
    require_plausible_day(field, value)
    return value


def parse_time(field: str, raw: str) -> dt.datetime:
    """`raw` as an ISO 8601 time in the plausible window; naive stays naive (the caller
    decides its zone, e.g. the plant's)."""
    try:
        value = dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationError(
            field, shown(raw), "must be a date and time like 2021-11-24T06:00"
        ) from None
    require_plausible_day(field, value)
    return value
