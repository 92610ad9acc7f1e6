"""The app as `kilnguard serve` runs it, as an import string for uvicorn's worker processes
(`kilnguard serve --workers N` starts N processes, each building its own app and engine)."""

from __future__ import annotations

from fastapi import FastAPI

from kilnguard.api.app import create_app


def app() -> FastAPI:
    """The served app over the configured database, with the background jobs (one process of
    several is the active scheduler: a lease or advisory lock decides)."""
    return create_app(scheduler=True)
