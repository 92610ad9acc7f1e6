"""The OpenAPI document describes every REST response: each /api/v1 operation declares a JSON
schema for its success (2xx) response, so other tools can rely on the shapes."""

from __future__ import annotations

from typing import Any

from kilnguard.api.features.records import KINDS

API = "/api/v1"
#: Paths converted so far (records, auth, alerts, dashboards); widened as features follow.
CHECKED_PREFIXES = (
    *(f"{API}/{kind}" for kind in KINDS),
    f"{API}/auth/",
    f"{API}/me",
    f"{API}/audit/",
    f"{API}/alerts",
    f"{API}/dashboards/",
)


def _checked(path: str) -> bool:
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in CHECKED_PREFIXES)


def _success_schema(operation: dict[str, Any]) -> dict[str, Any] | None:
    for status, response in operation.get("responses", {}).items():
        if status.startswith("2"):
            schema: dict[str, Any] | None = (
                response.get("content", {}).get("application/json", {}).get("schema")
            )
            return schema
    return None


def test_every_api_route_declares_its_json_response_schema(client) -> None:  # type: ignore[no-untyped-def]
    paths: dict[str, dict[str, Any]] = client.get("/openapi.json").json()["paths"]
    checked, untyped = [], []
    for path, operations in sorted(paths.items()):
        if not path.startswith(API) or not _checked(path):
            continue
        for method, operation in operations.items():
            checked.append(f"{method.upper()} {path}")
            schema = _success_schema(operation)
            if not schema or not ({"$ref", "type", "items", "anyOf"} & set(schema)):
                untyped.append(f"{method.upper()} {path}")
    assert len(checked) >= 2 * len(KINDS) + 12, checked  # the routes above are all there
    assert not untyped, "declare a response_model for:\n" + "\n".join(untyped)
