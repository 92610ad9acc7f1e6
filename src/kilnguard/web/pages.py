"""Shared pieces of the server-rendered pages (Jinja2 + htmx), and login/logout.

Every feature's pages (`api/features/<feature>/pages.py`) render through `render`, so they share
one template set, the navigation (`NAV`, which features extend) and the kiln page's panels
(`KILN_PANELS`: a feature adds `(title, template, build(session, who, kiln))`, where `kiln` is a
`services.records.views.KilnRef`). An unauthenticated page request is redirected to /login by
the app's error handler.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from kilnguard.api.deps import SESSION_COOKIE, clock_of_app, credential_secret, uow
from kilnguard.config import web_settings
from kilnguard.services import access
from kilnguard.services.access import Principal
from kilnguard.services.auth import AuthenticationFailed, authenticate, issue_credential, revoke

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def share_globals(templates: Jinja2Templates) -> None:
    """What every page's template may ask, whichever feature renders it: `may(who, kind)` is
    the access choke point's answer (templates never compare role names themselves)."""
    templates.env.globals["may"] = access.may


share_globals(TEMPLATES)


class Plant(Protocol):
    """What a page knows of an enterprise to show its times: the plant's time zone."""

    @property
    def timezone(self) -> str: ...


def plant_time(value: dt.datetime, enterprise: Plant | None) -> str:
    """A UTC timestamp shown in the plant's own time zone."""
    tz = ZoneInfo(enterprise.timezone if enterprise is not None else "UTC")
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


TEMPLATES.env.filters["plant_time"] = plant_time
router = APIRouter(include_in_schema=False)

#: Extra sections feature modules add to the kiln page: (title, template, context builder).
KILN_PANELS: list[tuple[str, str, Any]] = []
#: Extra navigation entries: (label, path).
NAV: list[tuple[str, str]] = [("Kilns", "/kilns")]


def render(request: Request, name: str, who: Principal | None, **ctx: Any) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, name, {"who": who, "nav": NAV, **ctx})


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return render(request, "login.html", None, error="")


@router.post("/login", response_model=None)
def login(request: Request, username: str = Form(""), password: str = Form("")) -> Response:
    try:
        with uow(request) as session:
            user = authenticate(session, username, password)
            secret = issue_credential(
                session,
                user,
                kind="session",
                now=clock_of_app(request).now(),
                lifetime=dt.timedelta(hours=web_settings().session_hours),
            )
    except AuthenticationFailed as exc:
        return render(request, "login.html", None, error=exc.message, username=username)
    resp = RedirectResponse("/kilns", status_code=303)
    resp.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="strict")
    return resp


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    secret = credential_secret(request)
    if secret:
        with uow(request) as session:
            revoke(session, secret)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE)
    return resp


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/kilns", status_code=303)
