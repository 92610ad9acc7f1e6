"""The FastAPI application: REST API under /api/v1, web pages, and locally served assets.

No CDN anywhere: Swagger UI and htmx ship inside the package (`web/static/vendor`).
Every response passes `api.browser.BrowserGuard` (CSRF refusal, CSP and security headers).
Expected errors are rendered by one handler as `{"error": <class>, "detail": …}` with 4xx.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from kilnguard import __version__
from kilnguard.api.bounds import REFUSALS, bounded_params
from kilnguard.api.browser import BrowserGuard
from kilnguard.api.idempotency import IdempotencyMiddleware
from kilnguard.api.limits import BodyLimit, PerLoginLimit
from kilnguard.clock import SYSTEM_CLOCK
from kilnguard.domain.errors import (
    BatchValidationError,
    Conflict,
    KilnguardError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from kilnguard.plugins import modules_in
from kilnguard.services.auth import AuthenticationFailed
from kilnguard.services.credentials import LoginLocked
from kilnguard.services.hashing import HashingBusy
from kilnguard.services.scheduler import background
from kilnguard.services.uow import get_engine

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"


SWAGGER = "/static/vendor/swagger-ui"
DOCS_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kilnguard API</title>
<link rel="stylesheet" href="{SWAGGER}/swagger-ui.css">
<link rel="icon" href="{SWAGGER}/favicon-32x32.png">
</head><body><div id="swagger-ui"></div>
<script src="{SWAGGER}/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script>
</body></html>
"""
"""Swagger UI started by a static file: the CSP allows no inline script, on this page too."""


def error_body(exc: KilnguardError) -> tuple[int, dict[str, object]]:
    body: dict[str, object] = {"error": type(exc).__name__, "detail": exc.message}
    if isinstance(exc, ValidationError):
        body |= {"field": exc.field, "value": _jsonable(exc.value), "rule": exc.rule}
        return 422, body
    if isinstance(exc, BatchValidationError):
        body["errors"] = [e.as_dict() for e in exc.errors]
        return 422, body
    if isinstance(exc, NotFound):
        return 404, body
    if isinstance(exc, AuthenticationFailed):
        return 401, body
    if isinstance(exc, LoginLocked | HashingBusy):
        return 429, body
    if isinstance(exc, PermissionDenied):
        return 403, body
    if isinstance(exc, Conflict):
        return 409, body
    return 400, body


def _jsonable(value: object) -> object:
    """The refused value as JSON can carry it: NaN and ±Infinity are not JSON, so say them."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


def create_app(engine: Engine | None = None, *, scheduler: bool = False) -> FastAPI:
    """The app over `engine` (default: the configured database). `scheduler`: run the background
    jobs (`services.scheduler`) while it serves; `KILNGUARD_SCHEDULER=on|off` overrides it.
    `kilnguard serve` asks for them; tests get none unless they ask."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        clock = lambda: getattr(app.state, "clock", SYSTEM_CLOCK)  # noqa: E731  (read per tick)
        with background(app.state.engine, clock, default=scheduler) as app.state.scheduler:
            yield

    app = FastAPI(
        lifespan=lifespan,
        title="kilnguard",
        version=__version__,
        description=(
            "Process-safety records, explainable kiln risk, safe production plans and "
            "investigations. Authenticate with `POST /api/v1/auth/token`, then send "
            "`Authorization: Bearer <token>`."
        ),
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(bounded_params)],  # ids, numbers, dates of every route bounded
        responses=REFUSALS,  # every route documents the errors it may answer with
    )
    app.state.engine = engine or get_engine()
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(IdempotencyMiddleware)  # H2: Idempotency-Key on every POST
    app.add_middleware(BodyLimit)  # H2: bodies bounded while read (outside the two above)
    app.add_middleware(PerLoginLimit)  # H2: expensive routes, a few at a time per login
    app.add_middleware(BrowserGuard)  # outermost: refuses cross-site writes before anything

    @app.exception_handler(KilnguardError)
    async def _domain_error(request: Request, exc: KilnguardError) -> Response:
        status, body = error_body(exc)
        if not request.url.path.startswith("/api/") and status == 401:
            return RedirectResponse("/login", status_code=303)
        wait = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, LoginLocked) else None
        return JSONResponse(body, status_code=status, headers=wait)

    @app.exception_handler(RequestValidationError)
    async def _payload_error(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "rule": e["msg"]}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{p['field']}: {p['rule']}" for p in problems)
        return JSONResponse(
            {"error": "ValidationError", "detail": detail, "errors": problems}, status_code=422
        )

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(DOCS_PAGE)

    from kilnguard.api.features import auth, records
    from kilnguard.web import pages

    # Auth and plant records first (their routes are the base every feature builds on), then
    # every other feature in name order, then login/logout.
    first = [auth.router, records.router]
    for router in first:
        app.include_router(router)
    for module in modules_in("kilnguard.api.features"):
        if module.router not in first:
            app.include_router(module.router)
    app.include_router(pages.router)
    return app
