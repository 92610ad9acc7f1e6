"""Shared shell of the features: one place that registers a JSON route with its tag, response
model and summary, one that renders a page with a status, and one that sends a stored file as
a download, so each feature module states only what differs.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
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


#: Types a stored file keeps when downloaded; anything else (HTML, SVG, XML, scripts — which a
#: browser could run as this site's page) goes out as `application/octet-stream`.
SAFE_DOWNLOAD_TYPES = frozenset(
    {
        "application/pdf",
        "application/zip",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "text/plain",
        "text/csv",
    }
)


def content_disposition(name: str) -> str:
    """`attachment` with the file name as RFC 6266 says: an ASCII `filename` for old clients
    and the exact UTF-8 name as `filename*` (a Hangul or Cyrillic name downloads intact)."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1] or "download"
    plain = "".join(
        c if 32 <= ord(c) < 127 and c not in '"%' else "_"
        for c in unicodedata.normalize("NFKD", name)
        if not unicodedata.combining(c)
    )
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


def attachment(
    content: bytes, name: str, content_type: str, headers: Mapping[str, str] | None = None
) -> Response:
    """A stored file as a download: always an attachment, never rendered by the browser as
    this site's page, its type kept only when it is in `SAFE_DOWNLOAD_TYPES`."""
    kind = content_type.split(";", 1)[0].strip().lower()
    return Response(
        content,
        media_type=kind if kind in SAFE_DOWNLOAD_TYPES else "application/octet-stream",
        headers={"Content-Disposition": content_disposition(name), **(headers or {})},
    )
