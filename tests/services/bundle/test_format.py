"""The format documents itself from one declaration: the README sheet, the annotated template
and docs/BUNDLE.md say what the import reads."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine

from kilnguard.services import uow
from kilnguard.services.access import Principal
from kilnguard.services.bundle import BundleInvalid, import_bundle, read_bundle, write_template
from kilnguard.services.bundle.spec import README_SHEET, all_sheets
from kilnguard.services.bundle.template import markdown, readme_rows


def test_docs_bundle_md_matches_the_spec(repo_root: Path) -> None:
    doc = (repo_root / "docs" / "BUNDLE.md").read_text(encoding="utf-8")
    assert doc == markdown(), (
        "docs/BUNDLE.md is out of date: regenerate it with "
        "kilnguard.services.bundle.template.markdown()"
    )
    assert "| `output_t` | yes | t |" in doc
    assert "| `rated_capacity_t_per_day` | yes | t/day |" in doc


def test_the_template_has_every_sheet_with_units_in_the_header_comments(tmp_path: Path) -> None:
    path = write_template(tmp_path / "template.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [README_SHEET, *[s.name for s in all_sheets()]]
    production = wb["production"]
    header = [c.value for c in production[1]]
    spec = next(s for s in all_sheets() if s.name == "production")
    assert header == [c.name for c in spec.columns]
    output = production.cell(row=1, column=header.index("output_t") + 1)
    assert output.comment is not None
    assert "Unit: t." in output.comment.text and "Required." in output.comment.text
    assert production.max_row == 1  # header only: the user fills in the rows


def test_the_readme_names_every_column_with_its_unit() -> None:
    rows = readme_rows()
    listed = {(r[0], r[1]) for r in rows if len(r) == 5 and r[1]}
    for spec in all_sheets():
        for c in spec.columns:
            assert (spec.name, c.name) in listed
    assert next(r[:4] for r in rows if len(r) == 5 and r[:2] == ["kilns", "max_temperature_c"]) == [
        "kilns",
        "max_temperature_c",
        "yes",
        "°C",
    ]


def test_an_unfilled_template_is_refused_naming_each_empty_sheet(
    empty_db: tuple[Engine, Principal], tmp_path: Path
) -> None:
    engine, admin = empty_db
    path = write_template(tmp_path / "template.xlsx")
    with pytest.raises(BundleInvalid) as exc, uow.unit_of_work(engine) as s:
        import_bundle(s, admin, read_bundle(path))
    assert {(e.sheet, e.row) for e in exc.value.errors} == {(s.name, 1) for s in all_sheets()}
    only_readme = openpyxl.load_workbook(path)
    for name in only_readme.sheetnames[1:]:
        del only_readme[name]
    only_readme.save(tmp_path / "readme.xlsx")
    with pytest.raises(BundleInvalid) as exc, uow.unit_of_work(engine) as s:
        import_bundle(s, admin, read_bundle(tmp_path / "readme.xlsx"))
    assert "holds no sheet to import" in exc.value.errors[0].rule
