"""The demo region exported as one bundle loads into an empty database with the same records
per sheet and the same backtest; a second import changes nothing; the audit chain verifies."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from kilnguard.cli import app
from kilnguard.domain.roles import Role
from kilnguard.services import audit, uow
from kilnguard.services.access import Principal
from kilnguard.services.bundle import export_bundle, import_bundle, read_bundle
from kilnguard.services.bundle.spec import README_SHEET, all_sheets
from tests.conftest import build_demo_database
from tests.services.bundle.conftest import add_user

runner = CliRunner()


def backtest(url: str) -> list[dict[str, object]]:
    result = runner.invoke(
        app, ["backtest", "--json", "--no-plots"], env={"KILNGUARD_DATABASE_URL": url}
    )
    assert result.exit_code == 0, result.output
    out = result.output
    kilns: list[dict[str, object]] = json.loads(out[out.index("{") :])["kilns"]
    return sorted(kilns, key=lambda k: (str(k["enterprise"]), str(k["kiln"])))


def csv_sheets(folder: Path) -> dict[str, list[list[str]]]:
    return {
        f.stem: list(csv.reader(f.open(encoding="utf-8", newline="")))
        for f in sorted(folder.glob("*.csv"))
    }


@pytest.fixture(scope="module")
def demo(fresh_database_url: Callable[[], str], tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The demo region, its admin, and its export as a workbook and as CSV files."""
    url = fresh_database_url()
    build_demo_database(url)
    engine = uow.make_engine(url)
    admin = add_user(engine, "bundle-admin", Role.ADMIN)
    folder = tmp_path_factory.mktemp("demo-bundle")
    with uow.unit_of_work(engine) as s:
        xlsx = export_bundle(s, admin, folder / "demo.xlsx")
        export_bundle(s, admin, folder / "csv")
    engine.dispose()
    return url, folder, xlsx


def test_the_workbook_has_a_readme_and_a_sheet_per_record_kind(demo) -> None:  # type: ignore[no-untyped-def]
    _, folder, xlsx = demo
    wb = openpyxl.load_workbook(folder / "demo.xlsx", read_only=True)
    names = wb.sheetnames
    assert names[0] == README_SHEET
    order = [s.name for s in all_sheets()]
    assert names[1:] == [n for n in order if n in names]  # dependency order
    assert {"regions", "kilns", "workers", "shifts", "production", "work_orders",
            "change_requests", "change_evidence"} <= set(names)  # fmt: skip
    assert xlsx.rows["shifts"] > 5000 and xlsx.rows["production"] > 3000
    readme = [r[0] for r in wb[README_SHEET].iter_rows(values_only=True) if r]
    assert any("Evidence files" in str(r) for r in readme)
    wb.close()


@pytest.mark.parametrize("form", ["demo.xlsx", "csv"])
def test_export_then_import_into_an_empty_database_gives_the_same_records_and_backtest(
    form: str,
    demo,
    empty_db: tuple[Engine, Principal],
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    url, folder, xlsx = demo
    engine, admin = empty_db
    with uow.unit_of_work(engine) as s:
        result = import_bundle(s, admin, read_bundle(folder / form))
    assert result.new == xlsx.total and result.changed == 0
    # the same records per sheet: the new database exports the very same files
    with uow.unit_of_work(engine) as s:
        export_bundle(s, admin, tmp_path / "again")
    assert csv_sheets(tmp_path / "again") == csv_sheets(folder / "csv")
    # the same ids, hence the same backtest JSON (kiln_id included)
    assert backtest(str(engine.url.render_as_string(hide_password=False))) == backtest(url)
    # a second import changes nothing and says so
    with uow.unit_of_work(engine) as s:
        again = import_bundle(s, admin, read_bundle(folder / form))
    assert again.nothing_changed and again.unchanged == xlsx.total
    assert again.message() == f"nothing changed: {xlsx.total:,} rows already up to date"
    with uow.unit_of_work(engine) as s:
        report = audit.verify(s)
        imports = s.execute(
            text("SELECT COUNT(*) FROM audit_log WHERE action = 'import' AND entity = 'bundle'")
        ).scalar_one()
    assert report.ok
    assert imports == 1 + 3  # the installation (the region) and each of the three enterprises


def test_a_manager_exports_only_their_enterprise(demo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, _, _ = demo
    engine = uow.make_engine(url)
    with uow.unit_of_work(engine) as s:
        ent = s.execute(text("SELECT id FROM enterprises ORDER BY id LIMIT 1")).scalar_one()
    manager = add_user(engine, "bundle-manager", Role.MANAGER, [ent])
    with uow.unit_of_work(engine) as s:
        export_bundle(s, manager, tmp_path / "mine")
    engine.dispose()
    sheets = csv_sheets(tmp_path / "mine")
    assert len(sheets["enterprises"]) == 2
    name = sheets["enterprises"][1][0]
    assert {r[0] for r in sheets["kilns"][1:]} == {name}
    assert {r[0] for r in sheets["shifts"][1:]} == {name}
