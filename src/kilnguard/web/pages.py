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
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from kilnguard import i18n
from kilnguard.api.browser import CSRF_FIELD, csrf_token
from kilnguard.api.deps import (
    SESSION_COOKIE,
    Who,
    clock_of_app,
    credential_secret,
    engine_of,
    uow,
)
from kilnguard.api.features.auth.routes import client_address
from kilnguard.config import web_settings
from kilnguard.domain.errors import ValidationError
from kilnguard.services import access
from kilnguard.services.access import Principal
from kilnguard.services.auth import AuthenticationFailed, revoke, user_for_secret
from kilnguard.services.credentials import LoginLocked, change_password, log_in
from kilnguard.services.hashing import HashingBusy
from kilnguard.services.preferences import language_of, set_language

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


@pass_context
def page_csrf_token(ctx: Context) -> str:
    """The CSRF token of the session the page is rendered for ("" before logging in)."""
    request: Request | None = ctx.get("request")
    secret = request.cookies.get(SESSION_COOKIE) if request is not None else None
    return csrf_token(secret) if secret else ""


@pass_context
def csrf_field(ctx: Context) -> Markup:
    """The hidden `csrf_token` field every POST form starts with (`api.browser`)."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        CSRF_FIELD, page_csrf_token(ctx)
    )


LANGUAGE_COOKIE = "kilnguard_lang"
"""The language of the pages, set from the user's stored choice at login and when changed."""


def request_language(request: Request | None) -> str:
    """The language a request is answered in (`i18n.negotiate`), decided once per request."""
    if request is None:
        return i18n.DEFAULT_LANGUAGE
    chosen: str | None = getattr(request.state, "language", None)
    if chosen is None:
        chosen = i18n.negotiate(
            request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language")
        )
        request.state.language = chosen
    return chosen


@pass_context
def page_gettext(ctx: Context, message: str) -> str:
    """`_()` and `{% trans %}` in templates: `message` in the request's language."""
    with i18n.language(request_language(ctx.get("request"))):
        return i18n.gettext(message)


@pass_context
def page_ngettext(ctx: Context, singular: str, plural: str, n: int) -> str:
    with i18n.language(request_language(ctx.get("request"))):
        return i18n.ngettext(singular, plural, n)


@pass_context
def page_language(ctx: Context) -> str:
    """The page's language code, for `<html lang>`."""
    return request_language(ctx.get("request"))


@pass_context
def page_number(ctx: Context, value: float | int | None, digits: int = 1) -> str:
    """A number with the page language's separators; `–` for no value (never a zero)."""
    if value is None:
        return "–"
    with i18n.language(request_language(ctx.get("request"))):
        return i18n.number(value, digits)


def share_globals(templates: Jinja2Templates) -> None:
    """What every page's template may ask, whichever feature renders it: `may(who, kind)` is
    the access choke point's answer (templates never compare role names themselves);
    `csrf_field()` is the hidden CSRF token field of a POST form, `csrf_token()` the token;
    `_()`/`{% trans %}` translate into the request's language (`kilnguard.i18n`),
    `page_language()` names it and the `number` filter formats by it."""
    templates.env.globals["may"] = access.may
    templates.env.globals["csrf_field"] = csrf_field
    templates.env.globals["csrf_token"] = page_csrf_token
    templates.env.globals["page_language"] = page_language
    templates.env.globals["languages"] = i18n.LANGUAGES
    templates.env.filters["number"] = page_number
    if "jinja2.ext.InternationalizationExtension" not in templates.env.extensions:
        templates.env.add_extension("jinja2.ext.i18n")
    templates.env.install_gettext_callables(  # type: ignore[attr-defined]
        page_gettext, page_ngettext, newstyle=True
    )


share_globals(TEMPLATES)


class Plant(Protocol):
    """What a page knows of an enterprise to show its times: the plant's time zone."""

    @property
    def timezone(self) -> str: ...


def plant_time(value: dt.datetime, enterprise: Plant | None) -> str:
    """A UTC timestamp shown in the plant's own time zone."""
    tz = ZoneInfo(enterprise.timezone if enterprise is not None else "UTC")
    try:
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
    except OverflowError:  # an instant at the edge of time, stored behind the services' back
        return value.strftime("%Y-%m-%d %H:%M UTC")


TEMPLATES.env.filters["plant_time"] = plant_time
router = APIRouter(include_in_schema=False)

#: Extra sections feature modules add to the kiln page: (title, template, context builder).
KILN_PANELS: list[tuple[str, str, Any]] = []
#: Extra navigation entries: (label, path). Labels are English message ids, shown translated.
NAV: list[tuple[str, str]] = [("Kilns", "/kilns")]


def N_(message: str) -> str:
    """Mark a message id for the catalogs (`make messages`) where it is translated later."""
    return message


#: The navigation labels features add (translated when the page is drawn), for extraction.
NAV_LABELS = (
    N_("Kilns"),
    N_("Dashboard"),
    N_("Alerts"),
    N_("Plan"),
    N_("Changes"),
    N_("Incidents"),
    N_("Bulletins"),
    N_("Rates"),
)
#: The roles as the header names them (`Role` values with spaces), for extraction.
ROLE_LABELS = (
    N_("operator"),
    N_("technician"),
    N_("technical lead"),
    N_("maintenance"),
    N_("safety officer"),
    N_("manager"),
    N_("investigator"),
    N_("regulator"),
    N_("admin"),
)


def render(request: Request, name: str, who: Principal | None, **ctx: Any) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, name, {"who": who, "nav": NAV, **ctx})


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return render(request, "login.html", None, error="")


@router.post("/login", response_model=None)
def login(request: Request, username: str = Form(""), password: str = Form("")) -> Response:
    """Log in through `auth.log_in` (throttled; a locked-out name or address gets 429)."""
    try:
        secret = log_in(
            engine_of(request),
            clock_of_app(request),
            username=username,
            password=password,
            address=client_address(request),
            kind="session",
            lifetime=dt.timedelta(hours=web_settings().session_hours),
        )
    except (AuthenticationFailed, LoginLocked, HashingBusy) as exc:
        page = render(request, "login.html", None, error=exc.message, username=username)
        if not isinstance(exc, AuthenticationFailed):
            page.status_code = 429
        if isinstance(exc, LoginLocked):
            page.headers["Retry-After"] = str(exc.retry_after_s)
        return page
    resp = RedirectResponse("/kilns", status_code=303)
    resp.set_cookie(
        SESSION_COOKIE, secret, httponly=True, samesite="strict", secure=secure_cookie(request)
    )
    with uow(request) as session:
        chosen = language_of(
            session, user_for_secret(session, secret, now=clock_of_app(request).now()).id
        )
    if chosen is not None:
        set_language_cookie(request, resp, chosen)
    return resp


def set_language_cookie(request: Request, resp: Response, code: str) -> None:
    """The page language travels in a cookie (not secret; read on every page without a query)."""
    resp.set_cookie(
        LANGUAGE_COOKIE,
        code,
        max_age=400 * 24 * 3600,
        httponly=True,
        samesite="strict",
        secure=secure_cookie(request),
    )


def secure_cookie(request: Request) -> bool:
    """Whether the session cookie is `Secure` (`KILNGUARD_SECURE_COOKIES`, see `config`)."""
    setting = web_settings().secure_cookies
    return setting == "on" or (setting == "auto" and request.url.scheme == "https")


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    secret = credential_secret(request)
    if secret:
        with uow(request) as session:
            revoke(session, secret)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="strict", secure=secure_cookie(request)
    )
    return resp


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, who: Who) -> HTMLResponse:
    return render(request, "account.html", who, error="")


@router.post("/account/password", response_model=None)
def account_password(
    request: Request,
    who: Who,
    current_password: str = Form(""),
    new_password: str = Form(""),
    confirm_password: str = Form(""),
) -> Response:
    """Change one's own password; all one's sessions end, so log in again."""
    try:
        if new_password != confirm_password:
            raise ValidationError("confirm_password", "***", "must repeat the new password")
        with uow(request) as session:
            change_password(session, who, current_password, new_password)
    except (AuthenticationFailed, ValidationError) as exc:
        page = render(request, "account.html", who, error=exc.message)
        page.status_code = 401 if isinstance(exc, AuthenticationFailed) else 422
        return page
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="strict", secure=secure_cookie(request)
    )
    return resp


@router.post("/account/language", response_model=None)
def account_language(request: Request, who: Who, language: str = Form("")) -> Response:
    """Choose the language of the pages: stored for the user (every browser they log in
    from), and set at once in this browser."""
    try:
        with uow(request) as session:
            code = set_language(session, who, language)
    except ValidationError as exc:
        page = render(request, "account.html", who, error=exc.message)
        page.status_code = 422
        return page
    resp = RedirectResponse("/account", status_code=303)
    set_language_cookie(request, resp, code)
    return resp


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/kilns", status_code=303)
