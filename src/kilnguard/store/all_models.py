"""Imports every table module so `Base.metadata` is complete (migrations, tests)."""

from kilnguard.store import models  # noqa: F401
