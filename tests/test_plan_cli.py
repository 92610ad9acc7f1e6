"""`kilnguard plan` end to end on a demo database: one JSON object with the acceptance figures,
the plan exported as CSV and both charts written."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from kilnguard.cli import app

runner = CliRunner()


def test_plan_json_export_and_charts_for_komusan(
    fresh_database_url: Callable[[], str], tmp_path: Path
) -> None:
    env = {"KILNGUARD_DATABASE_URL": fresh_database_url()}
    built = runner.invoke(app, ["demo", "--no-serve"], env=env)
    assert built.exit_code == 0, built.output
    out_csv = tmp_path / "plan.csv"
    args = ["plan", "--enterprise", "Komusan", "--json", "--time-limit", "2"]
    args += ["--export", "csv", str(out_csv), "--charts", str(tmp_path / "charts")]
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["feasible"] is False
    assert data["as_of"] == "2021-10-04" and data["first_deadline"] == "2021-12-17"
    assert 8_000 <= data["max_safe_t"] <= 8_880
    assert data["earliest_safe_date"] > "2021-12-17" and data["binding"]
    assert data["replay"]["worst_level"] in ("green", "amber")
    assert data["replay"]["actual_worst_level"] in ("red", "stop")
    assert {"margin", "extra_t", "wear_damage", "worst_level"} <= set(data["price_of_pushing"][0])
    with out_csv.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == data["kiln_shifts"] > 0
    assert {r["kiln"] for r in rows} >= {"RF-1", "RF-2", "RF-3"}
    for name in ("plan-gantt.png", "plan-risk.png"):
        assert (tmp_path / "charts" / name).read_bytes()[:4] == b"\x89PNG"


def test_a_bad_as_of_day_is_refused_in_words(fresh_database_url: Callable[[], str]) -> None:
    env = {"KILNGUARD_DATABASE_URL": fresh_database_url()}
    result = runner.invoke(app, ["plan", "--as-of", "17 Dec"], env=env)
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output
