"""Kiln pages (Jinja2 + htmx): the kiln list with each kiln's latest level, one kiln's page
with the panels other features add, and its three forms (production, work orders, shifts).

Thin: reads come from `services.records.views` and `services.risk`, writes go through
`services.records`. A form posts with htmx and gets back its own fragment, with the field's
error shown inline on failure, or cleared and the record list refreshed on success.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from kilnguard.api.deps import Who, uow
from kilnguard.api.features.records import schemas as s
from kilnguard.api.shell import render_at
from kilnguard.domain.errors import KilnguardError, PermissionDenied, ValidationError
from kilnguard.domain.validation import parse_day, parse_number, parse_time, parse_whole
from kilnguard.services import records as svc
from kilnguard.services import risk as rs
from kilnguard.services.access import Principal
from kilnguard.services.records import views
from kilnguard.services.risk import levels as stored
from kilnguard.web.pages import KILN_PANELS, render

router = APIRouter(include_in_schema=False)


@router.get("/kilns", response_class=HTMLResponse)
def kiln_list(request: Request, who: Who) -> HTMLResponse:
    with uow(request) as session:
        groups = views.kilns_by_enterprise(session, who)
        kilns = rs.readable_kilns(session, who)
        levels = {k: v.name for k, v in stored.latest(session, kilns).items()}
    return render(request, "kilns.html", who, groups=groups, levels=levels)


def kiln_context(session: Session, who: Principal, kiln_id: int) -> dict[str, Any]:
    """The kiln page's context: its records, workers, and the feature panels."""
    page = views.kiln_page(session, who, kiln_id)
    return {
        "kiln": page.kiln,
        "enterprise": page.enterprise,
        "production": page.production,
        "work_orders": page.work_orders,
        "shifts": page.shifts,
        "workers": page.workers,
        "worker_names": {w["id"]: w["name"] for w in page.workers},
        "panels": [
            (title, template, build(session, who, page.ref))
            for title, template, build in KILN_PANELS
        ],
    }


@router.get("/kilns/{kiln_id}", response_class=HTMLResponse)
def kiln_page(request: Request, who: Who, kiln_id: int) -> HTMLResponse:
    with uow(request) as session:
        ctx = kiln_context(session, who, kiln_id)
    return render(request, "kiln.html", who, **ctx, errors={}, values={})


# ------------------------------------------------------------------------------- forms
Parse = Callable[[str, str, Callable[[], str]], Any]
"""Parse one typed field: (field, text, the plant's time zone on demand) -> value."""


def _text(field: str, raw: str, tz: Callable[[], str]) -> str:
    return raw


def _flag(field: str, raw: str, tz: Callable[[], str]) -> bool:
    return bool(raw)


def _float(field: str, raw: str, tz: Callable[[], str]) -> float:
    return parse_number(field, raw)  # "nan", "inf": refused like any other non-number


def _int(field: str, raw: str, tz: Callable[[], str]) -> int:
    return parse_whole(field, raw)


def _date(field: str, raw: str, tz: Callable[[], str]) -> dt.date:
    return parse_day(field, raw)


def _local(field: str, raw: str, tz: Callable[[], str]) -> dt.datetime:
    """A time typed in the plant's own zone (unless it carries an offset)."""
    value = parse_time(field, raw)
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(tz()))


def _role(field: str, raw: str, tz: Callable[[], str]) -> str:
    return raw or "operator"


@dataclass(frozen=True)
class KilnForm:
    """One form of the kiln page: its fragment, its fields (default, parser) in the order they
    are checked, the service input they fill (with the kiln's id) and the use case."""

    section: str
    fields: dict[str, tuple[str, Parse]]
    data: type[Any]
    write: Callable[[Session, Principal, Any], Any]

    def model(self) -> type[BaseModel]:
        defaults = {name: default for name, (default, _) in self.fields.items()}
        return s.form_of(f"{self.section.title().replace('_', '')}Form", defaults)


#: URL segment -> the kiln page's form posted there
FORMS: dict[str, KilnForm] = {
    "production": KilnForm(
        "production",
        {
            "day": ("", _date),
            "shift_no": ("1", _int),
            "output_t": ("", _float),
            "hours_fired": ("", _float),
            "note": ("", _text),
        },
        svc.ProductionIn,
        svc.record_production_one,
    ),
    "work-orders": KilnForm(
        "work_orders",
        {"task": ("", _text), "due_on": ("", _date), "safety_critical": ("", _flag)},
        svc.WorkOrderIn,
        svc.create_work_order_one,
    ),
    "shifts": KilnForm(
        "shifts",
        {
            "worker_id": ("", _int),
            "start_at": ("", _local),
            "end_at": ("", _local),
            "role": ("operator", _role),
        },
        svc.ShiftIn,
        svc.record_shift_one,
    ),
}


def _form_error(exc: KilnguardError) -> dict[str, str]:
    if isinstance(exc, ValidationError):
        return {exc.field: exc.message}
    return {"_": exc.message}


def _write(
    session: Session, who: Principal, kiln_id: int, form: KilnForm, typed: dict[str, str]
) -> None:
    def tz() -> str:
        return views.enterprise_of_kiln(session, who, kiln_id).timezone

    values = {name: parse(name, typed[name], tz) for name, (_, parse) in form.fields.items()}
    form.write(session, who, form.data(kiln_id=kiln_id, **values))


def _write_and_render(
    request: Request, who: Principal, kiln_id: int, form: KilnForm, typed: dict[str, str]
) -> HTMLResponse:
    errors: dict[str, str] = {}
    try:
        with uow(request) as session:
            _write(session, who, kiln_id, form, typed)
    except PermissionDenied:
        raise  # the role may not: 403, as the API answers
    except KilnguardError as exc:
        errors = _form_error(exc)
    with uow(request) as session:
        ctx = kiln_context(session, who, kiln_id)
    status = 422 if errors and request.headers.get("hx-request") is None else 200
    return render_at(
        request,
        f"partials/{form.section}.html",
        who,
        status,
        **ctx,
        errors=errors,
        values=typed if errors else {},
        saved=not errors,
    )


def _form_route(path: str, form: KilnForm) -> None:
    def post(request: Request, who: Who, kiln_id: int, typed: Any) -> HTMLResponse:
        return _write_and_render(request, who, kiln_id, form, typed.model_dump())

    post.__annotations__["typed"] = Annotated[form.model(), Form()]  # FastAPI reads it here
    router.post(f"/kilns/{{kiln_id}}/{path}", response_class=HTMLResponse)(post)


for _path, _form in FORMS.items():
    _form_route(_path, _form)
