"""Feature discovery: a feature adds files, never edits a shared registry.

- `kilnguard/commands/<name>.py` defines `register(app: typer.Typer)`;
- `kilnguard/api/features/<name>/` (a package: `routes`, `pages`, `schemas`) exposes
  `router: fastapi.APIRouter` (REST routes and web pages);
- `kilnguard/scenarios/ext_<name>.py` appends a step to `scenarios.demo.EXTENSIONS` on import;
- `kilnguard/store/<name>_models.py` defines tables on `store.models.Base`.
Modules load in name order, so a feature can depend on another by naming.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def modules_in(package: str, prefix: str = "", suffix: str = "") -> list[ModuleType]:
    pkg = importlib.import_module(package)
    names = sorted(
        m.name
        for m in pkgutil.iter_modules(pkg.__path__)
        if m.name.startswith(prefix) and m.name.endswith(suffix) and not m.name.startswith("_")
    )
    return [importlib.import_module(f"{package}.{n}") for n in names]
