"""Set-up pages for administrators and managers: create, edit, retire and reinstate regions,
enterprises, sections, kilns, crews and workers (`/setup/<kind>`), and logins with their roles
(`/setup/users`, administrators only).

Thin: every write is a service call (`services.records` create_* functions, `setup.edit_unit`,
`retire_unit`, `reinstate_unit`; `services.auth` for logins), reads come from
`setup.list_units`/`get_unit`, and the services decide who may do what. A refused form comes back
with what was typed and the error next to the field the service names (422), or above the form
when it names no field of it. Forms post like every other form of the site (session cookie,
SameSite=Strict). The "Set-up" navigation entry is in `base.html`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from kilnguard.api.deps import Who, uow
from kilnguard.api.features.setup import user_pages
from kilnguard.api.features.setup.forms import (
    FIRST,
    Field,
    Form,
    Redo,
    Typed,
    form_page,
    redo_of,
    refused,
    tabs,
    typed_of,
    value_of,
    values_of,
    zones,
)
from kilnguard.domain import plant as rules
from kilnguard.domain.errors import KilnguardError, NotFound, PermissionDenied
from kilnguard.services import access, writes
from kilnguard.services import records as svc
from kilnguard.services.access import Principal
from kilnguard.web.pages import render

router = APIRouter(include_in_schema=False)
router.include_router(user_pages.router)  # /setup/users before /setup/{kind}

Values = dict[str, Any]


@dataclass(frozen=True)
class Kind:
    """One kind of unit set up here: its URL segment, its `setup.UNITS` key, its fields, how a
    new one is created, and the list's columns (header, value key, unit)."""

    slug: str
    unit: str
    title: str
    fields: tuple[Field, ...]
    create: Callable[[Session, Principal, Values], Any]
    columns: tuple[tuple[str, str, str], ...]

    @property
    def one(self) -> str:
        return self.unit

    @property
    def right(self) -> str:
        return svc.UNITS[self.unit].right


def _ent(help: str = "") -> Field:
    return Field(
        "enterprise_id",
        "Enterprise",
        "int",
        widget="select",
        choices="enterprises",
        create_only=True,
        help=help,
    )


NAME = Field("name", "Name")
KINDS: dict[str, Kind] = {
    k.slug: k
    for k in (
        Kind(
            "regions",
            "region",
            "Regions",
            (
                NAME,
                Field(
                    "timezone", "Time zone", widget="zone", help="IANA name, e.g. Asia/Pyongyang"
                ),
            ),
            lambda s, who, v: svc.create_region(s, who, **v),
            (("Name", "name", ""), ("Time zone", "timezone", "")),
        ),
        Kind(
            "enterprises",
            "enterprise",
            "Enterprises",
            (
                NAME,
                Field("region_id", "Region", "int", widget="select", choices="regions"),
                Field("tier", "Tier", "int", widget="number", help="1 or 2"),
                Field("sector", "Sector", help="e.g. cement, refractory brick, lime"),
            ),
            lambda s, who, v: svc.create_enterprise(s, who, **v),
            (
                ("Name", "name", ""),
                ("Region", "region", ""),
                ("Tier", "tier", ""),
                ("Sector", "sector", ""),
            ),
        ),
        Kind(
            "sections",
            "section",
            "Sections",
            (_ent(), NAME),
            lambda s, who, v: svc.create_section(s, who, **v),
            (("Enterprise", "enterprise", ""), ("Name", "name", "")),
        ),
        Kind(
            "kilns",
            "kiln",
            "Kilns",
            (
                _ent(),
                NAME,
                Field("section_id", "Section", "int?", widget="select", choices="sections"),
                Field("kind", "Kind", widget="select", choices="kiln_kinds"),
                Field("rated_capacity_t_per_day", "Rated capacity", "float", "t/day", "number"),
                Field("max_temperature_c", "Maximum temperature", "float", "°C", "number"),
                Field("campaign_limit_days", "Campaign limit", "int", "days", "number"),
                Field("lining_installed_on", "Lining installed on", "date?", widget="date"),
                Field("lining_design_life_days", "Lining design life", "int?", "days", "number"),
                Field(
                    "lining_used_t_at_onboarding",
                    "Lining used at onboarding: tonnes fired",
                    "float?",
                    "t",
                    "number",
                    help="fired on the current lining before the first stored production "
                    "record — give this or the fraction, not both",
                ),
                Field(
                    "lining_used_fraction_at_onboarding",
                    "… or fraction of design life used",
                    "float?",
                    "0–1",
                    "number",
                    help="0.4 = 40 % of the lining's design life used",
                ),
            ),
            lambda s, who, v: svc.create_kiln(s, who, svc.KilnIn(**v)),
            (
                ("Enterprise", "enterprise", ""),
                ("Name", "name", ""),
                ("Section", "section", ""),
                ("Kind", "kind", ""),
                ("Rated capacity", "rated_capacity_t_per_day", "t/day"),
                ("Max. temperature", "max_temperature_c", "°C"),
                ("Campaign limit", "campaign_limit_days", "days"),
                ("Lining installed", "lining_installed_on", ""),
                ("Design life", "lining_design_life_days", "days"),
                ("Lining used at onboarding", "lining_used_t_at_onboarding", "t"),
                ("… as share of life", "lining_used_fraction_at_onboarding", "of life"),
            ),
        ),
        Kind(
            "crews",
            "crew",
            "Crews",
            (_ent(), NAME),
            lambda s, who, v: svc.create_crew(s, who, **v),
            (("Enterprise", "enterprise", ""), ("Name", "name", "")),
        ),
        Kind(
            "workers",
            "worker",
            "Workers",
            (
                _ent(),
                Field("number", "Worker number", help="unique in the enterprise; blank: next free"),
                NAME,
                Field("crew_id", "Crew", "int?", widget="select", choices="crews"),
                Field("job", "Job"),
                Field(
                    "qualifications",
                    "Qualified for kiln kinds",
                    "kinds",
                    widget="checks",
                    choices="kiln_kinds",
                ),
            ),
            lambda s, who, v: svc.create_workers(s, who, [svc.WorkerIn(**v)])[0],
            (
                ("Enterprise", "enterprise", ""),
                ("Number", "number", ""),
                ("Name", "name", ""),
                ("Crew", "crew", ""),
                ("Job", "job", ""),
                ("Qualifications", "qualifications", ""),
            ),
        ),
    )
}
DEFAULTS: dict[str, str] = {"timezone": "UTC", "job": "kiln operator", "tier": "1"}


# ------------------------------------------------------------------------------- choices
def _writable(session: Session, who: Principal, right: str, ent_id: int) -> bool:
    return access.may_write(session, who, right, ent_id)


def choices(session: Session, who: Principal, kind: Kind, enterprise_id: int | None) -> Values:
    """The choice lists of `kind`'s form: only active units, only where `who` may write (on an
    edit form, only those of the unit's own enterprise)."""
    out: Values = {"kiln_kinds": [(k.value, k.value) for k in rules.KilnKind], "zones": []}
    if kind.slug == "regions":
        out["zones"] = zones()
    if kind.slug == "enterprises":
        out["regions"] = [(r["id"], r["name"]) for r in svc.list_units(session, who, "region")]
    if "enterprise_id" in {f.name for f in kind.fields}:
        ents = svc.list_units(session, who, "enterprise")
        out["enterprises"] = [
            (e["id"], e["name"]) for e in ents if _writable(session, who, kind.right, e["id"])
        ]
    for key, unit in (("sections", "section"), ("crews", "crew")):
        if key in {f.choices for f in kind.fields}:
            rows = svc.list_units(session, who, unit, enterprise_id=enterprise_id)
            out[key] = [
                (r["id"], r["name"] if enterprise_id else f"{r['enterprise']} · {r['name']}")
                for r in rows
                if _writable(session, who, kind.right, r["enterprise_id"])
            ]
    return out


# ------------------------------------------------------------------------------- display
def cell(value: Any, unit: str) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        value = f"{value:g}" if unit != "of life" else f"{100 * value:g} %"
        return value if unit == "of life" else f"{value} {unit}".strip()
    return f"{value} {unit}".strip() if unit else str(value)


def text_values(kind: Kind, row: Values) -> Typed:
    """A stored unit as its edit form shows it."""
    out: Typed = {}
    for f in kind.fields:
        value = row.get(f.name)
        if f.type == "kinds":
            out[f.name] = [q for q in str(value or "").split(",") if q]
        elif value is None:
            out[f.name] = ""
        elif isinstance(value, dt.date):
            out[f.name] = value.isoformat()
        elif isinstance(value, float):
            out[f.name] = f"{value:g}"
        else:
            out[f.name] = str(value)
    return out


def _kind(slug: str) -> Kind:
    kind = KINDS.get(slug)
    if kind is None:
        raise NotFound("set-up page", slug)
    return kind


_tabs = tabs


def _page(request: Request, who: Principal, kind: Kind, redo: Redo = FIRST) -> HTMLResponse:
    show = request.query_params.get("show", "all")
    show = show if show in svc.RETIRED_CHOICES else "all"
    with uow(request) as session:
        rows = svc.list_units(session, who, kind.unit, retired=show)
        may_create = access.may(who, kind.right) and (
            kind.right == "installation"
            or any(
                _writable(session, who, kind.right, e.id)
                for e in access.readable_enterprises(session, who)
            )
        )
        opts = choices(session, who, kind, None) if may_create else {}
    table = [
        {
            "id": r["id"],
            "name": r.get("name") or r.get("number"),
            "retired_on": r.get("retired_on"),
            "cells": [cell(r.get(key), unit) for _, key, unit in kind.columns],
        }
        for r in rows
    ]
    return form_page(
        request,
        "setup/kind.html",
        who,
        redo,
        dict(DEFAULTS),
        kind=kind,
        rows=table,
        show=show,
        may_create=may_create,
        choices=opts,
        fields=kind.fields,
        saved=request.query_params.get("saved", ""),
    )


def _edit_page(
    request: Request, who: Principal, kind: Kind, ident: int, redo: Redo = FIRST
) -> HTMLResponse:
    with uow(request) as session:
        row = svc.get_unit(session, who, kind.unit, ident)
        ent = row.get("enterprise_id") if kind.unit not in ("region", "enterprise") else None
        opts = choices(session, who, kind, ent)
        today = access_today(session)
    fields = tuple(f for f in kind.fields if not f.create_only)
    return form_page(
        request,
        "setup/edit.html",
        who,
        redo,
        text_values(kind, row),
        kind=kind,
        row=row,
        fields=fields,
        choices=opts,
        today=today,
    )


def access_today(session: Session) -> str:
    """Today by the unit of work's clock (the default day of a retirement)."""
    return writes.today(session).isoformat()


# ------------------------------------------------------------------------------- routes
@router.get("/setup", response_class=HTMLResponse)
def index(request: Request, who: Who) -> HTMLResponse:
    with uow(request) as session:
        counts = {
            k.slug: (
                len(svc.list_units(session, who, k.unit)),
                len(svc.list_units(session, who, k.unit, retired="retired")),
            )
            for k in KINDS.values()
        }
    return render(request, "setup/index.html", who, kinds=KINDS, counts=counts, tabs=_tabs(who))


@router.get("/setup/{slug}", response_class=HTMLResponse)
def kind_page(request: Request, who: Who, slug: str) -> HTMLResponse:
    return _page(request, who, _kind(slug))


def _saved(slug: str, ident: int) -> RedirectResponse:
    return RedirectResponse(f"/setup/{slug}?saved={ident}#unit-{ident}", status_code=303)


def _on_unit(
    request: Request,
    who: Principal,
    slug: str,
    ident: int,
    act: Callable[[Session, Kind], object],
    redo: Callable[[KilnguardError], Redo],
) -> Response:
    """Do `act` on one unit in a unit of work; a refusal shows its edit page again."""
    kind = _kind(slug)
    try:
        with uow(request) as session:
            act(session, kind)
    except (NotFound, PermissionDenied):
        raise
    except KilnguardError as exc:
        return _edit_page(request, who, kind, ident, redo(exc))
    return _saved(slug, ident)


@router.post("/setup/{slug}", response_model=None)
def create(request: Request, who: Who, slug: str, form: Form) -> Response:
    kind = _kind(slug)
    access.require_right(who, kind.right)  # a role that never may: 403, whatever was typed
    typed = typed_of(kind.fields, form)
    try:
        with uow(request) as session:
            ident = kind.create(session, who, values_of(kind.fields, typed)).id
    except (NotFound, PermissionDenied):
        raise
    except KilnguardError as exc:
        return _page(request, who, kind, redo_of(exc, typed, typed))
    return _saved(slug, ident)


@router.get("/setup/{slug}/{ident}", response_class=HTMLResponse)
def edit_page(request: Request, who: Who, slug: str, ident: int) -> HTMLResponse:
    return _edit_page(request, who, _kind(slug), ident)


@router.post("/setup/{slug}/{ident}", response_model=None)
def edit(request: Request, who: Who, slug: str, ident: int, form: Form) -> Response:
    fields = [f for f in _kind(slug).fields if not f.create_only]
    typed = typed_of(fields, form)

    def act(session: Session, kind: Kind) -> None:
        svc.edit_unit(session, who, kind.unit, ident, values_of(fields, typed))

    return _on_unit(request, who, slug, ident, act, lambda exc: redo_of(exc, typed, typed))


@router.post("/setup/{slug}/{ident}/retire", response_model=None)
def retire(request: Request, who: Who, slug: str, ident: int, form: Form) -> Response:
    raw = form.get("retired_on", "")
    field = Field("retired_on", "Retired on", "date?")

    def act(session: Session, kind: Kind) -> None:
        on = value_of(field, raw if isinstance(raw, str) else "")
        svc.retire_unit(session, who, kind.unit, ident, on=on)

    return _on_unit(request, who, slug, ident, act, lambda exc: redo_of(exc, ["retired_on"]))


@router.post("/setup/{slug}/{ident}/reinstate", response_model=None)
def reinstate(request: Request, who: Who, slug: str, ident: int) -> Response:
    def act(session: Session, kind: Kind) -> None:
        svc.reinstate_unit(session, who, kind.unit, ident)

    return _on_unit(request, who, slug, ident, act, refused)
