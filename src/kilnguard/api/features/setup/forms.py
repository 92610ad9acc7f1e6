"""What the set-up pages share: a form field (named after the service's argument, so the
service's error lands next to it), reading a posted form as typed, turning typed text into the
service's values, and a refusal into {field: message}."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from kilnguard.api.shell import render_at
from kilnguard.domain.errors import (
    BatchValidationError,
    Conflict,
    KilnguardError,
    PermissionDenied,
    ValidationError,
)
from kilnguard.domain.validation import parse_day, parse_id, parse_number, parse_whole
from kilnguard.services import access
from kilnguard.services.access import Principal

Typed = dict[str, "str | list[str]"]

#: The set-up pages' tabs: (URL segment under /setup, title); "users" for administrators only.
UNIT_TABS: tuple[tuple[str, str], ...] = (
    ("regions", "Regions"),
    ("enterprises", "Enterprises"),
    ("sections", "Sections"),
    ("kilns", "Kilns"),
    ("crews", "Crews"),
    ("workers", "Workers"),
)


def tabs(who: Principal) -> list[tuple[str, str]]:
    """The set-up tabs `who` is offered."""
    return [*UNIT_TABS, *([("users", "Users")] if access.may(who, "user") else [])]


@dataclass(frozen=True)
class Field:
    """One form field: its name is the service's argument (so the service's error lands on it).

    `type` says how the typed text becomes a value ("str", "str?", "int", "int?", "float",
    "float?", "date?", "kinds" (kiln kinds), "ids" (record ids); "?" = optional, blank is none);
    `widget` how it is typed (text, number, date, select, checks, zone, password); `choices`
    names a choice list of the page."""

    name: str
    label: str
    type: str = "str"
    unit: str = ""
    widget: str = "text"
    choices: str = ""
    create_only: bool = False
    help: str = ""

    @property
    def required(self) -> bool:
        return not self.type.endswith("?") and self.type not in ("kinds", "ids")


async def form_data(request: Request) -> FormData:
    """The posted form (read before the synchronous page function runs)."""
    return await request.form(max_files=0, max_fields=200)


Form = Annotated[FormData, Depends(form_data)]


def typed_of(fields: Iterable[Field], form: FormData) -> Typed:
    """What the user typed, as typed (kept for the form on error)."""
    out: Typed = {}
    for f in fields:
        if f.widget == "checks":
            out[f.name] = [str(v) for v in form.getlist(f.name)]
        else:
            raw = form.get(f.name, "")
            out[f.name] = raw if isinstance(raw, str) else ""
    return out


def value_of(f: Field, raw: str | list[str]) -> Any:
    """The typed text as the service's value; blank optional fields are none."""
    if f.type == "kinds":
        return tuple(raw) if isinstance(raw, list) else tuple(q for q in raw.split(",") if q)
    if f.type == "ids":
        items = raw if isinstance(raw, list) else [q for q in raw.split(",") if q.strip()]
        return [parse_id(f.name, i) for i in items]
    text = raw.strip() if isinstance(raw, str) else ""
    if f.type.startswith("str"):
        return raw
    if text == "":
        if f.type.endswith("?"):
            return None
        raise ValidationError(f.name, raw, "is required")
    if f.type.startswith("int"):
        return parse_whole(f.name, text)
    if f.type.startswith("float"):
        return parse_number(f.name, text)
    return parse_day(f.name, text)


class FormInvalid(KilnguardError):
    """Fields of a form that could not be read as their type, each with its own rule."""

    def __init__(self, errors: dict[str, ValidationError]) -> None:
        self.errors = errors
        super().__init__("; ".join(e.message for e in errors.values()))


def values_of(fields: Iterable[Field], typed: Typed) -> dict[str, Any]:
    """Every field's value, or FormInvalid naming every field that cannot be read at once."""
    out: dict[str, Any] = {}
    bad: dict[str, ValidationError] = {}
    for f in fields:
        try:
            out[f.name] = value_of(f, typed[f.name])
        except ValidationError as exc:
            bad[f.name] = exc
    if bad:
        raise FormInvalid(bad)
    return out


def errors_of(exc: KilnguardError, fields: Iterable[str]) -> dict[str, str]:
    """A refusal as {field: rule} (the field's label and its value are beside it); one naming
    no field of the form goes above it ("_") in full."""
    names = set(fields)
    if isinstance(exc, FormInvalid):
        return {name: e.rule for name, e in exc.errors.items()}
    if isinstance(exc, BatchValidationError) and exc.errors:
        first = exc.errors[0]
        if isinstance(first.cause, KilnguardError):
            return errors_of(first.cause, names)
        return {first.column if first.column in names else "_": first.reason}
    if isinstance(exc, ValidationError) and exc.field in names:
        return {exc.field: exc.rule}
    return {"_": exc.message}


def status_of(exc: KilnguardError) -> int:
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, Conflict):
        return 409
    return 422


@dataclass(frozen=True)
class Redo:
    """How a set-up form is shown: first (nothing typed, no errors, 200) or again after a
    refusal, with what was typed, the errors by field and the refusal's status."""

    values: Typed | None = None
    errors: dict[str, str] | None = None
    status: int = 200


FIRST = Redo()


def redo_of(exc: KilnguardError, fields: Iterable[str], typed: Typed | None = None) -> Redo:
    """The form again after `exc`: its errors placed on `fields`, `typed` kept."""
    return Redo(typed, errors_of(exc, fields), status_of(exc))


def refused(exc: KilnguardError) -> Redo:
    """The form again after a refusal naming no field: the message above the form."""
    return Redo(None, {"_": exc.message}, status_of(exc))


def form_page(
    request: Request, template: str, who: Principal, redo: Redo, values: Typed, **ctx: Any
) -> HTMLResponse:
    """A set-up form page with its tabs: `redo`'s values (else `values`), errors and status."""
    return render_at(
        request,
        template,
        who,
        redo.status,
        tabs=tabs(who),
        values=redo.values if redo.values is not None else values,
        errors=redo.errors or {},
        **ctx,
    )


@cache
def zones() -> list[str]:
    return sorted(zoneinfo.available_timezones())
