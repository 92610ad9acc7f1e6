"""Domain errors: typed, with messages a plant user can act on.

The API maps them to 4xx responses naming the field; the CLI prints them without a traceback.
"""

from __future__ import annotations

from typing import Any

LISTED = 50
"""How many problems an error's message lists before it says how many more there are."""


def listing(headline: str, problems: list[str]) -> str:
    """``headline``, then the first `LISTED` problems a line each, then how many more."""
    lines = "\n".join(f"  {p}" for p in problems[:LISTED])
    more = f"\n  … and {len(problems) - LISTED} more" if len(problems) > LISTED else ""
    return f"{headline}:\n{lines}{more}"


class KilnguardError(Exception):
    """Base of every expected, user-facing error."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(KilnguardError):
    """A value breaks a rule. Names the field, the value and the rule, so the fix is obvious."""

    def __init__(self, field: str, value: Any, rule: str) -> None:
        self.field = field
        self.value = value
        self.rule = rule
        super().__init__(f"{field}: {value!r} is not allowed — {rule}")


class NotFound(KilnguardError):
    """The record does not exist, or the user may not see it (the same answer for both)."""

    def __init__(self, kind: str, ident: object) -> None:
        self.kind = kind
        self.ident = ident
        super().__init__(f"{kind} {ident} not found")


class PermissionDenied(KilnguardError):
    """The user may see the record but their role may not do this action."""


class Conflict(KilnguardError):
    """The action clashes with the current state (e.g. a workflow transition not allowed now)."""


class RowError:
    """One bad row of a batch (CSV import or bulk service call): 1-based row, column, reason."""

    __slots__ = ("cause", "column", "reason", "row")

    def __init__(
        self, row: int, column: str, reason: str, cause: KilnguardError | None = None
    ) -> None:
        self.row = row
        self.column = column
        self.reason = reason
        self.cause = cause

    def __repr__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.reason}"

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "reason": self.reason}


class BatchValidationError(KilnguardError):
    """Every bad row of a batch; nothing of the batch was written."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__(
            listing(f"{len(errors)} bad row(s); nothing was written", [repr(e) for e in errors])
        )
