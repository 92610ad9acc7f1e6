"""CSV import and export of production records, shifts and work orders.

An import is all-or-nothing per file: every row is parsed and validated, every bad row is
reported with its 1-based data-row number, column and reason, and nothing is written unless
all rows pass. Exports carry the `source` column so reconstructed records stay labelled.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain.errors import BatchValidationError, RowError, ValidationError
from kilnguard.domain.validation import (
    parse_day,
    parse_id,
    parse_number,
    parse_time,
    parse_whole,
    require_storable_text,
)
from kilnguard.services import access
from kilnguard.services import records as svc
from kilnguard.services.access import Principal
from kilnguard.services.auth import principal_for as principal_for
from kilnguard.store.models import ProductionRecord, Shift, WorkOrder

REQUIRED = {
    "production": ("kiln_id", "day", "output_t", "hours_fired"),
    "shifts": ("worker_id", "start_at", "end_at"),
    "work-orders": ("kiln_id", "task", "due_on"),
}
EXPORT_COLUMNS = {
    "production": ("id", "kiln_id", "day", "shift_no", "output_t", "hours_fired", "note", "source"),
    "shifts": (
        "id",
        "worker_id",
        "crew_id",
        "kiln_id",
        "section_id",
        "start_at",
        "end_at",
        "role",
        "source",
    ),
    "work-orders": (
        "id",
        "number",
        "kiln_id",
        "plan_id",
        "task",
        "safety_critical",
        "due_on",
        "done_on",
        "findings",
        "source",
    ),
}


class _Row:
    """Typed access to one CSV row; parse errors name the column."""

    def __init__(self, raw: dict[str, str]) -> None:
        self.raw = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}

    def _get(self, col: str, parse: Callable[[str, str], Any], optional: bool) -> Any:
        value = self.raw.get(col, "")
        if value == "":
            if optional:
                return None
            raise ValidationError(col, value, "is required")
        return parse(col, value)

    def int(self, col: str, optional: bool = False) -> Any:
        return self._get(col, parse_id if col.endswith("_id") else parse_whole, optional)

    def float(self, col: str, optional: bool = False) -> Any:
        return self._get(col, parse_number, optional)

    def date(self, col: str, optional: bool = False) -> Any:
        return self._get(col, parse_day, optional)

    def datetime(self, col: str) -> dt.datetime:
        value: dt.datetime = self._get(col, parse_time, False)
        if value.tzinfo is None:
            raise ValidationError(col, self.raw[col], "must carry a time zone offset, e.g. +09:00")
        return value

    def text(self, col: str, default: str = "") -> str:
        value = from_spreadsheet(self.raw.get(col, "") or default)
        require_storable_text(col, value)
        return value

    def bool(self, col: str) -> bool:
        return self.raw.get(col, "").lower() in ("1", "true", "yes", "y")


def _parse(kind: str, row: _Row) -> Any:
    if kind == "production":
        return svc.ProductionIn(
            kiln_id=row.int("kiln_id"),
            day=row.date("day"),
            shift_no=row.int("shift_no", optional=True) or 1,
            output_t=row.float("output_t"),
            hours_fired=row.float("hours_fired"),
            note=row.text("note"),
        )
    if kind == "shifts":
        return svc.ShiftIn(
            worker_id=row.int("worker_id"),
            start_at=row.datetime("start_at"),
            end_at=row.datetime("end_at"),
            kiln_id=row.int("kiln_id", optional=True),
            section_id=row.int("section_id", optional=True),
            role=row.text("role", "operator"),
        )
    return svc.WorkOrderIn(
        kiln_id=row.int("kiln_id"),
        plan_id=row.int("plan_id", optional=True),
        number=row.text("number"),
        task=row.text("task"),
        due_on=row.date("due_on"),
        done_on=row.date("done_on", optional=True),
        safety_critical=row.bool("safety_critical"),
        findings=row.text("findings"),
    )


def import_file(session: Session, who: Principal, kind: str, content: str) -> int:
    reader = csv.DictReader(io.StringIO(content))
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise BatchValidationError([RowError(0, "", f"the header row is not CSV: {exc}")]) from None
    missing = [c for c in REQUIRED[kind] if c not in header]
    if missing:
        raise BatchValidationError(
            [RowError(0, c, "column missing from the header row") for c in missing]
        )
    items: list[Any] = []
    errors: list[RowError] = []
    rows = enumerate(reader, start=1)
    while True:
        try:
            i, raw = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:  # a malformed line (e.g. a field over the size limit)
            errors.append(RowError(reader.line_num, "", f"the line is not CSV: {exc}"))
            break
        try:
            items.append(_parse(kind, _Row(raw)))
        except ValidationError as exc:
            errors.append(RowError(i, exc.field, f"{exc.value!r} {exc.rule}"))
    if errors:
        raise BatchValidationError(errors)
    if not items:
        raise BatchValidationError([RowError(0, "", "the file has no data rows")])
    if kind == "production":
        svc.record_production(session, who, items)
    elif kind == "shifts":
        svc.record_shifts(session, who, items)
    else:
        svc.create_work_orders(session, who, items)
    return len(items)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection")."""


def spreadsheet_safe(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula, quoted with a leading `'` so it
    shows as text; numbers and other values pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def from_spreadsheet(text: str) -> str:
    """Undo `spreadsheet_safe` on import, so an export reads back as the text it was."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def export_text(session: Session, who: Principal, kind: str) -> tuple[str, int]:
    models: dict[str, type[ProductionRecord] | type[Shift] | type[WorkOrder]] = {
        "production": ProductionRecord,
        "shifts": Shift,
        "work-orders": WorkOrder,
    }
    model = models[kind]
    stmt = access.scoped(session, who, select(model), model).order_by(model.id)
    out = io.StringIO()
    cols = EXPORT_COLUMNS[kind]
    w = csv.writer(out)
    w.writerow(cols)
    n = 0
    for obj in session.scalars(stmt):
        row = []
        for c in cols:
            v = getattr(obj, c)
            row.append(
                v.isoformat()
                if isinstance(v, dt.date | dt.datetime)
                else ("" if v is None else spreadsheet_safe(v))
            )
        w.writerow(row)
        n += 1
    return out.getvalue(), n
