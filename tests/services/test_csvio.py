"""CSV import is all-or-nothing and reports every bad row; export keeps the source label."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from kilnguard.domain.errors import BatchValidationError
from kilnguard.services import csvio
from kilnguard.store.db import unit_of_work
from kilnguard.store.models import ProductionRecord
from tests.conftest import Plant


def _count(plant: Plant) -> int:
    with unit_of_work(plant.engine) as s:
        return int(s.scalar(select(func.count()).select_from(ProductionRecord)) or 0)


def test_good_file_imports_every_row(plant: Plant) -> None:
    k = plant.kilns_a[0]
    content = f"kiln_id,day,shift_no,output_t,hours_fired\n{k},2021-10-01,1,12.5,8\n{k},2021-10-01,2,13,8\n"
    before = _count(plant)
    with unit_of_work(plant.engine) as s:
        assert csvio.import_file(s, plant.users["op_a"], "production", content) == 2
    assert _count(plant) == before + 2


def test_bad_file_reports_each_row_column_and_reason_and_writes_nothing(plant: Plant) -> None:
    k, kb = plant.kilns_a[0], plant.kilns_b[0]
    content = (
        "kiln_id,day,shift_no,output_t,hours_fired\n"
        f"{k},2021-10-01,1,12.5,8\n"
        f"{k},2021-13-01,1,12.5,8\n"
        f"{k},2021-10-02,1,lots,8\n"
        f"{kb},2021-10-02,1,12,8\n"
        f"{k},2021-10-03,1,-2,8\n"
    )
    before = _count(plant)
    with pytest.raises(BatchValidationError) as err, unit_of_work(plant.engine) as s:
        csvio.import_file(s, plant.users["op_a"], "production", content)
    assert [(e.row, e.column) for e in err.value.errors] == [(2, "day"), (3, "output_t")]
    # parse errors first; once the file parses, the service checks tenancy and values
    content_fixed = content.replace("2021-13-01", "2021-10-04").replace("lots", "3")
    with pytest.raises(BatchValidationError) as err2, unit_of_work(plant.engine) as s:
        csvio.import_file(s, plant.users["op_a"], "production", content_fixed)
    assert [(e.row, e.column) for e in err2.value.errors] == [(4, "kiln_id"), (5, "output_t")]
    assert _count(plant) == before


def test_missing_column_is_named(plant: Plant) -> None:
    with pytest.raises(BatchValidationError) as err, unit_of_work(plant.engine) as s:
        csvio.import_file(
            s, plant.users["mgr_a"], "shifts", "worker_id,start_at\n1,2021-10-01T06:00:00+09:00\n"
        )
    assert [e.column for e in err.value.errors] == ["end_at"]


def test_export_shows_only_own_records_with_source(plant: Plant) -> None:
    with unit_of_work(plant.engine) as s:
        text, n = csvio.export_text(s, plant.users["op_a"], "production")
    header, *rows = text.strip().splitlines()
    assert header.endswith(",source")
    assert n == len(rows) > 0
    assert all(int(r.split(",")[1]) in plant.kilns_a for r in rows)


@pytest.mark.parametrize("note", ['=HYPERLINK("http://x","click")', "+1+1", "-2+3", "@SUM(A1)"])
def test_a_note_a_spreadsheet_would_run_is_exported_as_text_and_reads_back(
    plant: Plant, note: str
) -> None:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["kiln_id", "day", "output_t", "hours_fired", "note"])
    w.writerow([plant.kilns_a[0], "2021-10-03", 50, 8, note])
    content = buf.getvalue()
    with unit_of_work(plant.engine) as s:
        csvio.import_file(s, plant.users["op_a"], "production", content)
    with unit_of_work(plant.engine) as s:
        text, _ = csvio.export_text(s, plant.users["op_a"], "production")
    cells = [row for row in csv.DictReader(io.StringIO(text)) if row["day"] == "2021-10-03"]
    assert [c["note"] for c in cells] == ["'" + note]
    assert [c["output_t"] for c in cells] == ["50.0"]
    assert csvio.from_spreadsheet(cells[0]["note"]) == note


@pytest.mark.parametrize(
    ("column", "cell"),
    [
        ("kiln_id", "99999999999999999999"),
        ("kiln_id", "9223372036854775808"),
        ("output_t", "nan"),
        ("output_t", "1e400"),
        ("shift_no", "inf"),
        ("day", "9999-12-31"),
        ("note", "rust\x00"),
    ],
)
def test_a_cell_no_record_can_hold_is_a_row_report(plant: Plant, column: str, cell: str) -> None:
    """Issue 15: ids past the integer range, NaN, 9999-12-31, NUL: a row report, no traceback."""
    row = {"kiln_id": str(plant.kilns_a[0]), "day": "2021-10-01", "shift_no": "1"}
    row |= {"output_t": "12.5", "hours_fired": "8", "note": ""} | {column: cell}
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(row))
    w.writeheader()
    w.writerow(row)
    with pytest.raises(BatchValidationError) as err, unit_of_work(plant.engine) as s:
        csvio.import_file(s, plant.users["op_a"], "production", out.getvalue())
    assert [(e.row, e.column) for e in err.value.errors] == [(1, column)]
