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


FILE_TYPES = {"image/png", "text/csv", "text/html", "application/pdf", "application/octet-stream"}


def _serves_a_file(operation: dict[str, Any]) -> bool:
    """A download (chart, export, evidence) documents its media type instead of a JSON body."""
    return any(
        FILE_TYPES & set(response.get("content", {}))
        for status, response in operation.get("responses", {}).items()
        if status.startswith("2")
    )


def test_every_rest_route_of_every_feature_documents_its_response(client) -> None:  # type: ignore[no-untyped-def]
    """Issue 11: the OpenAPI document describes every response, in every feature."""
    paths: dict[str, dict[str, Any]] = client.get("/openapi.json").json()["paths"]
    features = {p.split("/")[3] for p in paths if p.startswith(API + "/")}
    assert {"changes", "investigations", "plans", "alerts", "dashboards", "kilns"} <= features
    undocumented = [
        f"{method.upper()} {path}"
        for path, operations in sorted(paths.items())
        if path.startswith(API + "/")
        for method, operation in operations.items()
        if not _serves_a_file(operation)
        and not ({"$ref", "type", "items", "anyOf"} & set(_success_schema(operation) or {}))
    ]
    assert not undocumented, "declare a response_model for:\n" + "\n".join(undocumented)


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
