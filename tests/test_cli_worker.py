"""`kilnguard worker`: --help teaches, --once runs what is due and exits, --status shows it."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from kilnguard.cli import app
from kilnguard.store.db import engine_for, normalise_url
from tests.conftest import Plant

runner = CliRunner()


def run(url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(
        app,
        ["worker", *args],
        env={"KILNGUARD_DATABASE_URL": url, "KILNGUARD_SCHEDULER": ""},
    )
    return result.exit_code, result.output


def test_help_teaches_the_jobs_and_the_options() -> None:
    result = runner.invoke(app, ["worker", "--help"], terminal_width=100)
    assert result.exit_code == 0
    for words in ("rollover:region N", "escalate", "--once", "--status", "advisory lock"):
        assert words in result.output


def test_once_runs_the_due_jobs_then_nothing_more_at_the_same_time(
    plant: Plant, database_url: str
) -> None:
    code, out = run(database_url, "--once", "--quiet", "--now", "2021-09-16T00:00:30+09:00")
    assert code == 0, out
    assert "rollover:region 1 2021-09-16: done: evaluated 6 kiln(s) up to 2021-09-16" in out
    assert "escalate 2021-09-15T15:00:00Z: done" in out
    code, out = run(database_url, "--once", "--quiet", "--now", "2021-09-16T00:00:35+09:00")
    assert code == 0 and "0 run(s) done" in out
    code, out = run(database_url, "--status")
    assert code == 0
    assert "rollover:region 1" in out and "daily at 00:00 Asia/Pyongyang" in out
    assert "last 2021-09-16: evaluated 6 kiln(s)" in out


def test_once_while_another_instance_is_active_does_nothing(
    plant: Plant, database_url: str, backend: str
) -> None:
    from kilnguard.services.scheduler import AdvisoryLock, Lease

    engine = engine_for(normalise_url(database_url))
    now = dt.datetime(2021, 9, 16, tzinfo=dt.UTC)
    other = AdvisoryLock(engine) if backend == "postgresql" else Lease(engine, "server", 3600)
    assert other.acquire(now)
    try:
        code, out = run(database_url, "--once", "--quiet", "--now", "2021-09-16T00:00:30+00:00")
    finally:
        other.release()
    assert code == 0 and "another instance is the active scheduler" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--now", "2021-09-16T00:00:30+09:00"), "--now only goes with --once"),
        (("--once", "--now", "yesterday"), "is not a time"),
        (("--once", "--now", "2021-09-16T00:00:30"), "needs a UTC offset"),
    ],
)
def test_bad_options_are_refused_in_a_sentence(args: tuple[str, ...], message: str) -> None:
    result = runner.invoke(app, ["worker", *args])
    assert result.exit_code == 1 and message in result.output
