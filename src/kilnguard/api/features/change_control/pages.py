"""Change control in the browser: the pages /changes and /changes/{id}, their forms, the
change-request panel of the kiln page and the "Changes" navigation entry.

A refused act is shown on the change's page (409) with the domain's blockers of that step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Protocol
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from pydantic import BaseModel
from sqlalchemy.orm import Session

from kilnguard.api.deps import Who, uow
from kilnguard.api.features.change_control import propose as pr
from kilnguard.api.features.change_control.acts import Upload, doing, upload
from kilnguard.api.features.change_control.schemas import (
    OverruleForm,
    PssrForm,
    ReasonForm,
    ReviewForm,
    StepForm,
)
from kilnguard.api.features.setup import fragments
from kilnguard.api.features.setup.forms import Form as SetupForm
from kilnguard.domain import change as dc
from kilnguard.domain.errors import Conflict, KilnguardError, PermissionDenied, ValidationError
from kilnguard.services import change as cc
from kilnguard.services import investigation as inv
from kilnguard.services.access import Principal
from kilnguard.web import pages

pages_router = APIRouter()

TEMPLATES = Jinja2Templates(
    directory=str(Path(__file__).resolve().parents[3] / "web" / "templates")
)
pages.share_globals(TEMPLATES)


@pass_context
def _plant_time(ctx: Context, value: dt.datetime | None) -> str:
    """A timestamp in the plant's own zone when the page names it (`tz`), else in UTC."""
    if not value:
        return "—"
    zone = ctx.get("tz")
    if zone:
        return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


TEMPLATES.env.filters["plant_time"] = _plant_time
TEMPLATES.env.filters["words"] = lambda s: str(s or "").replace("_", " ")

PSSR_ITEMS = [(i.value, dc.PSSR_ITEM_TEXT[i]) for i in dc.PssrItem]
ACTION_WORDS = {a.value: dc.action_words(a) for a in dc.ChangeAction}


def _render(
    request: Request, name: str, who: Principal, status: int = 200, **ctx: Any
) -> HTMLResponse:
    resp = TEMPLATES.TemplateResponse(request, name, {"who": who, "nav": pages.NAV, **ctx})
    resp.status_code = status
    return resp


def _list_ctx(session: Session, who: Principal) -> dict[str, Any]:
    """The list page's context: the changes, and the proposal form's choices."""
    return {
        "changes": cc.change_summaries(session, who),
        "kilns": inv.kiln_choices(session, who),
        "enterprises": inv.enterprise_choices(session, who),
        "kinds": [k.value for k in dc.ChangeKind],
        "stages": [st.value for st in dc.ScaleStage],
        "methods": [mt.value for mt in dc.HazardMethod],
        "hazard_rows": range(1, pr.HAZARD_ROWS + 1),
        "record_acts": pr.record_acts(who),
    }


@pages_router.get("/changes", response_class=HTMLResponse, include_in_schema=False)
def web_list(request: Request, who: Who) -> HTMLResponse:
    with uow(request) as session:
        ctx = _list_ctx(session, who)
    return _render(request, "change/list.html", who, errors={}, values={}, **ctx)


@pages_router.post("/changes", include_in_schema=False)
def web_propose(request: Request, who: Who, form: SetupForm) -> Response:
    """Propose a change (with its hazards, stage and zone); the list comes back with it."""
    typed = fragments.typed_of(form, pr.CHANGE_FIELDS)
    created: list[int] = []

    def context(session: Session) -> dict[str, Any]:
        return {**_list_ctx(session, who), "created": created[0] if created else None}

    return fragments.answer(
        request,
        who,
        lambda s: created.append(pr.propose(s, who, typed)),
        context,
        page="change/list.html",
        fragment="change/_changes.html",
        values=typed,
        renderer=_render,
    )


def _detail(
    request: Request,
    who: Principal,
    change_id: int,
    *,
    refusal: str = "",
    blockers: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with uow(request) as session:
        page = cc.change_page(session, who, change_id=change_id)
    return _render(
        request,
        "change/detail.html",
        who,
        status=status,
        **_detail_ctx(page, who),
        refusal=refusal,
        blockers=blockers or [],
        done="",
        errors={},
        values={},
    )


def _detail_ctx(page: cc.ChangePage, who: Principal) -> dict[str, Any]:
    acts = pr.record_acts(who)
    return {
        "c": page.change,
        "tz": page.timezone,
        "pssr_items": PSSR_ITEMS,
        "action_words": ACTION_WORDS,
        "methods": [mt.value for mt in dc.HazardMethod],
        "record_acts": acts,
        # the reviewers (technical lead, safety officer, manager) are who define the zone;
        # plant roles, who add hazards, are who tick the pre-startup review
        "reviewer": dc.RecordAct.DEFINE_ZONE.value in acts,
        "plant_role": dc.RecordAct.ADD_HAZARD.value in acts,
    }


def _section_form(
    request: Request,
    who: Principal,
    change_id: int,
    section: str,
    act: Callable[[Session], object],
    typed: dict[str, str],
) -> Response:
    """An htmx form of a change's page: its section `change/_<section>.html` comes back (the
    whole page without htmx), with the refusal next to its field and what was typed kept."""
    return fragments.answer(
        request,
        who,
        act,
        lambda s: _detail_ctx(cc.change_page(s, who, change_id=change_id), who),
        page="change/detail.html",
        fragment=f"change/_{section}.html",
        values=typed,
        renderer=_render,
        refusal="",
        blockers=[],
        done="",
    )


@pages_router.post("/changes/{change_id}/hazards", include_in_schema=False)
def web_add_hazard(request: Request, who: Who, change_id: int, form: SetupForm) -> Response:
    """Add a what-if or checklist entry (draft or in review)."""
    typed = fragments.typed_of(form, pr.HAZARD_FIELDS)

    def act(s: Session) -> object:
        hazard = pr.hazard_of(typed)
        if hazard is None:
            raise ValidationError("hazard", "", "say what could go wrong")
        return cc.add_hazard(s, who, change_id, hazard)

    return _section_form(request, who, change_id, "hazards", act, typed)


@pages_router.post("/changes/{change_id}/zone", include_in_schema=False)
def web_define_zone(request: Request, who: Who, change_id: int, form: SetupForm) -> Response:
    """Define (or redefine, before firing) the hazard zone (reviewers)."""
    typed = fragments.typed_of(form, pr.ZONE_FIELDS)
    act = lambda s: pr.define_zone(s, who, change_id, typed)  # noqa: E731
    return _section_form(request, who, change_id, "zone", act, typed)


def _web_act(
    request: Request, who: Principal, change_id: int, what: str, act: Callable[[Session], object]
) -> Response:
    """Do ``act(session)``; on success back to the page, on refusal show why on the page."""
    try:
        with uow(request) as session:
            act(session)
    except (Conflict, PermissionDenied, ValidationError) as exc:
        with uow(request) as session:
            found = cc.step_blockers(session, who, change_id=change_id, action=what)
        blockers = [b.text for b in found]
        return _detail(request, who, change_id, refusal=exc.message, blockers=blockers, status=409)
    return RedirectResponse(f"/changes/{change_id}", status_code=303)


@pages_router.get("/changes/{change_id}", response_class=HTMLResponse, include_in_schema=False)
def web_detail(request: Request, who: Who, change_id: int) -> HTMLResponse:
    return _detail(request, who, change_id)


@pages_router.post("/changes/{change_id}/act", include_in_schema=False)
def web_transition(
    request: Request, who: Who, change_id: int, form: Annotated[StepForm, Form()]
) -> Response:
    def act(s: Session) -> object:
        return cc.transition(s, who, change_id, form.action, note=form.note)

    return _web_act(request, who, change_id, form.action, act)


@pages_router.post(
    "/changes/{change_id}/objections/{objection_id}/withdraw", include_in_schema=False
)
def web_withdraw(
    request: Request,
    who: Who,
    change_id: int,
    objection_id: int,
    form: Annotated[ReasonForm, Form()],
) -> Response:
    act = doing(cc.withdraw_objection, objection_id, who=who, change_id=change_id, fields=form)
    return _web_act(request, who, change_id, "withdraw", act)


def _page_act(
    name: str, path: str, what: str, form_type: type[BaseModel], act: Callable[..., object]
) -> None:
    """Register one form post on a change's page: do `act` with the form's fields, then back to
    the page, or the page with the refusal and the blockers of `what` (`name`: the route's)."""

    def endpoint(request: Request, who: Who, change_id: int, form: BaseModel) -> Response:
        return _web_act(
            request, who, change_id, what, doing(act, who=who, change_id=change_id, fields=form)
        )

    endpoint.__name__ = name
    endpoint.__annotations__ = {**endpoint.__annotations__, "form": Annotated[form_type, Form()]}
    pages_router.add_api_route(
        f"/changes/{{change_id}}{path}", endpoint, methods=["POST"], include_in_schema=False
    )


PAGE_ACTS: tuple[tuple[str, str, str, type[BaseModel], Callable[..., object]], ...] = (
    ("web_review", "/review", "review", ReviewForm, cc.review),
    ("web_object", "/object", "object", ReasonForm, cc.raise_objection),
    ("web_overrule", "/overrule", "overrule", OverruleForm, cc.overrule),
    ("web_pssr", "/pssr", "pssr", PssrForm, cc.check_pssr),
)
"""The page's forms that only act: (route, path, what is refused, form, act)."""

for _act in PAGE_ACTS:
    _page_act(*_act)


@pages_router.post("/changes/{change_id}/zone/admit", include_in_schema=False)
def web_admit(
    request: Request, who: Who, change_id: int, person: Annotated[str, Form()] = ""
) -> Response:
    try:
        with uow(request) as session:
            d = cc.admit_to_zone(session, who, change_id, person=person)
    except KilnguardError as exc:
        return _detail(request, who, change_id, refusal=exc.message, status=409)
    if d.admitted:
        return RedirectResponse(f"/changes/{change_id}", status_code=303)
    return _detail(request, who, change_id, refusal=d.reason, status=409)


@pages_router.post("/changes/{change_id}/evidence", include_in_schema=False)
def web_evidence(
    request: Request, who: Who, change_id: int, file: Annotated[Upload, Depends(upload)]
) -> Response:
    return _web_act(request, who, change_id, "evidence", lambda s: file.attach(s, who, change_id))


# ------------------------------------------------------------------ kiln panel and nav
class _Kiln(Protocol):
    @property
    def id(self) -> int: ...


def kiln_changes_panel(session: Session, who: Principal, kiln: _Kiln) -> list[cc.ChangeSummary]:
    """Change requests on this kiln, for the kiln page (overrules shown there too)."""
    return cc.change_summaries(session, who, kiln_id=kiln.id)


if ("Changes", "/changes") not in pages.NAV:
    pages.NAV.append(("Changes", "/changes"))
if not any(t == "change/kiln_panel.html" for _, t, _ in pages.KILN_PANELS):
    pages.KILN_PANELS.append(("Change requests", "change/kiln_panel.html", kiln_changes_panel))
