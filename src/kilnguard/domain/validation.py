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
