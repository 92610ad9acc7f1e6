"""The `kilnguard` command end to end on a real database: demo, audit verify, users, CSV."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from kilnguard.cli import app
from kilnguard.store import db as store_db

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_url(fresh_database_url: Callable[[], str]) -> str:
    url = fresh_database_url()
    result = runner.invoke(app, ["demo", "--no-serve"], env={"KILNGUARD_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert "regulator" in result.output and "kilnguard-demo" in result.output
    return url


def run(url: str, *args: str, input: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"KILNGUARD_DATABASE_URL": url}, input=input)
    return result.exit_code, result.output


def test_demo_holds_the_three_enterprises_labelled_reconstructed(demo_url: str) -> None:
    engine = store_db.make_engine(demo_url)
    with engine.connect() as conn:
        names = {r[0] for r in conn.execute(text("SELECT name FROM enterprises"))}
        labels = {
            r[0] for r in conn.execute(text("SELECT DISTINCT source FROM production_records"))
        }
        casualties = conn.execute(
            text(
                "SELECT killed, seriously_injured, minor_injuries FROM incidents ORDER BY occurred_at"
            )
        ).all()
    engine.dispose()
    assert names >= {
        "Komusan Cement Factory",
        "Chongjin Chemical and Textile Factory",
        "Kyongsong Refractory Works",
    }
    assert labels == {"reconstructed"}
    assert [tuple(c) for c in casualties] == [(0, 2, 5), (2, 6, 0)]


def test_audit_verify_passes_then_catches_an_edited_row(
    fresh_database_url: Callable[[], str],
) -> None:
    url = fresh_database_url()
    assert run(url, "demo", "--no-serve")[0] == 0
    code, out = run(url, "audit", "verify")
    assert code == 0 and "intact" in out
    engine = store_db.make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET entity_id = '999' WHERE seq = 42"))
    engine.dispose()
    code, out = run(url, "audit", "verify")
    assert code == 1
    assert "entry 42" in out


def test_users_add_creates_a_login_that_can_be_used(demo_url: str) -> None:
    code, out = run(
        demo_url,
        "users",
        "add",
        "night-supervisor",
        "--role",
        "operator",
        "--enterprise",
        "Komusan Cement Factory",
        input="long-password-1\nlong-password-1\n",
    )
    assert code == 0, out
    code, out = run(
        demo_url,
        "users",
        "add",
        "nobody",
        "--role",
        "operator",
        "--enterprise",
        "No Such Works",
        input="long-password-1\nlong-password-1\n",
    )
    assert code == 1 and "No Such Works" in out


def test_import_reports_every_bad_row_and_writes_nothing(demo_url: str, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text(
        "kiln_id,day,shift_no,output_t,hours_fired\n1,2021-11-26,1,10,8\n1,2021-11-26,2,11,8\n"
    )
    code, out = run(demo_url, "import", "production", str(good), "--user", "operator")
    assert code == 0 and "imported 2" in out
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "kiln_id,day,shift_no,output_t,hours_fired\n1,2021-11-27,1,10,8\n1,yesterday,1,10,8\n1,2021-11-27,2,-3,8\n"
    )
    code, out = run(demo_url, "import", "production", str(bad), "--user", "operator")
    assert code == 1
    assert "row 2, column day" in out
    code, out = run(demo_url, "export", "production", "-", "--user", "operator")
    assert code == 0
    assert "2021-11-27" not in out  # nothing of the bad file was written
    assert out.count("2021-11-26") == 2
    assert "reconstructed" in out


def test_shifts_import_refuses_overlaps_with_stored_shifts(demo_url: str, tmp_path: Path) -> None:
    # worker 1 (Refractory A1) worked 06:00-18:00 on 2021-11-20 in the demo roster
    f = tmp_path / "shifts.csv"
    f.write_text(
        "worker_id,start_at,end_at,kiln_id\n1,2021-11-20T10:00:00+09:00,2021-11-20T20:00:00+09:00,1\n"
    )
    code, out = run(demo_url, "import", "shifts", str(f), "--user", "manager")
    assert code == 1
    assert "overlaps stored shift" in out


def test_help_teaches_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("demo", "serve", "db", "users", "audit", "import", "export"):
        assert command in result.output


def test_backtest_json_has_the_contract_fields(demo_url: str, tmp_path: Path) -> None:
    import json

    code, out = run(demo_url, "backtest", "--json", "--plots", str(tmp_path / "plots"))
    assert code == 0, out
    data = json.loads(out)
    rf2 = next(k for k in data["kilns"] if k["kiln"] == "RF-2")
    assert set(rf2) >= {"kiln", "enterprise", "first", "days"}
    assert set(rf2["first"]) == {"amber", "red", "stop"}
    assert set(rf2["days"]) == {"green", "amber", "red", "stop"}
    assert rf2["first"]["stop"] < "2021-11-17"
    assert len(list((tmp_path / "plots").glob("*.png"))) == len(data["kilns"])


def test_backtest_enterprise_filter_and_unknown_enterprise(demo_url: str) -> None:
    import json

    code, out = run(demo_url, "backtest", "--enterprise", "Kyongsong", "--json", "--no-plots")
    assert code == 0
    assert {k["enterprise"] for k in json.loads(out)["kilns"]} == {"Kyongsong Refractory Works"}
    code, out = run(demo_url, "backtest", "--enterprise", "Atlantis", "--no-plots")
    assert code == 1 and "Atlantis" in out


def test_risk_explains_a_kiln_day_in_words(demo_url: str) -> None:
    code, out = run(demo_url, "risk", "RF-2", "--day", "2021-11-10", "--enterprise", "Komusan")
    assert code == 0, out
    assert out.startswith("STOP")
    assert "overdue" in out and "rating" in out
