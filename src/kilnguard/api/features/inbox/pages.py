"""Inbox pages: /inbox lists the user's entries with a mark-read button (and "mark all read"),
and /inbox/badge is the navigation's unread-count fragment (htmx polls it).

A regulator's inbox also holds what only the region's regulator is told (issue 16 point 3):
the overrule notifications of change control, each to be marked read, and the bulletins some
enterprise has not acknowledged yet, with the overdue ones reminded at the press of a button.
Those forms post with htmx and get their own section back (`setup.fragments`); the sections are
shown only to a role that may act on them, and any other role's post is refused (403).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from kilnguard.api.deps import Who, uow
from kilnguard.api.features.setup import fragments
from kilnguard.services import access, writes
from kilnguard.services import change as cc
from kilnguard.services import investigation as inv
from kilnguard.services import notifications as nt
from kilnguard.services.access import Principal
from kilnguard.services.records import views
from kilnguard.web import pages

router = APIRouter(include_in_schema=False)


def _regulator_ctx(session: Session, who: Principal) -> dict[str, Any]:
    """The regulator's sections: overrule notifications, and bulletins still waiting for an
    acknowledgement (both empty for a role that may not act on them)."""
    overrules = access.may(who, "change_notification")
    reminds = access.may(who, "bulletin")
    waiting = [
        b for b in (inv.list_bulletins(session, who) if reminds else []) if b["not_acknowledged"]
    ]
    return {
        "show_overrules": overrules,
        "overrules": cc.inbox(session, who) if overrules else [],
        "show_bulletins": reminds,
        "waiting_bulletins": waiting,
        "plants": views.readable_enterprises(session, who),
    }


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, who: Who, unread: bool = False) -> HTMLResponse:
    with uow(request) as session:
        entries = nt.inbox(session, who, unread_only=unread)
        count = nt.unread_count(session, who)
        ctx = _regulator_ctx(session, who)
    return pages.render(
        request,
        "inbox/index.html",
        who,
        entries=entries,
        unread=count,
        only_unread=unread,
        tz=ctx["plants"],
        errors={},
        values={},
        **ctx,
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


def _regulator_reply(
    request: Request, who: Principal, section: str, act: Callable[[Session], object]
) -> Response:
    """A regulator's form answered with its section (`inbox/_<section>.html`), or the page."""

    def context(session: Session) -> dict[str, Any]:
        ctx = _regulator_ctx(session, who)
        return {
            **ctx,
            "entries": nt.inbox(session, who),
            "unread": nt.unread_count(session, who),
            "only_unread": False,
            "tz": ctx["plants"],
        }

    return fragments.answer(
        request,
        who,
        act,
        context,
        page="inbox/index.html",
        fragment=f"inbox/_{section}.html",
        values={},
    )


@router.post("/inbox/overrules/{notification_id}/read")
def overrule_read(request: Request, who: Who, notification_id: int) -> Response:
    """The regulator marks an overrule notification read (it stays in the list)."""
    act = lambda s: cc.mark_read(s, who, notification_id=notification_id)  # noqa: E731
    return _regulator_reply(request, who, "overrules", act)


@router.post("/inbox/bulletins/remind")
def bulletins_remind(request: Request, who: Who) -> Response:
    """Remind, today, every enterprise whose acknowledgement of a bulletin is overdue (at
    most once a day each; the escalation level reached is recorded)."""
    access.require_right(who, "bulletin")
    act = lambda s: inv.escalate_bulletins(s, who, writes.today(s))  # noqa: E731
    return _regulator_reply(request, who, "bulletins", act)


@router.post("/inbox/{entry_id}/read")
def inbox_read_one(request: Request, who: Who, entry_id: int) -> RedirectResponse:
    with uow(request) as session:
        nt.mark_read(session, who, entry_id)
    return RedirectResponse(f"/inbox#entry-{entry_id}", status_code=303)
