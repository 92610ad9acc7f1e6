"""Shared shell of the features: one place that registers a JSON route with its tag, response
model and summary, and one that renders a page with a status, so each feature module states
only what differs.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from kilnguard.services.access import Principal
from kilnguard.web.pages import render

F = TypeVar("F", bound=Callable[..., Any])


class Routes:
    """A feature's routes under one OpenAPI tag: `@api.get(path, model, summary)`."""

    def __init__(self, router: APIRouter, tag: str) -> None:
        self.router = router
        self.tags: list[str | Enum] = [tag]

    def route(
        self, method: str, path: str, model: Any, summary: str, **extra: Any
    ) -> Callable[[F], F]:
        def register(endpoint: F) -> F:
            self.router.add_api_route(
                path,
                endpoint,
                methods=[method],
                tags=self.tags,
                response_model=model,
                summary=summary,
                **extra,
            )
            return endpoint

        return register

    def get(self, path: str, model: Any, summary: str, **extra: Any) -> Callable[[F], F]:
        return self.route("GET", path, model, summary, **extra)

    def post(self, path: str, model: Any, summary: str, **extra: Any) -> Callable[[F], F]:
        return self.route("POST", path, model, summary, **extra)


def render_at(request: Request, name: str, who: Principal, status: int, **ctx: Any) -> HTMLResponse:
    """A page rendered with `status` (a refused form comes back as 403, 409 or 422)."""
    resp = render(request, name, who, **ctx)
    resp.status_code = status
    return resp


class EnterpriseItem(BaseModel):
    """What every per-enterprise record's JSON starts with: its id and its enterprise."""

    id: int
    enterprise_id: int
