"""`kilnguard changes list|show [--json]` on the demo database."""

from __future__ import annotations

import json
from collections.abc import Callable

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

    from kilnguard.commands import changes

    monkeypatch.setenv("KILNGUARD_DATABASE_URL", demo_url)
    app = typer.Typer()
    changes.register(app)
    app.command("noop")(lambda: None)  # keep `changes` a sub-command group
    runner = CliRunner()

    def do(*args: str) -> object:
        return runner.invoke(app, list(args))

    return do


def test_changes_list_json_shows_the_objection_and_the_overrules(
    run: Callable[..., object],
) -> None:
    result = run("changes", "list", "--json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    items = json.loads(result.output)["changes"]  # type: ignore[attr-defined]
    [cj] = [c for c in items if c["kiln"] == "TK-1"]
    assert cj["enterprise"] == "Chongjin Chemical and Textile Factory"
    assert cj["stage"] == "plant" and cj["state"] == "pre_startup_review"
    [obj] = cj["objections"]
    assert obj["role"] == "technician" and obj["status"] == "overruled"
    assert "still dangerous despite being lab-tested" in obj["reason"].lower()
    assert sorted((o["kind"], o["role"]) for o in cj["overrules"]) == [
        ("objection", "manager"),
        ("stage_skip", "manager"),
    ]
    assert all(o["by"] == "chongjin-manager" and o["reason"] for o in cj["overrules"])
    assert {c["state"] for c in items if c["enterprise"] == "Kyongsong Refractory Works"} == {
        "closed"
    }


def test_changes_show_prints_the_blockers_and_the_zone_log(run: Callable[..., object]) -> None:
    listing = json.loads(run("changes", "list", "--json").output)["changes"]  # type: ignore[attr-defined]
    cid = next(c["id"] for c in listing if c["kiln"] == "TK-1")
    text = run("changes", "show", str(cid))
    assert text.exit_code == 0, text.output  # type: ignore[attr-defined]
    out = text.output  # type: ignore[attr-defined]
    assert (
        "overrules (permanent)" in out and "refused" in out and "firing cannot be authorised" in out
    )
    data = json.loads(run("changes", "show", str(cid), "--json").output)  # type: ignore[attr-defined]
    assert (
        data["id"] == cid
        and len(data["evidence"]) == 1
        and len(data["evidence"][0]["sha256"]) == 64
    )


def test_changes_show_of_an_unknown_change_fails_without_a_traceback(
    run: Callable[..., object],
) -> None:
    result = run("changes", "show", "9999")
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert "not found" in result.output  # type: ignore[attr-defined]
