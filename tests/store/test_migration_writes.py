"""Revision 0010_writes on a database that already holds what the races stored: exact copies of
a shift are removed (the first kept, each listed); any other breach stops the revision with the
rows to correct, nothing changed. After it, the database itself refuses an overlapping shift."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from alembic import command

from kilnguard.store import db as store_db
from tests.store.test_migration_onboarding import ROWS as PLANT  # worker 7 on kiln 1


def shift(ident: int, start: str, end: str) -> str:
    return (
        "INSERT INTO shifts (id, enterprise_id, worker_id, kiln_id, start_at, end_at, role, "
        f"source) VALUES ({ident}, 1, 7, 1, '{start}', '{end}', 'operator', 'recorded')"
    )


def migrate(url: str, rows: list[str]) -> sa.Engine:
    """A database at 0001 holding `rows`, then upgraded to every head."""
    cfg = store_db.alembic_config(url)
    command.upgrade(cfg, "0001_foundation")
    engine = sa.create_engine(store_db.normalise_url(url))
    with engine.begin() as conn:
        for statement in [*PLANT.split(";"), *rows]:
            if statement.strip():
                conn.execute(sa.text(statement))
    command.upgrade(cfg, "heads")
    return engine


def test_exact_copies_of_a_shift_are_removed_and_listed(
    fresh_database_url: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    copies = [shift(i, "2021-11-27 23:00:00", "2021-11-28 07:00:00") for i in (3, 4, 5)]
    later = shift(6, "2021-11-28 07:00:00", "2021-11-28 15:00:00")  # touches, no overlap
    engine = migrate(fresh_database_url(), [*copies, later])
    with engine.connect() as conn:
        kept = conn.execute(sa.text("SELECT id FROM shifts ORDER BY id")).scalars().all()
    assert kept == [3, 6]
    log = capsys.readouterr().err
    assert "shift 4: an exact copy of shift 3, removed" in log
    assert "shift 5: an exact copy of shift 3, removed" in log
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:  # the same start again
        conn.execute(sa.text(shift(9, "2021-11-27 23:00:00", "2021-11-28 03:00:00")))
    engine.dispose()


@pytest.mark.postgresql_only
def test_postgresql_refuses_an_overlapping_shift_itself(
    fresh_database_url: Callable[[], str],
) -> None:
    engine = migrate(fresh_database_url(), [shift(3, "2021-11-27 23:00:00", "2021-11-28 07:00:00")])
    with (
        pytest.raises(sa.exc.IntegrityError, match="ex_shifts_worker_overlap"),
        engine.begin() as c,
    ):
        c.execute(sa.text(shift(4, "2021-11-28 03:00:00", "2021-11-28 11:00:00")))
    engine.dispose()


def test_other_overlaps_stop_the_revision_with_the_rows_to_correct(
    fresh_database_url: Callable[[], str],
) -> None:
    rows = [
        shift(3, "2021-11-27 23:00:00", "2021-11-28 07:00:00"),
        shift(4, "2021-11-28 03:00:00", "2021-11-28 11:00:00"),
    ]
    with pytest.raises(RuntimeError, match="shifts 3 and 4 of worker 7 overlap"):
        migrate(fresh_database_url(), rows)
