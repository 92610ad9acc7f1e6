"""Imports every table module so `Base.metadata` is complete (migrations, tests)."""

from kilnguard.plugins import modules_in
from kilnguard.store import models  # noqa: F401

modules_in("kilnguard.store", suffix="_models")
