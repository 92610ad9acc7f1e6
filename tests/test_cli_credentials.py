"""The CLI's side of the credentials lifecycle (issue 15 point 6): passwords come from a prompt
or standard input, never an argument; API tokens are listed and revoked."""

from __future__ import annotations

import datetime as dt
import json

from typer.testing import CliRunner

from kilnguard.cli import app
from kilnguard.clock import FixedClock
from kilnguard.services import auth, credentials
from kilnguard.store import db as store_db
from tests.conftest import PASSWORD, Plant

runner = CliRunner()


def run(plant: Plant, *args: str, input: str | None = None) -> tuple[int, str]:
    url = plant.engine.url.render_as_string(hide_password=False)
    result = runner.invoke(app, list(args), env={"KILNGUARD_DATABASE_URL": url}, input=input)
    return result.exit_code, result.output


def test_a_password_on_the_command_line_is_refused(plant: Plant) -> None:
    code, out = run(plant, "users", "add", "night-op", "--role", "operator", "--password", "x" * 20)
    assert code == 1 and "--password-stdin" in out and "process list" in out
    code, out = run(plant, "users", "password", "op_a", "--password", "y" * 20)
    assert code == 1 and "--password-stdin" in out


def test_passwords_come_from_standard_input_or_the_prompt_and_are_checked(plant: Plant) -> None:
    add = ("users", "add", "night-op", "--role", "operator", "--enterprise", "A Cement")
    code, out = run(plant, *add, "--password-stdin", input="password1234\n")
    assert code == 1 and "common" in out
    code, out = run(plant, *add, "--password-stdin", input="a night shift passphrase\n")
    assert code == 0, out
    code, out = run(plant, "users", "add", "night-op ", "--role", "operator", input="q\n")
    assert code != 0  # prompted: a single short line is not a confirmed password
    code, out = run(
        plant, "users", "password", "night-op", input="another kiln phrase\nanother kiln phrase\n"
    )
    assert code == 0, out
    with store_db.unit_of_work(plant.engine) as s:
        assert auth.authenticate(s, "night-op", "another kiln phrase").username == "night-op"


def test_tokens_are_listed_and_revoked(plant: Plant) -> None:
    clock = FixedClock(dt.datetime.now(dt.UTC))
    for name in ("laptop", "scada bridge"):
        credentials.log_in(
            plant.engine,
            clock,
            username="op_a",
            password=PASSWORD,
            address="",
            kind="api_token",
            lifetime=dt.timedelta(days=30),
            name=name,
        )
    code, out = run(plant, "tokens", "list", "--json")
    assert code == 0, out
    tokens = json.loads(out)["tokens"]
    assert {t["name"] for t in tokens} == {"laptop", "scada bridge"}
    laptop = next(t for t in tokens if t["name"] == "laptop")
    code, out = run(plant, "tokens", "list", "--user", "mgr_a", "--login", "op_a")
    assert code == 1 and "may not" in out
    code, out = run(plant, "tokens", "revoke", str(laptop["id"]), "--user", "mgr_a")
    assert code == 1  # not theirs: not found
    code, out = run(plant, "tokens", "revoke", str(laptop["id"]), "--user", "op_a")
    assert code == 0 and "laptop" in out
    code, out = run(plant, "tokens", "list", "--login", "op_a")
    assert "laptop" not in out and "scada bridge" in out
