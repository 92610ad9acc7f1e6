"""`kilnguard backup PATH` / `kilnguard restore PATH` on both databases: what was stored after
the backup is gone after the restore, and the audit chain verifies intact."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from kilnguard.cli import app
from kilnguard.services import records as svc
from kilnguard.services.access import SYSTEM
from kilnguard.store import db as store_db
from kilnguard.store import models as m
from tests.conftest import build_plant

runner = CliRunner()


def run(url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"KILNGUARD_DATABASE_URL": url})
    return result.exit_code, result.output


def production_count(url: str) -> int:
    engine = store_db.make_engine(url)
    try:
        with store_db.unit_of_work(engine) as s:
            return int(s.scalar(select(func.count()).select_from(m.ProductionRecord)) or 0)
    finally:
        engine.dispose()


def test_a_restore_brings_back_the_backup_and_the_chain_verifies(
    fresh_database_url: Callable[[], str], tmp_path: Path
) -> None:
    url = fresh_database_url()
    store_db.upgrade(url)
    engine = store_db.make_engine(url)
    plant = build_plant(engine)
    before = production_count(url)
    path = tmp_path / "kilnguard.backup"
    code, out = run(url, "backup", str(path))
    assert code == 0 and "backup written to" in out, out
    code, out = run(url, "backup", str(path))
    assert code == 1 and "exists" in out  # a backup never overwrites
    with store_db.unit_of_work(engine) as s:
        svc.record_production(
            s,
            SYSTEM,
            [svc.ProductionIn(plant.kilns_a[0], dt.date(2021, 9, 20), 10.0, 8.0, shift_no=4)],
        )
    engine.dispose()
    assert production_count(url) == before + 1
    code, out = run(url, "restore", str(path), "--yes")
    assert code == 0, out
    assert "audit log intact" in out
    assert production_count(url) == before
    code, out = run(url, "audit", "verify")
    assert code == 0 and "intact" in out, out


def test_restore_refuses_a_file_that_is_no_backup(
    fresh_database_url: Callable[[], str], tmp_path: Path
) -> None:
    url = fresh_database_url()
    store_db.upgrade(url)
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup")
    code, out = run(url, "restore", str(junk), "--yes")
    assert code == 1 and "is not a" in out
