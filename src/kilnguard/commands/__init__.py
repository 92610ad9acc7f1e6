"""Feature command groups: each module here defines `register(app)`; discovered on start.

`fail` and `guarded` are the shell's one way to report an expected error: a plain red sentence
on stderr and exit code 1, never a traceback.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlalchemy.orm import Session

from kilnguard.domain import validation
from kilnguard.domain.errors import KilnguardError, ValidationError
from kilnguard.plugins import modules_in
from kilnguard.services.access import SYSTEM, Principal
from kilnguard.services.auth import principal_for


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print `message` in red on stderr; return the Exit to raise."""
    typer.secho(message, err=True, fg=typer.colors.RED)
    return typer.Exit(code)


@contextmanager
def guarded() -> Iterator[None]:
    """Turn an expected (domain) error inside the block into its message and exit code 1."""
    try:
        yield
    except KilnguardError as exc:
        raise fail(exc.message) from None


def day_option(option: str, text: str) -> dt.date | None:
    """A `--as-of`-style option as a date in the plausible window (None when empty); a bad one
    is a red sentence naming the option and the fix, never a traceback."""
    if not text:
        return None
    try:
        return validation.parse_day(option, text)
    except ValidationError as exc:
        raise fail(f"{option}: {exc.message}") from None


def who_of(session: Session, user: str) -> Principal:
    """`--user`'s view, or everything (the system) when no user is named."""
    return SYSTEM if not user else principal_for(session, user)


def register(app: typer.Typer) -> None:
    for module in modules_in("kilnguard.commands"):
        module.register(app)
