"""Request plumbing: the unit of work per request and who is asking.

The request is the transaction: `uow(request)` commits once at the end or rolls everything back.
Callers authenticate with `Authorization: Bearer <token>` (machines, scripts) or the web
session cookie (browsers, HTMX). Unknown callers get 401.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kilnguard.clock import SYSTEM_CLOCK, Clock
from kilnguard.services.access import Principal
from kilnguard.services.auth import AuthenticationFailed, principal_for_secret
from kilnguard.services.uow import unit_of_work

SESSION_COOKIE = "kg_session"


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def clock_of_app(request: Request) -> Clock:
    """The app's clock (`app.state.clock`; the wall clock unless a test or replay pins it)."""
    clock: Clock = getattr(request.app.state, "clock", SYSTEM_CLOCK)
    return clock


@contextmanager
def uow(request: Request) -> Iterator[Session]:
    """The request's unit of work, carrying the app's clock to the services; a request that may
    write (any method but GET/HEAD/OPTIONS) gets a write unit of work (serialised on SQLite)."""
    write = request.method not in ("GET", "HEAD", "OPTIONS")
    with unit_of_work(engine_of(request), clock=clock_of_app(request), write=write) as session:
        yield session


def credential_secret(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(SESSION_COOKIE)


def current_principal(request: Request) -> Principal:
    secret = credential_secret(request)
    if not secret:
        raise AuthenticationFailed("log in, or send an API token as 'Authorization: Bearer …'")
    clock = clock_of_app(request)
    # a read unit of work even for a POST: looking the secret up must not queue for SQLite's
    # write lock (the request's own unit of work takes it, once); remembered for a few seconds
    return principal_for_secret(
        lambda: unit_of_work(engine_of(request), clock=clock), secret, now=clock.now()
    )


Who = Annotated[Principal, Depends(current_principal)]
