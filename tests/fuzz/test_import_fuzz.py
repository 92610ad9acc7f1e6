"""Issue 15 point 9: the CSV and bundle importers under Hypothesis. Whatever a file holds —
NaN, 1e400, ids past 2⁶³, 9999-12-31, times with no UTC equivalent, NUL bytes, formulas,
ragged rows, stray quotes — an import either stores every row or refuses with row reports
(row, column, rule) and stores nothing; it never ends in a traceback."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from kilnguard.domain.errors import BatchValidationError
from kilnguard.services import csvio, uow
from kilnguard.services.access import Principal
from kilnguard.services.bundle import BundleInvalid, import_bundle, read_bundle
from kilnguard.store.models import ProductionRecord, Shift, WorkOrder
from tests.conftest import Plant
from tests.services.bundle.conftest import Sheets, small_region, write_csv_bundle
from tests.services.bundle.conftest import empty_db as empty_db  # the fixture

NASTY = [
    "",
    " ",
    "nan",
    "NaN",
    "-inf",
    "Infinity",
    "1e400",
    "-1",
    "0",
    "99999999999999999999",
    "9223372036854775808",
    "2147483648",
    "12,5",
    "12.5 t",
    "9999-12-31",
    "0001-01-01",
    "2021-02-30",
    "21-11-24",
    "9999-12-31T23:00:00-09:00",
    "0001-01-01T00:00:00+09:00",
    "2021-11-24T06:00:00",
    "2021-11-24T06:00:00+09:00",
    '=HYPERLINK("http://x","y")',
    "+1+1",
    "@SUM(A1)",
    "a\x00b",
    "\t=1",
    "\u202etxet",
    "x" * 300,
    '"',
    "\r\n",
]
"""Cell values that broke (or could break) a parser, a validator or a driver."""

cells = st.one_of(st.sampled_from(NASTY), st.text(max_size=40))
FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

CSV_ROWS = {
    "production": ["kiln_id", "day", "shift_no", "output_t", "hours_fired", "note"],
    "shifts": ["worker_id", "start_at", "end_at", "kiln_id", "section_id", "role"],
    "work-orders": ["kiln_id", "task", "due_on", "done_on", "safety_critical", "findings"],
}
MODELS = {"production": ProductionRecord, "shifts": Shift, "work-orders": WorkOrder}


def _good_row(kind: str, plant: Plant, n: int) -> list[str]:
    kiln = str(plant.kilns_a[0])
    if kind == "production":
        return [kiln, f"2021-10-{n % 28 + 1:02d}", "1", "12.5", "8", "ok"]
    if kind == "shifts":
        day = f"2021-10-{n % 28 + 1:02d}"
        worker = str(plant.workers_a[0])
        return [worker, f"{day}T06:00:00+09:00", f"{day}T14:00:00+09:00", kiln, "", "operator"]
    return [kiln, "Shell scan", f"2021-11-{n % 28 + 1:02d}", "", "yes", ""]


def _count(engine: Engine, kind: str) -> int:
    with uow.unit_of_work(engine) as s:
        return int(s.scalar(select(func.count()).select_from(MODELS[kind])) or 0)


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


@pytest.mark.parametrize("kind", sorted(CSV_ROWS))
def test_a_csv_import_stores_everything_or_reports_rows(plant: Plant, kind: str) -> None:
    who: Principal = plant.users["mgr_a"]

    @FUZZ
    @given(
        bad=st.lists(
            st.tuples(st.integers(0, 2), st.integers(0, 5), cells), min_size=1, max_size=4
        ),
        ragged=st.booleans(),
    )
    def run(bad: list[tuple[int, int, str]], ragged: bool) -> None:
        rows = [list(CSV_ROWS[kind])] + [_good_row(kind, plant, n) for n in range(3)]
        for row, col, value in bad:
            rows[1 + row][col] = value
        if ragged:
            rows[2] = [*rows[2][:2], "extra", "cells", "past", "the", "header", "end"]
        before = _count(plant.engine, kind)
        try:
            with uow.unit_of_work(plant.engine) as s:
                stored = csvio.import_file(s, who, kind, _csv(rows))
        except BatchValidationError as exc:
            assert exc.errors and all(e.row >= 0 and e.reason for e in exc.errors)
            assert _count(plant.engine, kind) == before  # all or nothing
        else:
            assert _count(plant.engine, kind) == before + stored

    run()


@given(content=st.text(max_size=300))
@FUZZ
def test_any_text_as_a_csv_file_is_imported_or_refused_with_row_reports(
    plant: Plant, content: str
) -> None:
    try:
        with uow.unit_of_work(plant.engine) as s:
            csvio.import_file(s, plant.users["mgr_a"], "production", content)
    except BatchValidationError as exc:
        assert exc.errors


SHEET_CELLS = [
    ("production", 1, 2),  # day
    ("production", 2, 4),  # output_t
    ("production", 3, 3),  # shift_no
    ("production", 1, 6),  # note
    ("shifts", 1, 2),  # start_at
    ("shifts", 2, 3),  # end_at
    ("shifts", 1, 1),  # worker
    ("kilns", 1, 4),  # rated_capacity_t_per_day
    ("kilns", 1, 6),  # campaign_limit_days
    ("kilns", 2, 7),  # lining_installed_on
    ("kilns", 1, 1),  # name
    ("workers", 1, 2),  # name
    ("work_orders", 1, 6),  # due_on
    ("enterprises", 1, 2),  # tier
    ("regions", 1, 1),  # timezone
]


def test_a_bundle_import_stores_everything_or_reports_cells(
    empty_db: tuple[Engine, Principal], tmp_path_factory: pytest.TempPathFactory
) -> None:
    engine, admin = empty_db

    @FUZZ
    @given(bad=st.lists(st.tuples(st.sampled_from(SHEET_CELLS), cells), min_size=1, max_size=3))
    def run(bad: list[tuple[tuple[str, int, int], str]]) -> None:
        sheets: Sheets = small_region()
        for (sheet, row, col), value in bad:
            sheets[sheet][row][col] = value.replace("\x00", "")  # a CSV file keeps no NUL
        folder = write_csv_bundle(tmp_path_factory.mktemp("bundle") / "b", sheets)
        try:
            with uow.unit_of_work(engine) as s:
                import_bundle(s, admin, read_bundle(Path(folder)))
        except BundleInvalid as exc:
            assert exc.errors and all(e.rule for e in exc.errors)

    run()
