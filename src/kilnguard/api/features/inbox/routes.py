"""REST routes for the user's own inbox under /api/v1/inbox: list, unread count, mark one or
all read. Thin: `services.notifications` keeps each user to their own entries (anyone else's
entry is 404)."""

from __future__ import annotations

from enum import Enum
from typing import Any

from fastapi import APIRouter, Request

from kilnguard.api.deps import Who, uow
from kilnguard.api.features.inbox.schemas import InboxEntryOut, MarkedOut, UnreadOut
from kilnguard.services import notifications as nt

router = APIRouter(prefix="/api/v1")
TAG: list[str | Enum] = ["inbox"]


@router.get(
    "/inbox",
    tags=TAG,
    response_model=list[InboxEntryOut],
    summary="Your inbox, newest first (unread_only=true: the unread entries)",
)
def api_inbox(request: Request, who: Who, unread_only: bool = False) -> Any:
    with uow(request) as session:
        return nt.inbox(session, who, unread_only)


@router.get(
    "/inbox/unread",
    tags=TAG,
    response_model=UnreadOut,
    summary="How many of your inbox entries are unread (cheap: for polling)",
)
def api_unread(request: Request, who: Who) -> Any:
    with uow(request) as session:
        return UnreadOut(unread=nt.unread_count(session, who))


@router.post(
    "/inbox/read",
    tags=TAG,
    response_model=MarkedOut,
    summary="Mark all your inbox entries read",
)
def api_read_all(request: Request, who: Who) -> Any:
    with uow(request) as session:
        marked = nt.mark_read(session, who, nt.ALL)
        return MarkedOut(marked=marked, unread=nt.unread_count(session, who))


@router.post(
    "/inbox/{entry_id}/read",
    tags=TAG,
    response_model=MarkedOut,
    summary="Mark one of your inbox entries read",
)
def api_read_one(request: Request, who: Who, entry_id: int) -> Any:
    with uow(request) as session:
        marked = nt.mark_read(session, who, entry_id)
        return MarkedOut(marked=marked, unread=nt.unread_count(session, who))
