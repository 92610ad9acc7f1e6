"""Kiln pages (Jinja2 + htmx): the kiln list with each kiln's latest level, one kiln's page
with the panels other features add, and its three forms (production, work orders, shifts).

Thin: reads come from `services.records.views` and `services.risk`, writes go through
`services.records`. A form posts with htmx and gets back its own fragment, with the field's
error shown inline on failure, or cleared and the record list refreshed on success.

Each listed record has its own correct and void forms (for a role that may change its kind),
posting to `/kilns/<kiln>/<segment>/<record>/correct|void` and answered with the card, the
row's error inline and its values kept; `/records/<kind>/<id>/history` shows its acts.
Numbers are read as the user types them (a decimal comma where their language writes one),
and a shift's end typed before its start rolls to the next day when plainly meant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from kilnguard.api.deps import Who, uow
from kilnguard.api.features.records import schemas as s
from kilnguard.api.shell import render_at
from kilnguard.domain.errors import KilnguardError, NotFound, PermissionDenied, ValidationError
from kilnguard.domain.validation import parse_day, parse_time, parse_whole
from kilnguard.services import access
from kilnguard.services import records as svc
from kilnguard.services import risk as rs
from kilnguard.services.access import Principal
from kilnguard.services.records import corrections, entry, views
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


def _local_input(value: dt.datetime, zone: ZoneInfo) -> str:
    """A stored time as a datetime-local input shows it, in plant time (UTC at the ends of
    the calendar, where no plant time exists)."""
    try:
        return value.astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    except OverflowError:
        return value.strftime("%Y-%m-%dT%H:%M")


def _add_local(row: dict[str, Any], zone: ZoneInfo) -> None:
    """A shift's times as its correct form shows them (`start_at_local`, `end_at_local`)."""
    for name in ("start_at", "end_at"):
        if isinstance(row.get(name), dt.datetime):
            row[f"{name}_local"] = _local_input(row[name], zone)


def kiln_context(session: Session, who: Principal, kiln_id: int) -> dict[str, Any]:
    """The kiln page's context: its records, workers, and the feature panels."""
    page = views.kiln_page(session, who, kiln_id)
    zone = ZoneInfo(page.enterprise.timezone)
    for shift in page.shifts:  # the correct form's values: plant time, as typed
        _add_local(shift, zone)
    return {
        "kiln": page.kiln,
        "enterprise": page.enterprise,
        "production": page.production,
        "work_orders": page.work_orders,
        "shifts": page.shifts,
        "workers": page.workers,
        "worker_names": {w["id"]: w["name"] for w in page.workers},
        "may_change": {f.section: access.may(who, f.kind) for f in FORMS.values()},
        "correct_fields": {f.section: CORRECTABLE[path] for path, f in FORMS.items()},
        "row_errors": {},
        "row_values": {},
        "saved_row": None,
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
@dataclass(frozen=True)
class Typing:
    """How the user typed: the plant's time zone (asked on demand) and whether their language
    writes a decimal comma (their browser's first Accept-Language)."""

    tz: Callable[[], str]
    comma: bool = False


Parse = Callable[[str, str, Typing], Any]
"""Parse one typed field: (field, text, how it was typed) -> value."""


def _text(field: str, raw: str, how: Typing) -> str:
    return raw


def _flag(field: str, raw: str, how: Typing) -> bool:
    return bool(raw)


def _float(field: str, raw: str, how: Typing) -> float:
    # "56,4" is 56.4; "nan", "inf": refused like any other non-number
    return entry.parse_local_number(field, raw, how.comma)


def _int(field: str, raw: str, how: Typing) -> int:
    return parse_whole(field, raw)


def _date(field: str, raw: str, how: Typing) -> dt.date:
    return parse_day(field, raw)


def _local(field: str, raw: str, how: Typing) -> dt.datetime:
    """A time typed in the plant's own zone (unless it carries an offset)."""
    value = parse_time(field, raw)
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(how.tz()))


def _role(field: str, raw: str, how: Typing) -> str:
    return raw or "operator"


def _night_shift(values: dict[str, Any]) -> dict[str, Any]:
    """18:00 → 06:00 typed on one day is a night shift ending the next morning."""
    if isinstance(values.get("start_at"), dt.datetime) and isinstance(
        values.get("end_at"), dt.datetime
    ):
        values["end_at"] = entry.roll_shift_end(values["start_at"], values["end_at"])
    return values


def _as_is(values: dict[str, Any]) -> dict[str, Any]:
    return values


@dataclass(frozen=True)
class KilnForm:
    """One form of the kiln page: its fragment, its fields (default, parser) in the order they
    are checked, the service input they fill (with the kiln's id) and the use case."""

    section: str
    fields: dict[str, tuple[str, Parse]]
    data: type[Any]
    write: Callable[[Session, Principal, Any], Any]
    kind: str = ""  # the record kind of `corrections` (its right: who sees Correct / Void)
    adjust: Callable[[dict[str, Any]], dict[str, Any]] = _as_is  # after parsing, before writing

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
            "confirm_reason": ("", _text),
        },
        svc.ProductionIn,
        svc.record_production_one,
        "production_record",
    ),
    "work-orders": KilnForm(
        "work_orders",
        {"task": ("", _text), "due_on": ("", _date), "safety_critical": ("", _flag)},
        svc.WorkOrderIn,
        svc.create_work_order_one,
        "work_order",
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
        "shift",
        _night_shift,
    ),
}


LABELS = {
    "day": "Day",
    "shift_no": "Shift no.",
    "output_t": "Output [t]",
    "hours_fired": "Hours fired [h]",
    "confirm_reason": "Confirmation",
    "worker_id": "Worker",
    "start_at": "Start",
    "end_at": "End",
    "due_on": "Due on",
    "done_on": "Done on",
    "reason": "Reason",
}
"""The forms' labels, naming the field an error is about."""


def _form_error(exc: KilnguardError) -> dict[str, str]:
    """The error in plain words, under the field it is about: the rule, led by the field's
    label when the rule does not say what it is about ("Output [t]: must be a number")."""
    if isinstance(exc, ValidationError):
        rule = exc.rule
        if rule.startswith(("must", "is ", "cannot", "changes")):
            rule = f"{LABELS.get(exc.field, exc.field.replace('_', ' '))}: {rule}"
        return {exc.field: rule}
    return {"_": exc.message}


def _typing(request: Request, session: Session, who: Principal, kiln_id: int) -> Typing:
    def tz() -> str:
        return views.enterprise_of_kiln(session, who, kiln_id).timezone

    return Typing(tz, entry.decimal_comma(request.headers.get("accept-language", "")))


def _write(
    request: Request,
    session: Session,
    who: Principal,
    kiln_id: int,
    form: KilnForm,
    typed: dict[str, str],
) -> None:
    how = _typing(request, session, who, kiln_id)
    values = {name: parse(name, typed[name], how) for name, (_, parse) in form.fields.items()}
    form.write(session, who, form.data(kiln_id=kiln_id, **form.adjust(values)))


def _act_and_render(
    request: Request,
    who: Principal,
    act: Callable[[Session], None],
    *,
    card: tuple[int, str],
    typed: dict[str, str],
    row: int | None = None,
) -> HTMLResponse:
    """Do `act` in a unit of work and answer with the card (kiln id, section): the error
    inline, under the add form or under record `row`'s own forms, with what was typed kept."""
    kiln_id, section = card
    errors: dict[str, str] = {}
    try:
        with uow(request) as session:
            act(session)
    except (PermissionDenied, NotFound):
        raise  # the role may not (403), or no such record here (404), as the API answers
    except KilnguardError as exc:
        errors = _form_error(exc)
    with uow(request) as session:
        ctx = kiln_context(session, who, kiln_id)
    status = 422 if errors and request.headers.get("hx-request") is None else 200
    if row is not None:
        ctx.update(
            row_errors={row: errors} if errors else {},
            row_values={row: typed} if errors else {},
            saved_row=None if errors else row,
        )
        errors, typed = {}, {}
    return render_at(
        request,
        f"partials/{section}.html",
        who,
        status,
        **ctx,
        errors=errors,
        values=typed if errors else {},
        saved=row is None and not errors,
    )


def _write_and_render(
    request: Request, who: Principal, kiln_id: int, form: KilnForm, typed: dict[str, str]
) -> HTMLResponse:
    def act(session: Session) -> None:
        _write(request, session, who, kiln_id, form, typed)

    return _act_and_render(request, who, act, card=(kiln_id, form.section), typed=typed)


def _form_route(path: str, form: KilnForm) -> None:
    def post(request: Request, who: Who, kiln_id: int, typed: Any) -> HTMLResponse:
        return _write_and_render(request, who, kiln_id, form, typed.model_dump())

    post.__annotations__["typed"] = Annotated[form.model(), Form()]  # FastAPI reads it here
    router.post(f"/kilns/{{kiln_id}}/{path}", response_class=HTMLResponse)(post)


for _path, _form in FORMS.items():
    _form_route(_path, _form)


# ------------------------------------------------------------------ correct and void a row
#: The fields each card's correct form offers (a subset of what `corrections` allows).
CORRECTABLE: dict[str, tuple[tuple[str, str, str], ...]] = {
    "production": (
        ("day", "Day", "date"),
        ("shift_no", "Shift no.", "number"),
        ("output_t", "Output [t]", "text"),
        ("hours_fired", "Hours fired [h]", "text"),
        ("note", "Note", "text"),
    ),
    "work-orders": (
        ("task", "Task", "text"),
        ("due_on", "Due on", "date"),
        ("findings", "Findings", "text"),
    ),
    "shifts": (
        ("start_at", "Start", "datetime-local"),
        ("end_at", "End", "datetime-local"),
        ("role", "Role", "text"),
    ),
}
"""(field, label, input type) of each card's correct form (a subset of `corrections`')."""
_PARSERS: dict[str, Parse] = {"findings": _text}


def _on_kiln(session: Session, who: Principal, form: KilnForm, kiln_id: int, ident: int) -> None:
    """Refuse a record that is not on this kiln (the URL names both): 404, like a stranger's."""
    model = corrections.kind_of(form.kind).model
    record = views.get_record(session, who, kind=views.segment_of(model), record_id=ident)
    if record.get("kiln_id") != kiln_id:
        raise NotFound(form.kind.replace("_", " "), ident)


def _act_routes(path: str, form: KilnForm) -> None:
    names = [name for name, _, _ in CORRECTABLE[path]]
    parsers = {n: form.fields[n][1] if n in form.fields else _PARSERS[n] for n in names}
    model = s.form_of(
        f"{form.section.title().replace('_', '')}Correction",
        {**dict.fromkeys(names, ""), "reason": "", "confirm_reason": ""},
    )

    def correct_row(request: Request, who: Who, kiln_id: int, ident: int, typed: Any) -> Any:
        data: dict[str, str] = typed.model_dump()

        def act(session: Session) -> None:
            _on_kiln(session, who, form, kiln_id, ident)
            how = _typing(request, session, who, kiln_id)
            values = form.adjust({n: parsers[n](n, data[n], how) for n in names})
            svc.correct(
                session,
                who,
                form.kind,
                ident,
                values,
                data["reason"],
                confirm_reason=data["confirm_reason"],
            )

        card = (kiln_id, form.section)
        return _act_and_render(request, who, act, card=card, typed=data, row=ident)

    def void_row(request: Request, who: Who, kiln_id: int, ident: int, typed: Any) -> Any:
        data: dict[str, str] = typed.model_dump()

        def act(session: Session) -> None:
            _on_kiln(session, who, form, kiln_id, ident)
            svc.void(session, who, form.kind, ident, data["reason"])

        card = (kiln_id, form.section)
        return _act_and_render(request, who, act, card=card, typed=data, row=ident)

    def row_actions(request: Request, who: Who, kiln_id: int, ident: int) -> HTMLResponse:
        """The row's correct and void forms, fetched when the user opens them (the kiln page
        lists 90 records: their forms are not sent until asked for)."""
        with uow(request) as session:
            _on_kiln(session, who, form, kiln_id, ident)
            ctx = kiln_context(session, who, kiln_id)
        rows = ctx[form.section]
        row = next((r for r in rows if r["id"] == ident), None)
        if row is None:  # older than the card's latest 30: its own values
            with uow(request) as session:
                model = corrections.kind_of(form.kind).model
                row = views.get_record(session, who, kind=views.segment_of(model), record_id=ident)
            _add_local(row, ZoneInfo(ctx["enterprise"].timezone))
        return render(
            request,
            "partials/row_actions.html",
            who,
            **ctx,
            segment=path,
            section=form.section,
            row=row,
            open=True,
        )

    router.get(f"/kilns/{{kiln_id}}/{path}/{{ident}}/actions", response_class=HTMLResponse)(
        row_actions
    )
    correct_row.__annotations__["typed"] = Annotated[model, Form()]
    void_row.__annotations__["typed"] = Annotated[s.form_of("VoidForm", {"reason": ""}), Form()]
    router.post(f"/kilns/{{kiln_id}}/{path}/{{ident}}/correct", response_class=HTMLResponse)(
        correct_row
    )
    router.post(f"/kilns/{{kiln_id}}/{path}/{{ident}}/void", response_class=HTMLResponse)(void_row)


for _path, _form in FORMS.items():
    _act_routes(_path, _form)


@router.get("/records/{kind}/{ident}/history", response_class=HTMLResponse)
def record_history(request: Request, who: Who, kind: str, ident: int) -> HTMLResponse:
    """A record's acts (created, corrected with before and after, voided), oldest first."""
    k = corrections.kind_of(kind)
    with uow(request) as session:
        acts = svc.history(session, who, kind, ident)
        record = views.get_record(session, who, kind=views.segment_of(k.model), record_id=ident)
        zone = entry.plant_zone(session, record["enterprise_id"])
    return render(
        request,
        "partials/history.html",
        who,
        kind=k,
        record=record,
        acts=acts,
        enterprise=SimpleNamespace(timezone=zone, name=""),
    )
