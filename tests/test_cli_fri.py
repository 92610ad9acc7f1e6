"""`kilnguard fri ROSTER.csv`: the FRI roster checker end to end (no database involved)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kilnguard.cli import app

runner = CliRunner()

HEADER = (
    "start,end,commute_min,workload,attention,break_every_min,break_min,"
    "longest_work_min,break_after_longest_min"
)


def _r01(path: Path) -> Path:
    rows = [HEADER]
    for day in (1, 2, 3, 4, 5, 8, 9, 10, 11, 12):
        d = dt.date(2024, 1, 1) + dt.timedelta(days=day - 1)
        rows.append(f"{d}T06:00,{d}T18:00,120,2,1,180,15,240,30")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_json_reproduces_r01_unrounded(tmp_path: Path) -> None:
    result = runner.invoke(app, ["fri", str(_r01(tmp_path / "r01.csv")), "--json"])
    assert result.exit_code == 0, result.output
    duties = json.loads(result.stdout)["duties"]
    assert len(duties) == 10
    assert set(duties[0]) == {
        "start", "end", "fi", "fi_cumulative", "fi_timing", "fi_job",
        "ri", "ri_cumulative", "ri_timing", "ri_job",
    }  # fmt: skip
    assert duties[0]["start"] == "2024-01-01T06:00"
    assert duties[0]["ri"] == pytest.approx(0.99, abs=0.01)
    assert duties[-1]["fi"] == pytest.approx(19.8, abs=0.2)
    assert duties[-1]["ri"] != round(duties[-1]["ri"], 2)  # unrounded


def test_table_labels_components_units_and_policy(tmp_path: Path) -> None:
    result = runner.invoke(app, ["fri", str(_r01(tmp_path / "r01.csv"))])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "FI %" in out and "RI" in out and "within" in out
    assert (
        "Policy (labelled, not part of the model): RI > 1.6; FI > 35 by day, > 45 by night" in out
    )
    assert "2024-01-12T06:00" in out


def test_only_start_and_end_take_the_calculator_defaults(tmp_path: Path) -> None:
    path = tmp_path / "nights.csv"
    path.write_text(
        "start,end\n2024-01-01T22:00,2024-01-02T06:00\n2024-01-02T22:00,2024-01-03T06:00\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["fri", str(path), "--json"])
    assert result.exit_code == 0, result.output
    first, second = json.loads(result.stdout)["duties"]
    assert second["ri_cumulative"] > first["ri_cumulative"]


@pytest.mark.parametrize(
    ("csv_text", "needles"),
    [
        ("start,end\n2024-01-01 6am,2024-01-01T18:00\n", ["row 2", "column start", "'2024-01-01 6am'", "2024-01-01T06:00"]),
        ("start,end,workload\n2024-01-01T06:00,2024-01-01T18:00,5\n", ["row 2", "column workload", "'5'", "0 to 3"]),
        ("start,end,commute_min\n2024-01-01T06:00,2024-01-01T18:00,far\n", ["row 2", "column commute_min", "'far'", "number"]),
        ("start,end\n2024-01-01T22:00,2024-01-01T06:00\n", ["row 2", "column end", "next date"]),
        ("start,end\n2024-01-01T06:00,2024-01-02T08:00\n", ["row 2", "column end", "24 h"]),
        ("start,end\n2024-01-02T06:00,2024-01-02T18:00\n2024-01-02T12:00,2024-01-02T20:00\n", ["row 3", "column start", "sort"]),
        ("start,finish\n2024-01-01T06:00,2024-01-01T18:00\n", ["row 1", "'finish'", "allowed"]),
        ("end\n2024-01-01T18:00\n", ["row 1", "'start'", "missing"]),
        ("start,end\n2024-01-01T06:00+02:00,2024-01-01T18:00\n", ["row 2", "offset"]),
        ("", ["empty"]),
        ("start,end\n", ["no duties"]),
    ],
)  # fmt: skip
def test_bad_csv_names_row_column_value_and_fix(
    tmp_path: Path, csv_text: str, needles: list[str]
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(csv_text, encoding="utf-8")
    result = runner.invoke(app, ["fri", str(path)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.output, (needle, result.output)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["fri", str(tmp_path / "nope.csv")])
    assert result.exit_code == 1
    assert "no such file" in result.output


def test_help_teaches_columns_units_defaults_and_an_example() -> None:
    result = runner.invoke(app, ["fri", "--help"])
    assert result.exit_code == 0
    for needle in ("commute_min", "one way (min)", "default 40", "0-3", "break_after_longest_min",
                   "2024-01-01T06:00,2024-01-01T18:00,120,2,1,180,15,240,30", "--json"):  # fmt: skip
        assert needle in result.output, needle
