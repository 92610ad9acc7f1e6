"""Domain errors: typed, with messages a plant user can act on.

The API maps them to 4xx responses naming the field; the CLI prints them without a traceback.
"""

from __future__ import annotations

from typing import Any


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
