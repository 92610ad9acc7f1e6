"""`kilnguard records correct|void|history`: the command line corrects and voids like the
kiln page and the API, as `--user` (role and enterprise checked), errors as one sentence."""

from __future__ import annotations

import json

from sqlalchemy import select
from typer.testing import CliRunner

from kilnguard.cli import app
from kilnguard.store import models as m
from kilnguard.store.db import unit_of_work
from tests.conftest import Plant

runner = CliRunner()


def run(plant: Plant, *args: str) -> tuple[int, str]:
    url = plant.engine.url.render_as_string(hide_password=False)
    result = runner.invoke(app, list(args), env={"KILNGUARD_DATABASE_URL": url})
    return result.exit_code, result.output


def test_correct_void_and_history_from_the_command_line(plant: Plant) -> None:
    with unit_of_work(plant.engine) as s:
        rid = s.scalars(
            select(m.ProductionRecord.id).where(m.ProductionRecord.kiln_id == plant.kilns_a[2])
        ).first()
    assert rid is not None
    code, out = run(
        plant, "records", "correct", "production", str(rid), "--set", "output_t=12,6",
        "--reason", "scale misread", "--user", "op_a",
    )  # fmt: skip
    assert code == 0, out
    assert f"corrected production record {rid}: output_t" in out
    code, out = run(
        plant, "records", "void", "production", str(rid), "--reason", "x", "--user", "maint_a"
    )
    assert code == 1 and "may not" in out  # maintenance may not change production
    code, out = run(
        plant, "records", "void", "production", str(rid), "--reason", "twice", "--user", "op_a"
    )
    assert code == 0, out
    code, out = run(plant, "records", "history", "production", str(rid), "--json", "--user", "op_a")
    acts = json.loads(out)
    assert [a["action"] for a in acts] == ["create", "correct", "void"]
    assert acts[1]["after"] == {"output_t": 12.6} and acts[2]["reason"] == "twice"
    code, out = run(
        plant, "records", "correct", "production", str(rid), "--set", "output_t", "--reason", "r"
    )
    assert code == 1 and "field=value" in out
    code, out = run(plant, "records", "void", "crews", "1", "--reason", "r")
    assert code == 1 and "must be one of" in out
