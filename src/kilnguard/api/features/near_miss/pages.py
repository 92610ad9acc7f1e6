"""Near-miss pages: each kiln's printable QR code (`/kilns/{id}/near-miss`, its SVG, and its
rotation by a manager), and the anonymous form the code opens (`/near-miss/{token}`), which asks
for no account and keeps no identity: the form's route never reads the session, and the address
is used only in memory, for the rate limit (`limit.AddressLimit`).
"""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from kilnguard.api.deps import Who, clock_of_app, uow
from kilnguard.api.features.auth.routes import client_address
from kilnguard.api.features.near_miss.limit import AddressLimit
from kilnguard.api.features.setup.fragments import answer, attempt, reply
from kilnguard.domain.errors import NotFound
from kilnguard.domain.validation import parse_day
from kilnguard.services.access import Principal
from kilnguard.services.investigation import near_miss as nm
from kilnguard.services.records.views import KilnRef
from kilnguard.web import pages

router = APIRouter(include_in_schema=False)

FORM_FIELDS = ("event_type", "occurred_on", "description")
EVENT_WORDS = {"near_miss": "Near miss", "unsafe_condition": "Unsafe condition"}


def _limit(request: Request) -> AddressLimit:
    """The app's per-address limit of anonymous reports (one per app, in memory)."""
    state = request.app.state
    if not hasattr(state, "near_miss_limit"):
        state.near_miss_limit = AddressLimit()
    limit: AddressLimit = state.near_miss_limit
    return limit


# ------------------------------------------------------------------ the printable code
def _code(request: Request, token: str) -> tuple[str, Markup]:
    """The form's absolute link and its QR code as inline SVG (medium error correction: a
    code on a dusty kiln-side board still scans with a few percent of it soiled)."""
    url = str(request.url_for("near_miss_form", token=token))
    svg = segno.make(url, error="m").svg_inline(scale=6, title="Near-miss report form")
    return url, Markup(svg)  # segno escapes the link it embeds


def _code_context(session: Session, request: Request, who: Principal, kiln_id: int) -> Any:
    code = nm.kiln_code(session, who, kiln_id)
    url, svg = _code(request, code.token) if code.token else ("", Markup(""))
    return {"code": code, "url": url, "qr": svg}


@router.get("/kilns/{kiln_id}/near-miss", response_class=HTMLResponse)
def code_page(request: Request, who: Who, kiln_id: int) -> HTMLResponse:
    with uow(request) as session:
        ctx = _code_context(session, request, who, kiln_id)
    return pages.render(request, "near_miss/print.html", who, errors={}, values={}, **ctx)


@router.get("/kilns/{kiln_id}/near-miss/qr.svg")
def code_svg(request: Request, who: Who, kiln_id: int) -> Response:
    with uow(request) as session:
        link = nm.link_of(session, who, kiln_id)
        if link is None:
            raise NotFound("near-miss link of kiln", kiln_id)
        token = link.token
    url = str(request.url_for("near_miss_form", token=token))
    svg = segno.make(url, error="m").svg_inline(scale=10, title="Near-miss report form")
    return Response(
        f'<?xml version="1.0" encoding="utf-8"?>\n{svg}'.replace(
            "<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1
        ),
        media_type="image/svg+xml",
        headers={"Cache-Control": "no-store"},
    )


@router.post("/kilns/{kiln_id}/near-miss/rotate")
def rotate(request: Request, who: Who, kiln_id: int) -> HTMLResponse:
    """Issue or replace the kiln's code (managers): the printed one stops working at once."""
    return answer(
        request,
        who,
        lambda session: nm.rotate_token(session, who, kiln_id),
        lambda session: _code_context(session, request, who, kiln_id),
        page="near_miss/print.html",
        fragment="near_miss/_code.html",
        values={},
    )


def near_miss_panel(session: Session, who: Principal, kiln: KilnRef) -> dict[str, Any]:
    """The kiln page's panel: whether the kiln has a code, and where to print it."""
    link = nm.link_of(session, who, kiln.id)
    return {"kiln_id": kiln.id, "issued": link is not None}


if not any(t == "near_miss/kiln_panel.html" for _, t, _ in pages.KILN_PANELS):
    pages.KILN_PANELS.append(("Near-miss QR code", "near_miss/kiln_panel.html", near_miss_panel))


# ------------------------------------------------------------------ the anonymous form
def _form_page(
    request: Request,
    token: str,
    errors: dict[str, str],
    values: dict[str, str],
    status: int = 200,
) -> HTMLResponse:
    with uow(request) as session:
        try:
            kiln = nm.kiln_of_token(session, token)
        except NotFound:
            page = pages.render(request, "near_miss/unknown.html", None)
            page.status_code = 404
            return page
    today = clock_of_app(request).now().astimezone(ZoneInfo(kiln.timezone)).date().isoformat()
    resp = reply(
        request,
        None,
        page="near_miss/form.html",
        fragment="near_miss/_form.html",
        errors=errors,
        values=values,
        target=kiln,
        token=token,
        today=today,
        event_words=EVENT_WORDS,
    )
    if status != 200:
        resp.status_code = status
    return resp


@router.get("/near-miss/{token}", response_class=HTMLResponse, name="near_miss_form")
def form(request: Request, token: str) -> HTMLResponse:
    """The anonymous form (no account: the session, if any, is not read)."""
    return _form_page(request, token, {}, {})


@router.post("/near-miss/{token}", response_class=HTMLResponse)
def file_report(
    request: Request,
    token: str,
    event_type: Annotated[str, Form()] = "near_miss",
    occurred_on: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """File the report; at most `limit.PER_WINDOW` per address and window (429 past it)."""
    typed = {"event_type": event_type, "occurred_on": occurred_on, "description": description}
    limit, address, now = _limit(request), client_address(request), clock_of_app(request).now()
    wait = limit.retry_after_s(address, now)
    if wait:
        minutes = (wait + 59) // 60
        refused = {"_": f"Too many reports from here just now: try again in {minutes} min."}
        resp = _form_page(request, token, refused, typed, status=429)
        resp.headers["Retry-After"] = str(wait)
        return resp

    def act(session: Session) -> object:
        day = parse_day("occurred_on", occurred_on)
        return nm.report_near_miss(
            session, token, event_type=event_type, description=description, occurred_on=day
        )

    errors = attempt(request, act)
    if not errors:
        limit.count(address, now)
    return _form_page(request, token, errors, typed)
