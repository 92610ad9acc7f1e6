"""The htmx form pattern of the kiln page, for the pages of set-up, change control,
investigations, the inbox and near misses: a form posts, its act runs in one unit of work, and
the answer is the form's own fragment (to htmx, which swaps it in place) or its whole page (to a
plain post without JavaScript), with the refusal next to the field the service names and what
was typed kept. A role that may not act gets 403, as the API answers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from kilnguard.api.deps import uow
from kilnguard.domain.errors import KilnguardError, PermissionDenied, ValidationError
from kilnguard.services.access import Principal
from kilnguard.web.pages import render

Errors = dict[str, str]


def typed_of(form: FormData, names: Iterable[str]) -> dict[str, str]:
    """The posted fields `names` as typed (text; a missing field is blank)."""
    out = {}
    for name in names:
        raw = form.get(name, "")
        out[name] = raw if isinstance(raw, str) else ""
    return out


def errors_of(exc: KilnguardError) -> Errors:
    """A refusal as {field: message}; "_" when it names no field."""
    if isinstance(exc, ValidationError):
        return {exc.field: exc.message}
    return {"_": exc.message}


def attempt(request: Request, act: Callable[[Session], object]) -> Errors:
    """Run `act` in the request's unit of work; the refusal as errors ({} when done). A role
    that may not act is not a form error: PermissionDenied goes on (403)."""
    try:
        with uow(request) as session:
            act(session)
    except PermissionDenied:
        raise
    except KilnguardError as exc:
        return errors_of(exc)
    return {}


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") is not None


def reply(
    request: Request,
    who: Principal | None,
    *,
    page: str,
    fragment: str,
    errors: Errors,
    values: Mapping[str, Any],
    renderer: Callable[..., HTMLResponse] = render,
    **ctx: Any,
) -> HTMLResponse:
    """The form's answer: `fragment` to htmx (200, so htmx swaps it), `page` to a plain post
    (422 when refused); what was typed comes back only when refused. `renderer` is the
    feature's own when its templates need its own filters (change control's)."""
    htmx = is_htmx(request)
    resp = renderer(
        request,
        fragment if htmx else page,
        who,
        errors=errors,
        values=dict(values) if errors else {},
        saved=not errors,
        **ctx,
    )
    resp.status_code = 422 if errors and not htmx else 200
    return resp


def answer(
    request: Request,
    who: Principal,
    act: Callable[[Session], object],
    context: Callable[[Session], Mapping[str, Any]],
    *,
    page: str,
    fragment: str,
    values: Mapping[str, Any],
    renderer: Callable[..., HTMLResponse] = render,
    **extra: Any,
) -> HTMLResponse:
    """A form post from start to end: `act` (`attempt`), then `reply` with the page's
    `context` read afresh, so the fragment shows what the act changed."""
    errors = attempt(request, act)
    with uow(request) as session:
        ctx = context(session)
    return reply(
        request,
        who,
        page=page,
        fragment=fragment,
        errors=errors,
        values=values,
        renderer=renderer,
        **extra,
        **ctx,
    )
