"""Importing a bundle: all or nothing, every problem named by sheet, row, column, value and
rule; a re-import changes nothing; a changed cell is one update with its audit entry."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from kilnguard.domain.roles import Role
from kilnguard.services import audit, uow
from kilnguard.services.access import Principal
from kilnguard.services.bundle import (
    MAX_BUNDLE_BYTES,
    BundleError,
    BundleInvalid,
    ImportResult,
    import_bundle,
    plan_import,
    read_bundle,
)
from tests.services.bundle.conftest import Sheets, add_user, counts, small_region, write_csv_bundle

DB = tuple[Engine, Principal]


def load(engine: Engine, who: Principal, folder: Path) -> ImportResult:
    with uow.unit_of_work(engine) as s:
        return import_bundle(s, who, read_bundle(folder))


def refused(engine: Engine, who: Principal, folder: Path) -> list[BundleError]:
    with pytest.raises(BundleInvalid) as exc, uow.unit_of_work(engine) as s:
        import_bundle(s, who, read_bundle(folder))
    return exc.value.errors


def test_a_region_loads_into_an_empty_database_and_a_reimport_changes_nothing(
    empty_db: DB, tmp_path: Path
) -> None:
    engine, admin = empty_db
    folder = write_csv_bundle(tmp_path / "b", small_region())
    first = load(engine, admin, folder)
    assert first.summary["production"].new == 9
    assert first.summary["shifts"].new == 6
    assert first.new == 1 + 1 + 1 + 2 + 1 + 3 + 6 + 9 + 1 + 1
    with engine.connect() as conn:
        crew = conn.execute(text("SELECT DISTINCT crew_id FROM shifts")).scalars().all()
        plan_of_order = conn.execute(text("SELECT plan_id FROM work_orders")).scalar_one()
        fraction = conn.execute(
            text("SELECT lining_used_fraction_at_onboarding FROM kilns WHERE name = 'K-1'")
        ).scalar_one()
        entries = conn.execute(
            text("SELECT enterprise_id, payload FROM audit_log WHERE action = 'import'")
        ).all()
    assert crew == [1]  # a shift without a crew was worked with the worker's crew
    assert plan_of_order == 1 and fraction == 0.4
    # one entry for the installation (the region), one for the enterprise, with the file's hash
    assert sorted(e[0] is None for e in entries) == [False, True]
    assert all(first.sha256 in e[1] for e in entries)
    assert '"production":[[1,9]]' in next(e[1] for e in entries if e[0] is not None)

    again = load(engine, admin, folder)
    assert again.nothing_changed
    assert again.message() == f"nothing changed: {first.new:,} rows already up to date"
    with uow.unit_of_work(engine) as s:
        assert audit.verify(s).ok


def test_one_changed_cell_is_one_update_with_its_audit_entry(empty_db: DB, tmp_path: Path) -> None:
    engine, admin = empty_db
    sheets = small_region()
    load(engine, admin, write_csv_bundle(tmp_path / "a", sheets))
    before = counts(engine)
    sheets["production"][2][4] = "201.75"  # K-1, 2021-11-22, shift 2
    result = load(engine, admin, write_csv_bundle(tmp_path / "b", sheets))
    assert result.summary["production"].changed == 1
    assert result.new == 0 and result.changed == 1
    after = counts(engine)
    assert after["production_records"] == before["production_records"]
    assert after["audit_log"] == before["audit_log"] + 1
    with engine.connect() as conn:
        entry = conn.execute(
            text("SELECT action, entity, payload FROM audit_log ORDER BY seq DESC LIMIT 1")
        ).one()
        stored = conn.execute(
            text(
                "SELECT output_t FROM production_records WHERE day = '2021-11-22' AND shift_no = 2"
            )
        ).scalar_one()
    assert entry[0] == "update" and entry[1] == "production_record"
    assert '"output_t":{"from":198.5,"to":201.75}' in entry[2]
    assert stored == 201.75
    with uow.unit_of_work(engine) as s:
        assert audit.verify(s).ok


def _set(sheet: str, row: int, column: str, value: str) -> Callable[[Sheets], None]:
    def change(s: Sheets) -> None:
        s[sheet][row - 1][s[sheet][0].index(column)] = value

    return change


def _rename(sheet: str, old: str, new: str) -> Callable[[Sheets], None]:
    def change(s: Sheets) -> None:
        s[sheet][0][s[sheet][0].index(old)] = new

    return change


def _append(sheet: str, row: list[str]) -> Callable[[Sheets], None]:
    return lambda s: s[sheet].append(row)


def _empty(sheet: str) -> Callable[[Sheets], None]:
    def change(s: Sheets) -> None:
        del s[sheet][1:]

    return change


BAD_INPUT = {
    "unknown kiln": (
        _set("production", 3, "kiln", "K-9"),
        ("production", 3, "kiln", "K-9", "no such kiln of enterprise 'A Cement'"),
    ),
    "unit in the header": (
        _rename("production", "output_t", "output_kg"),
        ("production", 1, "output_kg", "output_kg", "this sheet takes output_t, in t"),
    ),
    "unit in a cell": (
        _set("production", 4, "output_t", "12 kg"),
        ("production", 4, "output_t", "12 kg", "without a unit: this column is in t"),
    ),
    "overlapping shift": (
        _append(
            "shifts",
            [
                "A Cement",
                "W-001",
                "2021-11-23T10:00:00+09:00",
                "2021-11-23T18:00:00+09:00",
                "K-2",
                "operator",
            ],
        ),
        ("shifts", 8, "start_at", "2021-11-23T10:00:00+09:00", "overlaps another shift"),
    ),
    "day-first date": (
        _set("production", 2, "day", "24/11/2021"),
        ("production", 2, "day", "24/11/2021", "must be a date like 2021-11-24"),
    ),
    "duplicated key": (
        _append("production", ["A Cement", "K-2", "2021-11-24", "1", "13", "8", ""]),
        ("production", 11, "enterprise, kiln, day, shift_no", "", "repeats the key"),
    ),
    "empty sheet": (
        _empty("planned_stops"),
        ("planned_stops", 1, "", "", "has a header but no rows"),
    ),
    "naive time": (
        _set("shifts", 2, "start_at", "2021-11-22T06:00:00"),
        ("shifts", 2, "start_at", "2021-11-22T06:00:00", "must carry a time zone offset"),
    ),
    "shift ends before it starts": (
        _set("shifts", 3, "end_at", "2021-11-22T13:00:00+09:00"),
        ("shifts", 3, "end_at", "2021-11-22T13:00:00+09:00", "must end after it starts"),
    ),
    "negative output": (
        _set("production", 5, "output_t", "-3"),
        ("production", 5, "output_t", "-3", "output cannot be negative"),
    ),
    "missing required column": (
        lambda s: [r.pop(3) for r in s["kilns"]],  # the kind column
        ("kilns", 1, "kind", "", "required column is missing"),
    ),
    "unknown plan of the kiln": (
        _set("work_orders", 2, "kiln", "K-2"),
        ("work_orders", 2, "plan", "Burner management proof test", "no such maintenance plan"),
    ),
    "unknown protects": (
        _set("maintenance_plans", 2, "protects", "bms"),
        ("maintenance_plans", 2, "protects", "bms", "must be one of none, lining"),
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_stores_nothing_and_names_sheet_row_and_column(
    case: str, empty_db: DB, tmp_path: Path
) -> None:
    engine, admin = empty_db
    sheets = small_region()
    sheets["planned_stops"] = [
        ["enterprise", "kiln", "start_on", "end_on", "reason", "relines_lining"],
        ["A Cement", "K-1", "2021-12-01", "2021-12-10", "reline", "true"],
    ]
    change, (sheet, row, column, value, rule) = BAD_INPUT[case]
    change(sheets)
    before = counts(engine)
    errors = refused(engine, admin, write_csv_bundle(tmp_path / "b", sheets))
    assert counts(engine) == before
    hits = [e for e in errors if (e.sheet, e.row, e.column) == (sheet, row, column)]
    assert hits, errors
    assert hits[0].value == value and rule in hits[0].rule, hits[0]


def test_every_problem_is_reported_not_just_the_first(empty_db: DB, tmp_path: Path) -> None:
    engine, admin = empty_db
    sheets = small_region()
    _set("production", 2, "day", "24/11/2021")(sheets)
    _set("production", 6, "hours_fired", "30")(sheets)
    _set("kilns", 3, "kind", "electric")(sheets)
    _set("workers", 3, "crew", "crew Z")(sheets)
    errors = refused(engine, admin, write_csv_bundle(tmp_path / "b", sheets))
    where = {(e.sheet, e.row, e.column) for e in errors}
    assert {
        ("production", 2, "day"),
        ("production", 6, "hours_fired"),
        ("kilns", 3, "kind"),
        ("workers", 3, "crew"),
    } <= where
    assert str(next(e for e in errors if e.column == "hours_fired")) == (
        "production, row 6, column hours_fired: '30' must lie between 0 and 24 h per record"
    )


def test_a_shift_overlapping_a_stored_shift_is_refused(empty_db: DB, tmp_path: Path) -> None:
    engine, admin = empty_db
    load(engine, admin, write_csv_bundle(tmp_path / "a", small_region()))
    later = {
        "shifts": [
            ["enterprise", "worker", "start_at", "end_at", "kiln"],
            ["A Cement", "W-002", "2021-11-24T20:00:00+09:00", "2021-11-25T04:00:00+09:00", "K-1"],
            ["A Cement", "W-003", "2021-11-24T20:00:00+09:00", "2021-11-25T04:00:00+09:00", "K-1"],
        ]
    }
    errors = refused(engine, admin, write_csv_bundle(tmp_path / "b", later))
    assert [(e.row, e.column) for e in errors] == [(2, "start_at")]
    assert "stored shift" in errors[0].rule and "W-002" in errors[0].rule


def test_a_bundle_over_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "region.xlsx"
    with big.open("wb") as f:
        f.truncate(MAX_BUNDLE_BYTES + 1)  # sparse: nothing is written to disk
    with pytest.raises(BundleInvalid) as exc:
        read_bundle(big)
    assert "at most 200 MB" in exc.value.errors[0].rule


def test_writing_needs_the_right_of_each_record_kind_in_its_enterprise(
    empty_db: DB, tmp_path: Path
) -> None:
    engine, admin = empty_db
    sheets = small_region()
    load(engine, admin, write_csv_bundle(tmp_path / "a", sheets))
    operator = add_user(engine, "op", Role.OPERATOR, [1])
    manager = add_user(engine, "mgr", Role.MANAGER, [1])
    more = copy.deepcopy(sheets)
    more["kilns"].append(["A Cement", "K-3", "", "tunnel", "80", "1200", "30", "", "", ""])
    more["production"].append(["A Cement", "K-1", "2021-11-25", "1", "190", "8", ""])
    folder = write_csv_bundle(tmp_path / "b", more)
    errors = refused(engine, operator, folder)
    assert [(e.sheet, e.column) for e in errors] == [("kilns", "enterprise")]
    assert "operator" in errors[0].rule
    with uow.unit_of_work(engine) as s:
        plan = plan_import(s, manager, read_bundle(folder))
    assert plan.ok and plan.summary["kilns"].new == 1 and plan.summary["production"].new == 1
    # nor read, let alone change, another enterprise's rows (not even to see them unchanged)
    other = {
        "enterprises": [
            ["name", "region", "tier", "sector"],
            ["B Lime", "North Hamgyong", "2", "lime"],
        ],
        "crews": [["enterprise", "name"], ["B Lime", "crew B"]],
    }
    load(engine, admin, write_csv_bundle(tmp_path / "d", other))
    errors = refused(engine, manager, tmp_path / "d")
    assert [(e.sheet, e.row, e.column, e.rule) for e in errors] == [
        ("enterprises", 2, "name", "no such enterprise"),
        ("crews", 2, "enterprise", "no such enterprise"),
    ]
    # a manager may not create regions
    region = {"regions": [["name", "timezone"], ["South Pyongan", "Asia/Pyongyang"]]}
    errors = refused(engine, manager, write_csv_bundle(tmp_path / "c", region))
    assert [(e.sheet, e.row) for e in errors] == [("regions", 2)]


def test_an_unknown_sheet_and_column_are_named(empty_db: DB, tmp_path: Path) -> None:
    engine, admin = empty_db
    sheets = small_region()
    sheets["logins"] = [["username"], ["kim"]]
    sheets["crews"][0].append("colour")
    sheets["crews"][1].append("red")
    errors = refused(engine, admin, write_csv_bundle(tmp_path / "b", sheets))
    assert {(e.sheet, e.column) for e in errors} == {("logins", ""), ("crews", "colour")}


def test_a_big_insert_keeps_every_foreign_key(
    empty_db: DB, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a big COPY checks foreign keys once per constraint (dropped and added back
    in the import's transaction): they are all there afterwards, and still refuse bad rows."""
    from kilnguard.services.bundle import bulk

    engine, admin = empty_db
    monkeypatch.setattr(bulk, "FK_REBUILD_ROWS", 1)
    result = load(engine, admin, write_csv_bundle(tmp_path / "b", small_region()))
    assert result.summary["shifts"].new == 6
    with engine.connect() as conn:
        if conn.dialect.name != "postgresql":
            return
        fks = conn.execute(
            text(
                "SELECT count(*) FROM pg_constraint "
                "WHERE conrelid = 'shifts'::regclass AND contype = 'f'"
            )
        ).scalar_one()
        assert fks == 5  # enterprise, worker, crew, kiln, section
        with pytest.raises(Exception, match="foreign key"):
            conn.execute(
                text(
                    "INSERT INTO shifts (enterprise_id, worker_id, start_at, end_at, role, source) "
                    "VALUES (1, 999, now(), now() + interval '8 hours', 'operator', 'recorded')"
                )
            )


def test_a_retired_kiln_keeps_its_history_but_takes_no_later_rows(
    empty_db: DB, tmp_path: Path
) -> None:
    engine, admin = empty_db
    sheets = small_region()
    sheets["kilns"][0].append("retired_on")
    sheets["kilns"][1].append("")
    sheets["kilns"][2].append("2021-11-23")  # K-2, the shaft kiln
    errors = refused(engine, admin, write_csv_bundle(tmp_path / "b", sheets))
    assert [(e.sheet, e.row, e.column, e.value) for e in errors] == [
        ("production", 10, "kiln", "K-2")  # 2021-11-24; its rows of the 22nd and 23rd pass
    ]
    assert "was retired on 2021-11-23" in errors[0].rule
    del sheets["production"][9]
    assert load(engine, admin, write_csv_bundle(tmp_path / "c", sheets)).summary["kilns"].new == 2
