"""`kilnguard audit verify [--anchor FILE]` and `kilnguard audit anchor [--file PATH]`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from kilnguard.cli import app
from kilnguard.services import records as svc
from kilnguard.services.access import SYSTEM
from kilnguard.store.db import unit_of_work
from tests.conftest import Plant

runner = CliRunner()
KEY = "cli-audit-key-0123456789abcdef"


def run(url: str, *args: str, key: str | None = None) -> tuple[int, str]:
    env = {"KILNGUARD_DATABASE_URL": url, "KILNGUARD_AUDIT_KEY": key or ""}
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def _url(plant: Plant) -> str:
    return plant.engine.url.render_as_string(hide_password=False)


def _cut_and_rehead(plant: Plant, keep: int) -> None:
    with plant.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq > :k"), {"k": keep})
        h = conn.execute(text("SELECT entry_hash FROM audit_log WHERE seq = :k"), {"k": keep})
        conn.execute(
            text("UPDATE hash_chain_head SET last_seq = :k, last_hash = :h"),
            {"k": keep, "h": h.scalar()},
        )


def test_anchor_prints_the_last_entry_as_json(plant: Plant) -> None:
    code, out = run(_url(plant), "audit", "anchor")
    assert code == 0, out
    anchor = json.loads(out)
    assert anchor["format"] == "kilnguard-audit-anchor/1"
    assert anchor["seq"] == anchor["entries"] > 0 and len(anchor["hash"]) == 64
    assert anchor["anchored_at"] and anchor["key_id"] is None


def test_verify_against_an_anchor_file_catches_a_cut_and_re_headed_log(
    plant: Plant, tmp_path: Path
) -> None:
    url, file = _url(plant), tmp_path / "anchor.json"
    code, out = run(url, "audit", "anchor", "--file", str(file))
    assert code == 0 and "anchor written" in out
    seq = json.loads(file.read_text())["seq"]
    code, out = run(url, "audit", "verify", "--anchor", str(file))
    assert code == 0 and "intact" in out and f"entry {seq} of the anchor is unchanged" in out
    _cut_and_rehead(plant, seq - 2)
    assert run(url, "audit", "verify")[0] == 0  # an unkeyed chain alone cannot tell
    code, out = run(url, "audit", "verify", "--anchor", str(file))
    assert code == 1 and "AUDIT LOG BROKEN" in out and "cut off since the anchor" in out


def test_a_bad_anchor_file_is_named(plant: Plant, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, out = run(_url(plant), "audit", "verify", "--anchor", str(bad))
    assert code == 1 and "cannot use the anchor" in out and "Traceback" not in out
    code, out = run(_url(plant), "audit", "verify", "--anchor", str(tmp_path / "missing.json"))
    assert code == 1 and "cannot use the anchor" in out


def test_anchor_refuses_a_broken_chain(plant: Plant, tmp_path: Path) -> None:
    with plant.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'x' WHERE seq = 2"))
    code, out = run(_url(plant), "audit", "anchor", "--file", str(tmp_path / "a.json"))
    assert code == 1 and "no anchor written" in out
    assert not (tmp_path / "a.json").exists()


def test_a_keyed_chain_verifies_with_its_key_and_is_unchecked_without(
    plant: Plant, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _url(plant)
    monkeypatch.setenv("KILNGUARD_AUDIT_KEY", KEY)
    with unit_of_work(plant.engine) as s:
        svc.record_production_one(
            s,
            SYSTEM,
            svc.ProductionIn(
                kiln_id=plant.kilns_a[0], day=dt.date(2021, 10, 1), output_t=7, hours_fired=8
            ),
        )
    monkeypatch.delenv("KILNGUARD_AUDIT_KEY")
    code, out = run(url, "audit", "verify", key=KEY)
    assert code == 0 and "keyed from entry" in out, out
    code, out = run(url, "audit", "verify")
    assert code == 2 and "NOT VERIFIED" in out and "without the key" in out
    assert "intact" not in out
    with plant.engine.begin() as conn:
        conn.execute(text("UPDATE hash_chain_head SET last_seq = last_seq - 1"))
    code, out = run(url, "audit", "verify", key=KEY)
    assert code == 1 and "rewound" in out
