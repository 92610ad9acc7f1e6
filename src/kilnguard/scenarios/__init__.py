"""Builders for the demo plants of the design's SCENARIOS.md."""

from __future__ import annotations

import importlib

#: Feature modules that add demo records (each appends a step to demo.EXTENSIONS on import).
EXTENSION_MODULES: tuple[str, ...] = ()


def load_extensions() -> None:
    for name in EXTENSION_MODULES:
        importlib.import_module(f"kilnguard.scenarios.{name}")
