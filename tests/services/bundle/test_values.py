"""Issue 15 point 8 on bundles: an exported cell a spreadsheet would run as a formula (OWASP
"CSV Injection": a leading =, +, -, @, tab or carriage return) is written as text with a
leading `'`, numbers stay numbers, and a re-import reads the text back unchanged."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import Engine, text

from kilnguard.services import uow
from kilnguard.services.access import Principal
from kilnguard.services.bundle import export_bundle, import_bundle, read_bundle
from kilnguard.services.bundle.values import cell, parse_column
from tests.services.bundle.conftest import small_region, write_csv_bundle

FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def test_formula_cells_are_exported_as_text_and_read_back(
    empty_db: tuple[Engine, Principal], tmp_path: Path
) -> None:
    engine, admin = empty_db
    sheets = small_region()
    for i, formula in enumerate(FORMULAS, start=1):
        sheets["production"][i][6] = formula
    sheets["workers"][1][2] = "@Kim Chol"
    with uow.unit_of_work(engine) as s:
        import_bundle(s, admin, read_bundle(write_csv_bundle(tmp_path / "in", sheets)))
    with uow.unit_of_work(engine) as s:
        export_bundle(s, admin, tmp_path / "out")
    with (tmp_path / "out" / "production.csv").open(encoding="utf-8", newline="") as f:
        notes = [row["note"] for row in csv.DictReader(f)]
    for formula in FORMULAS:
        assert "'" + formula in notes
    assert not any(n.startswith(("=", "+", "-", "@", "\t", "\r")) for n in notes)
    workers = (tmp_path / "out" / "workers.csv").read_text(encoding="utf-8")
    assert "'@Kim Chol" in workers and "\n@Kim" not in workers and ",@Kim" not in workers
    with uow.unit_of_work(engine) as s:
        again = import_bundle(s, admin, read_bundle(tmp_path / "out"))
    assert again.new == 0 and again.changed == 0  # the quote is undone on the way in
    with engine.connect() as conn:
        stored = set(conn.execute(text("SELECT note FROM production_records")).scalars())
    assert set(FORMULAS) <= stored


def test_numbers_are_not_quoted_and_bad_numbers_are_cell_errors() -> None:
    assert cell(-2.5, "float", None) == -2.5  # type: ignore[arg-type]
    values, errors = parse_column(
        ["1", "99999999999999999999", "1e400", "nan"], "int", required=True, default=None
    )
    assert values[0] == 1 and [e.index for e in errors] == [1, 2, 3]
    values, errors = parse_column(
        ["9999-12-31T23:00:00-09:00"], "datetime", required=True, default=None
    )
    assert errors and "2100-12-31" in errors[0].rule
    _, errors = parse_column(["ok", "a\x00b"], "text", required=False, default="")
    assert [e.index for e in errors] == [1]
