"""What a request may carry, and how it is refused: the API side of the one set of bounds in
`domain.validation` (the window of plausible dates, finite numbers, ids within the database's
integer range, storable text).

`Body` is the base of every JSON request body; `bounded_params` checks every typed path and
query parameter of every route (an app-wide dependency); `REFUSALS` documents the error
answers on every route, so the OpenAPI document declares each status code the API can give.
"""

from __future__ import annotations

import datetime as dt
import types
from typing import Any, Union, get_args, get_origin

from fastapi import Request, params
from fastapi.dependencies.utils import get_flat_params
from pydantic import BaseModel, ConfigDict, field_validator

from kilnguard.domain import validation as v


class ErrorOut(BaseModel):
    """A refused request: the error's class and a sentence; a validation error also names the
    field, the refused value and the rule (or lists several as `errors`)."""

    error: str
    detail: Any = None
    field: str | None = None
    value: Any = None
    rule: str | None = None
    errors: list[Any] | None = None


#: The refusals any route may answer with, documented on every route of the app.
REFUSALS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The request cannot be carried out as sent"},
    401: {"model": ErrorOut, "description": "Log in, or send a valid API token"},
    403: {"model": ErrorOut, "description": "Your role may not do this"},
    404: {"model": ErrorOut, "description": "No such record, or not yours to see"},
    409: {"model": ErrorOut, "description": "Not possible in its current state"},
    413: {"model": ErrorOut, "description": "The upload is over the size limit"},
    422: {"model": ErrorOut, "description": "A field breaks a rule (field, value, rule)"},
    429: {"model": ErrorOut, "description": "Too many attempts: wait and try again"},
}


def _is_id(name: str) -> bool:
    return name == "id" or name.endswith(("_id", "_ids"))


def _check(name: str, value: Any) -> None:
    """Refuse `value` of field `name` if no record can hold it (recursing into lists)."""
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _check(name, item)
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        (v.require_id if _is_id(name) else v.require_whole)(name, value)
    elif isinstance(value, float):
        v.require_finite(name, value, "its unit")
    elif isinstance(value, dt.date):  # dt.datetime too
        v.require_plausible_day(name, value)
    elif isinstance(value, str):
        v.require_storable_text(name, value)


def _document_bounds(schema: dict[str, Any]) -> None:
    """Declare the integer bounds in the OpenAPI document too, so clients (and the fuzzer)
    see them: ids 1..`MAX_INT`, other whole numbers within the integer column."""
    for name, prop in schema.get("properties", {}).items():
        for p in (prop, prop.get("items", {}), *prop.get("anyOf", [])):
            if p.get("type") == "integer":
                p.setdefault("minimum", 1 if _is_id(name) else v.MIN_INT)
                p.setdefault("maximum", v.MAX_INT)


class Body(BaseModel):
    """Base of every request body: NaN and ±Infinity refused in every number, ids within
    1..`MAX_INT`, whole numbers within the integer column, dates and times in the plausible
    window, text without NUL or lone surrogates and at most `MAX_TEXT` characters (a field
    stored in a shorter column is refused by the store, naming the column's length)."""

    model_config = ConfigDict(json_schema_extra=_document_bounds)

    @field_validator("*", mode="after")
    @classmethod
    def _bounded(cls, value: Any, info: Any) -> Any:
        _check(info.field_name, value)  # a ValidationError passes through: 422 naming the field
        return value


# ------------------------------------------------------------------ path and query parameters


def _base_type(annotation: Any) -> Any:
    """`int` for `int | None`, `Optional[int]`, `Annotated[int, …]` …; else the annotation."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return _base_type(args[0]) if len(args) == 1 else annotation
    if origin is not None and hasattr(annotation, "__metadata__"):
        return _base_type(get_args(annotation)[0])
    return annotation


def _parser(kind: Any, name: str) -> Any:
    if kind is bool:
        return None
    if kind is int:
        return v.parse_id if _is_id(name) else v.parse_whole
    if kind is float:
        return v.parse_number
    if kind is dt.datetime:
        return v.parse_time
    if kind is dt.date:
        return v.parse_day
    return None


_PARAMS: dict[int, tuple[Any, tuple[tuple[str, str, Any], ...]]] = {}
"""id(route) -> (route, its bounded parameters): routes are not hashable."""


def _typed_params(route: Any) -> tuple[tuple[str, str, Any], ...]:
    """(where, name, parser) of each path and query parameter of `route` that has a bound."""
    cached = _PARAMS.get(id(route))
    if cached is not None and cached[0] is route:
        return cached[1]
    out = []
    for f in get_flat_params(route.dependant):
        where = "path" if isinstance(f.field_info, params.Path) else "query"
        parse = _parser(_base_type(f.field_info.annotation), f.alias)
        if parse is not None and isinstance(f.field_info, params.Path | params.Query):
            out.append((where, f.alias, parse))
    _PARAMS[id(route)] = (route, tuple(out))
    return tuple(out)


def bounded_params(request: Request) -> None:
    """Refuse a path or query parameter outside its bounds before the route runs (an id above
    the integer range would otherwise reach the driver as an overflow, `as_of=9999-12-31` a
    replay over millennia). Text not of the parameter's type is refused here too (422)."""
    route = request.scope.get("route")
    if getattr(route, "dependant", None) is None:
        return
    for where, name, parse in _typed_params(route):
        raws = (
            [request.path_params.get(name)]
            if where == "path"
            else request.query_params.getlist(name)
        )
        for raw in raws:
            if isinstance(raw, str) and raw.strip():
                parse(name, raw)
