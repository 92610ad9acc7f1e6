"""Exporting a bundle: every record kind `who` may read, one sheet each, rows by id (so an
import into an empty database gives the same ids), references written as natural keys, times
in the region's local time with offset. Sheets without rows are left out (an empty sheet is
refused on import). PATH ending `.xlsx` → a workbook with a README sheet; otherwise a
directory of `<sheet>.csv` files.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.services import access
from kilnguard.services.access import Principal
from kilnguard.services.bundle.plan import Progress
from kilnguard.services.bundle.spec import README_SHEET, ColumnSpec, SheetSpec, all_sheets
from kilnguard.services.bundle.template import readme_rows
from kilnguard.services.bundle.values import REF, canonical, cell
from kilnguard.store.models import Region


@dataclass
class ExportResult:
    path: Path
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


class _Exporter:
    def __init__(self, session: Session, who: Principal) -> None:
        self.session, self.who = session, who
        ents = access.readable_enterprises(session, who)
        zones = {r.id: r.timezone for r in session.scalars(select(Region))}
        self.tz: dict[int, dt.tzinfo] = {e.id: ZoneInfo(zones[e.region_id]) for e in ents}
        self.region_ids = sorted({e.region_id for e in ents})
        self.keys: dict[str, dict[int, tuple[Any, ...]]] = {}

    def _stmt(self, spec: SheetSpec) -> Any:
        model: Any = spec.model
        attrs = [c.stored_attr for c in spec.stored_columns]
        stmt = select(model.id, *[getattr(model, a) for a in attrs]).order_by(model.id)
        if spec.enterprise_scoped or spec.name == "enterprises":
            return access.scoped(self.session, self.who, stmt, model)
        if not access.may(self.who, "installation"):
            return stmt.where(model.id.in_(self.region_ids))
        return stmt

    def _ref_cell(self, c: ColumnSpec, ident: Any, specs: dict[str, SheetSpec], pos: int) -> Any:
        if ident is None:
            return ""
        target = specs[c.ref]
        key = self.keys[c.ref][ident]
        kind = target.column(target.key[pos]).kind
        return cell(key[pos], kind, dt.UTC)

    def rows(self, spec: SheetSpec, specs: dict[str, SheetSpec]) -> Iterator[list[Any]]:
        stored = spec.stored_columns
        attrs = [c.stored_attr for c in stored]
        key_pos = [attrs.index(spec.column(k).stored_attr) for k in spec.key]
        helpers: dict[str, tuple[ColumnSpec, int]] = {}
        for c in spec.columns:
            if c.kind == REF:
                for pos, v in enumerate(c.via):
                    if not spec.column(v).stored:
                        helpers[v] = (c, pos)
        keys: dict[int, tuple[Any, ...]] = {}
        self.keys[spec.name] = keys
        for row in self.session.execute(self._stmt(spec)):
            ident = int(row[0])
            values = dict(zip(attrs, (canonical(v) for v in row[1:]), strict=True))
            keys[ident] = tuple(values[attrs[p]] for p in key_pos)
            tz = self.tz.get(values.get("enterprise_id", -1), dt.UTC)
            out: list[Any] = []
            for c in spec.columns:
                if c.kind == REF:
                    out.append(self._ref_cell(c, values[c.stored_attr], specs, c.via.index(c.name)))
                elif not c.stored:
                    ref, pos = helpers[c.name]
                    ref_id = values[ref.stored_attr]
                    if ref_id is None:
                        out.append("")
                    else:
                        comp = self.keys[ref.ref][ref_id][pos]
                        out.append(cell(comp, c.kind, tz))
                else:
                    out.append(cell(values[c.stored_attr], c.kind, tz))
            yield out


def export_bundle(
    session: Session, who: Principal, path: Path, *, progress: Progress | None = None
) -> ExportResult:
    """Write every record `who` may read as a bundle at `path` (.xlsx, or a CSV directory)."""
    specs = {s.name: s for s in all_sheets()}
    ex = _Exporter(session, who)
    sheets: list[tuple[SheetSpec, list[list[Any]]]] = []
    for done, spec in enumerate(specs.values()):
        if progress:
            progress(f"reading {spec.name}", done, len(specs))
        rows = list(ex.rows(spec, specs))
        if rows:
            sheets.append((spec, rows))
    result = ExportResult(path, {s.name: len(rows) for s, rows in sheets})
    if progress:
        progress("writing", 0, len(sheets))
    if path.suffix.lower() == ".xlsx":
        _write_xlsx(path, sheets)
    else:
        _write_csv_dir(path, sheets)
    if progress:
        progress("written", len(sheets), len(sheets))
    return result


def _write_xlsx(path: Path, sheets: list[tuple[SheetSpec, list[list[Any]]]]) -> None:
    import openpyxl

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook(write_only=True)
    readme = wb.create_sheet(README_SHEET)
    for r in readme_rows():
        readme.append(r)
    for spec, rows in sheets:
        ws = wb.create_sheet(spec.name)
        ws.append([c.name for c in spec.columns])
        for r in rows:
            ws.append(r)
    wb.save(path)


def _write_csv_dir(path: Path, sheets: list[tuple[SheetSpec, list[list[Any]]]]) -> None:
    path.mkdir(parents=True, exist_ok=True)
    for spec, rows in sheets:
        with (path / f"{spec.name}.csv").open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow([c.name for c in spec.columns])
            w.writerows(rows)
