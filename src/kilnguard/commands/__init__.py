"""Feature command groups, registered on the main `kilnguard` Typer app.

Each feature module defines `register(app)`; listing it here is the only coupling.
"""

from __future__ import annotations

import importlib

import typer

FEATURE_MODULES: tuple[str, ...] = ()


def register(app: typer.Typer) -> None:
    for name in FEATURE_MODULES:
        importlib.import_module(f"kilnguard.commands.{name}").register(app)
