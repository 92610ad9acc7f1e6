"""REST routes for the user's own inbox under /api/v1/inbox: list, unread count, mark one or
all read. Thin: `services.notifications` keeps each user to their own entries (anyone else's
entry is 404)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request

from kilnguard.api.deps import Who, uow
from kilnguard.api.features.inbox.schemas import InboxEntryOut, MarkedOut, UnreadOut
from kilnguard.api.shell import Routes
from kilnguard.services import notifications as nt
from kilnguard.services.access import Principal

router = APIRouter(prefix="/api/v1")
api = Routes(router, "inbox")


def _mark(request: Request, who: Principal, which: int | Literal["all"]) -> MarkedOut:
    """Mark one entry (or `nt.ALL`) read; the answer carries what is still unread."""
    with uow(request) as session:
        marked = nt.mark_read(session, who, which)
        return MarkedOut(marked=marked, unread=nt.unread_count(session, who))


@api.get(
    "/inbox", list[InboxEntryOut], "Your inbox, newest first (unread_only=true: the unread entries)"
)
def api_inbox(request: Request, who: Who, unread_only: bool = False) -> Any:
    with uow(request) as session:
        return nt.inbox(session, who, unread_only)


@api.get(
    "/inbox/unread", UnreadOut, "How many of your inbox entries are unread (cheap: for polling)"
)
def api_unread(request: Request, who: Who) -> Any:
    with uow(request) as session:
        return UnreadOut(unread=nt.unread_count(session, who))


@api.post("/inbox/read", MarkedOut, "Mark all your inbox entries read")
def api_read_all(request: Request, who: Who) -> Any:
    return _mark(request, who, nt.ALL)


@api.post("/inbox/{entry_id}/read", MarkedOut, "Mark one of your inbox entries read")
def api_read_one(request: Request, who: Who, entry_id: int) -> Any:
    return _mark(request, who, entry_id)
