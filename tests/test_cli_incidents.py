"""`kilnguard incidents list|show`, `report`, `rates`, `bulletins` on the demo database."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kilnguard.store import db as store_db


@pytest.fixture(scope="module")
def demo_url(fresh_database_url: Callable[[], str]) -> str:
    from tests.conftest import build_demo_database

    url = fresh_database_url()
    build_demo_database(url)
    engine = store_db.make_engine(url)
    engine.dispose()
    return url


@pytest.fixture
def run(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., object]:
    import typer

    from kilnguard.commands import incidents

    monkeypatch.setenv("KILNGUARD_DATABASE_URL", demo_url)
    app = typer.Typer()
    incidents.register(app)
    runner = CliRunner()

    def do(*args: str) -> object:
        return runner.invoke(app, list(args))

    return do


def _ok(result: object) -> str:
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    return str(result.output)  # type: ignore[attr-defined]


def test_incidents_list_json_gives_each_incident_with_its_id(run: Callable[..., object]) -> None:
    items = json.loads(_ok(run("incidents", "list", "--json")))["incidents"]
    by_kiln = {i["kiln"]: i for i in items}
    kom = by_kiln["RF-2"]
    assert kom["enterprise"] == "Komusan Cement Factory"
    assert kom["occurred_at"].startswith("2021-11-24")
    assert kom["event_type"] == "explosion"
    assert kom["casualties"]["killed"] == 2 and kom["casualties"]["seriously_injured"] == 6
    assert kom["severity"]["class"] == 5
    cj = by_kiln["TK-1"]
    assert (cj["casualties"]["seriously_injured"], cj["casualties"]["minor_injuries"]) == (2, 5)
    assert all(isinstance(i["id"], int) for i in items)


def test_incidents_show_json_and_text(run: Callable[..., object]) -> None:
    items = json.loads(_ok(run("incidents", "list", "--json")))["incidents"]
    kid = next(i["id"] for i in items if i["kiln"] == "RF-2")
    item = json.loads(_ok(run("incidents", "show", str(kid), "--json")))
    assert item["id"] == kid and item["kiln"] == "RF-2"
    text = _ok(run("incidents", "show", str(kid)))
    assert "2 killed, 6 seriously injured" in text
    result = run("incidents", "show", "99999")
    assert result.exit_code == 1  # type: ignore[attr-defined]


def test_incidents_list_as_a_user_shows_only_their_enterprises(
    run: Callable[..., object],
) -> None:
    items = json.loads(_ok(run("incidents", "list", "--json", "--user", "kyongsong-manager")))
    assert items["incidents"] == []


def test_report_writes_html_and_pdf(run: Callable[..., object], tmp_path: Path) -> None:
    items = json.loads(_ok(run("incidents", "list", "--json")))["incidents"]
    kid = next(i["id"] for i in items if "komusan" in json.dumps(i).lower())
    html, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    out = _ok(run("report", str(kid), "--html", str(html), "--pdf", str(pdf)))
    assert str(html) in out and str(pdf) in out
    low = html.read_text(encoding="utf-8").lower()
    assert "2021-11-24" in low and "defer" in low and "reconstructed" in low
    assert pdf.read_bytes().startswith(b"%PDF")
    assert run("report", str(kid)).exit_code == 1  # type: ignore[attr-defined]


def test_rates_json_has_region_and_month_rows(run: Callable[..., object]) -> None:
    rows = json.loads(_ok(run("rates", "--json")))["rates"]
    [kom] = [r for r in rows if r["name"] == "Komusan Cement Factory" and r["period"] == "2021-11"]
    assert kom["fatalities"] == 2 and kom["hours_worked_h"] > 0
    assert kom["fatality_rate_per_200k_h"] == pytest.approx(
        round(2 * 200_000 / kom["hours_worked_h"], 4)
    )
    assert any(r["scope"] == "region" for r in rows)
    only = json.loads(_ok(run("rates", "--json", "--enterprise", "Kyongsong Refractory Works")))
    assert {r["name"] for r in only["rates"]} == {"Kyongsong Refractory Works"}


def test_bulletins_list_shows_who_has_not_acknowledged(run: Callable[..., object]) -> None:
    data = json.loads(_ok(run("bulletins", "list", "--json", "--user", "regulator")))
    [b] = data["bulletins"]
    assert b["not_acknowledged"] == ["Chongjin Chemical and Textile Factory"]
    text = _ok(run("bulletins", "list", "--user", "regulator", "--as-of", "2021-12-20"))
    assert "NOT acknowledged" in text and "kyongsong-manager" in text
