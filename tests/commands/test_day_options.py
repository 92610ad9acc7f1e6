"""Date options of the CLI (`--as-of`, `--day`): a bad or implausible date is one red sentence
naming the option and the fix, exit code 1 — never a traceback (issue 15, "500s from bad
values" on the CLI side)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kilnguard.cli import app
from tests.conftest import Plant

runner = CliRunner()


def run(url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"KILNGUARD_DATABASE_URL": url})
    return result.exit_code, result.output + (str(result.exception or ""))


@pytest.mark.parametrize(
    "args",
    [
        ("bulletins", "list", "--as-of", "2021-13-01"),
        ("bulletins", "escalate", "--as-of", "24.11.2021"),
        ("bulletins", "list", "--as-of", "9999-12-31"),
        ("risk", "K-1", "--day", "yesterday"),
    ],
)
def test_a_bad_date_option_names_the_option_without_a_traceback(
    plant: Plant, database_url: str, args: tuple[str, ...]
) -> None:
    code, out = run(database_url, *args)
    assert code == 1, out
    assert args[2] in out  # the option, named
    assert "Traceback" not in out


def test_a_good_date_option_is_taken(plant: Plant, database_url: str) -> None:
    code, out = run(database_url, "bulletins", "list", "--as-of", "2021-09-14", "--json")
    assert code == 0, out
    assert '"bulletins"' in out
