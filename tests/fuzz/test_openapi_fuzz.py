"""Issue 15 point 9: Schemathesis over the whole OpenAPI document as an authenticated admin.

Every operation gets a bounded number of generated requests (valid and invalid), with a fixed
seed, so a CI run is repeatable and takes minutes: no answer may be a 5xx, and every status
code must be one the document declares for that operation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import status_code_conformance

from kilnguard.api.app import create_app
from kilnguard.domain.roles import Role
from kilnguard.services.access import SYSTEM
from kilnguard.services.auth import create_user
from kilnguard.store import db as store_db
from tests.conftest import PASSWORD, Plant

EXAMPLES = 8
"""Generated requests per operation and mode (valid, invalid): ≈ 122 operations × 2 × 8,
at most about 2,000 requests (fewer: an operation with few distinct inputs stops early)."""
CHECKS = [not_a_server_error, status_code_conformance]
FUZZ_TIME_LIMIT_S = 0.5
"""The planner's `time_limit_s` is capped here so its cases fit the CI budget (the API's own
cap, 60 s, is checked by the planner's tests)."""


@pytest.fixture
def fuzz_app(plant: Plant) -> Iterator[tuple[Any, dict[str, str]]]:
    with store_db.unit_of_work(plant.engine) as s:
        create_user(s, SYSTEM, username="fuzz_admin", password=PASSWORD, role=Role.ADMIN.value)
    app = create_app(plant.engine)
    with TestClient(app) as client:
        r = client.post("/api/v1/auth/token", json={"username": "fuzz_admin", "password": PASSWORD})
        assert r.status_code == 200, r.text
        yield app, {"Authorization": f"Bearer {r.json()['token']}"}


def _bounded_planner_time(case: Any) -> None:
    """Cap the planner's `time_limit_s` (query or body; set when the operation takes one)."""
    for part in (case.query, case.body):
        if not isinstance(part, dict):
            continue
        raw: Any = part.get("time_limit_s", float("inf") if part is case.query else None)
        try:
            too_long = float(raw) > FUZZ_TIME_LIMIT_S
        except (TypeError, ValueError):
            continue
        if too_long:
            part["time_limit_s"] = FUZZ_TIME_LIMIT_S
    if case.query is None and case.path.startswith("/api/v1/plans") and case.method == "GET":
        case.query = {"time_limit_s": FUZZ_TIME_LIMIT_S}


def _fuzz(
    operation: Any, mode: GenerationMode, auth: dict[str, str], statuses: list[int]
) -> str | None:
    """The first failure of `operation`'s generated requests in `mode`, or None."""
    try:
        strategy = operation.as_strategy(generation_mode=mode)
    except Exception:  # an operation with nothing to make invalid
        return None
    failures: list[str] = []

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        if failures:
            return
        _bounded_planner_time(case)
        try:
            statuses.append(case.call_and_validate(headers=dict(auth), checks=CHECKS).status_code)
        except Exception as exc:  # reported below, every operation at once
            failures.append(f"{operation.label} [{mode}]: {str(exc)[:800]}")

    try:
        run()
    except Unsatisfiable:  # no invalid request exists for this operation
        return None
    return failures[0] if failures else None


def test_no_request_gets_a_5xx_or_an_undocumented_status(
    fuzz_app: tuple[Any, dict[str, str]],
) -> None:
    app, auth = fuzz_app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [r.ok() for r in schema.get_all_operations() if isinstance(r, Ok)]
    assert len(operations) > 100
    statuses: list[int] = []
    failures = [
        failure
        for operation in operations
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        if (failure := _fuzz(operation, mode, auth, statuses)) is not None
    ]
    ok = sum(200 <= code < 300 for code in statuses)
    assert ok > 30, f"only {ok} of {len(statuses)} requests succeeded: is the token refused?"
    assert not failures, f"{len(failures)} operations failed:\n" + "\n\n".join(failures)
