"""Feature command groups: each module here defines `register(app)`; discovered on start."""

from __future__ import annotations

import typer

from kilnguard.plugins import modules_in


def register(app: typer.Typer) -> None:
    for module in modules_in("kilnguard.commands"):
        module.register(app)
