"""Builders for the demo plants of the design's SCENARIOS.md."""

from __future__ import annotations

from kilnguard.plugins import modules_in


def load_extensions() -> None:
    """Import every `scenarios/ext_*.py`; each appends its step to `demo.EXTENSIONS`."""
    modules_in("kilnguard.scenarios", prefix="ext_")
