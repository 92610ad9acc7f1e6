"""Inbox pages: /inbox lists the user's entries with a mark-read button (and "mark all read"),
and /inbox/badge is the navigation's unread-count fragment (htmx polls it)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from kilnguard.api.deps import Who, uow
from kilnguard.services import notifications as nt
from kilnguard.services.records import views
from kilnguard.web import pages

router = APIRouter(include_in_schema=False)


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, who: Who, unread: bool = False) -> HTMLResponse:
    with uow(request) as session:
        entries = nt.inbox(session, who, unread_only=unread)
        count = nt.unread_count(session, who)
        plants = views.readable_enterprises(session, who)
    return pages.render(
        request,
        "inbox/index.html",
        who,
        entries=entries,
        unread=count,
        only_unread=unread,
        tz=plants,
    )


@router.get("/inbox/badge", response_class=HTMLResponse)
def inbox_badge(request: Request, who: Who) -> HTMLResponse:
    with uow(request) as session:
        count = nt.unread_count(session, who)
    return pages.render(request, "inbox/badge.html", who, unread=count)


@router.post("/inbox/read")
def inbox_read_all(request: Request, who: Who) -> RedirectResponse:
    with uow(request) as session:
        nt.mark_read(session, who, nt.ALL)
    return RedirectResponse("/inbox", status_code=303)


@router.post("/inbox/{entry_id}/read")
def inbox_read_one(request: Request, who: Who, entry_id: int) -> RedirectResponse:
    with uow(request) as session:
        nt.mark_read(session, who, entry_id)
    return RedirectResponse(f"/inbox#entry-{entry_id}", status_code=303)
