"""What the bundle format says about itself: the README sheet of every exported workbook, the
empty annotated template (`kilnguard import template`), and docs/BUNDLE.md — all generated
from `spec.py`, so they cannot drift from what the import reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kilnguard.services.bundle.read import MAX_BUNDLE_BYTES
from kilnguard.services.bundle.spec import (
    FORMAT_VERSION,
    NOT_IN_BUNDLE,
    README_SHEET,
    ColumnSpec,
    SheetSpec,
    all_sheets,
)
from kilnguard.services.bundle.values import BOOL, CHOICE, DATE, DATETIME, FLOAT, INT, KINDS, REF

RULES = (
    f"kilnguard bundle, format version {FORMAT_VERSION}: one sheet per record kind, first row = "
    "column names; this README sheet is ignored on import.",
    "Or a directory of <sheet>.csv files (UTF-8, header row).",
    "Dates: YYYY-MM-DD. Times: ISO 8601 with offset, e.g. 2021-11-24T06:00:00+09:00 (exports "
    "write the region's local time). Booleans: true/false (also yes/no, 1/0).",
    "Numbers carry no unit in the cell: the unit is in the column (output_t is in tonnes).",
    "Rows link by natural keys (names, worker and work-order numbers), never database ids. "
    "Sheets are read in the order below; a row may refer to rows of earlier sheets or to "
    "stored records.",
    "The whole bundle is one transaction: every problem is reported (sheet, row, column, value, "
    "rule; row = spreadsheet row, the header is row 1) and nothing is stored unless there is "
    "none. Re-importing the same bundle changes nothing; a changed row is an update.",
    "A sheet that is present must have rows; leave out sheets you do not fill.",
    f"A bundle may be at most {MAX_BUNDLE_BYTES // (1024 * 1024)} MB.",
    *NOT_IN_BUNDLE,
)

KIND_WORDS = {
    INT: "whole number",
    FLOAT: "number",
    DATE: "date YYYY-MM-DD",
    DATETIME: "time ISO 8601 with offset",
    BOOL: "true/false",
    CHOICE: "one of",
    KINDS: "comma-separated, each one of",
}


def describe(spec: SheetSpec, c: ColumnSpec) -> str:
    """The column's rule in words: its kind, choices, the sheet a reference points to."""
    if c.kind == REF:
        return f"{c.doc}"
    words = KIND_WORDS.get(c.kind, "text")
    if c.choices:
        words += " " + ", ".join(c.choices)
    default = "" if c.default in (None, "") or c.required else f"; default {c.default}"
    return f"{c.doc} ({words}{default})"


def key_words(spec: SheetSpec) -> str:
    return ", ".join(spec.key)


def readme_rows() -> list[list[Any]]:
    rows: list[list[Any]] = [[r] for r in RULES]
    rows.append([])
    rows.append(["sheet", "column", "required", "unit", "description"])
    for spec in all_sheets():
        rows.append([spec.name, "", "", "", f"{spec.doc} Key: {key_words(spec)}."])
        for c in spec.columns:
            rows.append([spec.name, c.name, "yes" if c.required else "", c.unit, describe(spec, c)])
    return rows


def write_template(path: Path) -> Path:
    """An empty annotated workbook: README sheet, then each sheet's header row with a comment
    on every column giving its unit and rule."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    readme = wb.active
    readme.title = README_SHEET
    for r in readme_rows():
        readme.append(r)
    bold = Font(bold=True)
    for spec in all_sheets():
        ws = wb.create_sheet(spec.name)
        for j, c in enumerate(spec.columns, start=1):
            cell = ws.cell(row=1, column=j, value=c.name)
            unit = f"Unit: {c.unit}. " if c.unit else ""
            need = "Required. " if c.required else "Optional. "
            cell.comment = Comment(f"{need}{unit}{describe(spec, c)}", "kilnguard")
            if c.required:
                cell.font = bold
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def markdown() -> str:
    """docs/BUNDLE.md: the format sheet by sheet, with units (generated; a test compares)."""
    out = [
        "# The kilnguard bundle format",
        "",
        "<!-- generated from src/kilnguard/services/bundle/spec.py by "
        "kilnguard.services.bundle.template.markdown(); tests/services/bundle/test_format.py "
        "checks that this file matches it -->",
        "",
        "Import with `kilnguard import bundle PATH --user NAME [--dry-run]`, export with "
        "`kilnguard export bundle PATH --user NAME`, start from `kilnguard import template "
        "PATH`.",
        "",
    ]
    out += [f"- {r}" for r in RULES]
    for spec in all_sheets():
        out += ["", f"## `{spec.name}`", "", spec.doc, "", f"Key: {key_words(spec)}.", ""]
        out += ["| column | required | unit | description |", "|---|---|---|---|"]
        for c in spec.columns:
            text = describe(spec, c).replace("|", "\\|")
            out.append(f"| `{c.name}` | {'yes' if c.required else ''} | {c.unit} | {text} |")
    return "\n".join(out) + "\n"
